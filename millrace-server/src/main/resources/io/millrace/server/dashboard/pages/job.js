// One job: its fields, args and result, every failed attempt with its error, a timeline, and the
// actions that apply to its state.
import { add, h, show, fmtTime, stateBadge } from '../lib/dom.js';

const WAITING = ['available', 'scheduled', 'retryable'];

function timeline(job) {
  const events = [{ at: job.createdAt, what: 'created' }];
  for (const e of job.errors) events.push({ at: e.at, what: `attempt ${e.attempt} failed${e.node ? ` on ${e.node}` : ''}` });
  if (job.attemptedAt) events.push({ at: job.attemptedAt, what: `attempt ${job.attempt} started${job.attemptedBy ? ` on ${job.attemptedBy}` : ''}` });
  if (job.cancelRequestedAt) events.push({ at: job.cancelRequestedAt, what: 'cancel requested' });
  if (job.runAt && WAITING.includes(job.state)) events.push({ at: job.runAt, what: `due (${job.state})` });
  if (job.finishedAt) events.push({ at: job.finishedAt, what: job.state });
  events.sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  return h('ol', { class: 'timeline', 'data-testid': 'timeline' },
    events.map((e) => h('li', {}, h('time', {}, fmtTime(e.at)), ' ', e.what)));
}

export default {
  id: 'job',
  title: 'Job',
  nav: null,
  match: (path) => {
    const m = /^\/jobs\/(\d+)$/.exec(path);
    return m ? { id: m[1] } : null;
  },
  mount(main, ctx) {
    const id = ctx.params.id;
    const body = h('div', { 'data-testid': 'job' });
    add(main, h('p', {}, h('a', { href: '#/jobs' }, '« Jobs')), body);
    const action = (name, label) => h('button', {
      'data-action': name,
      onclick: () => ctx.act(`${label} job ${id}`, () => ctx.api.post(`/api/jobs/${id}/${name}`)),
    }, label);
    return {
      async refresh() {
        let job;
        try {
          job = await ctx.api.get(`/api/jobs/${id}`);
        } catch (e) {
          if (e.status === 404) {
            show(body, h('p', {}, `Job ${id} does not exist (or retention removed it).`));
            return;
          }
          throw e;
        }
        const actions = ctx.server.readOnly ? [] : [
          // A pending workflow member runs once its parents allow it; retrying it is refused.
          !['running', 'pending'].includes(job.state) ? action('retry', 'Retry') : null,
          !['completed', 'failed', 'cancelled', 'skipped'].includes(job.state) ? action('cancel', 'Cancel') : null,
          WAITING.includes(job.state) ? action('discard', 'Discard') : null,
        ];
        const field = (name, value) => [h('dt', {}, name), h('dd', {}, value === null || value === undefined || value === '' ? '—' : value)];
        show(body,
          h('h1', {}, `Job ${job.id} `, stateBadge(job.state)),
          h('div', { class: 'actions' }, actions),
          h('dl', { class: 'fields' },
            field('kind', job.kind), field('queue', job.queue), field('priority', String(job.priority)),
            field('attempt', `${job.attempt} of ${job.maxAttempts}`), field('unique key', job.uniqueKey),
            field('tags', job.tags.join(', ')), field('created', fmtTime(job.createdAt)),
            field('run at', fmtTime(job.runAt)), field('attempted by', job.attemptedBy),
            field('finished', fmtTime(job.finishedAt))),
          h('h2', {}, 'Args'),
          h('pre', { 'data-testid': 'args' }, JSON.stringify(job.args, null, 2)),
          job.result === null || job.result === undefined ? null : [h('h2', {}, 'Result'), h('pre', {}, JSON.stringify(job.result, null, 2))],
          h('h2', {}, 'Timeline'),
          timeline(job),
          h('h2', {}, `Errors (${job.errors.length})`),
          job.errors.length === 0 ? h('p', { class: 'muted' }, 'None.') : h('ol', { class: 'errors', 'data-testid': 'errors' },
            job.errors.map((e) => h('li', {},
              h('div', {}, h('strong', {}, `attempt ${e.attempt}`), ` · ${fmtTime(e.at)}${e.node ? ` · ${e.node}` : ''}`),
              h('div', { class: 'error-message' }, e.message),
              e.stack ? h('details', {}, h('summary', {}, 'stack'), h('pre', {}, e.stack)) : null))));
      },
    };
  },
};
