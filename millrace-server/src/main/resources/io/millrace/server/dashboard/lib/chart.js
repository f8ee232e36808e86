// A small stacked bar chart in SVG, built with DOM calls (no markup strings).
import { svg } from './dom.js';

/**
 * series: [{ label, color class, values: [n, ...] }], all of the same length; times: labels per bar.
 */
export function barChart(series, times, { width = 720, height = 140 } = {}) {
  const n = times.length;
  // At least 60 slots, newest at the right, so a few samples do not become a few wide blocks.
  const slots = Math.max(n, 60);
  const offset = slots - n;
  const totals = times.map((_, i) => series.reduce((s, x) => s + x.values[i], 0));
  const max = Math.max(1, ...totals);
  const bw = width / slots;
  const root = svg('svg', { viewBox: `0 0 ${width} ${height + 16}`, class: 'chart', role: 'img' });
  root.appendChild(svg('title', {}, `jobs finished per interval, peak ${max}`));
  for (let i = 0; i < n; i++) {
    let y = height;
    for (const s of series) {
      const v = s.values[i];
      if (!v) continue;
      const bh = (v / max) * height;
      y -= bh;
      const rect = svg('rect', { x: ((offset + i) * bw + 0.5).toFixed(1), y: y.toFixed(1), width: Math.max(1, bw - 1).toFixed(1),
        height: bh.toFixed(1), class: s.cls });
      rect.appendChild(svg('title', {}, `${times[i]}: ${v} ${s.label}`));
      root.appendChild(rect);
    }
  }
  root.appendChild(svg('text', { x: 2, y: 12, class: 'axis' }, `${max}`));
  root.appendChild(svg('line', { x1: 0, y1: height, x2: width, y2: height, class: 'axis' }));
  return root;
}
