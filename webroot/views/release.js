// One release. While it is active the page follows its event stream (no polling): `release`
// replaces the whole state, `check` adds a measurement, `deployment` moves the split bar. Once
// the release has ended and its last split is applied the stream is closed and the page says it
// is no longer live, exactly as when an ended release is opened. An ended release is drawn the
// same way from its stored state and checks.

import {api, subscribe} from '../api.js';
import {lineChart, progressBar, splitBar} from '../charts.js';
import {confirmDialog} from '../dialog.js';
import {h, notice, replace} from '../dom.js';
import {dateTime, duration, isActive, shortId, sliValue, sloText, statsValue, time} from '../format.js';
import {buildTimeline, renderTimeline} from '../timeline.js';
import {
  POLICIES, checkCounted, checkReason, decisionText, outcomeText, plainText, problemText, releaseStateLabel,
  releaseTone, stageName, stageState, verdictLabel, versionName, violations, VERDICTS,
} from '../words.js';

const SHOWN_CHECKS = 20;
const NOT_LIVE = 'Not live: this release has ended';

/** Cloudflare's own page of a Worker, for what HMD does not show. */
export function cloudflareWorkerUrl(accountId, workerName) {
  return `https://dash.cloudflare.com/${encodeURIComponent(accountId)}/workers/services/view/`
    + `${encodeURIComponent(workerName)}/production`;
}

export async function releaseView(ctx, id) {
  const {app, root} = ctx;
  const first = await api.release(id);
  const [connection, versions] = await Promise.allSettled([api.connection(first.connectionId),
    api.versions(first.connectionId)]);
  const view = new ReleasePage(app, id, first, connection.value || null, versions.value || []);
  replace(root, view.el);

  if (isActive(first)) {
    view.stream = 'connecting';
    const close = subscribe(id, {
      release: (r) => r.id === id && view.update({release: r}),
      check: (c) => c.releaseId === id && view.update({check: c}),
      deployment: (d) => d.releaseId === id && view.update({split: d.versions}),
      status: (s) => view.update({stream: s}),
    });
    view.closeStream = close;
    ctx.onDispose(close);
  } else {
    view.stream = 'ended';
    (await api.checks(id)).forEach((c) => view.checks.set(c.id, c));
  }
  view.loadAudit();
  view.render();
  const ticker = setInterval(() => view.tick(), 1000);
  ctx.onDispose(() => clearInterval(ticker));
  ctx.onDispose(() => clearTimeout(view.pending));
}

class ReleasePage {
  constructor(app, id, release, connection, versions) {
    this.app = app;
    this.id = id;
    this.release = release;
    this.split = release.currentSplit;
    this.connection = connection;
    this.versions = new Map(versions.map((v) => [v.id, v]));
    this.checks = new Map();
    this.stream = 'ended';
    this.closeStream = null;
    this.actionsKey = null;
    this.outcomeKey = null;
    this.pending = null;
    this.showAllChecks = false;
    /** Audit entries about this release (admins only), for who started and who decided. */
    this.audit = [];
    this.auditState = null;
    /** When this page saw the split last change (the API keeps no time for it). */
    this.splitChangedAt = null;
    this.name = (versionId) => versionName(versionId, this.versions);

    this.stateBadge = h('span', {class: 'badge', id: 'release-state'});
    this.streamBadge = h('span', {class: 'stream', id: 'stream-status'});
    this.status = h('p', {class: 'status-line', id: 'release-status', role: 'status', 'aria-live': 'polite',
      'aria-atomic': 'true'});
    this.needsPerson = h('div', {id: 'release-attention'});
    this.holding = h('div', {id: 'release-holding'});
    this.controls = h('div', {id: 'controls-box'});
    this.controlsSection = h('section', {'aria-labelledby': 'controls-title', id: 'controls-section', hidden: true},
      h('h2', {id: 'controls-title'}, 'Smoke test and gates'), this.controls);
    this.related = h('p', {class: 'muted', id: 'release-related'});
    this.blocked = h('div', {id: 'release-blocked'});
    this.facts = h('dl', {class: 'facts'});
    this.outcome = h('div', {id: 'release-outcome'});
    this.actions = h('div', {id: 'release-actions'});
    this.splitBox = h('div', {id: 'split'});
    this.stages = h('ol', {class: 'stages', id: 'stages'});
    this.timeline = h('div', {id: 'timeline-box'});
    this.charts = h('div', {class: 'charts', id: 'charts'});
    this.checksBox = h('div', {id: 'checks'});
    this.heading = h('h1', {}, release.kind === 'revert'
      ? `Revert to ${this.name(release.newVersionId)}` : `Release ${this.name(release.oldVersionId)} → ${this.name(release.newVersionId)}`);

    const workerName = connection ? connection.name : release.workerName;
    this.el = h('div', {class: 'release', dataset: {releaseId: id}},
      h('p', {class: 'crumbs'}, h('a', {href: '#/releases'}, 'Releases'), ' / ',
        h('a', {href: `#/connections/${release.connectionId}`}, workerName), ' / '),
      h('div', {class: 'title-row'}, this.heading, this.stateBadge, this.streamBadge),
      this.status,
      this.related,
      this.needsPerson,
      this.holding,
      this.blocked,
      this.outcome,
      this.actions,
      this.facts,
      h('section', {'aria-labelledby': 'split-title'}, h('h2', {id: 'split-title'}, 'Traffic now'), this.splitBox),
      this.controlsSection,
      h('section', {'aria-labelledby': 'stages-title'}, h('h2', {id: 'stages-title'}, 'Stages'), this.stages),
      h('section', {'aria-labelledby': 'timeline-title', id: 'timeline-section'},
        h('h2', {id: 'timeline-title'}, 'Timeline'), this.timeline),
      h('section', {'aria-labelledby': 'charts-title'}, h('h2', {id: 'charts-title'}, 'Health checks'),
        legend(), this.charts),
      h('section', {'aria-labelledby': 'checks-title'}, h('h2', {id: 'checks-title'}, 'Checks'), this.checksBox));
  }

