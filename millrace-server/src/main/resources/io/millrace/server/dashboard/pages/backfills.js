// Backfills: each one's state, a progress bar, rows walked and changed, rate, ETA, batch size,
// throttle and last error, with the actions its state allows (pause, resume, cancel, retry).
import { add, h, show, fmtTime } from '../lib/dom.js';

const ACTIONS = {
  pending: ['pause', 'cancel'],
  running: ['pause', 'cancel'],
  paused: ['resume', 'cancel'],
  failed: ['retry', 'cancel'],
  succeeded: [],
  cancelled: [],
};

function stateOf(b) {
  return typeof b.state === 'string' ? b.state.toLowerCase() : String(b.state);
}

function bar(percent) {
  const el = h('span', { class: 'bar', role: 'progressbar', 'aria-valuemin': 0, 'aria-valuemax': 100,
    'aria-valuenow': percent === null || percent === undefined ? '' : percent.toFixed(1) }, h('span', { class: 'fill' }));
  el.firstChild.style.width = `${percent || 0}%`;
  return el;
}

export default {
  id: 'backfills',
  title: 'Backfills',
  nav: '/backfills',
  requires: '/api/backfills',
  match: (path) => (path === '/backfills' ? {} : null),
  mount(main, ctx) {
    const list = h('div', { 'data-testid': 'backfills' });
    add(main, h('h1', {}, 'Backfills'), list);
    return {
      async refresh() {
        const { backfills } = await ctx.api.get('/api/backfills');
        show(list, backfills.length === 0 ? h('p', {}, 'No backfills registered.') : h('table', {},
          h('thead', {}, h('tr', {}, ['Backfill', 'State', 'Progress', 'Rows', 'Changed', 'Rate', 'ETA', 'Batch', 'Notes', '']
            .map((t) => h('th', {}, t)))),
          h('tbody', {}, backfills.map((b) => {
            const state = stateOf(b);
            const pct = b.percent === null || b.percent === undefined ? null : b.percent;
            return h('tr', { 'data-backfill': b.name, 'data-state': state },
              h('th', {}, b.name, b.blocking ? h('span', { class: 'badge' }, ' blocking') : null),
              h('td', {}, h('span', { class: `state state-${state}` }, state)),
              h('td', {}, bar(pct), h('span', { class: 'pct', 'data-testid': 'percent' }, pct === null ? ' unknown' : ` ${pct.toFixed(1)}%`)),
              h('td', { class: 'num', 'data-testid': 'rows' }, `${b.rowsProcessed} / ${b.rowsTotal ? b.rowsTotal : 'unknown'}`),
              h('td', { class: 'num' }, String(b.rowsAffected)),
              h('td', { class: 'num' }, b.rowsPerSecond ? `${Math.round(b.rowsPerSecond)}/s` : '—'),
              h('td', { class: 'num' }, state !== 'running' ? '—' : b.etaSeconds === null || b.etaSeconds === undefined ? 'unknown' : `${Math.round(b.etaSeconds)} s`),
              h('td', { class: 'num' }, b.batchSize ? String(b.batchSize) : '—'),
              h('td', {}, b.throttledBy ? `throttled: ${b.throttledBy}` : '', b.lastError ? h('div', { class: 'error' }, b.lastError) : null,
                b.finishedAt ? h('div', { class: 'muted' }, `finished ${fmtTime(b.finishedAt)}`) : null),
              h('td', {}, ctx.server.readOnly ? null : (ACTIONS[state] || []).map((a) => h('button', {
                'data-action': a,
                onclick: () => ctx.act(`${a} ${b.name}`, () => ctx.api.post(`/api/backfills/${encodeURIComponent(b.name)}/${a}`)),
              }, a))));
          }))));
      },
    };
  },
};
