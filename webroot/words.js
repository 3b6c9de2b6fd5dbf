// Plain language: the one place where the API's codes become sentences. Outcome codes, release
// and stage states, check verdicts and their reasons, validation errors (with the field's label),
// Cloudflare's errors and audit actions each have a table keyed by code, so a new kind is one
// entry. Pages never show a code, a field name or a bare fraction: rates read as percentages,
// every number has its unit, versions read as v-numbers.

import {duration, shortId, sliLabel, sliValue} from './format.js';

/** "v3" when the version is known, else its short id. versions: Map id -> {number}. */
export function versionName(id, versions) {
  const v = versions && versions.get(id);
  return v && v.number != null ? `v${v.number}` : shortId(id);
}

/** "stage 2 (50%)", as people count stages. */
export function stageName(release, index) {
  const stage = release.stages[index];
  return stage ? `stage ${index + 1} (${stage.targetPercent}%)` : `stage ${index + 1}`;
}

function sentence(text) {
  if (!text) return '';
  const t = text.trim();
  return t.charAt(0).toUpperCase() + t.slice(1) + (/[.!?…]$/.test(t) ? '' : '.');
}

// ---------------------------------------------------------------------------------------------
// Release states and outcomes

/** Release states as a badge reads them, and the tone that colours it. */
export const RELEASE_STATES = {
  running: {label: 'Running', tone: 'busy'},
  awaiting_approval: {label: 'Awaiting approval', tone: 'warn'},
  paused: {label: 'Paused', tone: 'warn'},
  succeeded: {label: 'Succeeded', tone: 'good'},
  rolled_back: {label: 'Rolled back', tone: 'bad'},
  cancelled: {label: 'Cancelled', tone: 'warn'},
  failed: {label: 'Failed', tone: 'bad'},
};

export function releaseStateLabel(state) {
  return (RELEASE_STATES[state] || {label: humanize(state)}).label;
}

export function releaseTone(state) {
  return (RELEASE_STATES[state] || {tone: 'neutral'}).tone;
}

/**
 * A person's decision carried in an outcome message: the API writes "by <key name>" or
 * "by <key name>: <note>" after what happened ("denied at stage 1 (10%): by alice: too slow").
 */
export function decisionIn(message) {
  const m = /(?:^|: )by (.+?)(?:: ([\s\S]*))?$/.exec(message || '');
  return m ? {by: m[1], note: m[2] || null} : null;
}

const STAGE_IN = /stage (\d+) \((\d+)%\)/;

function stageIn(message) {
  const m = STAGE_IN.exec(message || '');
  return m ? `stage ${m[1]} (${m[2]}%)` : 'a stage';
}

/**
 * Outcome codes: `title` is the short reason (lists, the history), `text(release, ctx)` the
 * sentence on the release page. ctx: {name(versionId)}. Unknown codes fall back to the message.
 */
