// The home page: what waits for a person, releases in progress (kept live from the tenant's
// event stream), the connections, and for admins the form that adds one.

import {api, versionsOf} from '../api.js';
import {field, h, notice, replace, setFieldError} from '../dom.js';
import {dateTime, isActive} from '../format.js';
import {fieldError, problemText, releaseStateLabel, releaseTone, stageName, versionName} from '../words.js';

export async function connectionsView(ctx) {
  const {app, root} = ctx;
  const [connections, running, waiting] = await Promise.all([
    api.connections(),
    api.releases({state: 'running', limit: 50}),
    api.releases({state: 'awaiting_approval', limit: 50}),
  ]);
  const names = new Map(connections.map((c) => [c.id, c.name]));
  const active = new Map([...running.items, ...waiting.items].map((r) => [r.id, r]));
  const versions = new Map();
  const loadVersions = async (ids) => {
    await Promise.all([...new Set(ids)].filter((id) => !versions.has(id))
      .map(async (id) => versions.set(id, await versionsOf(id))));
  };
  await loadVersions([...active.values()].map((r) => r.connectionId));

  const attentionBox = h('div', {id: 'needs-person'});
  const activeSection = h('section', {'aria-labelledby': 'active-title'});
  const releaseCells = new Map();
  const label = (r) => `${names.get(r.connectionId) || r.workerName}: ${versionName(r.oldVersionId, versions.get(r.connectionId))}`
    + ` → ${versionName(r.newVersionId, versions.get(r.connectionId))}`;

  const renderActive = () => {
    const items = [...active.values()].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
    const waitingNow = items.filter((r) => r.state === 'awaiting_approval');
    replace(attentionBox, waitingNow.length ? attention(waitingNow, label, app) : null);
    replace(activeSection, h('h2', {id: 'active-title'}, 'Releases in progress'),
      items.length === 0
        ? h('p', {class: 'muted'}, 'No release is running.')
        : h('ul', {class: 'cards', id: 'active-releases'}, items.map((r) => h('li', {class: 'card release-card'},
          h('a', {href: `#/releases/${r.id}`}, label(r)),
          ' ', h('span', {class: `badge ${releaseTone(r.state)}`}, releaseStateLabel(r.state)),
          h('span', {class: 'muted'}, ` ${stageName(r, r.currentStageIndex)}, ${r.currentStageIndex + 1} of ${r.stages.length}`)))));
    for (const [connectionId, cell] of releaseCells) {
      const r = items.find((x) => x.connectionId === connectionId);
      replace(cell, r ? h('a', {href: `#/releases/${r.id}`}, h('span', {class: `badge ${releaseTone(r.state)}`},
        releaseStateLabel(r.state))) : h('span', {class: 'muted'}, 'none'));
    }
  };
  ctx.onDispose(app.onRelease(async (r) => {
    if (isActive(r)) active.set(r.id, r); else active.delete(r.id);
    await loadVersions([r.connectionId]);
    renderActive();
  }));

  const table = connections.length === 0
    ? h('p', {class: 'muted', id: 'no-connections'}, app.can('admin')
      ? 'No connection yet. Add one below with a Cloudflare account id, the Worker\'s name and an API token.'
      : 'No connection yet. An admin of your tenant can add one.')
    : h('div', {class: 'table-wrap'}, h('table', {id: 'connections', class: 'stack'},
      h('caption', {class: 'visually-hidden'}, 'Connections'),
      h('thead', {}, h('tr', {}, ['Name', 'Worker', 'Release', 'Account', 'Token', 'Added'].map((t) => h('th', {scope: 'col'}, t)))),
      h('tbody', {}, connections.map((c) => {
        const cell = h('td', {dataset: {label: 'Release'}});
        releaseCells.set(c.id, cell);
        return h('tr', {dataset: {connectionId: c.id}},
          h('th', {scope: 'row', dataset: {label: 'Name'}}, h('a', {href: `#/connections/${c.id}`}, c.name)),
          h('td', {dataset: {label: 'Worker'}}, h('code', {}, c.workerName)),
          cell,
          h('td', {dataset: {label: 'Account'}}, h('code', {class: 'break'}, c.accountId)),
          h('td', {dataset: {label: 'Token'}}, `…${c.tokenHint}`),
          h('td', {dataset: {label: 'Added'}}, dateTime(c.createdAt)));
      }))));

  replace(root,
    h('h1', {}, 'Connections'),
    attentionBox,
    activeSection,
    h('section', {'aria-labelledby': 'connections-title'}, h('h2', {id: 'connections-title'}, 'Workers'), table),
    app.can('admin') ? addForm(app) : null);
  renderActive();
}

