// Hand-drawn inline SVG and plain HTML bars: the traffic split, progress, and SLI line charts.

import {h, s} from './dom.js';

/**
 * The traffic split as one bar. split: [{versionId, percentage}]; label(versionId) names a
 * version; kind(versionId) is 'new', 'old' or 'other' and picks the colour.
 */
export function splitBar(split, label, kind) {
  const parts = (split || []).filter((p) => p.percentage > 0)
    .sort((a, b) => order(kind(a.versionId)) - order(kind(b.versionId)));
  const description = parts.length
    ? parts.map((p) => `${label(p.versionId)} ${p.percentage}%`).join(', ')
    : 'no deployment known';
  const bar = h('div', {class: 'split', role: 'img', 'aria-label': `Traffic split: ${description}`},
    parts.length === 0 ? h('div', {class: 'split-part other', style: {width: '100%'}}, 'unknown') : null,
    parts.map((p) => h('div', {
      class: `split-part ${kind(p.versionId)}`,
      style: {width: `${p.percentage}%`},
      title: `${label(p.versionId)}: ${p.percentage}%`,
      dataset: {versionId: p.versionId, percentage: String(p.percentage)},
    }, p.percentage >= 15 ? h('span', {class: 'split-text'}, `${label(p.versionId)} ${p.percentage}%`) : null)));
  // the same in words below the bar, where a thin segment has no room for its label
  return h('div', {class: 'split-box'}, bar, h('p', {class: 'split-legend', 'aria-hidden': 'true'},
    parts.map((p) => h('span', {class: `split-key ${kind(p.versionId)}`}, `${label(p.versionId)}: ${p.percentage}%`))));
}

function order(kind) {
  return kind === 'new' ? 0 : kind === 'old' ? 1 : 2;
}

/** A determinate progress bar from 0 to 1; tone (good, bad, warn, busy, neutral) colours it. */
export function progressBar(fraction, label, tone = 'busy') {
  const value = Math.round(Math.min(1, Math.max(0, fraction || 0)) * 100);
  const bar = h('div', {class: `progress tone-${tone}`, role: 'progressbar', 'aria-valuemin': 0, 'aria-valuemax': 100,
    'aria-valuenow': value, 'aria-label': label},
  h('div', {class: 'progress-fill', style: {width: `${value}%`}}));
  return bar;
}

export function setProgress(bar, fraction) {
  const value = Math.round(Math.min(1, Math.max(0, fraction || 0)) * 100);
  bar.setAttribute('aria-valuenow', value);
  bar.firstChild.style.setProperty('width', `${value}%`);
}

const W = 640;
const H = 220;
const M = {left: 78, right: 16, top: 18, bottom: 30};

/**
 * A line chart over time. series: [{name, cls, points: [{t (ms), v}]}]; threshold: {cls, value}
 * (a fixed limit) or {cls, points} (one that moves), drawn dashed; marks: [{t, v}] drawn as crosses (failed checks); stageMarks: [{t, label}] as
 * vertical rules. format(v) labels the y axis.
 */
export function lineChart({title, series, threshold, marks = [], stageMarks = [], format}) {
  const limits = threshold && threshold.value != null ? [{t: NaN, v: threshold.value}] : (threshold ? threshold.points : []);
  const all = [...series.flatMap((x) => x.points), ...limits].filter((p) => p.v != null);
  const times = all.map((p) => p.t).filter(Number.isFinite).concat(stageMarks.map((m) => m.t));
  let t0 = Math.min(...times);
  let t1 = Math.max(...times);
  if (!Number.isFinite(t0)) {
    return h('p', {class: 'muted chart-empty'}, 'No measurements yet.');
  }
  if (t1 - t0 < 10_000) {
    t0 -= 5_000;
    t1 += 5_000;
  }
  const max = niceMax(Math.max(...all.map((p) => p.v), 0));
  const x = (t) => M.left + ((t - t0) / (t1 - t0)) * (W - M.left - M.right);
  const y = (v) => H - M.bottom - (v / max) * (H - M.top - M.bottom);

  const svg = s('svg', {viewBox: `0 0 ${W} ${H}`, class: 'chart', role: 'img', 'aria-label': title,
    preserveAspectRatio: 'xMidYMid meet'});
  svg.append(s('title', {}, title));
  for (let i = 0; i <= 4; i++) {
    const v = (max * i) / 4;
    svg.append(s('line', {class: 'grid', x1: M.left, x2: W - M.right, y1: y(v), y2: y(v)}));
    svg.append(s('text', {class: 'axis', x: M.left - 6, y: y(v) + 5, 'text-anchor': 'end'}, format(v)));
  }
  for (const mark of stageMarks) {
    svg.append(s('line', {class: 'stage-rule', x1: x(mark.t), x2: x(mark.t), y1: M.top, y2: H - M.bottom}));
    svg.append(s('text', {class: 'axis', x: x(mark.t) + 4, y: M.top + 2}, mark.label));
  }
  svg.append(s('text', {class: 'axis', x: M.left, y: H - 6}, clock(t0)));
  svg.append(s('text', {class: 'axis', x: W - M.right, y: H - 6, 'text-anchor': 'end'}, clock(t1)));
  if (threshold && threshold.value != null) {
    // a fixed limit spans the whole chart
    svg.append(s('line', {class: `line ${threshold.cls}`, x1: M.left, x2: W - M.right, y1: y(threshold.value),
      y2: y(threshold.value)}));
  } else if (threshold) {
    svg.append(s('path', {class: `line ${threshold.cls}`, d: path(threshold.points, x, y)}));
  }
  for (const line of series) {
    svg.append(s('path', {class: `line ${line.cls}`, d: path(line.points, x, y)}));
    for (const p of line.points.filter((q) => q.v != null)) {
      svg.append(s('circle', {class: `dot ${line.cls}`, cx: x(p.t), cy: y(p.v), r: 2.5},
        s('title', {}, `${line.name} ${clock(p.t)}: ${format(p.v)}`)));
    }
  }
  for (const m of marks) {
    const cx = x(m.t);
    const cy = y(m.v);
    svg.append(s('path', {class: 'fail-mark', d: `M${cx - 5},${cy - 5}L${cx + 5},${cy + 5}M${cx - 5},${cy + 5}L${cx + 5},${cy - 5}`},
      s('title', {}, `failed check ${clock(m.t)}`)));
  }
  return svg;
}

/** A path through the points, broken where a value is missing. */
function path(points, x, y) {
  let d = '';
  let pen = false;
  for (const p of points) {
    if (p.v == null) {
      pen = false;
      continue;
    }
    d += `${pen ? 'L' : 'M'}${x(p.t).toFixed(1)},${y(p.v).toFixed(1)}`;
    pen = true;
  }
  return d || 'M0,0';
}

/** A round number at or above v, so the axis reads 0, 250, 500… */
function niceMax(v) {
  if (v <= 0) return 1;
  const padded = v * 1.15;
  const magnitude = 10 ** Math.floor(Math.log10(padded));
  for (const step of [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) {
    if (step * magnitude >= padded) return step * magnitude;
  }
  return 10 * magnitude;
}

function clock(t) {
  return new Date(t).toLocaleTimeString(undefined, {hour: '2-digit', minute: '2-digit', second: '2-digit'});
}
