// API keys of the tenant (admins): list, create (the key is shown once), revoke.

import {api} from '../api.js';
import {field, h, notice, replace, setFieldError} from '../dom.js';
import {dateTime} from '../format.js';
import {problemText} from '../words.js';
import {showFieldErrors} from './connections.js';

const ROLES = [
  ['viewer', 'viewer: read and follow'],
  ['operator', 'operator: + plans and releases'],
  ['admin', 'admin: + connections and keys'],
];

export async function keysView(ctx) {
  const {app, root} = ctx;
  if (!app.can('admin')) {
    replace(root, h('h1', {}, 'API keys'), notice('info', 'Managing keys needs an admin key.'));
    return;
  }
  const list = h('div', {id: 'keys-list'});
  const created = h('div', {id: 'created-key'});

  const refresh = async () => {
    const keys = await api.keys();
    replace(list, h('div', {class: 'table-wrap'}, h('table', {id: 'keys', class: 'stack'},
      h('caption', {class: 'visually-hidden'}, 'API keys'),
      h('thead', {}, h('tr', {}, ['Name', 'Role', 'Created', 'Last used', ''].map((t) => h('th', {scope: 'col'}, t)))),
      h('tbody', {}, keys.map((k) => keyRow(k, app, refresh))))));
  };

  const name = field({label: 'Name', input: h('input', {name: 'name', id: 'key-name', maxlength: 200, autocomplete: 'off'}),
    hint: 'Who or what uses it, e.g. "ci-deployer".'});
  const role = field({label: 'Role', input: h('select', {name: 'role', id: 'key-role'},
    ROLES.map(([v, text]) => h('option', {value: v}, text)))});
  const status = h('div', {class: 'form-status'});
  const form = h('form', {class: 'card', id: 'create-key', novalidate: true},
    h('h2', {}, 'Create a key'), h('div', {class: 'grid'}, name.wrap, role.wrap), status,
    h('div', {class: 'actions'}, h('button', {type: 'submit', class: 'primary'}, 'Create key')));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    setFieldError(name, null);
    replace(status);
    try {
      const key = await api.createKey(name.input.value.trim(), role.input.value);
      name.input.value = '';
      replace(created, shownOnce(key));
      created.querySelector('button').focus();
      await refresh();
    } catch (error) {
      showFieldErrors(error, {name, role}, status);
    }
  });

  replace(root, h('h1', {}, 'API keys'), created, list, form);
  await refresh();
}

/** The new key, with a copy button; it cannot be seen again after this. */
function shownOnce(key) {
  const value = h('input', {type: 'text', readonly: true, value: key.key, id: 'new-key-value', class: 'mono',
    'aria-label': `The new key ${key.name}`});
  const copied = h('span', {role: 'status', class: 'muted'});
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(key.key);
    } catch (e) {
      value.select();
      document.execCommand('copy');
    }
    copied.textContent = 'Copied.';
  };
  return notice('ok',
    h('p', {}, h('strong', {}, `Key “${key.name}” (${key.role}) created.`),
      ' Copy it now: it is shown only this once.'),
    h('div', {class: 'copy-row'}, value, h('button', {type: 'button', id: 'copy-key', onclick: copy}, 'Copy'), copied));
}

function keyRow(k, app, refresh) {
  const self = app.session && app.session.key.id === k.id;
  const cell = h('td', {dataset: {label: 'Revoke'}});
  const ask = h('button', {type: 'button', class: 'danger', 'aria-label': `Revoke key ${k.name}`,
    onclick: () => confirmRevoke()}, 'Revoke…');
  const confirmRevoke = () => {
    replace(cell,
      h('span', {}, self ? 'This is the key you signed in with. Revoke it and sign out? ' : `Revoke “${k.name}”? `),
      h('button', {type: 'button', class: 'danger', 'aria-label': `Yes, revoke key ${k.name}`, onclick: revoke}, 'Revoke'),
      ' ',
      h('button', {type: 'button', onclick: () => { replace(cell, ask); ask.focus(); }}, 'Keep'));
    cell.querySelector('button').focus();
  };
  const revoke = async () => {
    try {
      await api.revokeKey(k.id);
      if (self) {
        app.signedOut();
        return;
      }
      await refresh();
    } catch (error) {
      replace(cell, notice('error', problemText(error).text));
    }
  };
  replace(cell, ask);
  return h('tr', {dataset: {keyId: k.id}},
    h('th', {scope: 'row', dataset: {label: 'Name'}}, k.name, self ? h('span', {class: 'muted'}, ' (you)') : null),
    h('td', {dataset: {label: 'Role'}}, h('span', {class: `badge role-${k.role}`}, k.role)),
    h('td', {dataset: {label: 'Created'}}, dateTime(k.createdAt)),
    h('td', {dataset: {label: 'Last used'}}, k.lastUsedAt ? dateTime(k.lastUsedAt) : 'never'),
    cell);
}
