// The warm-up banner, fed by /ready: while any readiness check is pending (a blocking backfill,
// a required projection catching up, the schema), it shows each one with its message and, when
// the check reports it, progress, lag and ETA. It needs no knowledge of the capabilities: a check
// registered by a new capability shows up here by itself.

import { h, show } from './lib/dom.js';

/** A fraction 0..1 from a check's details, or null when it reports none. */
export function progressOf(details) {
  if (!details) return null;
  const num = (v) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
  if (num(details.progress) !== null) return clamp(details.progress > 1 ? details.progress / 100 : details.progress);
  if (num(details.percent) !== null) return clamp(details.percent / 100);
  const done = num(details.done) ?? num(details.processed) ?? num(details.position);
  const total = num(details.total) ?? num(details.target) ?? num(details.head);
  if (done !== null && total) return clamp(done / total);
  return null;
}

function clamp(x) {
  return Math.max(0, Math.min(1, x));
}

function progressLine(name, message, d, attrs) {
  const p = progressOf(d);
  const extra = [];
  if (d.state !== undefined && typeof d.state !== 'object') extra.push(String(d.state));
  // A negative lag means unknown (the check's message says so).
  if (typeof d.lag === 'number' && d.lag >= 0) extra.push(`lag ${d.lag}`);
  if (d.eta !== undefined && d.eta !== null) extra.push(`ETA ${d.eta}`);
  if (d.etaSeconds !== undefined && d.etaSeconds !== null) extra.push(`ETA ${Math.round(d.etaSeconds)} s`);
  if (d.lastError) extra.push(`error: ${d.lastError}`);
  if (d.error) extra.push(`error: ${d.error}`);
  const bar = p === null ? null : h('span', { class: 'bar', role: 'progressbar', 'aria-valuemin': 0,
    'aria-valuemax': 100, 'aria-valuenow': Math.round(p * 100) }, h('span', { class: 'fill' }));
  if (bar) bar.firstChild.style.width = `${(p * 100).toFixed(1)}%`;
  return h('li', attrs,
    h('span', { class: 'check-name' }, name), ' ',
    message ? h('span', { class: 'check-message' }, message) : null, ' ',
    bar, p === null ? null : h('span', { class: 'pct' }, ` ${Math.round(p * 100)}%`),
    extra.length ? h('span', { class: 'muted' }, ` (${extra.join(', ')})`) : null);
}

/**
 * One line per pending check; a check whose details hold one object per item (the blocking
 * backfills, say) gets a nested line per item with that item's own progress.
 */
export function renderBanner(el, ready) {
  const pending = ((ready && ready.checks) || []).filter((c) => !c.ready);
  if (!ready || ready.ready || pending.length === 0) {
    el.hidden = true;
    show(el);
    return;
  }
  el.hidden = false;
  show(el,
    h('strong', {}, 'Warming up: not ready yet'),
    h('ul', {}, pending.map((c) => {
      const d = c.details || {};
      const line = progressLine(c.name, c.message, d, { 'data-check': c.name });
      const items = Object.entries(d).filter(([, v]) => v && typeof v === 'object' && !Array.isArray(v));
      if (items.length) {
        line.appendChild(h('ul', {}, items.map(([name, v]) => progressLine(name, null, v, { 'data-item': name }))));
      }
      return line;
    })));
}
