// Cluster: the nodes that heartbeat, which one leads, and how long ago each was heard from.
import { add, h, show, fmtTime, fmtAge } from '../lib/dom.js';

export default {
  id: 'cluster',
  title: 'Cluster',
  nav: '/cluster',
  match: (path) => (path === '/cluster' ? {} : null),
  mount(main, ctx) {
    const summary = h('p', { 'data-testid': 'leader' });
    const table = h('div', { 'data-testid': 'nodes' });
    add(main, h('h1', {}, 'Cluster'), summary, table);
    return {
      async refresh() {
        const c = await ctx.api.get('/api/cluster');
        const now = Date.parse(c.now);
        show(summary, c.leader ? ['Leader: ', h('code', {}, c.leader)] : 'No leader right now (one is elected within a maintenance interval).',
          ` · ${c.nodes.length} node${c.nodes.length === 1 ? '' : 's'}`);
        show(table, h('table', {},
          h('thead', {}, h('tr', {}, ['Node', 'Role', 'Host', 'PID', 'Queues', 'Kinds', 'Started', 'Last heartbeat']
            .map((t) => h('th', {}, t)))),
          h('tbody', {}, c.nodes.map((n) => h('tr', { 'data-node': n.id },
            h('td', {}, h('code', {}, n.id)),
            h('td', {}, n.leader ? h('span', { class: 'badge leader' }, 'leader') : 'follower'),
            h('td', {}, n.host), h('td', { class: 'num' }, String(n.pid)),
            h('td', {}, n.queues.join(', ') || '—'), h('td', {}, n.kinds.join(', ') || '—'),
            h('td', {}, fmtTime(n.startedAt)),
            h('td', {}, `${fmtAge(now - Date.parse(n.heartbeatAt))} ago`))))));
      },
    };
  },
};
