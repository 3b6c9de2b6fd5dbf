// The release plan of a connection. Operators edit it; the server validates it and each of its
// errors ({field: "stages[1].targetPercent", message}) is shown at that field, as a sentence
// naming it. Hints under numbers say what the number means as it is typed (60 -> "1 min 00 s").
// Leaving with unsaved changes asks first (ctx.dirty). Viewers read the plan.

import {api} from '../api.js';
import {confirmDialog} from '../dialog.js';
import {h, notice, replace} from '../dom.js';
import {SLIS, dateTime, duration, percent, sliLabel, sloText} from '../format.js';
import {POLICIES as POLICY_TEXT, fieldError, fieldPlace, problemText} from '../words.js';

const POLICIES = Object.entries(POLICY_TEXT);
const MAX_STAGES = 20;
const MAX_GATES = 10;
const MAX_SMOKE_REQUESTS = 20;
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];
const WHEN = [['before_start', 'before the release starts (nothing deployed yet)'],
  ['before_each_stage', 'before each stage\'s traffic split'], ['before_promotion', 'before the stage at 100%']];

export async function planView(ctx, id) {
  const {app, root} = ctx;
  const [connection, plan] = await Promise.all([api.connection(id), api.plan(id)]);
  const header = [
    h('p', {class: 'crumbs'}, h('a', {href: '#/connections'}, 'Connections'), ' / ',
      h('a', {href: `#/connections/${id}`}, connection.name), ' / '),
    h('h1', {}, 'Release plan'),
  ];
  if (!app.can('operator')) {
    replace(root, header, readOnly(plan));
    return;
  }
  const editor = new PlanEditor(root, header, id, plan, app.can('admin'));
  editor.render();
  ctx.dirty = () => editor.dirty();
}

function revisionText(plan) {
  return plan.revision === 0 ? 'Default plan, not saved yet.' : `Revision ${plan.revision}, saved ${dateTime(plan.updatedAt)}.`;
}

/** The plan as tables, for viewers. */
function readOnly(plan) {
  return [
    h('p', {class: 'muted', id: 'plan-revision'}, revisionText(plan)),
    h('h2', {}, 'Stages'),
    h('div', {class: 'table-wrap'}, h('table', {id: 'plan-stages'},
      h('thead', {}, h('tr', {}, ['Stage', 'Traffic to the new version', 'Soak', 'Then', 'Description']
        .map((t) => h('th', {scope: 'col'}, t)))),
      h('tbody', {}, plan.stages.map((s, i) => h('tr', {},
        h('th', {scope: 'row'}, String(i + 1)), h('td', {}, `${s.targetPercent}%`), h('td', {}, duration(s.soakSeconds)),
        h('td', {}, s.autoProgress ? 'moves on automatically' : 'waits for approval'),
        h('td', {}, s.description || '')))))),
    h('h2', {}, 'SLOs'),
    plan.slos.length ? h('ul', {}, plan.slos.map((slo) => h('li', {}, sloText(slo))))
      : h('p', {class: 'muted'}, 'No SLOs: releases are not health-checked.'),
    h('h2', {}, 'Checks'),
    h('dl', {class: 'facts'},
      h('dt', {}, 'Check every'), h('dd', {}, duration(plan.pollIntervalSeconds)),
      h('dt', {}, 'Minimum requests per check'), h('dd', {}, String(plan.minRequests)),
      h('dt', {}, 'Failed checks that fail a stage'), h('dd', {}, String(plan.failureThreshold)),
      h('dt', {}, 'When a soak ends without a conclusive pass'),
      h('dd', {}, (POLICIES.find(([v]) => v === plan.onInsufficientData) || [, plan.onInsufficientData])[1]),
      h('dt', {}, 'Approval timeout'),
      h('dd', {}, plan.approvalTimeoutSeconds == null ? 'wait forever' : duration(plan.approvalTimeoutSeconds))),
    h('h2', {}, 'Smoke test at 0%'),
    plan.smokeTest ? h('p', {id: 'plan-smoke'}, `${plan.smokeTest.requests.map((q) => `${q.method} ${q.path} (expects `
      + `${q.expectStatus.join(' or ')})`).join(', ')}, ${plan.smokeTest.repeat} time${plan.smokeTest.repeat === 1 ? '' : 's'} `
      + `each, to ${plan.smokeTest.url}; at most ${plan.smokeTest.maxFailures} unexpected.`)
      : h('p', {class: 'muted'}, 'None: the first stage starts without one.'),
    h('h2', {}, 'Gates'),
    (plan.gates || []).length ? h('ul', {id: 'plan-gates'}, plan.gates.map((g) => h('li', {},
      `“${g.name}” ${(WHEN.find(([v]) => v === g.when) || [, g.when])[1]}: ${g.url}, gives up after ${duration(g.timeoutSeconds)}`)))
      : h('p', {class: 'muted'}, 'None.'),
    notice('info', 'Changing the plan needs an operator or admin key.'),
  ];
}