/** Releases that wait for a person, each with a link, and who may decide. */
export function attention(releases, label, app) {
  const can = app.can('operator');
  return h('div', {class: 'notice warn attention-notice', role: 'status'},
    h('p', {}, h('strong', {}, releases.length === 1 ? 'A release waits for approval.' : `${releases.length} releases wait for approval.`),
      can ? '' : ' Someone with an operator or admin key can approve or deny; your key can only follow.'),
    h('ul', {}, releases.map((r) => h('li', {}, `${label(r)} at ${stageName(r, r.currentStageIndex)}: `,
      h('a', {href: `#/releases/${r.id}`, class: 'attention-link'}, can ? 'review and decide' : 'follow it')))));
}

function addForm(app) {
  const fields = {
    name: field({label: 'Name (optional)', input: h('input', {name: 'name', maxlength: 200}),
      hint: 'Defaults to the Worker\'s name.'}),
    accountId: field({label: 'Cloudflare account id', input: h('input', {name: 'accountId', required: true,
      autocomplete: 'off', spellcheck: 'false', pattern: '[0-9a-f]{32}'}), hint: '32 hexadecimal characters.'}),
    workerName: field({label: 'Worker name', input: h('input', {name: 'workerName', required: true,
      autocomplete: 'off', spellcheck: 'false'})}),
    apiToken: field({label: 'API token', input: h('input', {name: 'apiToken', type: 'password', required: true,
      autocomplete: 'off'}), hint: 'Needs Workers Scripts edit and Account Analytics read. Stored encrypted, never shown again.'}),
  };
  const status = h('div', {class: 'form-status'});
  const submit = h('button', {type: 'submit', class: 'primary'}, 'Add connection');
  const form = h('form', {class: 'card', id: 'add-connection', novalidate: true},
    h('h2', {}, 'Add a connection'),
    h('div', {class: 'grid'}, Object.values(fields).map((f) => f.wrap)),
    status, h('div', {class: 'actions'}, submit));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    Object.values(fields).forEach((f) => setFieldError(f, null));
    replace(status);
    const body = {};
    for (const [name, f] of Object.entries(fields)) {
      const value = f.input.value.trim();
      if (value) body[name] = value;
    }
    submit.disabled = true;
    try {
      const created = await api.createConnection(body);
      app.announce(`Connection ${created.name} added.`);
      app.navigate(`#/connections/${created.id}`);
    } catch (error) {
      submit.disabled = false;
      showFieldErrors(error, fields, status);
    }
  });
  return form;
}

/**
 * Puts each {field, message} of a 400 next to its input, as a sentence naming the field;
 * anything else goes into the status box, explained (Cloudflare's errors included).
 */
export function showFieldErrors(error, fields, status) {
  const unplaced = [];
  let first = null;
  for (const e of error.errors) {
    const f = fields[e.field];
    if (f) {
      setFieldError(f, fieldError(e.field, e.message));
      first = first || f.input;
    } else {
      unplaced.push(fieldError(e.field, e.message));
    }
  }
  if (unplaced.length || !error.errors.length) {
    const p = problemText(error);
    const headline = error.errors.length ? 'Nothing was saved.' : p.text;
    replace(status, notice('error', headline,
      unplaced.length ? h('ul', {}, unplaced.map((m) => h('li', {}, m))) : null,
      p.technical ? h('details', {}, h('summary', {}, 'Technical details'), h('code', {}, p.technical)) : null));
  }
  if (first) first.focus();
}