  /** Takes in one piece of news and redraws soon: a replay delivers many at once, drawn once. */
  update({release, check, split, stream}) {
    const before = JSON.stringify(norm(this.split));
    if (release) {
      const decided = this.release.state !== release.state || this.release.currentStageIndex !== release.currentStageIndex;
      this.release = release;
      if (release.currentSplit) this.split = release.currentSplit;
      if (decided) this.loadAudit();
    }
    if (check) this.checks.set(check.id, check);
    if (split) this.split = split;
    // the API keeps no time for a split's arrival at Cloudflare: a page watching notes when it saw the
    // last change (the rollback's comes before the release's own end, in the same step)
    if (this.stream !== 'ended' && JSON.stringify(norm(this.split)) !== before) this.splitChangedAt = Date.now();
    if (stream && this.stream !== 'ended') this.stream = stream;
    this.maybeEndStream();
    clearTimeout(this.pending);
    this.pending = setTimeout(() => this.render(), 30);
  }

  /**
   * An ended release has nothing more to say once Cloudflare serves what it wanted last (all
   * old after a rollback, all new after a success): then the stream closes and the page says
   * it is not live, as it does when the ended release is opened later.
   */
  maybeEndStream() {
    const r = this.release;
    if (isActive(r) || this.stream === 'ended') return;
    const wanted = r.wantedSplit;
    const settled = !wanted || JSON.stringify(norm(wanted)) === JSON.stringify(norm(this.split || []));
    if (settled) {
      this.stream = 'ended';
      if (this.closeStream) this.closeStream();
    }
  }

  /** Admins can read who started and who decided from the audit log; the first pages hold them. */
  async loadAudit() {
    if (!this.app.can('admin')) return;
    const seen = `${this.release.state}|${this.release.currentStageIndex}`;
    if (this.auditState === seen) return;
    this.auditState = seen;
    const found = [];
    let cursor = null;
    try {
      for (let page = 0; page < 3; page++) {
        const res = await api.audit({limit: 200, cursor});
        found.push(...res.items.filter((e) => e.targetType === 'release' && e.targetId === this.id));
        const oldest = res.items[res.items.length - 1];
        if (!res.nextCursor || (oldest && oldest.at < (this.release.createdAt || ''))) break;
        cursor = res.nextCursor;
      }
    } catch (error) {
      return;
    }
    this.audit = found;
    this.renderTimeline();
  }

  /** Decisions made from this tab (the approver's note is kept nowhere else). */
  localDecisions() {
    try {
      return JSON.parse(sessionStorage.getItem(`hmd-decisions-${this.id}`) || '[]');
    } catch (e) {
      return [];
    }
  }

  rememberDecision(action, note) {
    const list = this.localDecisions();
    list.push({action, at: new Date().toISOString(), by: this.app.session.key.name, note: note || null});
    try {
      sessionStorage.setItem(`hmd-decisions-${this.id}`, JSON.stringify(list));
    } catch (e) {
      // storage full or off: the timeline then shows the decision without its note
    }
  }

  render() {
    const r = this.release;
    this.stateBadge.className = `badge ${releaseTone(r.state)}`;
    this.stateBadge.textContent = releaseStateLabel(r.state);
    this.renderStream();
    const status = statusText(r, this.outcomeOf());
    if (this.status.textContent !== status) this.status.textContent = status;
    this.renderAttention();
    this.renderHolding();
    this.renderRelated();
    this.renderControls();
    this.renderBlocked();
    this.renderOutcome();
    this.renderActions();
    this.renderFacts();
    replace(this.splitBox, this.splitView());
    this.renderStages();
    this.renderTimeline();
    this.renderCharts();
    this.renderChecks();
  }

  /** Once a second: countdowns, progress bars and elapsed time. */
  tick() {
    if (!isActive(this.release)) return;
    this.renderStages();
    this.renderFacts();
  }

  /** An ended release is not live, even while its stream waits for the rollback to be applied. */
  renderStream() {
    const shown = isActive(this.release) ? this.stream : 'ended';
    this.streamBadge.textContent = {live: '● Live', connecting: 'Connecting…', reconnecting: 'Reconnecting…',
      ended: NOT_LIVE}[shown];
    this.streamBadge.className = `stream ${shown}`;
  }

  outcomeOf() {
    return outcomeText(this.release, {name: this.name});
  }

  versionText(versionId) {
    const v = this.versions.get(versionId);
    return [h('strong', {}, this.name(versionId)), ' ', h('code', {title: versionId}, shortId(versionId)),
      v && v.message ? ` — ${v.message}` : ''];
  }