class PlanEditor {
  constructor(root, header, connectionId, plan, admin) {
    this.admin = admin;
    this.root = root;
    this.header = header;
    this.connectionId = connectionId;
    this.saved = plan;
    this.model = copy(plan);
    /** path -> {input, error} for every control and group, rebuilt on each render. */
    this.fields = new Map();
    this.summary = h('div', {class: 'form-status', id: 'plan-errors'});
    this.revision = h('p', {class: 'muted', id: 'plan-revision'}, revisionText(plan));
  }

  render(focusPath) {
    this.fields.clear();
    const m = this.model;
    const form = h('form', {class: 'plan', id: 'plan-form', novalidate: true, onsubmit: (e) => this.save(e)},
      this.group('stages', h('fieldset', {class: 'section'},
        h('legend', {}, h('h2', {}, 'Stages')),
        h('p', {class: 'hint'}, 'Each stage sends a larger share of traffic to the new version, then soaks while checks '
          + 'run. Percentages go up; the last stage is 100%.'),
        h('ol', {class: 'rows', id: 'stage-rows'}, m.stages.map((stage, i) => this.stageRow(stage, i))),
        h('button', {type: 'button', id: 'add-stage', disabled: m.stages.length >= MAX_STAGES,
          onclick: () => this.addStage()}, 'Add stage'),
        h('p', {class: 'hint'}, 'A new stage goes between the last two, halfway between their percentages.'))),
      this.group('slos', h('fieldset', {class: 'section'},
        h('legend', {}, h('h2', {}, 'SLOs')),
        h('p', {class: 'hint'}, 'Measured on the new version alone. Absolute: its value must stay at or under the '
          + 'threshold. Relative: at or under threshold × the old version\'s value.'),
        m.slos.length ? null : h('p', {class: 'muted'}, 'No SLOs: releases will not be health-checked.'),
        h('ol', {class: 'rows', id: 'slo-rows'}, m.slos.map((slo, i) => this.sloRow(slo, i))),
        h('button', {type: 'button', id: 'add-slo', onclick: () => this.addSlo()}, 'Add SLO'))),
      this.smokeSection(),
      this.gatesSection(),
      h('fieldset', {class: 'section'},
        h('legend', {}, h('h2', {}, 'Checks and decisions')),
        h('div', {class: 'grid'},
          this.number('pollIntervalSeconds', 'Check every (seconds)', m.pollIntervalSeconds, {min: 1},
            (v) => (v ? `A check every ${duration(v)}.` : 'How often the new version\'s health is checked.')),
          this.number('minRequests', 'Minimum requests per check', m.minRequests, {min: 1},
            (v) => `A check with fewer than ${v || 'this many'} requests to the new version is inconclusive, never a pass.`),
          this.number('failureThreshold', 'Failed checks that fail a stage', m.failureThreshold, {min: 1},
            (v) => (Number(v) === 1 ? 'The first failed check rolls back.' : `Rolls back at the ${v ? ordinal(v) : 'n-th'} failed check in a stage.`)),
          this.select('onInsufficientData', 'When a soak ends without a conclusive pass', m.onInsufficientData, POLICIES),
          this.number('approvalTimeoutSeconds', 'Approval timeout (seconds)', m.approvalTimeoutSeconds, {min: 1},
            (v) => (v ? `An approval not given within ${duration(v)} cancels the release and rolls back.`
              : 'Empty: wait for a person forever. Otherwise an approval not given in time cancels and rolls back.')))),
      this.summary,
      h('div', {class: 'actions'},
        h('button', {type: 'submit', class: 'primary', id: 'save-plan'}, 'Save plan'),
        h('button', {type: 'button', id: 'reset-plan', onclick: () => this.reset()}, 'Undo changes'),
        this.revision));
    replace(this.root, this.header, form);
    if (focusPath && this.fields.has(focusPath)) this.fields.get(focusPath).input.focus();
  }