export const OUTCOMES = {
  completed: {
    title: 'all stages passed',
    text: (r, ctx) => `All ${r.stages.length} stage${r.stages.length === 1 ? '' : 's'} passed; `
      + `${ctx.name(r.newVersionId)} now serves all traffic.`,
  },
  slo_violation: {
    title: 'the new version broke an SLO',
    text: (r) => {
      const m = /^(\d+) failed checks? at stage (\d+) \((\d+)%\) \(failureThreshold (\d+)\)/.exec(r.outcome.message || '');
      if (!m) return 'The new version broke an SLO, so it was rolled back.';
      const failed = Number(m[1]);
      return `${failed} check${failed === 1 ? '' : 's'} failed at stage ${m[2]} (${m[3]}%); the plan rolls back after `
        + `${m[4]} failed check${m[4] === '1' ? '' : 's'} in a stage.`;
    },
  },
  approval_denied: {
    title: 'approval was denied',
    text: (r) => `Approval was denied at ${stageIn(r.outcome.message)}, so the release rolled back.`,
  },
  approval_timeout: {
    title: 'nobody approved in time',
    text: (r) => {
      const m = /no approval within (\d+) s/.exec(r.outcome.message || '');
      return `Nobody approved ${stageIn(r.outcome.message)}${m ? ` within ${duration(Number(m[1]))}` : ' in time'}, `
        + 'so the release was cancelled and rolled back.';
    },
  },
  cancelled: {
    title: 'cancelled by a person',
    headline: 'Cancelled by a person',
    text: (r) => (/before it started/.test(r.outcome.message || '')
      ? 'Cancelled before it started; the Worker was never touched.'
      : `Cancelled at ${stageIn(r.outcome.message)}; the release rolled back.`),
  },
  insufficient_data: {
    title: 'not enough evidence',
    text: (r) => {
      const m = /\((\d+) inconclusive\)/.exec(r.outcome.message || '');
      return `${sentence(stageIn(r.outcome.message))} ended its soak without one conclusive passing check`
        + `${m ? ` (${m[1]} inconclusive)` : ''}, and the plan says to roll back then.`;
    },
  },
  external_deployment: {
    title: 'someone else deployed',
    text: (r) => {
      const m = /left as it is: ([\s\S]*)$/.exec(r.outcome.message || '');
      return `Someone else deployed to the Worker at ${stageIn(r.outcome.message)}; HMD stopped and left their `
        + `deployment as it is${m ? ` (${m[1]})` : ''}.`;
    },
  },
  error: {
    title: 'the new version could not be watched',
    text: (r) => {
      const m = /^(\d+) checks in a row/.exec(r.outcome.message || '');
      return `${m ? m[1] : 'Several'} checks in a row could not be made at ${stageIn(r.outcome.message)}, so HMD `
        + 'rolled back: a version it cannot watch must not keep serving.';
    },
  },
  smoke_test_failed: {
    title: 'the smoke test failed',
    text: (r) => `The smoke test failed before any real traffic reached ${'the new version'}`
      + `${r.outcome.message ? `: ${plainText(r.outcome.message)}` : ''}.`,
  },
  gate_failed: {
    title: 'a gate said no',
    text: (r) => `A gate did not let the release go on${r.outcome.message ? `: ${plainText(r.outcome.message)}` : ''}.`,
  },
};

/**
 * The outcome of an ended release: {headline, text, decision: {by, note} | null, code}.
 * headline: "Rolled back: the new version broke an SLO".
 */
export function outcomeText(release, ctx) {
  const o = release.outcome;
  if (!o) return null;
  const entry = OUTCOMES[o.code];
  const decision = ['approval_denied', 'cancelled'].includes(o.code) ? endingDecision(release) : null;
  const title = entry ? entry.title : humanize(o.code);
  const text = entry ? entry.text(release, ctx) : sentence(plainText(o.message));
  const headline = (entry && entry.headline) || `${releaseStateLabel(release.state)}: ${title}`;
  return {code: o.code, headline, text, decision};
}

/**
 * Who denied or cancelled, and their note: the release's own decisions when the API has them,
 * else what the outcome message quotes.
 */
function endingDecision(release) {
  const action = release.outcome.code === 'approval_denied' ? 'deny' : 'cancel';
  const d = (release.decisions || []).filter((x) => x.action === action).pop();
  return d ? {by: d.by.name, note: d.note || null} : decisionIn(release.outcome.message);
}

/** The short form for lists: "Rolled back: the new version broke an SLO (by alice)". */
export function outcomeShort(release) {
  if (!release.outcome) return null;
  const entry = OUTCOMES[release.outcome.code];
  const decision = ['approval_denied', 'cancelled'].includes(release.outcome.code) ? endingDecision(release) : null;
  return `${entry ? entry.title : humanize(release.outcome.code)}${decision ? ` (by ${decision.by})` : ''}`;
}

/** A person's decision on a release (`release.decisions[]`), as a verb phrase. */
export const DECISIONS = {
  approve: 'approved',
  deny: 'denied',
  cancel: 'cancelled',
  pause: 'paused',
  resume: 'resumed',
  promote: 'promoted',
  revert: 'reverted',
};

/** "promoted to 100%" / "approved": what a decision did, in words. */
export function decisionText(d) {
  const verb = DECISIONS[d.action] || humanize(d.action);
  return d.action === 'promote' && d.full ? `${verb} straight to 100%` : verb;
}

// ---------------------------------------------------------------------------------------------
// Stages