  /** A stage waiting for a person: who can decide, told to everyone (a viewer cannot). */
  renderAttention() {
    const r = this.release;
    if (r.state !== 'awaiting_approval') {
      replace(this.needsPerson);
      return;
    }
    const can = this.app.can('operator');
    const role = this.app.session ? this.app.session.key.role : 'viewer';
    const key = `${r.currentStageIndex}|${can}`;
    if (this.needsPerson.dataset.key === key) return;
    this.needsPerson.dataset.key = key;
    replace(this.needsPerson, h('div', {class: 'notice warn attention-notice'},
      h('p', {}, h('strong', {}, `${cap(stageName(r, r.currentStageIndex))} waits for a person to approve it. `),
        can ? 'You can approve or deny it below.'
          : `Someone with an operator or admin key can approve or deny it; your key (${role}) can only follow it.`)));
  }

  /** What holds the release besides its soak: a pause (who and why), the gates or the smoke test it waits for. */
  renderHolding() {
    const r = this.release;
    if (r.state === 'paused') {
      const d = (r.decisions || []).filter((x) => x.action === 'pause').pop();
      replace(this.holding, h('div', {class: 'notice warn', id: 'paused-notice'},
        h('p', {}, h('strong', {}, `Paused since ${time(r.pausedAt)}`), d ? ` by ${d.by.name}` : '',
          d && d.note ? `: “${d.note}”` : '', '. '),
        h('p', {}, 'The soak clock stands still; checks go on, and a failing one still rolls back. Resume to let the '
          + 'soak run its remaining time.')));
      return;
    }
    const w = r.waiting;
    if (!w || !isActive(r)) {
      replace(this.holding);
      return;
    }
    if (w.kind === 'smoke_test') {
      replace(this.holding, h('div', {class: 'notice info', id: 'waiting-notice'}, h('p', {},
        h('strong', {}, 'Smoke test under way: '), `${this.name(r.newVersionId)} is deployed at 0% and answers only the `
        + 'smoke test\'s requests (sent with a version override). No real traffic reaches it yet.')));
      return;
    }
    const open = (r.gates || []).filter((g) => g.state === 'waiting');
    const where = w.stageIndex === 0 && !r.stages[0].startedAt && open.some((g) => g.when === 'before_start')
      ? 'before the release starts' : `before ${stageName(r, w.stageIndex)}`;
    replace(this.holding, h('div', {class: 'notice info', id: 'waiting-notice'}, h('p', {},
      h('strong', {}, `Waiting for ${open.length === 1 ? 'a gate' : 'gates'} ${where}: `),
      open.length ? open.map((g) => `“${g.name}” (${g.attempts} attempt${g.attempts === 1 ? '' : 's'} so far, gives up at `
        + `${time(g.deadline)})`).join(', ') : 'asking now',
      '. Checks go on meanwhile.')));
  }

  /** A revert names the release it undoes; a reverted release names its revert. */
  renderRelated() {
    const r = this.release;
    const reverted = (r.decisions || []).filter((d) => d.action === 'revert' && d.releaseId && r.kind !== 'revert').pop();
    if (r.kind === 'revert' && r.revertOf) {
      replace(this.related, 'Undoes ', h('a', {href: `#/releases/${r.revertOf}`, id: 'revert-of'}, `release ${r.revertOf}`),
        ': the old version goes straight back to 100%, without checks.');
    } else if (reverted) {
      replace(this.related, `Reverted by ${reverted.by.name}${reverted.note ? ` (“${reverted.note}”)` : ''}: `,
        h('a', {href: `#/releases/${reverted.releaseId}`, id: 'reverted-by'}, `release ${reverted.releaseId}`), '.');
    } else {
      replace(this.related);
    }
    this.related.hidden = !this.related.textContent;
  }

