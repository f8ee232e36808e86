// The dashboard shell: hash routing to page modules, one polling loop that refreshes the visible
// page and the warm-up banner, the token form and notices. Pages know nothing of each other; each
// is a module in pages/ listed in pages/index.js.

import pages from './pages/index.js';
import * as api from './lib/api.js';
import { h, show } from './lib/dom.js';
import { renderBanner } from './banner.js';

const REFRESH_MS = Number(new URLSearchParams(location.search).get('refresh')) || 2000;
const main = document.getElementById('main');
const notice = document.getElementById('notice');
let server = { readOnly: false, mutationsNeedToken: false, readsNeedToken: false };
let openapi = null;
// Pages whose API this server has: a capability's page appears once its routes are documented.
let available = pages.filter((p) => !p.requires);
let current = null; // { page, view, key }
let refreshing = false;

function route() {
  const hash = location.hash.replace(/^#/, '') || '/';
  const [path, qs] = hash.split('?');
  for (const page of available) {
    const params = page.match(path);
    if (params) return { page, params, query: new URLSearchParams(qs || ''), key: hash };
  }
  return null;
}

function notify(message, isError) {
  if (!message) {
    notice.hidden = true;
    return;
  }
  notice.className = isError ? 'error' : 'ok';
  show(notice, message);
  notice.hidden = false;
}

/** Runs an action, reporting its outcome; the page refreshes at once afterwards. */
async function act(label, fn) {
  try {
    const result = await fn();
    notify(`${label}: ${describe(result)}`, false);
  } catch (e) {
    notify(`${label} failed: ${e.message}${e.field ? ` (field: ${e.field})` : ''}`, true);
  }
  await tick();
}

function describe(result) {
  if (!result || typeof result !== 'object') return 'done';
  if ('result' in result) return result.result.replace(/_/g, ' ');
  if ('matched' in result) {
    const parts = Object.entries(result.outcomes).map(([k, v]) => `${v} ${k.replace(/_/g, ' ')}`);
    return `${result.matched} matched${parts.length ? ` (${parts.join(', ')})` : ''}${result.next ? '; more remain' : ''}`;
  }
  if ('paused' in result) return result.paused ? 'paused' : 'resumed';
  if ('applied' in result && result.state) return `now ${result.state}`;
  return 'done';
}

function mount() {
  delete document.body.dataset.rendered;
  const r = route();
  if (current && current.view.dispose) current.view.dispose();
  notify(null);
  if (!r) {
    current = null;
    show(main, h('p', {}, 'No such page. '), h('a', { href: '#/' }, 'Overview'));
    return;
  }
  const ctx = {
    api, server, openapi, params: r.params, query: r.query, act, notify,
    navigate: (hash) => { location.hash = hash; },
  };
  show(main);
  current = { page: r.page, view: r.page.mount(main, ctx), key: r.key };
  for (const a of document.querySelectorAll('#nav a')) {
    a.classList.toggle('active', a.dataset.page === r.page.id);
  }
  tick();
}

async function tick() {
  if (refreshing) return;
  refreshing = true;
  const shown = current;
  const live = document.getElementById('live');
  try {
    const ready = await api.get('/ready');
    renderBanner(document.getElementById('banner'), ready);
    if (shown) await shown.view.refresh();
    live.classList.remove('stale');
    live.title = `Refreshed ${new Date().toISOString()}`;
  } catch (e) {
    live.classList.add('stale');
    if (e.status === 401) askToken();
    else notify(`Refresh failed: ${e.message}`, true);
  } finally {
    refreshing = false;
  }
  if (current !== shown) {
    // The page changed while this refresh ran: draw the new one now, not an interval later.
    tick();
  } else {
    // A settled page says which route it shows, so an observer (a test, a screen reader's
    // live region) can tell a finished render from one in progress.
    document.body.dataset.rendered = shown ? shown.key : '';
  }
}

function askToken() {
  const form = document.getElementById('token-form');
  form.hidden = false;
}

async function loadPages() {
  try {
    openapi = await api.get('/api/openapi.json');
    const paths = new Set(Object.keys(openapi.paths || {}));
    available = pages.filter((p) => !p.requires || paths.has(p.requires));
  } catch (e) {
    if (e.status === 401) askToken();
  }
  const nav = document.getElementById('nav');
  show(nav);
  for (const page of available.filter((p) => p.nav)) {
    nav.appendChild(h('a', { href: `#${page.nav}`, 'data-page': page.id }, page.title));
  }
}

async function start() {
  const form = document.getElementById('token-form');
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    api.setToken(document.getElementById('token').value.trim());
    notify(null);
    loadServer().then(loadPages).then(mount);
  });
  await loadServer();
  await loadPages();
  window.addEventListener('hashchange', mount);
  mount();
  setInterval(tick, REFRESH_MS);
}

async function loadServer() {
  try {
    Object.assign(server, await api.get('/api/server'));
  } catch (e) {
    if (e.status === 401) askToken();
  }
  const mode = document.getElementById('mode');
  mode.hidden = !server.readOnly;
  mode.textContent = server.readOnly ? 'read-only' : '';
  if ((server.mutationsNeedToken && !server.readOnly) || server.readsNeedToken) {
    if (!api.token()) askToken();
  }
}

start();
