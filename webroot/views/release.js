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
  POLICIES, checkCounted, checkReason, outcomeText, plainText, problemText, releaseStateLabel, releaseTone, stageName,
  stageState, verdictLabel, versionName, violations, VERDICTS,
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
    this.blocked = h('div', {id: 'release-blocked'});
    this.facts = h('dl', {class: 'facts'});
    this.outcome = h('div', {id: 'release-outcome'});
    this.actions = h('div', {id: 'release-actions'});
    this.splitBox = h('div', {id: 'split'});
    this.stages = h('ol', {class: 'stages', id: 'stages'});
    this.timeline = h('div', {id: 'timeline-box'});
    this.charts = h('div', {class: 'charts', id: 'charts'});
    this.checksBox = h('div', {id: 'checks'});
    this.heading = h('h1', {}, `Release ${this.name(release.oldVersionId)} → ${this.name(release.newVersionId)}`);

    const workerName = connection ? connection.name : release.workerName;
    this.el = h('div', {class: 'release', dataset: {releaseId: id}},
      h('p', {class: 'crumbs'}, h('a', {href: '#/releases'}, 'Releases'), ' / ',
        h('a', {href: `#/connections/${release.connectionId}`}, workerName), ' / '),
      h('div', {class: 'title-row'}, this.heading, this.stateBadge, this.streamBadge),
      this.status,
      this.needsPerson,
      this.blocked,
      this.outcome,
      this.actions,
      this.facts,
      h('section', {'aria-labelledby': 'split-title'}, h('h2', {id: 'split-title'}, 'Traffic now'), this.splitBox),
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
    if (this.app.can('operator') && r.state === 'awaiting_approval') allowed.push('approve', 'deny');
    if (this.app.can('operator') && isActive(r)) allowed.push('cancel');
    const key = `${allowed.join(',')}|${r.currentStageIndex}`;
    if (key === this.actionsKey) return;
    this.actionsKey = key;
    if (allowed.length === 0) {
      replace(this.actions);
      return;
    }
    const stage = r.stages[r.currentStageIndex];
    const next = r.stages[r.currentStageIndex + 1];
    const old = this.name(r.oldVersionId);
    const note = h('input', {type: 'text', id: 'decision-note', maxlength: 500, autocomplete: 'off',
      'aria-describedby': 'decision-note-hint'});
    const status = h('div', {class: 'form-status'});
    const buttons = [];
    // Deny and cancel end the release and move all traffic back: asked first, in the page
    const questions = {
      deny: {title: `Deny ${stageName(r, r.currentStageIndex)} and roll back?`, confirm: 'Deny and roll back',
        cancel: 'Keep waiting', body: `All traffic goes back to ${old} (the old version) and the release ends. `
          + 'This cannot be undone.'},
      cancel: {title: 'Cancel the release and roll back?', confirm: 'Cancel and roll back', cancel: 'Keep it running',
        body: `All traffic goes back to ${old} (the old version) and the release ends. This cannot be undone.`},
    };
    const act = async (action, button) => {
      const text = note.value.trim();
      const q = questions[action];
      if (q && !(await confirmDialog({id: `${action}-dialog`, title: q.title, confirm: q.confirm, cancel: q.cancel,
        body: [h('p', {}, q.body), text ? h('p', {}, `Your note: “${text}”`) : null]}))) {
        return;
      }
      buttons.forEach((b) => { b.disabled = true; });
      replace(status);
      try {
        const updated = await api.act(this.id, action, text || null);
        this.rememberDecision(`release.${action}`, text);
        this.app.announce({approve: 'Approved.', deny: 'Denied: rolling back.', cancel: 'Cancelled: rolling back.'}[action]);
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
        allowed.includes('deny') ? button('deny', 'Deny and roll back…', 'danger') : null,
        allowed.includes('cancel') ? button('cancel', 'Cancel release…', 'danger') : null),
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
      const marks = results.filter(({res}) => res && res.verdict === 'fail')
        .map(({c, res}) => ({t: Date.parse(c.at), v: res.observed ?? statsValue(c.new, slo.sli)}))
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

/** What the release is doing, in one sentence, for the live region. */
function statusText(r, outcome) {
  const stage = r.stages[r.currentStageIndex];
  const where = stage ? `stage ${r.currentStageIndex + 1} of ${r.stages.length} (${stage.targetPercent}%)` : '';
  switch (r.state) {
    case 'running': return `Running: ${where}, ${stageState(r, r.currentStageIndex).label.toLowerCase()}.`;
    case 'awaiting_approval': return `Awaiting approval at ${where}.`;
    case 'paused': return `Paused at ${where}.`;
    default: return outcome ? `${outcome.headline}.` : `${releaseStateLabel(r.state)}.`;
  }
}

function sloResult(check, slo, index) {
  const at = check.slos[index];
  if (at && at.sli === slo.sli && (at.mode || 'absolute') === (slo.mode || 'absolute')) return at;
  return check.slos.find((s) => s.sli === slo.sli) || null;
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
