// One release. While it is active the page follows its event stream (no polling): `release`
// replaces the whole state, `check` adds a measurement, `deployment` moves the split bar. An
// ended release is shown the same way from its stored state and checks, without a stream.

import {api, subscribe} from '../api.js';
import {lineChart, progressBar, splitBar} from '../charts.js';
import {h, notice, replace} from '../dom.js';
import {
  dateTime, duration, isActive, shortId, sliValue, sloText, stateLabel, statsValue, time, tone,
} from '../format.js';

const SHOWN_CHECKS = 20;

export async function releaseView(ctx, id) {
  const {app, root} = ctx;
  const first = await api.release(id);
  const [connection, versions] = await Promise.allSettled([api.connection(first.connectionId),
    api.versions(first.connectionId)]);
  const view = new ReleasePage(app, id, first, connection.value || null, versions.value || []);
  replace(root, view.el);

  if (isActive(first)) {
    view.stream = 'connecting';
    ctx.onDispose(subscribe(id, {
      release: (r) => r.id === id && view.update({release: r}),
      check: (c) => c.releaseId === id && view.update({check: c}),
      deployment: (d) => d.releaseId === id && view.update({split: d.versions}),
      status: (s) => view.update({stream: s}),
    }));
  } else {
    view.stream = 'ended';
    (await api.checks(id)).forEach((c) => view.checks.set(c.id, c));
  }
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
    this.actionsKey = null;
    this.outcomeKey = null;
    this.pending = null;

    this.stateBadge = h('span', {class: 'badge', id: 'release-state'});
    this.streamBadge = h('span', {class: 'stream', id: 'stream-status'});
    this.status = h('p', {class: 'status-line', id: 'release-status', role: 'status', 'aria-live': 'polite',
      'aria-atomic': 'true'});
    this.facts = h('dl', {class: 'facts'});
    this.outcome = h('div', {id: 'release-outcome'});
    this.actions = h('div', {id: 'release-actions'});
    this.splitBox = h('div', {id: 'split'});
    this.stages = h('ol', {class: 'stages', id: 'stages'});
    this.charts = h('div', {class: 'charts', id: 'charts'});
    this.checksBox = h('div', {id: 'checks'});

    const name = connection ? connection.name : release.workerName;
    this.el = h('div', {class: 'release', dataset: {releaseId: id}},
      h('p', {class: 'crumbs'}, h('a', {href: '#/releases'}, 'Releases'), ' / ',
        h('a', {href: `#/connections/${release.connectionId}`}, name), ' / '),
      h('div', {class: 'title-row'}, h('h1', {}, `Release ${shortId(id)}`), this.stateBadge, this.streamBadge),
      this.status,
      this.outcome,
      this.actions,
      this.facts,
      h('section', {'aria-labelledby': 'split-title'}, h('h2', {id: 'split-title'}, 'Traffic now'), this.splitBox),
      h('section', {'aria-labelledby': 'stages-title'}, h('h2', {id: 'stages-title'}, 'Stages'), this.stages),
      h('section', {'aria-labelledby': 'charts-title'}, h('h2', {id: 'charts-title'}, 'Health checks'),
        legend(), this.charts),
      h('section', {'aria-labelledby': 'checks-title'}, h('h2', {id: 'checks-title'}, 'Latest checks'), this.checksBox));
  }

  /** Takes in one piece of news and redraws soon: a replay delivers many at once, drawn once. */
  update({release, check, split, stream}) {
    if (release) {
      this.release = release;
      if (release.currentSplit) this.split = release.currentSplit;
    }
    if (check) this.checks.set(check.id, check);
    if (split) this.split = split;
    if (stream) this.stream = stream;
    clearTimeout(this.pending);
    this.pending = setTimeout(() => this.render(), 30);
  }

  render() {
    const r = this.release;
    this.stateBadge.className = `badge ${tone(r.state)}`;
    this.stateBadge.textContent = stateLabel(r.state);
    this.renderStream();
    const status = statusText(r, this.failedCheck());
    if (this.status.textContent !== status) this.status.textContent = status;
    this.renderOutcome();
    this.renderActions();
    this.renderFacts();
    replace(this.splitBox, this.splitView());
    this.renderStages();
    this.renderCharts();
    this.renderChecks();
  }

  /** Once a second: countdowns, progress bars and elapsed time. */
  tick() {
    if (!isActive(this.release)) return;
    this.renderStages();
    this.renderFacts();
  }

  renderStream() {
    this.streamBadge.textContent = {live: '● Live', connecting: 'Connecting…', reconnecting: 'Reconnecting…',
      ended: 'Not live: this release had ended'}[this.stream];
    this.streamBadge.className = `stream ${this.stream}`;
  }

  label(versionId) {
    const v = this.versions.get(versionId);
    return v ? `v${v.number}` : shortId(versionId);
  }

  versionText(versionId) {
    const v = this.versions.get(versionId);
    return [h('strong', {}, this.label(versionId)), ' ', h('code', {title: versionId}, shortId(versionId)),
      v && v.message ? ` — ${v.message}` : ''];
  }

  renderFacts() {
    const r = this.release;
    const end = r.finishedAt ? Date.parse(r.finishedAt) : Date.now();
    const began = Date.parse(r.startedAt || r.createdAt);
    replace(this.facts,
      h('dt', {}, 'Worker'), h('dd', {}, h('code', {}, r.workerName)),
      h('dt', {}, 'Old version'), h('dd', {}, this.versionText(r.oldVersionId)),
      h('dt', {}, 'New version'), h('dd', {}, this.versionText(r.newVersionId)),
      h('dt', {}, 'Started'), h('dd', {}, dateTime(r.startedAt || r.createdAt)),
      r.finishedAt ? [h('dt', {}, 'Ended'), h('dd', {}, dateTime(r.finishedAt))] : null,
      h('dt', {}, r.finishedAt ? 'Took' : 'Elapsed'), h('dd', {id: 'elapsed'}, duration((end - began) / 1000)),
      h('dt', {}, 'Plan'), h('dd', {}, `revision ${r.planRevision}: `,
        r.plan.slos.length ? r.plan.slos.map(sloText).join(', ') : 'no SLOs',
        `; a check every ${duration(r.plan.pollIntervalSeconds)}, at least ${r.plan.minRequests} requests`));
  }

  splitView() {
    const r = this.release;
    const kind = (v) => (v === r.newVersionId ? 'new' : v === r.oldVersionId ? 'old' : 'other');
    const wanted = r.wantedSplit;
    const differs = wanted && isActive(r) && JSON.stringify(norm(wanted)) !== JSON.stringify(norm(this.split || []));
    return [
      splitBar(this.split, (v) => `${this.label(v)} (${kind(v)})`, kind),
      differs ? h('p', {class: 'muted'}, 'Applying at Cloudflare: ',
        norm(wanted).map((p) => `${this.label(p.versionId)} ${p.percentage}%`).join(', '), '…') : null,
    ];
  }

  renderStages() {
    const r = this.release;
    const now = Date.now();
    replace(this.stages, r.stages.map((stage, i) => {
      const current = isActive(r) && i === r.currentStageIndex;
      return h('li', {class: `stage ${stage.state} ${current ? 'current' : ''}`, 'aria-current': current ? 'step' : null,
        dataset: {state: stage.state}, id: `stage-${i}`},
      h('div', {class: 'stage-head'},
        h('span', {class: 'stage-num'}, `Stage ${i + 1}`),
        h('span', {class: 'stage-pct'}, `${stage.targetPercent}%`),
        h('span', {class: 'muted'}, `soak ${duration(stage.soakSeconds)}`),
        stage.autoProgress ? null : h('span', {class: 'badge neutral'}, 'manual approval'),
        h('span', {class: `badge ${tone(stage.state)} stage-state`}, stateLabel(stage.state))),
      stage.description ? h('p', {class: 'stage-description'}, stage.description) : null,
      progressBar(stageProgress(stage, now), `Stage ${i + 1} soak`),
      h('p', {class: 'stage-timing'}, stageTiming(stage, now)),
      stage.state === 'pending' ? null : h('p', {class: 'muted stage-checks'},
        `Checks: ${stage.passedChecks} passed, ${stage.failedChecks} failed, ${stage.inconclusiveChecks} inconclusive`));
    }));
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
    const note = h('input', {type: 'text', id: 'decision-note', maxlength: 500, autocomplete: 'off'});
    const status = h('div', {class: 'form-status'});
    const buttons = [];
    const act = async (action, button) => {
      buttons.forEach((b) => { b.disabled = true; });
      replace(status);
      try {
        const updated = await api.act(this.id, action, note.value.trim() || null);
        this.app.announce({approve: 'Approved.', deny: 'Denied: rolling back.', cancel: 'Cancelled: rolling back.'}[action]);
        this.update({release: updated});
      } catch (error) {
        buttons.forEach((b) => { b.disabled = false; });
        replace(status, notice('error', error.message));
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
          '; deny rolls back to the old version.')
        : null,
      h('div', {class: 'field'}, h('label', {for: 'decision-note'}, 'Note (optional)'), note),
      h('div', {class: 'actions'},
        allowed.includes('approve') ? button('approve', 'Approve', 'primary') : null,
        allowed.includes('deny') ? button('deny', 'Deny and roll back', 'danger') : null,
        allowed.includes('cancel') ? button('cancel', 'Cancel release', 'danger') : null),
      status));
  }

  /** The newest failed check, whose SLO values explain a rollback. */
  failedCheck() {
    const failed = [...this.checks.values()].filter((c) => c.verdict === 'fail');
    return failed.length ? failed.sort(byTime)[failed.length - 1] : null;
  }

  renderOutcome() {
    const r = this.release;
    if (!r.outcome) {
      this.outcomeKey = null;
      replace(this.outcome);
      return;
    }
    const failed = r.outcome.code === 'slo_violation' ? this.failedCheck() : null;
    const key = [r.state, r.outcome.code, r.outcome.message, failed && failed.id, this.backToOld()].join('|');
    if (key === this.outcomeKey) return;
    this.outcomeKey = key;
    // not an alert: the status line above already announces the end
    replace(this.outcome, h('div', {class: `notice ${r.state === 'succeeded' ? 'ok' : 'error'}`},
      h('p', {class: 'outcome-line'}, h('strong', {}, `${stateLabel(r.state)}: ${r.outcome.code}`),
        failed ? ` — ${violations(failed)}` : ''),
      h('p', {class: 'outcome-message'}, capitalize(r.outcome.message)),
      failed ? h('p', {class: 'muted'}, `Failed check at ${time(failed.at)}: ${failed.reason}`) : null,
      r.state === 'succeeded' ? null : h('p', {}, this.backToOld()
        ? `${this.label(r.oldVersionId)} (the old version) serves all traffic again.`
        : `Moving all traffic back to ${this.label(r.oldVersionId)} (the old version)…`)));
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
    const all = [...this.checks.values()].sort(byTime).reverse();
    if (all.length === 0) {
      replace(this.checksBox, h('p', {class: 'muted'}, isActive(this.release) ? 'The first check comes after one poll '
        + `interval (${duration(this.release.plan.pollIntervalSeconds)}) of traffic on the new version.` : 'No checks were made.'));
      return;
    }
    const shown = all.slice(0, SHOWN_CHECKS);
    replace(this.checksBox, h('div', {class: 'table-wrap'}, h('table', {id: 'checks-table'},
      h('caption', {}, all.length > shown.length ? `The latest ${shown.length} of ${all.length} checks, newest first`
        : `${all.length} check${all.length === 1 ? '' : 's'}, newest first`),
      h('thead', {}, h('tr', {}, ['Time', 'Stage', 'Verdict', 'New version', 'Old version', 'Why']
        .map((t) => h('th', {scope: 'col'}, t)))),
      h('tbody', {}, shown.map((c) => h('tr', {id: `check-${c.id}`, dataset: {verdict: c.verdict}},
        h('td', {}, time(c.at)),
        h('td', {}, String(c.stageIndex + 1)),
        h('td', {}, h('span', {class: `badge ${tone(c.verdict)}`}, c.verdict)),
        h('td', {}, statsText(c.new)),
        h('td', {}, statsText(c.old)),
        h('td', {class: 'reason'}, c.reason || '')))))));
  }
}

