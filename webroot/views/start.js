// Start a release: pick the version to roll out; the one serving now cannot be picked.

import {api} from '../api.js';
import {h, notice, replace} from '../dom.js';
import {dateTime, duration, shortId, sloText} from '../format.js';
import {problemText, releaseStateLabel, stageName} from '../words.js';

export async function startView(ctx, id) {
  const {app, root} = ctx;
  const [connection, plan, deployment, versions, running, waiting] = await Promise.all([
    api.connection(id), api.plan(id), api.deployment(id), api.versions(id),
    api.releases({connectionId: id, state: 'running', limit: 1}),
    api.releases({connectionId: id, state: 'awaiting_approval', limit: 1})]);
  const active = running.items[0] || waiting.items[0];
  const live = deployment.versions.filter((v) => v.percentage > 0);
  const serving = new Set(live.map((v) => v.versionId));
  const number = new Map(versions.map((v) => [v.id, v.number]));
  const split = live.length > 1;
  const blocked = split || Boolean(active);

  const header = [
    h('p', {class: 'crumbs'}, h('a', {href: '#/connections'}, 'Connections'), ' / ',
      h('a', {href: `#/connections/${id}`}, connection.name), ' / '),
    h('h1', {}, 'Start a release'),
  ];
  if (!app.can('operator')) {
    replace(root, header, notice('info', 'Starting a release needs an operator or admin key.'));
    return;
  }

  const status = h('div', {class: 'form-status'});
  const submit = h('button', {type: 'submit', class: 'primary', id: 'start-release', disabled: blocked}, 'Start release');
  // during a release both of its versions serve: say which is which, not "current" twice
  const servingLabel = (versionId) => {
    const pct = live.find((l) => l.versionId === versionId).percentage;
    if (active && versionId === active.newVersionId) return `serving ${pct}% · new version of the release in progress`;
    if (active && versionId === active.oldVersionId) return `serving ${pct}% · old version of the release in progress`;
    return split ? `serving ${pct}%` : `serving now · ${pct}%`;
  };
  const choices = versions.map((v) => {
    const current = serving.has(v.id);
    const inputId = `version-${v.id}`;
    return h('li', {class: `choice ${current ? 'current' : ''}`},
      h('input', {type: 'radio', name: 'newVersionId', value: v.id, id: inputId, disabled: current || blocked,
        'aria-describedby': current ? `${inputId}-about ${inputId}-serving` : `${inputId}-about`}),
      h('label', {for: inputId},
        h('strong', {}, `v${v.number}`), ' ', v.message || h('span', {class: 'muted'}, 'no message'),
        h('span', {class: 'muted', id: `${inputId}-about`}, ` · ${dateTime(v.createdOn)} · ${shortId(v.id)}`),
        current ? [' ', h('span', {class: 'badge good version-serving', id: `${inputId}-serving`}, servingLabel(v.id))] : null));
  });

  const form = h('form', {class: 'card', id: 'start-form', novalidate: true},
    h('fieldset', {},
      h('legend', {}, 'New version'),
      h('ul', {class: 'choices'}, choices)),
    h('p', {}, 'The plan (revision ', String(plan.revision), ') will take it through ',
      plan.stages.map((s) => `${s.targetPercent}%`).join(' → '), ', soaking ',
      plan.stages.map((s) => duration(s.soakSeconds)).join(' / '),
      plan.slos.length ? [' while checking ', plan.slos.map(sloText).join(', ')] : ' with no SLO checks',
      '. ', h('a', {href: `#/connections/${id}/plan`}, 'Change the plan'), '.'),
    status,
    h('div', {class: 'actions'}, submit));

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    replace(status);
    const picked = form.querySelector('input[name="newVersionId"]:checked');
    if (!picked) {
      replace(status, notice('error', 'Pick the version to release.'));
      form.querySelector('input[name="newVersionId"]:not(:disabled)')?.focus();
      return;
    }
    submit.disabled = true;
    try {
      const release = await api.startRelease(id, picked.value);
      app.announce('Release started.');
      app.navigate(`#/releases/${release.id}`);
    } catch (error) {
      submit.disabled = false;
      const p = problemText(error);
      const text = p.fields.length ? p.fields.map((f) => f.text).join(' ') : p.text;
      const explained = error.status === 409 && /split/.test(error.message)
        ? [text, h('p', {}, 'A release starts from one version serving 100% of traffic. Finish or undo the '
          + 'split at Cloudflare (or wait for the release that made it), then try again.')]
        : text;
      replace(status, notice('error', explained));
    }
  });

  replace(root, header,
    h('p', {}, 'Connection ', h('strong', {}, connection.name), ' · Worker ', h('code', {}, connection.workerName)),
    active ? notice(active.state === 'awaiting_approval' ? 'warn' : 'info',
      `A release of this Worker is in progress (${releaseStateLabel(active.state).toLowerCase()} at `
      + `${stageName(active, active.currentStageIndex)}): `,
      h('a', {href: `#/releases/${active.id}`, id: 'active-release-link'}, 'follow it'),
      '. Another can start when it has ended.') : null,
    split && !active ? notice('error', h('strong', {}, 'The Worker is split between versions. '),
      live.map((v) => `v${number.get(v.versionId) ?? shortId(v.versionId)} at ${v.percentage}%`).join(' and '),
      ' serve it now. A release needs one version at 100% to start from, so none can begin until that split is '
      + 'finished or rolled back.') : null,
    form);
}
