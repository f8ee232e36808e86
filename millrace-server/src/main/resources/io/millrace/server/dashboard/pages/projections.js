// Projections: each read model's status (catching up, ready, failed), this node's part, lag behind
// the event log, rate, ETA and checkpoint, with rebuild and retry.
import { add, h, show, fmtTime } from '../lib/dom.js';

export default {
  id: 'projections',
  title: 'Projections',
  nav: '/projections',
  requires: '/api/projections',
  match: (path) => (path === '/projections' ? {} : null),
  mount(main, ctx) {
    const list = h('div', { 'data-testid': 'projections' });
    add(main, h('h1', {}, 'Projections'), list);
    return {
      async refresh() {
        const projections = await ctx.api.get('/api/projections');
        show(list, projections.length === 0 ? h('p', {}, 'No projections registered.') : h('table', {},
          h('thead', {}, h('tr', {}, ['Projection', 'Status', 'Node', 'Lag', 'Applied', 'Rate', 'ETA', 'Checkpoint', 'Ready since', 'Error', '']
            .map((t) => h('th', {}, t)))),
          h('tbody', {}, projections.map((p) => h('tr', { 'data-projection': p.name, 'data-status': p.status },
            h('th', {}, p.name, ` v${p.version}`, p.required ? h('span', { class: 'badge' }, ' required') : null),
            h('td', {}, h('span', { class: `state state-${p.status}` }, p.status.replace(/_/g, ' '))),
            h('td', {}, p.node.replace(/_/g, ' '), p.runningOn ? h('div', { class: 'muted' }, p.runningOn) : null),
            h('td', { class: 'num', 'data-testid': 'lag' }, p.lag < 0 ? '?' : String(p.lag)),
            h('td', { class: 'num' }, String(p.eventsApplied)),
            h('td', { class: 'num' }, p.eventsPerSecond ? `${p.eventsPerSecond}/s` : '—'),
            h('td', { class: 'num' }, p.etaSeconds !== null && p.etaSeconds !== undefined ? `${p.etaSeconds} s` : '—'),
            h('td', {}, h('code', {}, p.checkpoint || '—')),
            h('td', {}, fmtTime(p.readyAt)),
            h('td', { class: 'error' }, p.error || '', p.rebuildRequested ? h('div', { class: 'muted' }, 'rebuild requested') : null),
            h('td', {}, ctx.server.readOnly ? null : [
              h('button', {
                'data-action': 'rebuild',
                onclick: () => {
                  if (!window.confirm(`Rebuild ${p.name} from the start of the event log?`)) return;
                  ctx.act(`Rebuild ${p.name}`, () => ctx.api.post(`/api/projections/${encodeURIComponent(p.name)}/rebuild`));
                },
              }, 'rebuild'),
              p.status === 'failed' ? h('button', {
                'data-action': 'retry',
                onclick: () => ctx.act(`Retry ${p.name}`, () => ctx.api.post(`/api/projections/${encodeURIComponent(p.name)}/retry`)),
              }, 'retry') : null,
            ]))))));
      },
    };
  },
};
