// The admin API from the browser. The token lives in sessionStorage and travels in the
// X-Millrace-Token header, never in a cookie, so other sites cannot make the browser send it.
// Requests carry this origin's own cookies (and HTTP authentication), as the page's did: mounted
// in an application, its login session is what lets them through. Millrace sets no cookie.

const TOKEN_KEY = 'millrace.token';

// Where the server is mounted: '/' for `millrace serve`, '/millrace/' (say) inside an application's
// own web server. This module is served from <mount>dashboard/lib/api.js, so the mount is two
// levels up from it. Callers name paths as the API documents them ('/api/queues').
const MOUNT = new URL('../../', import.meta.url).pathname;

/** A documented path ('/api/queues') as this page must request it. */
export function url(path) {
  return MOUNT + path.replace(/^\//, '');
}

export class ApiError extends Error {
  constructor(status, message, field) {
    super(message);
    this.status = status;
    this.field = field;
  }
}

export function token() {
  return sessionStorage.getItem(TOKEN_KEY) || '';
}

export function setToken(value) {
  if (value) sessionStorage.setItem(TOKEN_KEY, value);
  else sessionStorage.removeItem(TOKEN_KEY);
}

async function call(method, path, body) {
  const headers = { Accept: 'application/json' };
  if (token()) headers['X-Millrace-Token'] = token();
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(url(path), {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: 'same-origin',
    cache: 'no-store',
  });
  showReadSource(res.headers.get('Millrace-Read-Source'));
  const text = await res.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch (e) {
    throw new ApiError(res.status, `unexpected answer from ${path}: ${text.slice(0, 200)}`, null);
  }
  if (!res.ok && !(path === '/ready' && res.status === 503)) {
    throw new ApiError(res.status, (data && data.error) || res.statusText, data && data.field);
  }
  return data;
}

/**
 * Where the last read was served, in the header's #read-source badge: hidden while every read goes
 * to the primary because no replica is configured; otherwise the replica and its lag, or the
 * primary and why the replica was passed over (the Millrace-Read-Source header).
 */
function showReadSource(value) {
  const el = document.getElementById('read-source');
  if (!el || !value) return;
  const fields = Object.fromEntries(value.split(';').slice(1).map((f) => f.trim().split('=')));
  const source = value.split(';')[0].trim();
  if (source === 'primary' && !fields.fallback) {
    el.hidden = true;
    return;
  }
  el.hidden = false;
  el.dataset.source = source;
  el.textContent = source === 'replica'
    ? `replica, ${fields['lag-ms']} ms behind`
    : `primary (replica: ${fields.fallback})`;
  el.title = value;
}

export const get = (path) => call('GET', path);
export const post = (path, body) => call('POST', path, body);
export const del = (path) => call('DELETE', path);

/** A query string from an object, leaving out empty values. */
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== null && v !== undefined && v !== '') q.set(k, v);
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}