  /** The smoke test's attempts and each gate's answers, when the plan has them. */
  renderControls() {
    const r = this.release;
    const plan = r.plan || {};
    const smoke = r.smokeTest;
    const gates = r.gates || [];
    const planned = plan.smokeTest || (plan.gates || []).length;
    this.controlsSection.hidden = !(planned || smoke || gates.length);
    if (this.controlsSection.hidden) return;
    const cell = (label, ...content) => h('td', {dataset: {label}}, ...content);
    const badge = (state) => {
      const look = {passed: ['good', 'Passed'], failed: ['bad', 'Failed'], running: ['busy', 'Running'],
        waiting: ['busy', 'Waiting'], pass: ['good', 'Passed'], fail: ['bad', 'Failed'],
        unconfirmed: ['warn', 'Not confirmed']}[state] || ['neutral', state];
      return h('span', {class: `badge ${look[0]}`}, look[1]);
    };
    const smokePart = plan.smokeTest || smoke ? h('div', {class: 'card', id: 'smoke-results'},
      h('h3', {}, 'Smoke test at 0% ', smoke ? badge(smoke.state) : badge('waiting')),
      plan.smokeTest ? h('p', {class: 'muted'}, `${plan.smokeTest.requests.map((q) => `${q.method} ${q.path}`).join(', ')}`
        + ` × ${plan.smokeTest.repeat} to ${plan.smokeTest.url}; at most ${plan.smokeTest.maxFailures} unexpected `
        + `answer${plan.smokeTest.maxFailures === 1 ? '' : 's'}. Each attempt counts once telemetry shows its `
        + 'requests reached the new version.') : null,
      smoke && smoke.attempts.length ? h('div', {class: 'table-wrap'}, h('table', {class: 'stack', id: 'smoke-table'},
        h('thead', {}, h('tr', {}, ['Attempt', 'Time', 'Sent', 'Unexpected', 'Reached the new version', 'Result', 'Detail']
          .map((t) => h('th', {scope: 'col'}, t)))),
        h('tbody', {}, smoke.attempts.map((a) => h('tr', {dataset: {verdict: a.verdict}},
          cell('Attempt', String(a.attempt)), cell('Time', time(a.at)), cell('Sent', String(a.sent)),
          cell('Unexpected', String(a.failures)),
          cell('Reached the new version', a.newVersionRequests == null ? 'unknown'
            : `${a.newVersionRequests} of ${a.sent}${a.confirmed ? '' : ' (not confirmed)'}`),
          cell('Result', badge(a.verdict)),
          h('td', {class: 'reason', dataset: {label: 'Detail'}}, plainText(a.detail))))))) : h('p', {class: 'muted'},
        isActive(r) ? 'No attempt yet.' : 'The release did not get to its smoke test.')) : null;
    const gatePart = (plan.gates || []).length || gates.length ? h('div', {class: 'card', id: 'gate-results'},
      h('h3', {}, 'Gates'),
      (plan.gates || []).length ? h('p', {class: 'muted'}, plan.gates.map((g) => `“${g.name}” ${GATE_WHEN[g.when] || g.when}`
        + ` (gives up after ${duration(g.timeoutSeconds)})`).join('; '), '.') : null,
      gates.length ? h('div', {class: 'table-wrap'}, h('table', {class: 'stack', id: 'gates-table'},
        h('thead', {}, h('tr', {}, ['Gate', 'Before', 'State', 'Attempts', 'Answers', 'Since']
          .map((t) => h('th', {scope: 'col'}, t)))),
        h('tbody', {}, gates.map((g) => h('tr', {dataset: {gate: g.name, state: g.state}},
          cell('Gate', g.name),
          cell('Before', g.stageIndex == null ? 'the start' : stageName(r, g.stageIndex)),
          cell('State', badge(g.state)),
          cell('Attempts', String(g.attempts)),
          cell('Answers', (g.last || []).map((a) => (a.status == null ? 'no answer' : String(a.status))).join(', ')
            || '—', (g.last || []).length && g.state !== 'passed' && g.last[g.last.length - 1].error
            ? h('span', {class: 'muted'}, ` (${plainText(g.last[g.last.length - 1].error)})`) : null),
          cell('Since', time(g.startedAt))))))) : h('p', {class: 'muted'}, 'No gate asked yet.')) : null;
    replace(this.controls, smokePart, gatePart);
  }

  renderBlocked() {
    const b = this.release.blocked;
    if (!b) {
      replace(this.blocked);
      return;
    }
    replace(this.blocked, notice('error', h('p', {}, h('strong', {}, 'Cloudflare keeps refusing the deployment '),
      `(since ${time(b.since)}): `, plainText(b.message)),
    h('p', {}, 'HMD keeps trying. Check the Worker in Cloudflare, or cancel the release.')));
  }

  renderFacts() {
    const r = this.release;
    const end = r.finishedAt ? Date.parse(r.finishedAt) : Date.now();
    const began = Date.parse(r.startedAt || r.createdAt);
    const accountId = r.accountId || (this.connection && this.connection.accountId);
    const plan = r.plan;
    replace(this.facts,
      h('dt', {}, 'Worker'), h('dd', {}, h('code', {}, r.workerName), accountId ? [' · ',
        h('a', {href: cloudflareWorkerUrl(accountId, r.workerName), target: '_blank', rel: 'noopener noreferrer',
          id: 'cloudflare-link'}, 'open in Cloudflare ↗')] : null),
      h('dt', {}, 'Old version'), h('dd', {}, this.versionText(r.oldVersionId)),
      h('dt', {}, 'New version'), h('dd', {}, this.versionText(r.newVersionId)),
      h('dt', {}, 'Started'), h('dd', {}, dateTime(r.startedAt || r.createdAt)),
      r.finishedAt ? [h('dt', {}, 'Ended'), h('dd', {}, dateTime(r.finishedAt))] : null,
      h('dt', {}, r.finishedAt ? 'Took' : 'Elapsed'), h('dd', {id: 'elapsed'}, duration((end - began) / 1000)),
      h('dt', {}, 'Plan'), h('dd', {}, `revision ${r.planRevision}: `,
        plan.slos.length ? plan.slos.map(sloText).join(', ') : 'no SLOs',
        `; a check every ${duration(plan.pollIntervalSeconds)} needing at least ${plan.minRequests} requests; `
        + `a stage fails after ${plan.failureThreshold} failed check${plan.failureThreshold === 1 ? '' : 's'}; `
        + `without a conclusive pass: ${POLICIES[plan.onInsufficientData] || plan.onInsufficientData}`),
      (r.decisions || []).length ? [h('dt', {}, 'Decisions'), h('dd', {id: 'decisions'}, h('ul', {class: 'plain'},
        r.decisions.map((d) => h('li', {}, `${cap(decisionText(d))} by ${d.by.name} at ${time(d.at)}`,
          d.note ? `: “${d.note}”` : ''))))] : null,
      h('dt', {}, 'Release id'), h('dd', {}, h('code', {}, r.id)));
  }

  splitView() {
    const r = this.release;
    const kind = (v) => (v === r.newVersionId ? 'new' : v === r.oldVersionId ? 'old' : 'other');
    const wanted = r.wantedSplit;
    const differs = wanted && isActive(r) && JSON.stringify(norm(wanted)) !== JSON.stringify(norm(this.split || []));
    return [
      splitBar(this.split, (v) => `${this.name(v)} (${kind(v)})`, kind),
      differs ? h('p', {class: 'muted'}, 'Applying at Cloudflare: ',
        norm(wanted).map((p) => `${this.name(p.versionId)} ${p.percentage}%`).join(', '), '…') : null,
    ];
  }

