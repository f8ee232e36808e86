// Jobs: filters (queue, state, kind, tag, creation time range) kept in the address, so a filtered
// view can be shared; keyset paging (Older follows the API's `next` cursor); bulk actions on
// everything that matches the filter.
import { add, h, show, fmtTime, stateBadge } from '../lib/dom.js';

const FALLBACK_STATES = ['available', 'scheduled', 'retryable', 'running', 'pending', 'completed', 'failed', 'cancelled', 'skipped'];

/** The job states this server knows, from its OpenAPI document (capabilities may add states). */
function states(openapi) {
  const params = openapi?.paths?.['/api/jobs']?.get?.parameters || [];
  const state = params.find((p) => p.name === 'state');
  return ['', ...((state && state.schema && state.schema.enum) || FALLBACK_STATES)];
}
const FILTERS = ['queue', 'state', 'kind', 'tag', 'createdFrom', 'createdTo'];

/** datetime-local value (browser's zone) <-> ISO instant. */
function toIso(local) {
  return local ? new Date(local).toISOString() : '';
}
function toLocal(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const off = d.getTimezoneOffset() * 60000;
  return new Date(d.getTime() - off).toISOString().slice(0, 16);
}

export default {
  id: 'jobs',
  title: 'Jobs',
  nav: '/jobs',
  match: (path) => (path === '/jobs' ? {} : null),
  mount(main, ctx) {
    const filter = {};
    for (const f of FILTERS) filter[f] = ctx.query.get(f) || '';
    const before = ctx.query.get('before') || '';
    const inputs = {
      queue: h('input', { name: 'queue', value: filter.queue, placeholder: 'any', size: 12 }),
      state: h('select', { name: 'state' }, states(ctx.openapi).map((s) => h('option', { value: s, selected: s === filter.state }, s || 'any'))),
      kind: h('input', { name: 'kind', value: filter.kind, placeholder: 'any', size: 14 }),
      tag: h('input', { name: 'tag', value: filter.tag, placeholder: 'any', size: 10 }),
      createdFrom: h('input', { name: 'createdFrom', type: 'datetime-local', value: toLocal(filter.createdFrom) }),
      createdTo: h('input', { name: 'createdTo', type: 'datetime-local', value: toLocal(filter.createdTo) }),
    };
    const form = h('form', { class: 'filters', 'data-testid': 'filters' },
      Object.entries(inputs).map(([name, el]) => h('label', {}, `${name} `, el)),
      h('button', { type: 'submit' }, 'Filter'),
      h('a', { href: '#/jobs', class: 'button' }, 'Clear'));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const next = new URLSearchParams();
      for (const [name, el] of Object.entries(inputs)) {
        const v = name.startsWith('created') ? toIso(el.value) : el.value.trim();
        if (v) next.set(name, v);
      }
      ctx.navigate(`/jobs?${next}`);
    });

    const active = Object.fromEntries(Object.entries(filter).filter(([, v]) => v));
    const bulk = ctx.server.readOnly || Object.keys(active).length === 0 ? null : h('div', { class: 'bulk', 'data-testid': 'bulk' },
      'All jobs matching this filter: ',
      ['retry', 'cancel', 'discard'].map((action) => h('button', {
        'data-bulk': action,
        onclick: () => {
          if (!window.confirm(`${action} every job matching ${JSON.stringify(active)} (up to 1000)?`)) return;
          ctx.act(`Bulk ${action}`, () => ctx.api.post(`/api/bulk/jobs/${action}`, active));
        },
      }, `${action[0].toUpperCase()}${action.slice(1)} all`)));

    const table = h('div', { 'data-testid': 'jobs' });
    const pager = h('p', { class: 'pager' });
    add(main, h('h1', {}, 'Jobs'), form, bulk, table, pager);

    const params = new URLSearchParams(active);
    if (before) params.set('before', before);
    return {
      async refresh() {
        let page;
        try {
          page = await ctx.api.get(`/api/jobs?${params}`);
        } catch (e) {
          if (e.status === 400) {
            show(table, h('p', { class: 'error', 'data-testid': 'filter-error' }, `${e.field ? `${e.field}: ` : ''}${e.message}`));
            return;
          }
          throw e;
        }
        show(table, page.jobs.length === 0 ? h('p', {}, 'No jobs match.') : h('table', {},
          h('thead', {}, h('tr', {}, ['ID', 'State', 'Queue', 'Kind', 'Attempt', 'Tags', 'Created', 'Run / finished at']
            .map((t) => h('th', {}, t)))),
          h('tbody', {}, page.jobs.map((j) => h('tr', { 'data-job': j.id },
            h('td', {}, h('a', { href: `#/jobs/${j.id}` }, String(j.id))),
            h('td', {}, stateBadge(j.state)),
            h('td', {}, j.queue), h('td', {}, j.kind),
            h('td', { class: 'num' }, `${j.attempt}/${j.maxAttempts}`),
            h('td', {}, j.tags.join(', ')),
            h('td', {}, fmtTime(j.createdAt)),
            h('td', {}, fmtTime(j.finishedAt || j.runAt)))))));
        const older = new URLSearchParams(active);
        if (page.next) older.set('before', page.next);
        show(pager,
          before ? h('a', { href: `#/jobs?${new URLSearchParams(active)}`, class: 'button' }, '« Newest') : null, ' ',
          page.next ? h('a', { href: `#/jobs?${older}`, class: 'button', 'data-testid': 'older' }, 'Older »') : null);
      },
    };
  },
};
