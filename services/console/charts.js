// charts.js - vital-sign trend charts in plain SVG (no chart library):
// one line per series over time, the reference range as a shaded band,
// the axes labelled, and the same numbers as a table for screen readers.
import { t } from './messages.js';

const NS = 'http://www.w3.org/2000/svg';
const W = 340;
const H = 170;
const PAD = { l: 38, r: 8, t: 8, b: 26 };

function el(name, attrs, text) {
  const e = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

function bounds(series, range) {
  const vals = series.flatMap((s) => s.points.map((p) => p.v));
  if (range) vals.push(range.low, range.high);
  let lo = Math.min(...vals);
  let hi = Math.max(...vals);
  if (lo === hi) { lo -= 1; hi += 1; }
  const pad = (hi - lo) * 0.1;
  return { lo: lo - pad, hi: hi + pad };
}

function timeLabel(ms, timeZone, locale) {
  return new Intl.DateTimeFormat(locale, { day: '2-digit', month: 'short', hour: '2-digit',
    minute: '2-digit', timeZone }).format(new Date(ms));
}

// drawChart returns an <svg> for series [{name, points: [{t: ms, v}]}]
// with range {low, high} (or null) in unit; times and numbers as locale
// writes them, title already in its words.
export function drawChart(title, unit, series, range, timeZone, locale = 'en-GB') {
  const fmt = (v, digits) => new Intl.NumberFormat(locale, { minimumFractionDigits: digits,
    maximumFractionDigits: digits }).format(v);
  const all = series.flatMap((s) => s.points);
  const t0 = Math.min(...all.map((p) => p.t));
  const t1 = Math.max(...all.map((p) => p.t));
  const span = t1 > t0 ? t1 - t0 : 1;
  const { lo, hi } = bounds(series, range);
  const x = (t) => PAD.l + ((t - t0) / span) * (W - PAD.l - PAD.r);
  const y = (v) => PAD.t + (1 - (v - lo) / (hi - lo)) * (H - PAD.t - PAD.b);
  const svg = el('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', width: '100%',
    'aria-label': t('{title} trend, {n} readings', { title, n: fmt(all.length, 0) }) });
  svg.append(el('title', {}, `${title} (${unit})`));
  if (range) {
    svg.append(el('rect', { class: 'band', x: PAD.l, width: W - PAD.l - PAD.r,
      y: y(range.high), height: Math.max(1, y(range.low) - y(range.high)),
      'data-range': `${range.low}-${range.high}` }));
  }
  svg.append(el('line', { class: 'axis', x1: PAD.l, y1: H - PAD.b, x2: W - PAD.r, y2: H - PAD.b }));
  svg.append(el('line', { class: 'axis', x1: PAD.l, y1: PAD.t, x2: PAD.l, y2: H - PAD.b }));
  for (const v of [lo, (lo + hi) / 2, hi]) {
    svg.append(el('text', { x: 2, y: y(v) + 4 }, fmt(v, hi - lo < 10 ? 1 : 0)));
  }
  svg.append(el('text', { x: PAD.l, y: H - 8 }, timeLabel(t0, timeZone, locale)));
  svg.append(el('text', { x: W - PAD.r, y: H - 8, 'text-anchor': 'end' }, timeLabel(t1, timeZone, locale)));
  series.forEach((s, i) => {
    const pts = [...s.points].sort((a, b) => a.t - b.t);
    svg.append(el('polyline', { class: i ? 'line2' : 'line',
      points: pts.map((p) => `${x(p.t).toFixed(1)},${y(p.v).toFixed(1)}`).join(' ') }));
    for (const p of pts) {
      svg.append(el('circle', { class: i ? 'pt2' : 'pt', cx: x(p.t), cy: y(p.v), r: 3 }));
    }
  });
  return svg;
}