/**
 * A stage's state read with its release's outcome: a denied stage is "Denied", not "Failed",
 * and only a stage whose checks broke an SLO is red. Returns {label, tone, bar} (bar colours the
 * progress bar: good, bad, warn, busy, neutral).
 */
export function stageState(release, index) {
  const stage = release.stages[index];
  const code = release.outcome && release.outcome.code;
  const ended = index === release.currentStageIndex && code;
  switch (stage.state) {
    case 'pending': return {label: 'Not started', tone: 'neutral', bar: 'neutral'};
    case 'soaking': return {label: stage.soakStartedAt ? 'Soaking' : 'Shifting traffic', tone: 'busy', bar: 'busy'};
    case 'awaiting_approval': return {label: 'Awaiting approval', tone: 'warn', bar: 'warn'};
    case 'paused': return {label: 'Paused', tone: 'warn', bar: 'warn'};
    case 'passed': return {label: 'Passed', tone: 'good', bar: 'good'};
    case 'skipped': return {label: 'Skipped (promoted past)', tone: 'neutral', bar: 'neutral'};
    case 'failed':
      if (ended && STAGE_ENDINGS[code]) return STAGE_ENDINGS[code];
      return {label: 'Failed', tone: 'bad', bar: 'bad'};
    case 'cancelled':
      if (!stage.startedAt) return {label: 'Not reached', tone: 'neutral', bar: 'neutral'};
      if (ended && STAGE_ENDINGS[code]) return STAGE_ENDINGS[code];
      return {label: 'Cancelled', tone: 'warn', bar: 'warn'};
    default: return {label: humanize(stage.state), tone: 'neutral', bar: 'neutral'};
  }
}

/** How the stage a release ended in reads, by outcome code (only an SLO breach is a failure). */
const STAGE_ENDINGS = {
  slo_violation: {label: 'Failed: SLO broken', tone: 'bad', bar: 'bad'},
  approval_denied: {label: 'Denied', tone: 'warn', bar: 'warn'},
  approval_timeout: {label: 'Approval timed out', tone: 'warn', bar: 'warn'},
  cancelled: {label: 'Cancelled', tone: 'warn', bar: 'warn'},
  insufficient_data: {label: 'No conclusive pass', tone: 'warn', bar: 'warn'},
  external_deployment: {label: 'Stopped: outside deployment', tone: 'warn', bar: 'warn'},
  error: {label: 'Could not be watched', tone: 'warn', bar: 'warn'},
  smoke_test_failed: {label: 'Smoke test failed', tone: 'bad', bar: 'bad'},
  gate_failed: {label: 'Gate said no', tone: 'warn', bar: 'warn'},
};

// ---------------------------------------------------------------------------------------------
// Checks

export const VERDICTS = {
  pass: {label: 'Passed', tone: 'good'},
  fail: {label: 'Failed', tone: 'bad'},
  inconclusive: {label: 'Inconclusive', tone: 'warn'},
  error: {label: 'Could not check', tone: 'bad'},
};

export function verdictLabel(verdict) {
  return (VERDICTS[verdict] || {label: humanize(verdict)}).label;
}

/** A measured value of an SLI with its unit, or a limit: "9.38%", "412 ms". */
function amount(sli, value) {
  return sliValue(sli, value);
}

/** One SLO's result in a sentence: "error rate 9.38% is over the 1% limit (at least 2.45%, 95% sure)". */
export function sloResultText(r) {
  const what = sliLabel(r.sli);
  if (r.observed == null) return `${what}: no measurement for the new version`;
  const seen = `${what} ${amount(r.sli, r.observed)}`;
  const relative = r.mode === 'relative';
  const limit = relative
    ? (r.baseline == null ? null : `${trimNumber(r.threshold)} × the old version's ${amount(r.sli, r.baseline)} = `
      + amount(r.sli, r.threshold * r.baseline))
    : `the ${amount(r.sli, r.threshold)} limit`;
  switch (r.verdict) {
    case 'pass': return `${seen} is within ${limit}`;
    case 'fail': return `${seen} is over ${limit}${r.bound != null ? ` (at least ${amount(r.sli, r.bound)}, ${sure(r)} sure)` : ''}`;
    default:
      if (relative && r.baseline == null) return `${seen}, but the old version has no ${what} to compare with yet`;
      if (/minRequests|only \d+ requests/.test(r.reason || '')) return `${seen}, from too few requests to tell`;
      if (r.observed != null && limit && r.observed > (relative ? r.threshold * r.baseline : r.threshold)) {
        return `${seen} is over ${limit}, but not by enough to be sure`;
      }
      return `${seen}: not enough evidence either way`;
  }
}

