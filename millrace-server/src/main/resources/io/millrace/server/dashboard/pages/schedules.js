// Schedules: each periodic job's expression and time zone, its next fire times, its last run and
// that job's outcome, the live nodes that register it (or that none does: orphaned), with pause,
// resume, trigger now and delete.
import { add, h, show, fmtTime, stateBadge } from '../lib/dom.js';

function status(s) {
  if (s.paused) return 'paused';
  if (s.orphaned && !s.firesWhenOrphaned) return 'orphaned';
  return 'active';
}

// A fire time in UTC, and on the schedule's own wall clock when it has a zone of its own.
function fireTime(t, zone) {
  if (zone === 'Z' || zone === 'UTC') return h('div', {}, fmtTime(t));
  let local = '';
  try {
    local = new Date(t).toLocaleString('sv-SE', { timeZone: zone, hour12: false });
  } catch (e) {
    local = '';
  }
  return h('div', {}, fmtTime(t), local ? h('span', { class: 'muted' }, ` (${local} local)`) : null);
}

function lastRun(s) {
  if (!s.lastJobId) return h('span', { class: 'muted' }, 'never');
  return h('span', {},
    h('a', { href: `#/jobs/${s.lastJobId}` }, `#${s.lastJobId}`), ' ',
    s.lastOutcome ? stateBadge(s.lastOutcome) : h('span', { class: 'muted' }, 'gone'),
    h('div', { class: 'muted' }, fmtTime(s.lastFiredAt)));
}

export default {
  id: 'schedules',
  title: 'Schedules',
  nav: '/schedules',
  requires: '/api/schedules',
  match: (path) => (path === '/schedules' ? {} : null),
  mount(main, ctx) {
    const list = h('div', { 'data-testid': 'schedules' });
    add(main, h('h1', {}, 'Schedules'), list);
    const path = (name, action) => `/api/schedules/${encodeURIComponent(name)}${action ? `/${action}` : ''}`;
    const buttons = (s) => {
      if (ctx.server.readOnly) return null;
      const out = [];
      if (s.paused || (s.orphaned && !s.firesWhenOrphaned)) {
        out.push(h('button', {
          'data-action': 'resume',
          title: s.orphaned ? 'No live node registers it: resuming makes it fire anyway' : 'Fire again from the next tick',
          onclick: () => ctx.act(`resume ${s.name}`, () => ctx.api.post(path(s.name, 'resume'))),
        }, 'resume'));
      } else {
        out.push(h('button', {
          'data-action': 'pause',
          onclick: () => ctx.act(`pause ${s.name}`, () => ctx.api.post(path(s.name, 'pause'))),
        }, 'pause'));
      }
      out.push(h('button', {
        'data-action': 'trigger',
        onclick: () => ctx.act(`trigger ${s.name}`, async () => {
          const t = await ctx.api.post(path(s.name, 'trigger'));
          return { result: `job ${t.jobId} enqueued` };
        }),
      }, 'trigger now'));
      out.push(h('button', {
        'data-action': 'delete',
        onclick: () => {
          if (!window.confirm(`Delete schedule ${s.name}? A node starting with it adds it again.`)) return;
          ctx.act(`delete ${s.name}`, async () => {
            await ctx.api.del(path(s.name));
            return { result: 'deleted' };
          });
        },
      }, 'delete'));
      return out;
    };
    return {
      async refresh() {
        const { schedules } = await ctx.api.get('/api/schedules');
        show(list, schedules.length === 0 ? h('p', {}, 'No periodic jobs registered.') : h('table', {},
          h('thead', {}, h('tr', {}, ['Schedule', 'Status', 'Expression', 'Zone', 'Next fire times', 'Last run', 'Registered by', '']
            .map((t) => h('th', {}, t)))),
          h('tbody', {}, schedules.map((s) => {
            const st = status(s);
            return h('tr', { 'data-schedule': s.name, 'data-status': st },
              h('th', {}, s.name, h('div', { class: 'muted' }, `${s.kind} on ${s.queue}`)),
              h('td', {}, h('span', { class: `state state-${st}`, 'data-testid': 'status' }, st),
                s.orphaned && s.firesWhenOrphaned ? h('div', { class: 'muted' }, 'orphaned, fires anyway') : null),
              h('td', {}, h('code', { 'data-testid': 'expression' }, s.schedule.replace(/^cron:/, '').replace(/^every:/, 'every '))),
              h('td', { 'data-testid': 'zone' }, s.zone),
              h('td', { 'data-testid': 'next' }, st === 'active'
                ? s.nextFireTimes.slice(0, 3).map((t) => fireTime(t, s.zone))
                : h('span', { class: 'muted' }, 'not firing')),
              h('td', { 'data-testid': 'last' }, lastRun(s)),
              h('td', { 'data-testid': 'nodes' }, s.registeredBy.length
                ? s.registeredBy.join(', ')
                : h('span', { class: 'error' }, `no live node${s.lastRegisteredAt ? ` (last ${fmtTime(s.lastRegisteredAt)})` : ''}`)),
              h('td', {}, buttons(s)));
          }))));
      },
    };
  },
};
