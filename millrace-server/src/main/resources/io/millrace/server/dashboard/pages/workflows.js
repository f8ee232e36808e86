// Workflows: the list (namespace and tag filters, keyset pages) and one workflow as a DAG picture
// with each member's state, its members table and cancel.
import { add, h, show, svg, fmtTime, stateBadge } from '../lib/dom.js';

function status(w) {
  return String(w.status).toLowerCase();
}

/** Members in columns by depth (longest path from a root), edges as lines between them. */
function dag(members, edges, onPick) {
  const byId = new Map(members.map((m) => [m.jobId, m]));
  const parents = new Map(members.map((m) => [m.jobId, []]));
  for (const e of edges) if (parents.has(e.childId)) parents.get(e.childId).push(e.parentId);
  const depth = new Map();
  const depthOf = (id, seen = new Set()) => {
    if (depth.has(id)) return depth.get(id);
    if (seen.has(id)) return 0; // never happens for a DAG; guards the picture against bad data
    seen.add(id);
    const d = Math.max(-1, ...parents.get(id).filter((p) => byId.has(p)).map((p) => depthOf(p, seen))) + 1;
    depth.set(id, d);
    return d;
  };
  members.forEach((m) => depthOf(m.jobId));
  const columns = [];
  for (const m of members) (columns[depth.get(m.jobId)] ||= []).push(m);
  const W = 170; const H = 46; const GX = 60; const GY = 18;
  const pos = new Map();
  columns.forEach((col, x) => col.forEach((m, y) => pos.set(m.jobId, { x: 10 + x * (W + GX), y: 10 + y * (H + GY) })));
  const width = 20 + columns.length * (W + GX);
  const height = 20 + Math.max(1, ...columns.map((c) => c.length)) * (H + GY);
  const root = svg('svg', { viewBox: `0 0 ${width} ${height}`, class: 'dag', 'data-testid': 'dag', width, height });
  for (const e of edges) {
    const a = pos.get(e.parentId); const b = pos.get(e.childId);
    if (!a || !b) continue;
    root.appendChild(svg('line', { x1: a.x + W, y1: a.y + H / 2, x2: b.x, y2: b.y + H / 2, class: 'edge' }));
  }
  for (const m of members) {
    const p = pos.get(m.jobId);
    const state = String(m.state).toLowerCase();
    const g = svg('g', { class: `node state-${state}`, 'data-member': m.name, 'data-state': state, tabindex: 0 });
    g.appendChild(svg('rect', { x: p.x, y: p.y, width: W, height: H, rx: 6 }));
    g.appendChild(svg('text', { x: p.x + 8, y: p.y + 18 }, m.name));
    g.appendChild(svg('text', { x: p.x + 8, y: p.y + 36, class: 'sub' }, `${state}${m.join ? ` · ${m.join}` : ''}`));
    g.appendChild(svg('title', {}, `${m.name} (job ${m.jobId}): ${state}`));
    g.addEventListener('click', () => onPick(m));
    root.appendChild(g);
  }
  return root;
}