  renderStages() {
    const r = this.release;
    const now = Date.now();
    const checks = [...this.checks.values()];
    replace(this.stages, r.stages.map((stage, i) => {
      const current = isActive(r) && i === r.currentStageIndex;
      const look = stageState(r, i);
      const uncounted = checks.filter((c) => c.stageIndex === i && !checkCounted(c, stage).counted).length;
      return h('li', {class: `stage ${stage.state} ${current ? 'current' : ''}`, 'aria-current': current ? 'step' : null,
        dataset: {state: stage.state, passed: String(stage.passedChecks), failed: String(stage.failedChecks),
          inconclusive: String(stage.inconclusiveChecks), uncounted: String(uncounted)}, id: `stage-${i}`},
      h('div', {class: 'stage-head'},
        h('span', {class: 'stage-num'}, `Stage ${i + 1}`),
        h('span', {class: 'stage-pct'}, `${stage.targetPercent}%`),
        h('span', {class: 'muted'}, `soak ${duration(stage.soakSeconds)}`),
        stage.autoProgress ? null : h('span', {class: 'badge neutral'}, 'needs approval'),
        h('span', {class: `badge ${look.tone} stage-state`}, look.label)),
      stage.description ? h('p', {class: 'stage-description'}, stage.description) : null,
      progressBar(stageProgress(stage, now), `Stage ${i + 1} soak`, look.bar),
      h('p', {class: 'stage-timing'}, stageTiming(stage, now, look)),
      stage.state === 'pending' || (!stage.startedAt && stage.state === 'cancelled') ? null
        : h('p', {class: 'muted stage-checks'},
          `Counted checks: ${stage.passedChecks} passed, ${stage.failedChecks} failed, ${stage.inconclusiveChecks} inconclusive`,
          uncounted ? `; ${uncounted} more did not count (see the table)` : ''),
      stage.evidence && stage.evidence.windows ? h('p', {class: 'muted stage-evidence'}, evidenceText(stage.evidence))
        : null);
    }));
  }

  renderTimeline() {
    const checks = [...this.checks.values()].sort(byTime);
    const entries = buildTimeline(this.release, checks, {audit: this.audit, decisions: this.localDecisions(),
      rollbackAt: this.backToOld() ? this.splitChangedAt : null, name: this.name});
    replace(this.timeline, renderTimeline(entries, {release: this.release, name: this.name}));
  }

