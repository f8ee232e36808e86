// Every page of the dashboard. A capability adds its page as a module of its own and one line here.
// A page: { id, title, nav (hash the menu links to, or null), requires (an /api path the page
//           reads; the page is offered only if the server's OpenAPI document lists it),
//           match(path) -> params | null, mount(main, ctx) -> { refresh(): Promise, dispose?() } }.
import overview from './overview.js';
import jobs from './jobs.js';
import job from './job.js';
import cluster from './cluster.js';
import workflows from './workflows.js';
import backfills from './backfills.js';
import projections from './projections.js';
import schedules from './schedules.js';

export default [overview, jobs, job, ...workflows, backfills, projections, schedules, cluster];