const list = {
  id: 'workflows',
  title: 'Workflows',
  nav: '/workflows',
  requires: '/api/workflows',
  match: (path) => (path === '/workflows' ? {} : null),
  mount(main, ctx) {
    const namespace = ctx.query.get('namespace') || '';
    const tag = ctx.query.get('tag') || '';
    const before = ctx.query.get('before') || '';
    const ns = h('input', { name: 'namespace', value: namespace, placeholder: 'any' });
    const tg = h('input', { name: 'tag', value: tag, placeholder: 'any' });
    const form = h('form', { class: 'filters' }, h('label', {}, 'namespace ', ns), h('label', {}, 'tag ', tg),
      h('button', { type: 'submit' }, 'Filter'));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const q = new URLSearchParams();
      if (ns.value.trim()) q.set('namespace', ns.value.trim());
      if (tg.value.trim()) q.set('tag', tg.value.trim());
      ctx.navigate(`/workflows?${q}`);
    });
    const table = h('div', { 'data-testid': 'workflows' });
    const pager = h('p', { class: 'pager' });
    add(main, h('h1', {}, 'Workflows'), form, table, pager);
    const params = new URLSearchParams();
    if (namespace) params.set('namespace', namespace);
    if (tag) params.set('tag', tag);
    return {
      async refresh() {
        const q = new URLSearchParams(params);
        if (before) q.set('before', before);
        const page = await ctx.api.get(`/api/workflows?${q}`);
        show(table, page.workflows.length === 0 ? h('p', {}, 'No workflows.') : h('table', {},
          h('thead', {}, h('tr', {}, ['ID', 'Name', 'Namespace', 'Status', 'Members', 'Open', 'Tags', 'Created', 'Finished']
            .map((t) => h('th', {}, t)))),
          h('tbody', {}, page.workflows.map((w) => h('tr', { 'data-workflow': w.id },
            h('td', {}, h('a', { href: `#/workflows/${w.id}` }, String(w.id))), h('td', {}, w.name),
            h('td', {}, w.namespace || '—'), h('td', {}, h('span', { class: `state state-${status(w)}` }, status(w))),
            h('td', { class: 'num' }, String(w.members)), h('td', { class: 'num' }, String(w.open)),
            h('td', {}, (w.tags || []).join(', ')), h('td', {}, fmtTime(w.createdAt)), h('td', {}, fmtTime(w.finishedAt)))))));
        const older = new URLSearchParams(params);
        if (page.next) older.set('before', page.next);
        show(pager, page.next ? h('a', { href: `#/workflows?${older}`, class: 'button' }, 'Older »') : null);
      },
    };
  },
};

const detail = {
  id: 'workflow',
  title: 'Workflow',
  nav: null,
  requires: '/api/workflows/{id}',
  match: (path) => {
    const m = /^\/workflows\/(\d+)$/.exec(path);
    return m ? { id: m[1] } : null;
  },
  mount(main, ctx) {
    const id = ctx.params.id;
    const body = h('div', { 'data-testid': 'workflow' });
    add(main, h('p', {}, h('a', { href: '#/workflows' }, '« Workflows')), body);
    return {
      async refresh() {
        let d;
        try {
          d = await ctx.api.get(`/api/workflows/${id}`);
        } catch (e) {
          if (e.status === 404) {
            show(body, h('p', {}, `Workflow ${id} does not exist.`));
            return;
          }
          throw e;
        }
        const w = d.workflow;
        const finished = w.open === 0 || w.cancelledAt;
        show(body,
          h('h1', {}, `Workflow ${w.id} · ${w.name} `, h('span', { class: `state state-${status(w)}` }, status(w))),
          h('p', { class: 'muted' }, `${w.members} members, ${w.open} open, ${w.completed} completed`,
            w.namespace ? ` · namespace ${w.namespace}` : '', ` · created ${fmtTime(w.createdAt)}`),
          ctx.server.readOnly || finished ? null : h('div', { class: 'actions' }, h('button', {
            'data-action': 'cancel',
            onclick: () => ctx.act(`Cancel workflow ${w.id}`, () => ctx.api.post(`/api/workflows/${w.id}/cancel`)),
          }, 'Cancel workflow')),
          h('div', { class: 'dag-box' }, dag(d.members, d.edges, (m) => ctx.navigate(`/jobs/${m.jobId}`))),
          h('h2', {}, 'Members'),
          h('table', {}, h('thead', {}, h('tr', {}, ['Member', 'Job', 'Kind', 'Queue', 'State', 'Join', 'Parents ok/failed/all', 'Finished']
            .map((t) => h('th', {}, t)))),
          h('tbody', {}, d.members.map((m) => h('tr', { 'data-member': m.name },
            h('td', {}, m.name), h('td', {}, h('a', { href: `#/jobs/${m.jobId}` }, String(m.jobId))),
            h('td', {}, m.kind), h('td', {}, m.queue), h('td', {}, stateBadge(String(m.state).toLowerCase())),
            h('td', {}, m.join || '—'), h('td', { class: 'num' }, `${m.succeeded}/${m.failed}/${m.parents}`),
            h('td', {}, fmtTime(m.finishedAt)))))));
      },
    };
  },
};

export default [list, detail];