  renderActions() {
    const r = this.release;
    const allowed = [];
    const soaking = ['running', 'paused'].includes(r.state) && !r.waiting
      && r.stages[r.currentStageIndex] && r.stages[r.currentStageIndex].state === 'soaking';
    const last = r.currentStageIndex === r.stages.length - 1;
    if (this.app.can('operator')) {
      if (r.state === 'awaiting_approval') allowed.push('approve', 'deny');
      if (r.state === 'running' && soaking) allowed.push('pause');
      if (r.state === 'paused') allowed.push('resume');
      if ((soaking || r.state === 'awaiting_approval') && r.kind !== 'revert') {
        allowed.push('promote');
        if (!last && r.currentStageIndex < r.stages.length - 2) allowed.push('promote-full');
      }
      if (isActive(r)) allowed.push('cancel');
      const reverted = (r.decisions || []).some((d) => d.action === 'revert');
      if (r.state === 'succeeded' && r.kind !== 'revert' && !reverted) allowed.push('revert');
    }
    const key = `${allowed.join(',')}|${r.currentStageIndex}|${r.state}`;
    if (key === this.actionsKey) return;
    this.actionsKey = key;
    if (allowed.length === 0) {
      replace(this.actions);
      return;
    }
    const stage = r.stages[r.currentStageIndex];
    const next = r.stages[r.currentStageIndex + 1];
    const old = this.name(r.oldVersionId);
    const lastStage = r.stages[r.stages.length - 1];
    const note = h('input', {type: 'text', id: 'decision-note', maxlength: 500, autocomplete: 'off',
      'aria-describedby': 'decision-note-hint'});
    const status = h('div', {class: 'form-status'});
    const buttons = [];
    // every decision that moves traffic or stops the clock is asked first, in the page
    const questions = {
      deny: {title: `Deny ${stageName(r, r.currentStageIndex)} and roll back?`, confirm: 'Deny and roll back',
        cancel: 'Keep waiting', body: `All traffic goes back to ${old} (the old version) and the release ends. `
          + 'This cannot be undone.'},
      cancel: {title: 'Cancel the release and roll back?', confirm: 'Cancel and roll back', cancel: 'Keep it running',
        body: `All traffic goes back to ${old} (the old version) and the release ends. This cannot be undone.`},
      pause: {title: 'Pause the soak?', confirm: 'Pause', cancel: 'Keep it running', danger: false,
        body: 'The soak clock stops until someone resumes it. Checks go on, and a failing check still rolls back.'},
      resume: {title: 'Resume the soak?', confirm: 'Resume', cancel: 'Stay paused', danger: false,
        body: 'The soak runs the rest of its time; then the release goes on as the plan says.'},
      promote: {title: next ? `End ${stageName(r, r.currentStageIndex)} now?` : 'Complete the release now?',
        confirm: next ? `Go on to ${next.targetPercent}%` : 'Complete the release', cancel: 'Keep soaking', danger: false,
        body: next ? `The rest of this stage's soak is skipped and ${stageName(r, r.currentStageIndex + 1)} starts: `
          + `${next.targetPercent}% of traffic goes to ${this.name(r.newVersionId)}. Its gates, if any, are still asked.`
          : `The rest of the soak is skipped: ${this.name(r.newVersionId)} keeps serving all traffic and the release succeeds.`},
      'promote-full': {title: 'Go straight to 100%?', confirm: 'Send all traffic to the new version', cancel: 'Keep the plan',
        body: `The stages between are skipped: ${this.name(r.newVersionId)} gets all traffic, and the last stage `
          + `(${lastStage.targetPercent}%) soaks and is checked as usual. Its gates, if any, are still asked.`},
      revert: {title: 'Revert this release?', confirm: `Put ${old} back at 100%`, cancel: 'Keep the new version',
        body: `A new release puts ${old} (the version this one replaced) back at 100% at once, without checks. `
          + 'Refused if anything else was deployed since.'},
    };
    const done = {approve: 'Approved.', deny: 'Denied: rolling back.', cancel: 'Cancelled: rolling back.',
      pause: 'Paused.', resume: 'Resumed.', promote: 'Promoted.', 'promote-full': 'Promoted to 100%.', revert: 'Reverting.'};
    const act = async (action, button) => {
      const text = note.value.trim();
      const q = questions[action];
      if (q && !(await confirmDialog({id: `${action}-dialog`, title: q.title, confirm: q.confirm, cancel: q.cancel,
        danger: q.danger !== false, body: [h('p', {}, q.body), text ? h('p', {}, `Your note: “${text}”`) : null]}))) {
        return;
      }
      buttons.forEach((b) => { b.disabled = true; });
      replace(status);
      try {
        const updated = action === 'promote-full' ? await api.act(this.id, 'promote', text || null, {full: true})
          : await api.act(this.id, action, text || null);
        this.rememberDecision(`release.${action === 'promote-full' ? 'promote' : action}`, text);
        this.app.announce(done[action]);
        if (action === 'revert') {
          location.hash = `#/releases/${updated.id}`;
          return;
        }
        this.update({release: updated});
      } catch (error) {
        buttons.forEach((b) => { b.disabled = false; });
        replace(status, notice('error', problemText(error).text));
        button.focus();
      }
    };
    const button = (action, text, cls) => {
      const b = h('button', {type: 'button', class: cls, id: `${action}-release`, onclick: () => act(action, b)}, text);
      buttons.push(b);
      return b;
    };
    replace(this.actions, h('div', {class: 'card decision'},
      r.state === 'awaiting_approval'
        ? h('p', {}, h('strong', {}, `Stage ${r.currentStageIndex + 1} (${stage.targetPercent}%) waits for a decision. `),
          next ? `Approve moves to stage ${r.currentStageIndex + 2} (${next.targetPercent}%)` : 'Approve completes the release',
          `; deny rolls back to ${old}.`)
        : null,
      h('div', {class: 'field'}, h('label', {for: 'decision-note'}, 'Note (optional)'), note,
        h('p', {class: 'hint', id: 'decision-note-hint'}, 'Kept with the decision and shown in the timeline.')),
      h('div', {class: 'actions'},
        allowed.includes('approve') ? button('approve', 'Approve', 'primary') : null,
        allowed.includes('resume') ? button('resume', 'Resume…', 'primary') : null,
        allowed.includes('pause') ? button('pause', 'Pause…', '') : null,
        allowed.includes('promote') ? button('promote', next ? 'Promote to next stage…' : 'Complete now…', '') : null,
        allowed.includes('promote-full') ? button('promote-full', 'Promote to 100%…', '') : null,
        allowed.includes('deny') ? button('deny', 'Deny and roll back…', 'danger') : null,
        allowed.includes('cancel') ? button('cancel', 'Cancel release…', 'danger') : null,
        allowed.includes('revert') ? button('revert', 'Revert…', 'danger') : null),
      status));
  }

  /** The newest failed check, whose SLO values explain a rollback. */
  failedCheck() {
    const failed = [...this.checks.values()].filter((c) => c.verdict === 'fail');
    return failed.length ? failed.sort(byTime)[failed.length - 1] : null;
  }

  renderOutcome() {
    const r = this.release;
    const o = this.outcomeOf();
    if (!o) {
      this.outcomeKey = null;
      replace(this.outcome);
      return;
    }
    const failed = o.code === 'slo_violation' ? this.failedCheck() : null;
    const key = [r.state, o.code, r.outcome.message, failed && failed.id, this.backToOld()].join('|');
    if (key === this.outcomeKey) return;
    this.outcomeKey = key;
    // not an alert: the status line above already announces the end
    replace(this.outcome, h('div', {class: `notice ${r.state === 'succeeded' ? 'ok' : o.code === 'slo_violation' || r.state === 'failed' ? 'error' : 'warn'}`},
      h('p', {class: 'outcome-line', id: 'outcome-headline'}, h('strong', {}, o.headline)),
      h('p', {class: 'outcome-message'}, o.text),
      o.decision ? h('p', {class: 'outcome-decision'}, `Decided by ${o.decision.by}`,
        o.decision.note ? `: “${o.decision.note}”` : '', '.') : null,
      failed ? h('p', {class: 'outcome-why'}, `The failing check at ${time(failed.at)}: ${violations(failed)}.`) : null,
      r.state === 'succeeded' || o.code === 'external_deployment' ? null : h('p', {}, this.backToOld()
        ? `${this.name(r.oldVersionId)} (the old version) serves all traffic again.`
        : `Moving all traffic back to ${this.name(r.oldVersionId)} (the old version)…`)));
  }