/** What the release is doing, in one sentence, for the live region. */
function statusText(r, failed) {
  const stage = r.stages[r.currentStageIndex];
  const where = stage ? `stage ${r.currentStageIndex + 1} of ${r.stages.length} (${stage.targetPercent}%)` : '';
  switch (r.state) {
    case 'running': return `Running: ${where}, ${stateLabel(stage.state).toLowerCase()}.`;
    case 'awaiting_approval': return `Awaiting approval at ${where}.`;
    default: return `${stateLabel(r.state)}: ${r.outcome ? r.outcome.code : ''}`
      + `${failed && r.outcome && r.outcome.code === 'slo_violation' ? ` — ${violations(failed)}` : ''}.`;
  }
}

/** "error_rate 5.1% > 1%; latency_p99 910 ms > 500 ms" from a failed check's SLOs. */
function violations(check) {
  const failed = check.slos.filter((s) => s.verdict === 'fail');
  if (failed.length === 0) return check.reason || 'a check failed';
  return failed.map((s) => {
    const limit = s.mode === 'relative'
      ? `${s.threshold} × ${sliValue(s.sli, s.baseline)}`
      : sliValue(s.sli, s.threshold);
    return `${s.sli} ${sliValue(s.sli, s.observed)} > ${limit}`;
  }).join('; ');
}