  stageRow(stage, i) {
    const n = this.model.stages.length;
    const path = `stages[${i}]`;
    const auto = this.control(`${path}.autoProgress`, h('input', {type: 'checkbox', checked: stage.autoProgress}));
    return this.group(path, h('li', {class: 'row'},
      h('fieldset', {},
        h('legend', {}, `Stage ${i + 1}`),
        h('div', {class: 'row-fields'},
          this.number(`${path}.targetPercent`, 'Traffic %', stage.targetPercent, {min: 1, max: 100}),
          this.number(`${path}.soakSeconds`, 'Soak (seconds)', stage.soakSeconds, {min: 1}, secondsHint),
          h('div', {class: 'field check'}, auto.input, h('label', {for: auto.input.id}, 'Move on automatically'), auto.error),
          this.text(`${path}.description`, 'Description', stage.description, {maxlength: 200, class: 'grow'})),
        h('div', {class: 'row-buttons'},
          h('button', {type: 'button', disabled: i === 0, 'aria-label': `Move stage ${i + 1} up`, id: `stage-${i}-up`,
            onclick: () => this.move('stages', i, -1)}, '↑ Up'),
          h('button', {type: 'button', disabled: i === n - 1, 'aria-label': `Move stage ${i + 1} down`, id: `stage-${i}-down`,
            onclick: () => this.move('stages', i, 1)}, '↓ Down'),
          h('button', {type: 'button', class: 'danger', disabled: n === 1, 'aria-label': `Remove stage ${i + 1}`,
            id: `stage-${i}-remove`, onclick: () => this.remove('stages', i)}, 'Remove')))));
  }

  sloRow(slo, i) {
    const path = `slos[${i}]`;
    return this.group(path, h('li', {class: 'row'},
      h('fieldset', {},
        h('legend', {}, `SLO ${i + 1}`),
        h('div', {class: 'row-fields'},
          this.select(`${path}.sli`, 'Indicator', slo.sli, SLIS.map((v) => [v, `${sliLabel(v)} (${v})`])),
          this.number(`${path}.threshold`, 'Threshold', slo.threshold, {step: 'any', min: 0},
            (value) => thresholdHint(this.sloAt(i), value)),
          this.select(`${path}.mode`, 'Mode', slo.mode || 'absolute',
            [['absolute', 'absolute'], ['relative', 'relative to the old version']]),
          this.checkbox(`${path}.dryRun`, 'Dry run (recorded and charted, never fails a check)', slo.dryRun)),
        h('div', {class: 'row-buttons'},
          h('button', {type: 'button', class: 'danger', 'aria-label': `Remove SLO ${i + 1}`, id: `slo-${i}-remove`,
            onclick: () => this.remove('slos', i)}, 'Remove')))));
  }

  checkbox(path, label, checked, onchange) {
    const f = this.control(path, h('input', {type: 'checkbox', checked: Boolean(checked)}));
    if (onchange) f.input.addEventListener('change', onchange);
    return h('div', {class: 'field check'}, f.input, h('label', {for: f.input.id}, label), f.error);
  }