  backToOld() {
    const serving = norm(this.split);
    return serving.length === 1 && serving[0].versionId === this.release.oldVersionId;
  }

  renderCharts() {
    const r = this.release;
    const checks = [...this.checks.values()].sort(byTime);
    if (r.plan.slos.length === 0) {
      replace(this.charts, h('p', {class: 'muted'}, 'This release has no SLOs to check.'));
      return;
    }
    const stageMarks = r.stages.filter((s) => s.soakStartedAt || s.startedAt)
      .map((s) => ({t: Date.parse(s.soakStartedAt || s.startedAt), label: `${s.targetPercent}%`}));
    replace(this.charts, r.plan.slos.map((slo, j) => {
      const results = checks.map((c) => ({c, res: sloResult(c, slo, j)}));
      const newPoints = results.map(({c, res}) => ({t: Date.parse(c.at), v: res?.observed ?? statsValue(c.new, slo.sli)}));
      const oldPoints = results.map(({c}) => ({t: Date.parse(c.at), v: statsValue(c.old, slo.sli)}));
      const limit = results.map(({c, res}, k) => ({
        t: Date.parse(c.at),
        v: slo.mode === 'relative' ? (res?.baseline ?? oldPoints[k].v) * slo.threshold : slo.threshold,
      })).map((p) => (Number.isFinite(p.v) ? p : {...p, v: null}));
      // a cross where this SLO failed: in the check's own window, or in its stage's pooled evidence
      const marks = results.map(({c, res}) => ({c, res, pooled: c.stage ? sloResult(c.stage, slo, j) : null}))
        .filter(({res, pooled}) => res?.verdict === 'fail' || pooled?.verdict === 'fail')
        .map(({c, res, pooled}) => ({t: Date.parse(c.at),
          v: res?.observed ?? statsValue(c.new, slo.sli) ?? pooled?.observed}))
        .filter((m) => m.v != null);
      const lastNew = [...newPoints].reverse().find((p) => p.v != null);
      const lastOld = [...oldPoints].reverse().find((p) => p.v != null);
      const title = `${sloText(slo)}: new version ${sliValue(slo.sli, lastNew?.v)}, old version `
        + `${sliValue(slo.sli, lastOld?.v)} in the latest check`;
      const threshold = slo.mode === 'relative' ? {cls: 'threshold', points: limit} : {cls: 'threshold', value: slo.threshold};
      return h('figure', {class: 'chart-card', dataset: {sli: slo.sli}},
        h('figcaption', {}, h('strong', {}, sloText(slo)), ' ',
          h('span', {class: 'muted'}, `latest: new ${sliValue(slo.sli, lastNew?.v)}, old ${sliValue(slo.sli, lastOld?.v)}`)),
        checks.length ? lineChart({
          title,
          series: [{name: 'old version', cls: 'old', points: oldPoints}, {name: 'new version', cls: 'new', points: newPoints}],
          threshold,
          marks,
          stageMarks,
          format: (v) => sliValue(slo.sli, v),
        }) : h('p', {class: 'muted chart-empty'}, 'No checks yet.'));
    }));
  }

  renderChecks() {
    const r = this.release;
    const all = [...this.checks.values()].sort(byTime).reverse();
    if (all.length === 0) {
      replace(this.checksBox, h('p', {class: 'muted'}, isActive(r) ? 'The first check comes after one poll '
        + `interval (${duration(r.plan.pollIntervalSeconds)}) of traffic on the new version.` : 'No checks were made.'));
      return;
    }
    const shown = this.showAllChecks ? all : all.slice(0, SHOWN_CHECKS);
    const uncounted = all.filter((c) => !checkCounted(c, r.stages[c.stageIndex]).counted).length;
    const cell = (label, ...content) => h('td', {dataset: {label}}, ...content);
    replace(this.checksBox,
      uncounted ? h('p', {class: 'hint checks-note'}, `${uncounted} of these checks did not count towards their stage: `
        + 'a check measures a window of time, and one that began before its stage\'s traffic split was applied measured '
        + 'the previous split. Only a failure counts from such a window.') : null,
      h('div', {class: 'table-wrap'}, h('table', {id: 'checks-table', class: 'stack'},
        h('caption', {}, all.length > shown.length ? `The latest ${shown.length} of ${all.length} checks, newest first`
          : `${all.length} check${all.length === 1 ? '' : 's'}, newest first`),
        h('thead', {}, h('tr', {}, ['Time', 'Stage', 'Verdict', 'Counted', 'New version', 'Old version', 'Why']
          .map((t) => h('th', {scope: 'col'}, t)))),
        h('tbody', {}, shown.map((c) => {
          const counted = checkCounted(c, r.stages[c.stageIndex]);
          return h('tr', {id: `check-${c.id}`, class: counted.counted ? null : 'not-counted',
            dataset: {verdict: c.verdict, stage: String(c.stageIndex), counted: String(counted.counted)}},
          cell('Time', time(c.at)),
          cell('Stage', String(c.stageIndex + 1)),
          cell('Verdict', h('span', {class: `badge ${(VERDICTS[c.verdict] || {tone: 'neutral'}).tone}`}, verdictLabel(c.verdict))),
          cell('Counted', counted.counted ? 'Yes' : h('span', {class: 'not-counted-why'}, `No: ${counted.why}`)),
          cell('New version', statsText(c.new)),
          cell('Old version', statsText(c.old)),
          h('td', {class: 'reason', dataset: {label: 'Why'}}, checkReason(c, r.plan)));
        })))),
      all.length > shown.length ? h('div', {class: 'actions'}, h('button', {type: 'button', id: 'all-checks', onclick: () => {
        this.showAllChecks = true;
        this.renderChecks();
      }}, `Show all ${all.length} checks`)) : null);
  }
}

