// The home page: releases in progress (kept live from the tenant's event stream), the
// connections, and for admins the form that adds one.

import {api, subscribe} from '../api.js';
import {field, h, notice, replace, setFieldError} from '../dom.js';
import {dateTime, isActive, shortId, stateLabel, tone} from '../format.js';

export async function connectionsView(ctx) {
  const {app, root} = ctx;
  const [connections, running, waiting] = await Promise.all([
    api.connections(),
    api.releases({state: 'running', limit: 50}),
    api.releases({state: 'awaiting_approval', limit: 50}),
  ]);
  const names = new Map(connections.map((c) => [c.id, c.name]));
  const active = new Map([...running.items, ...waiting.items].map((r) => [r.id, r]));

  const activeSection = h('section', {'aria-labelledby': 'active-title'});
  const renderActive = () => {
    const items = [...active.values()].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
    replace(activeSection, h('h2', {id: 'active-title'}, 'Releases in progress'),
      items.length === 0
        ? h('p', {class: 'muted'}, 'No release is running.')
        : h('ul', {class: 'cards', id: 'active-releases'}, items.map((r) => h('li', {class: 'card release-card'},
          h('a', {href: `#/releases/${r.id}`}, `${names.get(r.connectionId) || r.workerName}: `
            + `${shortId(r.oldVersionId)} → ${shortId(r.newVersionId)}`),
          ' ', h('span', {class: `badge ${tone(r.state)}`}, stateLabel(r.state)),
          h('span', {class: 'muted'}, ` stage ${r.currentStageIndex + 1} of ${r.stages.length}`)))));
  };
  renderActive();
  ctx.onDispose(subscribe(null, {
    release(r) {
      if (isActive(r)) active.set(r.id, r); else active.delete(r.id);
      renderActive();
    },
  }));

  const table = connections.length === 0
    ? h('p', {class: 'muted', id: 'no-connections'}, app.can('admin')
      ? 'No connection yet. Add one below with a Cloudflare account id, the Worker\'s name and an API token.'
      : 'No connection yet. An admin of your tenant can add one.')
    : h('div', {class: 'table-wrap'}, h('table', {id: 'connections'},
      h('caption', {class: 'visually-hidden'}, 'Connections'),
      h('thead', {}, h('tr', {}, h('th', {scope: 'col'}, 'Name'), h('th', {scope: 'col'}, 'Worker'),
        h('th', {scope: 'col'}, 'Account'), h('th', {scope: 'col'}, 'Token'), h('th', {scope: 'col'}, 'Added'))),
      h('tbody', {}, connections.map((c) => h('tr', {},
        h('th', {scope: 'row'}, h('a', {href: `#/connections/${c.id}`}, c.name)),
        h('td', {}, h('code', {}, c.workerName)),
        h('td', {}, h('code', {}, c.accountId)),
        h('td', {}, `…${c.tokenHint}`),
        h('td', {}, dateTime(c.createdAt)))))));

  replace(root,
    h('h1', {}, 'Connections'),
    activeSection,
    h('section', {'aria-labelledby': 'connections-title'}, h('h2', {id: 'connections-title'}, 'Workers'), table),
    app.can('admin') ? addForm(app) : null);
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

/** Puts each {field, message} of a 400 next to its input; anything else goes into the status box. */
export function showFieldErrors(error, fields, status) {
  const unplaced = [];
  let first = null;
  for (const e of error.errors) {
    const f = fields[e.field];
    if (f) {
      setFieldError(f, e.message);
      first = first || f.input;
    } else {
      unplaced.push(e.field ? `${e.field}: ${e.message}` : e.message);
    }
  }
  if (unplaced.length || !error.errors.length) {
    replace(status, notice('error', error.message, unplaced.length ? h('ul', {}, unplaced.map((m) => h('li', {}, m))) : null));
  }
  if (first) first.focus();
}