  /** The smoke test: off, or its URL, repeat, failures allowed and requests. */
  smokeSection() {
    const smoke = this.model.smokeTest;
    const toggle = this.checkbox('smokeTest.enabled', 'Run a smoke test before the first split', Boolean(smoke), () => {
      this.read();
      this.model.smokeTest = this.fields.get('smokeTest.enabled').input.checked
        ? (this.parkedSmoke || {url: '', requests: [{method: 'GET', path: '/', expectStatus: [200]}], repeat: 1, maxFailures: 0})
        : null;
      if (!this.model.smokeTest) this.parkedSmoke = smoke;
      this.render(this.model.smokeTest ? 'smokeTest.url' : 'smokeTest.enabled');
    });
    return this.group('smokeTest', h('fieldset', {class: 'section', id: 'smoke-section'},
      h('legend', {}, h('h2', {}, 'Smoke test at 0%')),
      h('p', {class: 'hint'}, 'Before any real traffic, the new version is deployed at 0% and these requests are sent to it '
        + 'with Cloudflare\'s version override header. Too many unexpected answers roll the release back; the new version '
        + 'never serves a user.'),
      toggle,
      smoke ? [
        h('div', {class: 'grid'},
          this.text('smokeTest.url', 'Worker URL', smoke.url, {maxlength: 2000, class: 'grow', inputmode: 'url',
            placeholder: 'https://my-worker.example.workers.dev'}),
          this.number('smokeTest.repeat', 'Send each request (times)', smoke.repeat, {min: 1, max: 50}),
          this.number('smokeTest.maxFailures', 'Unexpected answers allowed', smoke.maxFailures, {min: 0},
            (v) => (Number(v) === 0 || v === '' ? 'Any unexpected answer fails the test.'
              : `More than ${v} unexpected answers fail the test.`))),
        this.group('smokeTest.requests', h('fieldset', {class: 'subsection'},
          h('legend', {}, 'Requests'),
          h('ol', {class: 'rows', id: 'smoke-rows'}, smoke.requests.map((q, i) => this.smokeRow(q, i))),
          h('button', {type: 'button', id: 'add-smoke-request', disabled: smoke.requests.length >= MAX_SMOKE_REQUESTS,
            onclick: () => this.addSmokeRequest()}, 'Add request')))] : null));
  }

  smokeRow(q, i) {
    const path = `smokeTest.requests[${i}]`;
    const n = this.model.smokeTest.requests.length;
    return this.group(path, h('li', {class: 'row'}, h('fieldset', {},
      h('legend', {}, `Request ${i + 1}`),
      h('div', {class: 'row-fields'},
        this.select(`${path}.method`, 'Method', q.method || 'GET', METHODS.map((m) => [m, m])),
        this.text(`${path}.path`, 'Path', q.path, {maxlength: 1000, class: 'grow', placeholder: '/health'}),
        this.text(`${path}.expectStatus`, 'Expected status', [].concat(q.expectStatus ?? []).join(', '),
          {maxlength: 60, placeholder: '200, 204'})),
      h('div', {class: 'row-buttons'},
        h('button', {type: 'button', class: 'danger', disabled: n === 1, 'aria-label': `Remove request ${i + 1}`,
          id: `smoke-${i}-remove`, onclick: () => this.removeSmokeRequest(i)}, 'Remove')))));
  }

  /** The gates, and (for admins) a new signing secret for their requests. */
  gatesSection() {
    const gates = this.model.gates;
    const secretBox = h('div', {id: 'gate-secret-box'});
    return this.group('gates', h('fieldset', {class: 'section', id: 'gates-section'},
      h('legend', {}, h('h2', {}, 'Gates')),
      h('p', {class: 'hint'}, 'Outside systems that must say yes before the release goes on (a load test, a change '
        + 'freeze, a QA sign-off). HMD POSTs the release to each URL, signed like a webhook, and goes on only on a 2xx; '
        + 'anything else is asked again until the timeout, then the release rolls back.'),
      gates.length ? null : h('p', {class: 'muted'}, 'No gates.'),
      h('ol', {class: 'rows', id: 'gate-rows'}, gates.map((g, i) => this.gateRow(g, i))),
      h('button', {type: 'button', id: 'add-gate', disabled: gates.length >= MAX_GATES, onclick: () => this.addGate()},
        'Add gate'),
      this.admin ? h('div', {class: 'field'},
        h('button', {type: 'button', id: 'new-gate-secret', onclick: () => this.newGateSecret(secretBox)},
          'New signing secret…'),
        h('p', {class: 'hint'}, 'Gate requests carry X-HMD-Signature, made with this connection\'s gate secret.'),
        secretBox) : null));
  }

