// A release's timeline: every step it took, in order. It is derived from what the API holds (the
// release's stage times and outcome, its checks, its smoke test and gates, and the decisions
// people took with who and why), so an ended release reads the same as one followed live. Each
// kind of entry has one row in EVENT_KINDS, and entries the release itself carries in `events`
// or `timeline` ({kind, at, stageIndex?, message?, by?, note?}) are merged in as they are.

import {h} from './dom.js';
import {duration, time} from './format.js';
import {checkCounted, outcomeText, plainText, stageName} from './words.js';

/**
 * kind -> {tone, title(entry, ctx)}. ctx: {release, name(versionId)}. tone colours the marker:
 * good, bad, warn, busy, neutral.
 */
export const EVENT_KINDS = {
  started: {
    tone: 'busy',
    title: (e, {release: r, name}) => (r.kind === 'revert'
      ? `Revert started: ${name(r.newVersionId)} back to 100%, replacing ${name(r.oldVersionId)}`
      : `Release started: ${name(r.oldVersionId)} → ${name(r.newVersionId)}`),
  },
  split_requested: {
    tone: 'neutral',
    title: (e, {release: r, name}) => `${cap(stageName(r, e.stageIndex))}: asked Cloudflare to send `
      + `${r.stages[e.stageIndex].targetPercent}% of traffic to ${name(r.newVersionId)}`,
  },
  split_applied: {
    tone: 'busy',
    title: (e, {release: r, name}) => {
      const pct = r.stages[e.stageIndex].targetPercent;
      return `${cap(stageName(r, e.stageIndex))}: split applied at Cloudflare (${name(r.newVersionId)} ${pct}%`
        + `${pct < 100 ? `, ${name(r.oldVersionId)} ${100 - pct}%` : ''}); a ${duration(r.stages[e.stageIndex].soakSeconds)} soak began`;
    },
  },
  checks: {
    tone: 'neutral',
    title: (e, {release: r}) => `${cap(stageName(r, e.stageIndex))} checks: ${checkSummary(e.counts)}`
      + (e.uncounted ? `; ${e.uncounted} more did not count` : ''),
  },
  awaiting_approval: {
    tone: 'warn',
    title: (e, {release: r}) => `${cap(stageName(r, e.stageIndex))} soaked; waiting for a person to approve`
      + (e.deadline ? ` until ${time(e.deadline)}` : ''),
  },
  approved: {tone: 'good', title: (e, {release: r}) => `${cap(stageName(r, e.stageIndex))} approved`},
  passed: {tone: 'good', title: (e, {release: r}) => `${cap(stageName(r, e.stageIndex))} passed`},
  denied: {tone: 'warn', title: (e, {release: r}) => `${cap(stageName(r, e.stageIndex))} denied: rolling back`},
  cancelled: {tone: 'warn', title: (e, {release: r}) => `Release cancelled at ${stageName(r, e.stageIndex)}: rolling back`},
  timed_out: {tone: 'warn', title: (e, {release: r}) => `Nobody approved ${stageName(r, e.stageIndex)} in time: rolling back`},
  outcome: {tone: 'bad', title: (e) => e.headline},
  succeeded: {tone: 'good', title: (e) => e.headline},
  rollback_applied: {tone: 'neutral', title: (e, {release: r, name}) => `Traffic back on ${name(r.oldVersionId)} (100%) at Cloudflare`},
  blocked: {tone: 'bad', title: () => 'Cloudflare keeps refusing the deployment'},
  smoke: {
    tone: 'neutral',
    title: (e, {release: r, name}) => {
      const what = e.attempt ? `Smoke test at 0%, attempt ${e.attempt}` : 'Smoke test at 0%';
      if (e.verdict === 'pass' || e.passed === true) return `${what}: ${name(r.newVersionId)} answered as expected`;
      if (e.verdict === 'fail' || e.passed === false) return `${what}: failed`;
      if (e.verdict === 'unconfirmed') return `${what}: not confirmed to reach ${name(r.newVersionId)}; trying again`;
      return `${what}: ${name(r.newVersionId)} deployed at 0% for it`;
    },
  },
  gate: {
    tone: 'neutral',
    title: (e, {release: r}) => {
      const gate = `Gate ${e.name ? `“${e.name}” ` : ''}`;
      const where = e.stageIndex == null ? 'before the start' : `before ${stageName(r, e.stageIndex)}`;
      if (e.passed === true) return `${gate}said yes ${where}${e.attempts > 1 ? ` (after ${e.attempts} attempts)` : ''}`;
      if (e.passed === false) return `${gate}said no ${where} (${e.attempts} attempt${e.attempts === 1 ? '' : 's'})`;
      return `${gate}asked ${where}`;
    },
  },
  paused: {tone: 'warn', title: () => 'Release paused: the soak clock stopped; checks go on'},
  resumed: {tone: 'busy', title: () => 'Release resumed: the soak clock runs again'},
  promoted: {
    tone: 'busy',
    title: (e, {release: r}) => (e.full ? 'Release promoted straight to 100%'
      : `Release promoted: ${stageName(r, e.stageIndex)}'s soak ended early`),
  },
  reverted: {
    tone: 'warn',
    title: (e) => `Reverted${e.releaseId ? ` by release ${e.releaseId}` : ''}: the old version goes back to 100%`,
  },
};