/** How sure a fail's bound is: the level the engine used ("95%", "99.58%": later looks are stricter). */
function sure(r) {
  const m = /([\d.]+%) lower bound/.exec(r.reason || '');
  return m ? m[1] : '95%';
}

/**
 * Why a check came out as it did, from its numbers (its reason text is for machines). plan:
 * the release's plan (minRequests). A check of a window of its stage's own is decided on the
 * stage's evidence pooled over all its windows (`stage`), unless the window alone fails.
 */
export function checkReason(check, plan) {
  const pooled = check.stage;
  const windowFailed = (check.slos || []).some((s) => s.verdict === 'fail');
  if (pooled && !windowFailed && check.verdict !== 'error') {
    return pooledReason(check, pooled, plan);
  }
  return windowReason(check, plan);
}

function pooledReason(check, pooled, plan) {
  const over = `over the stage's ${count(pooled.requests, 'request')} (${count(pooled.windows, 'window')})`;
  const slos = (pooled.slos || []).filter((s) => !s.dryRun);
  switch (pooled.verdict) {
    case 'fail': return sentence(`${cap(over)}: ${slos.filter((s) => s.verdict === 'fail').map(sloResultText).join('; ')}`);
    case 'pass': return slos.length ? sentence(`Every SLO held ${over}: ${slos.map(sloResultText).join('; ')}`)
      : sentence(`${cap(over)}; no SLOs to hold`);
    default: {
      const min = plan && plan.minRequests;
      if (min && pooled.requests < min) {
        return `${cap(over)}; the stage needs at least ${min} to pass.`;
      }
      const open = slos.filter((s) => s.verdict === 'inconclusive');
      return sentence(`${cap(over)}: ${open.length ? open.map(sloResultText).join('; ') : plainText(pooled.reason)}`);
    }
  }
}

