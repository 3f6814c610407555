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

// bounds: the value axis, the readings and the reference ranges with a
// tenth to spare, never past what the measure can be (limit: SpO2's 100).
function bounds(series, limit) {
  const vals = series.flatMap((s) => s.points.map((p) => p.v));
  for (const s of series) if (s.range) vals.push(s.range.low, s.range.high);
  let lo = Math.min(...vals);
  let hi = Math.max(...vals);
  if (lo === hi) { lo -= 1; hi += 1; }
  const pad = (hi - lo) * 0.1;
  return { lo: Math.max(lo - pad, limit && limit.min !== undefined ? limit.min : -Infinity),
    hi: Math.min(hi + pad, limit && limit.max !== undefined ? limit.max : Infinity) };
}

// outside: a reading outside its series' reference range.
export function outside(s, v) {
  return !!s.range && (v < s.range.low || v > s.range.high);
}

function timeLabel(ms, timeZone, locale) {
  return new Intl.DateTimeFormat(locale, { day: '2-digit', month: 'short', hour: '2-digit',
    minute: '2-digit', timeZone }).format(new Date(ms));
}

// drawChart returns an <svg> for series [{name, points: [{t: ms, v}],
// range: {low, high} or null}] in unit, each series' range a band (both
// pressures banded), a reading outside its range drawn larger and
// outlined (class "out"), the axis kept within limit {min, max}; times
// and numbers as locale writes them, title already in its words.
export function drawChart(title, unit, series, limit, timeZone, locale = 'en-GB') {
  const fmt = (v, digits) => new Intl.NumberFormat(locale, { minimumFractionDigits: digits,
    maximumFractionDigits: digits }).format(v);
  const all = series.flatMap((s) => s.points);
  const t0 = Math.min(...all.map((p) => p.t));
  const t1 = Math.max(...all.map((p) => p.t));
  const span = t1 > t0 ? t1 - t0 : 1;
  const { lo, hi } = bounds(series, limit);
  const x = (t) => PAD.l + ((t - t0) / span) * (W - PAD.l - PAD.r);
  const y = (v) => PAD.t + (1 - (v - lo) / (hi - lo)) * (H - PAD.t - PAD.b);
  const svg = el('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', width: '100%',
    'aria-label': t('{title} trend, {n} readings', { title, n: fmt(all.length, 0) }) });
  svg.append(el('title', {}, `${title} (${unit})`));
  series.forEach((s, i) => {
    if (!s.range) return;
    const top = y(Math.min(s.range.high, hi));
    svg.append(el('rect', { class: i ? 'band band2' : 'band', x: PAD.l, width: W - PAD.l - PAD.r,
      y: top, height: Math.max(1, y(Math.max(s.range.low, lo)) - top), 'data-range': `${s.range.low}-${s.range.high}` }));
  });
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
      const out = outside(s, p.v);
      const dot = el('circle', { class: (i ? 'pt2' : 'pt') + (out ? ' out' : ''), cx: x(p.t), cy: y(p.v), r: out ? 5 : 3 });
      if (out) dot.append(el('title', {}, t('{name} {value} {unit}: out of range', { name: s.label || s.name, value: fmt(p.v, 1), unit })));
      svg.append(dot);
    }
  });
  return svg;
}
