// How values read on screen: SLIs with their units, times, durations, states.

export const SLIS = ['latency_p50', 'latency_p90', 'latency_p99', 'latency_p999', 'cpu_p50', 'cpu_p99', 'error_rate',
  'exception_rate'];

const SLI_LABELS = {
  latency_p50: 'p50 latency',
  latency_p90: 'p90 latency',
  latency_p99: 'p99 latency',
  latency_p999: 'p99.9 latency',
  cpu_p50: 'p50 CPU time',
  cpu_p99: 'p99 CPU time',
  error_rate: 'error rate',
  exception_rate: 'exception rate',
};

/** The field of a check's per-version stats that holds this SLI. */
const STATS_FIELDS = {
  latency_p50: 'latencyP50',
  latency_p90: 'latencyP90',
  latency_p99: 'latencyP99',
  latency_p999: 'latencyP999',
  cpu_p50: 'cpuP50',
  cpu_p99: 'cpuP99',
  error_rate: 'errorRate',
  exception_rate: 'exceptionRate',
};

export function sliLabel(sli) {
  return SLI_LABELS[sli] || sli;
}

export function statsValue(stats, sli) {
  const value = stats ? stats[STATS_FIELDS[sli]] : null;
  return value == null ? null : value;
}

/** A measured value of an SLI: error rates as percentages, the rest in milliseconds. */
export function sliValue(sli, value) {
  if (value == null || Number.isNaN(value)) return '—';
  if (sli === 'error_rate' || sli === 'exception_rate') return percent(value);
  return `${round(value)} ms`;
}

export function percent(fraction) {
  const p = fraction * 100;
  if (p === 0) return '0%';
  if (Math.abs(p) < 0.1) return `${p.toFixed(3)}%`;
  if (Math.abs(p) < 10) return `${trim(p.toFixed(2))}%`;
  return `${trim(p.toFixed(1))}%`;
}

function round(ms) {
  if (Math.abs(ms) >= 100) return Math.round(ms).toString();
  if (Math.abs(ms) >= 10) return trim(ms.toFixed(1));
  return trim(ms.toFixed(2));
}

function trim(text) {
  return text.includes('.') ? text.replace(/0+$/, '').replace(/\.$/, '') : text;
}

/** An SLO as a sentence: "p99 latency ≤ 500 ms", "p50 latency ≤ 1.2 × old version". */
export function sloText(slo) {
  const dry = slo.dryRun ? ' (dry run)' : '';
  if (slo.mode === 'relative') return `${sliLabel(slo.sli)} ≤ ${slo.threshold} × old version${dry}`;
  return `${sliLabel(slo.sli)} ≤ ${sliValue(slo.sli, slo.threshold)}${dry}`;
}

// Times are shown in the viewer's own timezone, always with the zone's short name ("CET",
// "GMT+5:30"), since the API's UTC times are read by people in many places.

/** "Mar 3, 2026, 10:04:05 AM CET". */
export function dateTime(iso) {
  if (!iso) return '—';
  return new Date(iso).toLocaleString(undefined, {
    year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit',
    timeZoneName: 'short',
  });
}

/** "10:04:05 AM CET". */
export function time(iso) {
  if (!iso) return '—';
  return new Date(iso).toLocaleTimeString(undefined, {hour: '2-digit', minute: '2-digit', second: '2-digit',
    timeZoneName: 'short'});
}

/** The viewer's timezone: "Europe/Berlin (CET)". */
export function zoneName() {
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone || 'local time';
  const short = new Date().toLocaleTimeString(undefined, {timeZoneName: 'short'}).split(' ').pop();
  return short && short !== zone ? `${zone} (${short})` : zone;
}

/** A local day ("2026-03-03", as a date input gives it) as the instant it starts, or null. */
export function dayStart(day) {
  if (!day) return null;
  const t = new Date(`${day}T00:00:00`);
  return Number.isNaN(t.getTime()) ? null : t;
}

/** 45 s, 2 min 05 s, 1 h 02 min. */
export function duration(totalSeconds) {
  if (totalSeconds == null) return '—';
  const s = Math.max(0, Math.round(totalSeconds));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(s % 60).padStart(2, '0')} s`;
  const hours = Math.floor(m / 60);
  if (hours < 48) return `${hours} h ${String(m % 60).padStart(2, '0')} min`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

export function shortId(id) {
  return id ? id.slice(0, 8) : '—';
}

export const RELEASE_STATES = ['running', 'awaiting_approval', 'paused', 'succeeded', 'rolled_back', 'cancelled', 'failed'];

/** Still going: its page follows it live and people may act on it. */
export function isActive(release) {
  return release.state === 'running' || release.state === 'awaiting_approval' || release.state === 'paused';
}