/** Where a gate is asked, in words. */
const GATE_WHEN = {
  before_start: 'before the release starts',
  before_each_stage: 'before each stage',
  before_promotion: 'before the stage at 100%',
};

/** What the release is doing, in one sentence, for the live region. */
function statusText(r, outcome) {
  const stage = r.stages[r.currentStageIndex];
  const where = stage ? `stage ${r.currentStageIndex + 1} of ${r.stages.length} (${stage.targetPercent}%)` : '';
  if (r.waiting && isActive(r)) {
    return r.waiting.kind === 'smoke_test' ? 'Running: smoke test of the new version at 0%.'
      : `Running: waiting for ${r.waiting.stageIndex === 0 && !r.stages[0].startedAt ? 'gates before the first stage'
        : `gates before stage ${r.waiting.stageIndex + 1}`}.`;
  }
  switch (r.state) {
    case 'running': return `Running: ${where}, ${stageState(r, r.currentStageIndex).label.toLowerCase()}.`;
    case 'awaiting_approval': return `Awaiting approval at ${where}.`;
    case 'paused': return `Paused at ${where}.`;
    default: return outcome ? `${outcome.headline}.` : `${releaseStateLabel(r.state)}.`;
  }
}

/** The result for one SLO of the plan in a check's slos (or in its stage's pooled slos). */
function sloResult(check, slo, index) {
  const slos = check.slos || [];
  const at = slos[index];
  if (at && at.sli === slo.sli && (at.mode || 'absolute') === (slo.mode || 'absolute')) return at;
  return slos.find((s) => s.sli === slo.sli) || null;
}

function statsText(stats) {
  if (!stats || !stats.requests) return 'no requests';
  return `${stats.requests} requests, ${sliValue('error_rate', stats.errorRate)} errors, p99 ${sliValue('latency_p99', stats.latencyP99)}`;
}

/** A stage's pooled evidence in a line: "Evidence: 412 requests to the new version over 9 windows, 0.24% errors; passes". */
function evidenceText(e) {
  const verdict = {pass: 'passes', fail: 'fails', inconclusive: 'not conclusive yet'}[e.verdict];
  return `Evidence: ${e.requests} request${e.requests === 1 ? '' : 's'} to the new version over ${e.windows} `
    + `window${e.windows === 1 ? '' : 's'} of its own split`
    + (e.requests ? `, ${sliValue('error_rate', e.errorRate)} errors` : '')
    + (verdict ? `; ${verdict}` : '');
}

function stageProgress(stage, now) {
  const start = Date.parse(stage.soakStartedAt);
  const end = Date.parse(stage.soakEndsAt);
  switch (stage.state) {
    case 'passed': case 'awaiting_approval': return 1;
    case 'pending': return 0;
    case 'soaking': return start && end ? (now - start) / (end - start) : 0;
    default: {
      const stop = Date.parse(stage.completedAt);
      return start && end && stop ? (stop - start) / (end - start) : 0;
    }
  }
}

function stageTiming(stage, now, look) {
  switch (stage.state) {
    case 'pending': return 'Not started.';
    case 'soaking': {
      if (!stage.soakEndsAt) return 'Shifting traffic at Cloudflare…';
      const left = (Date.parse(stage.soakEndsAt) - now) / 1000;
      if (left > 0) return `${duration(left)} left of ${duration(stage.soakSeconds)} soak.`;
      // what the engine says the stage still waits for: evidence, or the checks of its last seconds
      if (stage.waitingFor) return `Soak time up; ${stage.waitingFor}.`;
      return 'Soak done; checking its last seconds (telemetry arrives late).';
    }
    case 'awaiting_approval': {
      if (!stage.approvalDeadline) return 'Soaked. Waiting for approval (no deadline).';
      const left = (Date.parse(stage.approvalDeadline) - now) / 1000;
      return `Soaked. Waiting for approval until ${time(stage.approvalDeadline)} (${duration(left)} left).`;
    }
    case 'passed': return `Passed at ${time(stage.completedAt)}.`;
    default:
      if (!stage.startedAt) return 'The release ended before this stage.';
      return stage.completedAt ? `${look.label} at ${time(stage.completedAt)}.` : `${look.label}.`;
  }
}

function legend() {
  return h('p', {class: 'legend', 'aria-hidden': 'true'},
    h('span', {class: 'key key-new'}, 'new version'), h('span', {class: 'key key-old'}, 'old version'),
    h('span', {class: 'key key-threshold'}, 'threshold'), h('span', {class: 'key key-fail'}, 'failed check'),
    h('span', {class: 'key key-stage'}, 'stage start'));
}

function norm(split) {
  return (split || []).filter((p) => p.percentage > 0).map((p) => ({versionId: p.versionId, percentage: p.percentage}))
    .sort((a, b) => a.versionId.localeCompare(b.versionId));
}

function byTime(a, b) {
  return a.at.localeCompare(b.at) || Number(a.id) - Number(b.id);
}

function cap(text) {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