function sloResult(check, slo, index) {
  const at = check.slos[index];
  if (at && at.sli === slo.sli && (at.mode || 'absolute') === (slo.mode || 'absolute')) return at;
  return check.slos.find((s) => s.sli === slo.sli) || null;
}

function statsText(stats) {
  if (!stats || !stats.requests) return 'no requests';
  return `${stats.requests} req, ${sliValue('error_rate', stats.errorRate)} errors, p99 ${sliValue('latency_p99', stats.latencyP99)}`;
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

function stageTiming(stage, now) {
  switch (stage.state) {
    case 'pending': return 'Not started.';
    case 'soaking': {
      if (!stage.soakEndsAt) return 'Shifting traffic at Cloudflare…';
      const left = (Date.parse(stage.soakEndsAt) - now) / 1000;
      return left > 0 ? `${duration(left)} left of ${duration(stage.soakSeconds)} soak.`
        : 'Soak done; checking its last seconds (telemetry arrives late).';
    }
    case 'awaiting_approval': {
      if (!stage.approvalDeadline) return 'Soaked. Waiting for approval (no deadline).';
      const left = (Date.parse(stage.approvalDeadline) - now) / 1000;
      return `Soaked. Waiting for approval until ${time(stage.approvalDeadline)} (${duration(left)} left).`;
    }
    case 'passed': return `Passed at ${time(stage.completedAt)}.`;
    case 'failed': return `Failed at ${time(stage.completedAt)}.`;
    case 'cancelled': return stage.completedAt ? `Cancelled at ${time(stage.completedAt)}.` : 'Cancelled.';
    default: return '';
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

function capitalize(text) {
  return text ? text.charAt(0).toUpperCase() + text.slice(1) + (/[.!?]$/.test(text) ? '' : '.') : '';
}