  gateRow(g, i) {
    const path = `gates[${i}]`;
    return this.group(path, h('li', {class: 'row'}, h('fieldset', {},
      h('legend', {}, `Gate ${i + 1}`),
      h('div', {class: 'row-fields'},
        this.text(`${path}.name`, 'Name', g.name, {maxlength: 100, placeholder: 'load-test'}),
        this.text(`${path}.url`, 'URL', g.url, {maxlength: 2000, class: 'grow', inputmode: 'url',
          placeholder: 'https://ci.example.com/gates/load'}),
        this.select(`${path}.when`, 'When', g.when || 'before_each_stage', WHEN),
        this.number(`${path}.timeoutSeconds`, 'Gives up after (seconds)', g.timeoutSeconds, {min: 1}, secondsHint)),
      h('div', {class: 'row-buttons'},
        h('button', {type: 'button', class: 'danger', 'aria-label': `Remove gate ${i + 1}`, id: `gate-${i}-remove`,
          onclick: () => this.remove('gates', i)}, 'Remove')))));
  }

  addGate() {
    this.read();
    this.model.gates.push({name: `gate-${this.model.gates.length + 1}`, url: '', when: 'before_each_stage',
      timeoutSeconds: 300});
    this.render(`gates[${this.model.gates.length - 1}].name`);
  }

  addSmokeRequest() {
    this.read();
    this.model.smokeTest.requests.push({method: 'GET', path: '/', expectStatus: [200]});
    this.render(`smokeTest.requests[${this.model.smokeTest.requests.length - 1}].path`);
  }

  removeSmokeRequest(i) {
    this.read();
    this.model.smokeTest.requests.splice(i, 1);
    this.render(`smokeTest.requests[${Math.min(i, this.model.smokeTest.requests.length - 1)}].path`);
  }

  async newGateSecret(box) {
    const yes = await confirmDialog({id: 'gate-secret-dialog', title: 'Make a new gate secret?',
      confirm: 'Make a new secret', cancel: 'Keep the current one',
      body: h('p', {}, 'Gate requests are signed with the new secret from now on; gates that check the old one '
        + 'refuse them until they are given the new one. It is shown once.')});
    if (!yes) return;
    try {
      const made = await api.newGateSecret(this.connectionId);
      const value = h('input', {type: 'text', readonly: true, value: made.secret, id: 'gate-secret-value',
        'aria-label': 'The new gate secret'});
      replace(box, notice('ok', h('p', {}, 'The new secret, shown only now:'), value,
        h('button', {type: 'button', id: 'copy-gate-secret', onclick: () => navigator.clipboard
          && navigator.clipboard.writeText(made.secret)}, 'Copy')));
    } catch (error) {
      replace(box, notice('error', problemText(error).text));
    }
  }

  number(path, label, value, attrs, hint) {
    return this.labelled(path, label, h('input', {type: 'number', inputmode: 'decimal', value: value ?? '', ...attrs}), hint,
      'num');
  }

  text(path, label, value, attrs) {
    const {class: className, ...rest} = attrs;
    return this.labelled(path, label, h('input', {type: 'text', value: value ?? '', ...rest}), null, className);
  }

  select(path, label, value, options) {
    const select = h('select', {}, options.map(([v, text]) => h('option', {value: v, selected: v === value}, text)));
    if (path.endsWith('.sli') || path.endsWith('.mode')) {
      // the threshold's unit depends on both
      select.addEventListener('change', () => {
        const i = Number(path.match(/\[(\d+)\]/)[1]);
        this.fields.get(`slos[${i}].threshold`).refresh();
      });
    }
    return this.labelled(path, label, select);
  }

  /** hint: a text, or a function of the typed value whose text follows every keystroke. */
  labelled(path, label, input, hint, className) {
    const f = this.control(path, input);
    const live = typeof hint === 'function';
    const hintEl = hint != null ? h('p', {class: 'hint', id: `${input.id}-hint`}, live ? hint(input.value.trim()) : hint) : null;
    if (hintEl) input.setAttribute('aria-describedby', `${input.id}-hint ${f.error.id}`);
    f.hint = hintEl;
    f.refresh = () => {
      if (live) hintEl.textContent = hint(input.value.trim());
    };
    if (live) input.addEventListener('input', f.refresh);
    return h('div', {class: `field ${className || ''}`.trim()}, h('label', {for: input.id}, label), input, hintEl, f.error);
  }

