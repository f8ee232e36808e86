// Overview: every queue with its exact counts by state, pause/resume, flow control (limits), and
// throughput over time.
import { add, h, show, fmtTime } from '../lib/dom.js';
import { barChart } from '../lib/chart.js';

// pending: workflow members waiting on their parents; skipped: members whose join can no longer be met.
const COLUMNS = ['available', 'scheduled', 'running', 'retryable', 'pending', 'completed', 'failed', 'cancelled', 'skipped'];

/** "≤3 running · 10 per 1000 ms", or "none". */
export function limitsText(l) {
  const parts = [];
  if (l && l.maxRunning != null) parts.push(`≤${l.maxRunning} running`);
  if (l && l.rateLimit != null) parts.push(`${l.rateLimit} per ${l.ratePeriodMs} ms`);
  return parts.length ? parts.join(' · ') : 'none';
}

/** What the limits prompt shows and reads back: "running 3, rate 10 per 1000 ms"; empty is none. */
function limitsInput(l) {
  const parts = [];
  if (l && l.maxRunning != null) parts.push(`running ${l.maxRunning}`);
  if (l && l.rateLimit != null) parts.push(`rate ${l.rateLimit} per ${l.ratePeriodMs} ms`);
  return parts.join(', ');
}

/** The request body for an answer to the prompt; unknown text is refused before anything is sent. */
export function parseLimits(text) {
  const body = {};
  const rest = text.replace(/running\s+(\d+)/i, (_, n) => { body.maxRunning = Number(n); return ''; })
    .replace(/rate\s+(\d+)\s+per\s+(\d+)\s*ms/i, (_, n, ms) => {
      body.rateLimit = Number(n); body.ratePeriodMs = Number(ms); return '';
    });
  if (rest.replace(/[,\s]/g, '') !== '') {
    throw new Error('write the limits as "running 3, rate 10 per 1000 ms" (either part, or empty for none)');
  }
  return body;
}

export default {
  id: 'overview',
  title: 'Overview',
  nav: '/',
  match: (path) => (path === '/' || path === '/overview' ? {} : null),
  mount(main, ctx) {
    const note = h('p', { class: 'muted', 'data-testid': 'counts-note' });
    const table = h('div', { 'data-testid': 'queues' });
    const chart = h('div', { class: 'chart-box', 'data-testid': 'throughput' });
    add(main, h('h1', {}, 'Queues'), note, table, h('h2', {}, 'Throughput'), chart);

    function queueRow(q) {
      const total = COLUMNS.reduce((s, c) => s + q.counts[c], 0);
      const link = (state, n) => h('a', { href: `#/jobs?queue=${encodeURIComponent(q.name)}&state=${state}`,
        'data-count': state }, String(n));
      const toggle = ctx.server.readOnly ? null : h('button', {
        'data-action': q.paused ? 'resume' : 'pause',
        onclick: () => ctx.act(`${q.paused ? 'Resume' : 'Pause'} ${q.name}`,
          () => ctx.api.post(`/api/queues/${encodeURIComponent(q.name)}/${q.paused ? 'resume' : 'pause'}`)),
      }, q.paused ? 'Resume' : 'Pause');
      const limit = ctx.server.readOnly ? null : h('button', {
        'data-action': 'limits',
        onclick: () => {
          const answer = window.prompt(
            `Limits of ${q.name} across the cluster: "running 3, rate 10 per 1000 ms" (either part; empty: none)`,
            limitsInput(q.limits));
          if (answer === null) return;
          ctx.act(`Limits of ${q.name}`, async () => {
            const set = await ctx.api.post(`/api/queues/${encodeURIComponent(q.name)}/limits`, parseLimits(answer));
            return { result: limitsText(set.limits) };
          });
        },
      }, 'Limits');
      return h('tr', { 'data-queue': q.name },
        h('th', {}, h('a', { href: `#/jobs?queue=${encodeURIComponent(q.name)}` }, q.name)),
        h('td', {}, q.paused ? h('span', { class: 'badge paused' }, 'paused') : 'active'),
        COLUMNS.map((c) => h('td', { class: 'num' }, link(c, q.counts[c]))),
        h('td', { class: 'num', 'data-count': 'total' }, String(total)),
        h('td', { 'data-limits': '' }, limitsText(q.limits)),
        h('td', {}, toggle, limit));
    }

    return {
      async refresh() {
        const [overview, throughput] = await Promise.all([
          ctx.api.get('/api/queues?read=exact'),
          ctx.api.get('/api/stats/throughput'),
        ]);
        show(note, overview.fromCounters
          ? 'Exact counts from the counters.'
          : 'Exact counts from a scan of history: the counters are not trusted (rebuild them with `millrace storage rebuild-counters`).');
        show(table, overview.queues.length === 0 ? h('p', {}, 'No queues yet: enqueue a job.') :
          h('table', {},
            h('thead', {}, h('tr', {}, h('th', {}, 'Queue'), h('th', {}, 'Status'),
              COLUMNS.map((c) => h('th', { class: 'num' }, c)), h('th', { class: 'num' }, 'total'),
              h('th', {}, 'Limits'), h('th', {}))),
            h('tbody', {}, overview.queues.map(queueRow))));
        const samples = throughput.samples;
        const sum = (k) => samples.reduce((s, x) => s + x[k], 0);
        show(chart,
          samples.length === 0 ? h('p', { class: 'muted' }, 'Collecting samples…') : barChart([
            { label: 'completed', cls: 'completed', values: samples.map((s) => s.completed) },
            { label: 'failed', cls: 'failed', values: samples.map((s) => s.failed) },
            { label: 'cancelled', cls: 'cancelled', values: samples.map((s) => s.cancelled) },
          ], samples.map((s) => fmtTime(s.at))),
          h('p', { class: 'muted' }, `Per ${throughput.intervalMillis / 1000} s, last ${samples.length} intervals: `,
            `${sum('completed')} completed, ${sum('failed')} failed, ${sum('cancelled')} cancelled.`));
      },
    };
  },
};