function cap(text) {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function checkSummary(counts) {
  const parts = [['pass', 'passed'], ['fail', 'failed'], ['inconclusive', 'inconclusive'], ['error', 'could not be made']]
    .filter(([k]) => counts[k]).map(([k, word]) => `${counts[k]} ${word}`);
  return parts.length ? parts.join(', ') : 'none counted yet';
}

/**
 * The entries of a release, oldest first; entries without a time (a rollback seen only as its
 * result) come last. extra: {audit: [audit entries of this release], decisions: [{action, at,
 * by, note}] made from this page, rollbackAt: ms when the rollback was seen applied, name}.
 */
export function buildTimeline(release, checks, extra = {}) {
  const r = release;
  const plan = r.plan || {};
  const audit = (extra.audit || []).slice().sort((a, b) => a.at.localeCompare(b.at));
  const local = extra.decisions || [];
  // the release's own decisions (who and their note) when the API has them; else this tab's, else the audit log
  const own = (r.decisions || []).map((d) => ({...d, action: `release.${d.action}`}));
  const who = (action, at) => {
    const near = (list, by) => list.filter((d) => d.action === action)
      .map((d) => ({d, gap: Math.abs(Date.parse(d.at) - at)})).filter((x) => x.gap < 60_000)
      .sort((a, b) => a.gap - b.gap).map((x) => by(x.d))[0];
    return near(own, (d) => ({by: d.by.name, note: d.note}))
      || near(local, (d) => ({by: d.by, note: d.note}))
      || near(audit, (d) => ({by: d.actor.name, note: null})) || null;
  };
  const E = [];
  // the earlier of created and started: a smoke test or gates come before the first stage starts
  const started = Math.min(...[r.createdAt, r.startedAt].filter(Boolean).map(Date.parse));
  E.push({kind: 'started', at: started, ...(who(r.kind === 'revert' ? 'release.revert' : 'release.create', started) || {})});

  r.stages.forEach((s, i) => {
    if (!s.startedAt) return;
    E.push({kind: 'split_requested', at: Date.parse(s.startedAt), stageIndex: i});
    if (s.soakStartedAt) E.push({kind: 'split_applied', at: Date.parse(s.soakStartedAt), stageIndex: i});
    const own = checks.filter((c) => c.stageIndex === i);
    if (own.length) {
      const counts = {};
      let uncounted = 0;
      for (const c of own) {
        if (checkCounted(c, s).counted) counts[c.verdict] = (counts[c.verdict] || 0) + 1; else uncounted += 1;
      }
      E.push({kind: 'checks', at: Date.parse(own[own.length - 1].at), stageIndex: i, counts, uncounted});
    }
    const ended = i === r.currentStageIndex && r.outcome;
    const asked = s.state === 'awaiting_approval' || (ended && ['approval_denied', 'approval_timeout'].includes(r.outcome.code))
      || (s.state === 'passed' && needsPerson(s, plan));
    if (asked) {
      const deadline = s.approvalDeadline ? Date.parse(s.approvalDeadline) : null;
      const since = deadline && plan.approvalTimeoutSeconds ? deadline - plan.approvalTimeoutSeconds * 1000
        : s.soakEndsAt ? Date.parse(s.soakEndsAt) : null;
      E.push({kind: 'awaiting_approval', at: since, stageIndex: i, deadline: s.approvalDeadline});
    }
    if (s.state === 'passed' && s.completedAt) {
      const at = Date.parse(s.completedAt);
      E.push(needsPerson(s, plan)
        ? {kind: 'approved', at, stageIndex: i, ...(who('release.approve', at) || {})}
        : {kind: 'passed', at, stageIndex: i});
    }
  });

  if (r.outcome) {
    const at = Date.parse(r.finishedAt || r.stages[r.currentStageIndex]?.completedAt || r.createdAt);
    const o = outcomeText(r, {name: extra.name || ((id) => id)});
    const kind = {approval_denied: 'denied', cancelled: 'cancelled', approval_timeout: 'timed_out', completed: 'succeeded'}[o.code]
      || 'outcome';
    const action = {approval_denied: 'release.deny', cancelled: 'release.cancel'}[o.code];
    const decision = o.decision || (action ? who(action, at) : null);
    E.push({kind, at, stageIndex: r.currentStageIndex, headline: o.headline, detail: o.text,
      by: decision && decision.by, note: decision && decision.note});
    if (r.state !== 'succeeded' && isOldOnly(r.currentSplit, r.oldVersionId) && r.stages.some((s) => s.startedAt)) {
      E.push({kind: 'rollback_applied', at: extra.rollbackAt || null});
    }
  }
  if (r.blocked) {
    E.push({kind: 'blocked', at: Date.parse(r.blocked.since), detail: plainText(r.blocked.message)});
  }
  if (r.smokeTest) {
    E.push({kind: 'smoke', at: Date.parse(r.smokeTest.startedAt)});
    for (const a of r.smokeTest.attempts || []) {
      E.push({kind: 'smoke', at: Date.parse(a.endedAt || a.at), attempt: a.attempt, verdict: a.verdict,
        detail: plainText(a.detail)});
    }
  }
  for (const g of r.gates || []) {
    E.push({kind: 'gate', at: Date.parse(g.startedAt), name: g.name, stageIndex: g.stageIndex});
    if (g.state !== 'waiting' && g.finishedAt) {
      const last = (g.last || [])[(g.last || []).length - 1];
      E.push({kind: 'gate', at: Date.parse(g.finishedAt), name: g.name, stageIndex: g.stageIndex,
        passed: g.state === 'passed', attempts: g.attempts,
        detail: g.state === 'failed' && last ? `Its last answer: ${last.error || `HTTP ${last.status}`}` : null});
    }
  }
  const kinds = {pause: 'paused', resume: 'resumed', promote: 'promoted', revert: 'reverted'};
  for (const d of r.decisions || []) {
    if (!kinds[d.action] || (d.action === 'revert' && r.kind === 'revert')) continue;
    E.push({kind: kinds[d.action], at: Date.parse(d.at), stageIndex: d.stageIndex, full: d.full,
      releaseId: d.releaseId, by: d.by.name, note: d.note});
  }
  for (const e of [].concat(r.events || r.timeline || [])) {
    if (e && EVENT_KINDS[e.kind]) {
      E.push({...e, at: e.at ? Date.parse(e.at) : null, detail: e.detail || (e.message ? plainText(e.message) : null)});
    }
  }
  return E.map((e, n) => ({...e, n}))
    .sort((a, b) => (a.at == null) - (b.at == null) || (a.at ?? 0) - (b.at ?? 0) || a.n - b.n);
}

/** Whether a passed stage went on only because a person approved it. */
function needsPerson(stage, plan) {
  return !stage.autoProgress || (stage.passedChecks === 0 && plan.onInsufficientData === 'pause');
}

function isOldOnly(split, oldId) {
  const live = (split || []).filter((p) => p.percentage > 0);
  return live.length === 1 && live[0].versionId === oldId;
}

/** The timeline as an ordered list. */
export function renderTimeline(entries, ctx) {
  return h('ol', {class: 'timeline', id: 'timeline'}, entries.map((e) => {
    const kind = EVENT_KINDS[e.kind];
    return h('li', {class: `tl-item tone-${kind.tone}`, dataset: {kind: e.kind, stage: e.stageIndex == null ? '' : String(e.stageIndex)}},
      h('span', {class: 'tl-time'}, e.at == null ? '' : h('time', {datetime: new Date(e.at).toISOString()}, time(new Date(e.at).toISOString()))),
      h('div', {class: 'tl-body'},
        h('p', {class: 'tl-title'}, kind.title(e, ctx)),
        e.detail ? h('p', {class: 'tl-detail'}, e.detail) : null,
        e.by ? h('p', {class: 'tl-who'}, `by ${e.by}`, e.note ? `: “${e.note}”` : '') : null,
        !e.by && ['approved', 'denied', 'cancelled'].includes(e.kind) ? h('p', {class: 'tl-who muted'},
          'Who decided is in the audit log (admins).') : null));
  }));
}