  /** The SLO of row i as the form holds it now (for hints that depend on its indicator and mode). */
  sloAt(i) {
    const get = (name) => this.fields.get(`slos[${i}].${name}`);
    const model = this.model.slos[i] || {};
    return {sli: get('sli') ? get('sli').input.value : model.sli, mode: get('mode') ? get('mode').input.value : model.mode};
  }

  /** Whether the form differs from the plan last saved. */
  dirty() {
    if (!this.fields.size || !this.root.isConnected) return false;
    return JSON.stringify(normalize(this.read())) !== JSON.stringify(normalize(copy(this.saved)));
  }

  /** Registers a control under its API path, with an id derived from it and an error slot. */
  control(path, input) {
    input.id = `plan-${path.replace(/[[\].]+/g, '-').replace(/-$/, '')}`;
    input.dataset.field = path;
    const error = h('p', {class: 'field-error', id: `${input.id}-error`, hidden: true});
    input.setAttribute('aria-describedby', error.id);
    const f = {input, error, refresh: () => {}};
    this.fields.set(path, f);
    return f;
  }

  /** A whole stage, SLO or list: errors about it (not one of its fields) are shown at its top. */
  group(path, el) {
    const error = h('p', {class: 'field-error group-error', id: `plan-${path.replace(/[[\].]+/g, '-').replace(/-$/, '')}-error`,
      hidden: true});
    const target = el.tagName === 'FIELDSET' ? el : el.querySelector('fieldset');
    target.querySelector(':scope > legend').after(error);
    this.fields.set(path, {input: target.querySelector('input, select, button'), error});
    return el;
  }

  /** The form's values back into the model, as the API wants them (numbers where they parse). */
  read() {
    const value = (path) => this.fields.get(path).input.value.trim();
    const num = (path) => {
      const raw = value(path);
      if (raw === '') return null;
      const n = Number(raw);
      return Number.isFinite(n) ? n : raw;
    };
    const m = this.model;
    m.stages = m.stages.map((old, i) => {
      const p = `stages[${i}]`;
      const description = value(`${p}.description`);
      return {...old, targetPercent: num(`${p}.targetPercent`), soakSeconds: num(`${p}.soakSeconds`),
        autoProgress: this.fields.get(`${p}.autoProgress`).input.checked, description: description || null};
    });
    m.slos = m.slos.map((old, i) => {
      const p = `slos[${i}]`;
      const dryRun = this.fields.get(`${p}.dryRun`).input.checked;
      const {dryRun: was, ...rest} = old;
      return {...rest, sli: value(`${p}.sli`), threshold: num(`${p}.threshold`), mode: value(`${p}.mode`),
        ...(dryRun ? {dryRun: true} : {})};
    });
    if (m.smokeTest && this.fields.has('smokeTest.url')) {
      m.smokeTest = {...m.smokeTest, url: value('smokeTest.url'), repeat: num('smokeTest.repeat'),
        maxFailures: num('smokeTest.maxFailures'),
        requests: m.smokeTest.requests.map((q, i) => {
          const p = `smokeTest.requests[${i}]`;
          return {...q, method: value(`${p}.method`), path: value(`${p}.path`), expectStatus: statuses(value(`${p}.expectStatus`))};
        })};
    }
    m.gates = m.gates.map((g, i) => {
      const p = `gates[${i}]`;
      return {...g, name: value(`${p}.name`), url: value(`${p}.url`), when: value(`${p}.when`),
        timeoutSeconds: num(`${p}.timeoutSeconds`)};
    });
    for (const name of ['pollIntervalSeconds', 'minRequests', 'failureThreshold', 'approvalTimeoutSeconds']) {
      m[name] = num(name);
    }
    m.onInsufficientData = value('onInsufficientData');
    return m;
  }