function cap(text) {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function windowReason(check, plan) {
  const requests = check.new ? check.new.requests : 0;
  const slos = check.slos || [];
  switch (check.verdict) {
    case 'error': return `The check could not be made: ${plainText(check.reason || 'no reason given')}`;
    case 'fail': {
      const failed = slos.filter((s) => s.verdict === 'fail');
      return failed.length ? sentence(failed.map(sloResultText).join('; ')) : sentence(plainText(check.reason));
    }
    case 'pass':
      return slos.length
        ? sentence(`Every SLO held over ${count(requests, 'request')}: ${slos.filter((s) => !s.dryRun).map(sloResultText).join('; ')}`)
        : `${sentence(count(requests, 'request'))} No SLOs to hold.`;
    case 'inconclusive': {
      if (!requests) return 'No requests reached the new version in this window.';
      const min = plan && plan.minRequests;
      if (min && requests < min) {
        return `Only ${count(requests, 'request')} reached the new version; a check needs at least ${min}.`;
      }
      const open = slos.filter((s) => s.verdict === 'inconclusive');
      return open.length ? sentence(open.map(sloResultText).join('; ')) : sentence(plainText(check.reason));
    }
    default: return sentence(plainText(check.reason));
  }
}

/** The SLOs a failed check broke, in a line: "error rate 5.1% is over the 1% limit; …". */
export function violations(check) {
  const failed = (check.slos || []).filter((s) => s.verdict === 'fail');
  if (failed.length) return failed.map(sloResultText).join('; ');
  // no SLO failed in the window alone: the stage's evidence pooled over its windows did
  const pooled = check.stage ? (check.stage.slos || []).filter((s) => s.verdict === 'fail') : [];
  if (pooled.length) {
    return `over the stage's ${count(check.stage.requests, 'request')}, ${pooled.map(sloResultText).join('; ')}`;
  }
  return plainText(check.reason || 'a check failed');
}

/**
 * Whether a check counted towards its stage's numbers, and why not. The engine counts a window
 * for its stage when the stage's split alone served it (it began at or after the split was
 * confirmed serving); another window counts only by failing, and an error never. The engine says
 * so itself (`counted`, `countedReason` on the check); checks from before it did are worked out
 * here.
 */
export function checkCounted(check, stage) {
  if (typeof check.counted === 'boolean') {
    return {counted: check.counted, why: check.counted ? null : plainText(check.countedReason || 'not counted')};
  }
  if (check.verdict === 'fail') return {counted: true, why: null};
  if (check.verdict === 'error') {
    return {counted: false, why: 'errors are never counted (several in a row end the release)'};
  }
  if (!stage || !stage.soakStartedAt) {
    return {counted: false, why: 'the stage\'s split was not applied yet'};
  }
  if (check.windowStart && Date.parse(check.windowStart) < Date.parse(stage.soakStartedAt)) {
    return {counted: false, why: 'its window began before this stage\'s split was applied'};
  }
  return {counted: true, why: null};
}

function count(n, word) {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function trimNumber(x) {
  return String(Math.round(x * 1000) / 1000);
}

// ---------------------------------------------------------------------------------------------
// Validation errors

/** Each API field as the form labels it. */
export const FIELD_LABELS = {
  stages: 'Stages',
  slos: 'SLOs',
  targetPercent: 'Traffic %',
  soakSeconds: 'Soak',
  maxSoakSeconds: 'Longest soak',
  autoProgress: 'Move on automatically',
  description: 'Description',
  sli: 'Indicator',
  threshold: 'Threshold',
  mode: 'Mode',
  dryRun: 'Dry run',
  smokeTest: 'Smoke test',
  requests: 'Requests',
  repeat: 'Repeat',
  maxFailures: 'Failures allowed',
  method: 'Method',
  path: 'Path',
  expectStatus: 'Expected status',
  gates: 'Gates',
  when: 'When',
  timeoutSeconds: 'Timeout',
  pollIntervalSeconds: 'Check every',
  minRequests: 'Minimum requests per check',
  failureThreshold: 'Failed checks that fail a stage',
  onInsufficientData: 'When a soak ends without a conclusive pass',
  approvalTimeoutSeconds: 'Approval timeout',
  accountId: 'Cloudflare account id',
  workerName: 'Worker name',
  apiToken: 'API token',
  apiKey: 'API key',
  name: 'Name',
  role: 'Role',
  url: 'URL',
  events: 'Events',
  note: 'Note',
  newVersionId: 'New version',
  oldVersionId: 'Old version',
  from: 'Start date',
  to: 'End date',
  cursor: 'Page',
  limit: 'Page size',
  state: 'State',
  connectionId: 'Connection',
  body: 'The request',
};

const LIST_ITEMS = {stages: 'Stage', slos: 'SLO', gates: 'Gate', 'smokeTest.requests': 'Smoke request'};

/** "stages[1].targetPercent" as a place: "Stage 2, traffic %"; "smokeTest.url": "Smoke test, URL". */
export function fieldPlace(path) {
  const m = /^(stages|slos|gates|smokeTest\.requests)\[(\d+)\](?:\.(\w+))?$/.exec(path || '');
  if (m) {
    const what = `${LIST_ITEMS[m[1]]} ${Number(m[2]) + 1}`;
    return m[3] ? `${what}, ${(FIELD_LABELS[m[3]] || humanize(m[3])).toLowerCase()}` : what;
  }
  const smoke = /^smokeTest\.(\w+)$/.exec(path || '');
  if (smoke) return `Smoke test, ${(FIELD_LABELS[smoke[1]] || humanize(smoke[1])).toLowerCase()}`;
  return FIELD_LABELS[path] || (path ? humanize(path) : 'The form');
}

/** The label of the field a path ends in: "stages[1].targetPercent" -> "Traffic %". */
export function fieldLabel(path) {
  const last = /(\w+)$/.exec(path || '');
  if (!last) return 'This';
  if (/^(stages|slos|gates|smokeTest\.requests)\[\d+\]$/.test(path)) return fieldPlace(path);
  return FIELD_LABELS[last[1]] || humanize(last[1]);
}

/** Rewrites of the API's validation messages, tried in order; $1… are the groups. */
const MESSAGE_RULES = [
  [/^must be greater than the previous stage's targetPercent \((\d+)\)$/, 'must be more than the previous stage\'s $1%'],
  [/^must be 100: the last stage sends all traffic to the new version$/, 'must be 100%: the last stage sends all traffic to the new version'],
  [/^is required and must be a string$/, 'is required'],
  [/^is required; it must be (.*)$/, 'is required; it must be $1'],
  [/^is required: (.*)$/, 'is required ($1)'],
  [/^must be an integer from (-?\d+) to (-?\d+) \(got (.*)\)$/, 'must be a whole number from $1 to $2 (not $3)'],
  [/^must be (.*) \(got (.*)\)$/, 'must be $1 (not $2)'],
];

/** Field names that may appear inside a message, as words. */
const NAMES_IN_MESSAGES = [
  ['targetPercent', 'traffic %'], ['soakSeconds', 'soak'], ['minRequests', 'minimum requests'],
  ['failureThreshold', 'failed checks that fail a stage'], ['pollIntervalSeconds', 'check interval'],
  ['onInsufficientData', 'what to do without a conclusive pass'], ['approvalTimeoutSeconds', 'approval timeout'],
  ['apiToken', 'API token'], ['accountId', 'account id'], ['workerName', 'Worker name'],
  ['maxFailures', 'failures allowed'], ['timeoutSeconds', 'timeout'], ['expectStatus', 'expected status'],
];

/** A validation error as a sentence that names its field: "Traffic % must be more than the previous stage's 60%." */
export function fieldError(path, message) {
  let text = String(message || '').trim();
  if (/^Cloudflare /.test(text)) return cloudflareText(text).text;
  for (const [pattern, replacement] of MESSAGE_RULES) {
    if (pattern.test(text)) {
      text = text.replace(pattern, replacement);
      break;
    }
  }
  text = text.replace(/the string "(.*?)"/g, '"$1"');
  for (const [name, words] of NAMES_IN_MESSAGES) text = text.split(name).join(words);
  if (!path) return sentence(text);
  return sentence(`${fieldLabel(path)} ${text}`);
}

// ---------------------------------------------------------------------------------------------
// Cloudflare's errors

/** What each kind of Cloudflare failure means for the person reading it. */
export const CLOUDFLARE_KINDS = {
  UNAUTHORIZED: 'Cloudflare refused the token: check that it can read and edit Workers scripts.',
  FORBIDDEN: 'Cloudflare accepted the token but it lacks a permission: it needs Workers Scripts edit and '
    + 'Account Analytics read.',
  NOT_FOUND: 'Cloudflare has no such Worker in this account: check the account id and the Worker\'s name.',
  RATE_LIMITED: 'Cloudflare asked HMD to slow down (too many requests); HMD tries again by itself.',
  SERVER_ERROR: 'Cloudflare had an internal error; HMD tries again by itself.',
  TIMEOUT: 'Cloudflare did not answer in time; HMD tries again by itself.',
  NETWORK: 'Cloudflare could not be reached from HMD (network error).',
  BAD_REQUEST: 'Cloudflare refused the request.',
  INVALID_RESPONSE: 'Cloudflare answered with something HMD could not read.',
};

const CLOUDFLARE_ERROR = /Cloudflare ([\w.]+) ([A-Z_]+)(?: \(([^)]*)\))?(?:: ([\s\S]*))?$/;

/**
 * A Cloudflare error text ("Cloudflare versions.list UNAUTHORIZED (HTTP 401, code 10000)") as
 * {text, technical}: what it means, and the raw form for a details box. Other texts come back as
 * they are.
 */
export function cloudflareText(raw) {
  const m = CLOUDFLARE_ERROR.exec(raw || '');
  if (!m || !CLOUDFLARE_KINDS[m[2]]) return {text: sentence(raw), technical: null};
  let text = CLOUDFLARE_KINDS[m[2]];
  if (m[2] === 'NOT_FOUND' && /no deployment/.test(m[4] || '')) text = 'The Worker has never been deployed at Cloudflare.';
  if (m[2] === 'BAD_REQUEST' && m[4]) text = `Cloudflare refused the request: ${sentence(m[4])}`;
  return {text, technical: raw.slice(raw.indexOf(m[0])).replace(/^Cloudflare: /, '')};
}

/** Any message from the API in plain words: Cloudflare errors explained, field names as words. */
export function plainText(message) {
  const text = String(message || '');
  if (CLOUDFLARE_ERROR.test(text)) {
    const prefix = text.slice(0, CLOUDFLARE_ERROR.exec(text).index).replace(/Cloudflare: $/, '').trim();
    const explained = cloudflareText(text).text;
    return prefix ? `${prefix.replace(/:$/, '')}: ${explained}` : explained;
  }
  let out = text;
  for (const [name, words] of NAMES_IN_MESSAGES) out = out.split(name).join(words);
  return out;
}

/**
 * An API error as what to show: {text, technical, fields: [{field, text}]}. fields holds one
 * sentence per validation error, each naming its field.
 */
export function problemText(error) {
  const fields = (error.errors || []).map((e) => ({field: e.field, text: fieldError(e.field, e.message)}));
  if (error.status === 0) return {text: 'The service cannot be reached. Check that it is running.', technical: null, fields};
  const detail = error.detail || error.message || '';
  if (CLOUDFLARE_ERROR.test(detail)) {
    const cf = cloudflareText(detail.replace(/^Cloudflare( refused)?: /, ''));
    return {text: cf.text, technical: cf.technical, fields};
  }
  return {text: sentence(plainText(detail) || error.title || `HTTP ${error.status}`), technical: null, fields};
}

// ---------------------------------------------------------------------------------------------
// Audit actions and webhook events

/** Audit actions as a person says them; `target` is filled in by the page. */
export const AUDIT_ACTIONS = {
  'tenant.create': 'created the tenant',
  'api_key.create': 'created an API key',
  'api_key.revoke': 'revoked an API key',
  'connection.create': 'added a connection',
  'connection.rename': 'renamed a connection',
  'connection.rotate_token': 'replaced a connection\'s token',
  'connection.delete': 'deleted a connection',
  'plan.save': 'saved a release plan',
  'release.create': 'started a release',
  'release.approve': 'approved a stage',
  'release.deny': 'denied a stage (rolled back)',
  'release.cancel': 'cancelled a release',
  'release.pause': 'paused a release',
  'release.resume': 'resumed a release',
  'release.promote': 'promoted a release',
  'release.revert': 'reverted a release',
  'connection.gate_secret': 'made a new gate secret for a connection',
  'webhook.create': 'added a webhook',
  'webhook.delete': 'deleted a webhook',
  'webhook.test': 'sent a test to a webhook',
};

export function auditActionText(action) {
  return AUDIT_ACTIONS[action] || humanize(action.replace('.', ' '));
}

export const WEBHOOK_EVENTS = {
  'release.started': 'a release starts',
  'release.awaiting_approval': 'a stage waits for approval',
  'release.succeeded': 'a release succeeds',
  'release.rolled_back': 'a release is rolled back',
  'release.cancelled': 'a release is cancelled',
  'release.failed': 'a release fails',
  ping: 'test',
};

export const DELIVERY_STATES = {
  pending: {label: 'Pending', tone: 'busy'},
  delivered: {label: 'Delivered', tone: 'good'},
  failed: {label: 'Failed', tone: 'bad'},
};

/** The plan's policy for a soak without a conclusive pass. */
export const POLICIES = {
  pause: 'pause and wait for a person',
  rollback: 'roll back',
  proceed: 'proceed to the next stage',
};

/** The roles, and what each may do: who can approve is told to those who cannot. */
export const ROLES = {
  viewer: 'read and follow',
  operator: 'plus plans, releases and their approvals',
  admin: 'plus connections, keys, webhooks and the audit log',
};

/** snake_case or dotted codes as words, the last resort for a code no table knows. */
export function humanize(code) {
  return String(code || '').replace(/[._]/g, ' ').replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
}