  /**
   * A new stage between the last two (halfway between their percentages), so the plan stays
   * valid: the last stage stays the 100% one. Where the last two leave no whole percentage
   * between them, the widest gap further up takes it.
   */
  addStage() {
    this.read();
    const stages = this.model.stages;
    const pct = (i) => (i < 0 ? 0 : Number(stages[i].targetPercent) || 0);
    let at = stages.length - 1;
    if (pct(at) - pct(at - 1) < 2) {
      let widest = -1;
      for (let i = 0; i < stages.length; i++) {
        if (pct(i) - pct(i - 1) >= 2 && (widest < 0 || pct(i) - pct(i - 1) > pct(widest) - pct(widest - 1))) widest = i;
      }
      if (widest >= 0) at = widest;
    }
    const target = Math.max(1, Math.floor((pct(at - 1) + pct(at)) / 2));
    const like = stages[at] || stages[stages.length - 1];
    stages.splice(Math.max(0, at), 0, {targetPercent: target, soakSeconds: like ? like.soakSeconds : 300, autoProgress: true,
      description: null});
    this.render(`stages[${Math.max(0, at)}].targetPercent`);
  }

  addSlo() {
    this.read();
    this.model.slos.push({sli: 'error_rate', threshold: 0.01, mode: 'absolute'});
    this.render(`slos[${this.model.slos.length - 1}].sli`);
  }

  move(list, i, by) {
    this.read();
    const items = this.model[list];
    [items[i], items[i + by]] = [items[i + by], items[i]];
    this.render();
    const button = document.getElementById(`stage-${i + by}-${by < 0 ? 'up' : 'down'}`);
    (button && !button.disabled ? button : document.getElementById(`stage-${i + by}-${by < 0 ? 'down' : 'up'}`)).focus();
  }

  remove(list, i) {
    this.read();
    this.model[list].splice(i, 1);
    const left = this.model[list].length;
    this.render();
    const focus = left === 0 ? document.getElementById({stages: 'add-stage', slos: 'add-slo', gates: 'add-gate'}[list])
      : this.fields.get(`${list}[${Math.min(i, left - 1)}]`).input;
    focus.focus();
  }

  reset() {
    this.model = copy(this.saved);
    this.render();
    replace(this.summary);
  }

  async save(event) {
    event.preventDefault();
    const plan = this.read();
    const body = {
      ...plan,
      stages: plan.stages.map((s) => (s.description ? s : {...s, description: undefined})),
    };
    const button = document.getElementById('save-plan');
    button.disabled = true;
    try {
      const saved = await api.savePlan(this.connectionId, body);
      this.saved = saved;
      this.model = copy(saved);
      this.revision = h('p', {class: 'muted', id: 'plan-revision'}, revisionText(saved));
      this.render();
      replace(this.summary, notice('ok', `Saved: revision ${saved.revision}. New releases use it; running ones keep `
        + 'the plan they started with.'));
      document.getElementById('save-plan').focus();
    } catch (error) {
      button.disabled = false;
      this.showErrors(error);
    }
  }

  /**
   * Each error at the closest field the form has for its path, as a sentence naming the field;
   * all of them listed above the save button with where they are.
   */
  showErrors(error) {
    for (const f of this.fields.values()) {
      f.error.hidden = true;
      f.error.textContent = '';
      f.input?.removeAttribute('aria-invalid');
    }
    if (!error.errors.length) {
      replace(this.summary, notice('error', problemText(error).text));
      return;
    }
    let first = null;
    const items = error.errors.map((e) => {
      const f = this.closest(e.field);
      const message = fieldError(e.field, e.message);
      if (f) {
        f.error.hidden = false;
        f.error.textContent = f.error.textContent ? `${f.error.textContent} ${message}` : message;
        if (f.input) f.input.setAttribute('aria-invalid', 'true');
        first = first || f.input;
      }
      const where = /^(stages|slos|gates|smokeTest\.requests)\[\d+\]/.exec(e.field || '')
        || /^smokeTest(?=\.)/.exec(e.field || '');
      const text = where ? `${fieldPlace(where[0])}: ${message}` : message;
      return h('li', {}, f && f.input ? h('a', {href: `#${f.input.id}`, onclick: (ev) => {
        ev.preventDefault();
        f.input.focus();
      }}, text) : text);
    });
    replace(this.summary, notice('error', h('p', {}, error.errors.length === 1 ? 'The plan was not saved: 1 problem.'
      : `The plan was not saved: ${error.errors.length} problems.`), h('ul', {}, items)));
    if (first) first.focus();
  }

  closest(path) {
    let p = path || '';
    while (p) {
      if (this.fields.has(p)) return this.fields.get(p);
      const cut = Math.max(p.lastIndexOf('.'), p.lastIndexOf('['));
      p = cut > 0 ? p.slice(0, cut) : '';
    }
    return null;
  }
}

/** What a typed threshold means for this SLO: "= 1% of requests", "= 1.5 × the old version's value". */
function thresholdHint(slo, raw) {
  const value = raw === '' ? NaN : Number(raw);
  if (slo.mode === 'relative') {
    return Number.isFinite(value) ? `At most ${value} × the old version's value.` : '× the old version\'s value (e.g. 1.2).';
  }
  if (slo.sli === 'error_rate' || slo.sli === 'exception_rate') {
    return Number.isFinite(value) ? `At most ${percent(value)} of requests (a fraction from 0 to 1).`
      : 'A fraction of requests from 0 to 1 (0.01 = 1%).';
  }
  return Number.isFinite(value) ? `At most ${value} ms.` : 'Milliseconds.';
}

/** "200, 204" -> [200, 204]; what is not a number is sent as typed, for the server to name. */
function statuses(text) {
  const parts = text.split(/[\s,]+/).filter(Boolean);
  return parts.map((p) => (/^\d+$/.test(p) ? Number(p) : p));
}

/** "60" -> "1 min 00 s", as the seconds are typed. */
function secondsHint(raw) {
  const value = Number(raw);
  return raw !== '' && Number.isFinite(value) && value > 0 ? `= ${duration(value)}` : 'in seconds';
}

function ordinal(n) {
  const v = Number(n);
  const suffix = v % 100 >= 11 && v % 100 <= 13 ? 'th' : {1: 'st', 2: 'nd', 3: 'rd'}[v % 10] || 'th';
  return `${v}${suffix}`;
}

/** The plan as compared for unsaved changes: numbers as numbers, empty descriptions as none. */
function normalize(plan) {
  const num = (v) => (v === '' || v == null ? null : Number.isFinite(Number(v)) ? Number(v) : v);
  return {
    ...plan,
    stages: plan.stages.map((s) => ({...s, targetPercent: num(s.targetPercent), soakSeconds: num(s.soakSeconds),
      description: s.description || null})),
    slos: plan.slos.map((s) => {
      const {dryRun, ...rest} = s;
      return {...rest, threshold: num(s.threshold), ...(dryRun ? {dryRun: true} : {})};
    }),
    smokeTest: plan.smokeTest ? {...plan.smokeTest, repeat: num(plan.smokeTest.repeat),
      maxFailures: num(plan.smokeTest.maxFailures),
      requests: plan.smokeTest.requests.map((q) => ({method: q.method || 'GET', path: q.path,
        expectStatus: [].concat(q.expectStatus ?? []).map(num)}))} : null,
    gates: (plan.gates || []).map((g) => ({...g, timeoutSeconds: num(g.timeoutSeconds)})),
    pollIntervalSeconds: num(plan.pollIntervalSeconds),
    minRequests: num(plan.minRequests),
    failureThreshold: num(plan.failureThreshold),
    approvalTimeoutSeconds: num(plan.approvalTimeoutSeconds),
  };
}

/**
 * The editable copy of a plan. Fields this editor has no control for (added to the API later)
 * ride along on their stage, SLO or the plan itself, so saving from here never drops them.
 */
function copy(plan) {
  const {revision, updatedAt, ...rest} = plan;
  return {
    ...rest,
    stages: plan.stages.map((s) => ({...s, description: s.description || null})),
    slos: plan.slos.map((s) => ({...s, mode: s.mode || 'absolute'})),
    approvalTimeoutSeconds: plan.approvalTimeoutSeconds ?? null,
    smokeTest: plan.smokeTest ? {...plan.smokeTest, requests: plan.smokeTest.requests.map((q) => ({...q,
      expectStatus: [].concat(q.expectStatus ?? [])}))} : null,
    gates: (plan.gates || []).map((g) => ({...g})),
  };
}
