// One connection: what Cloudflare serves now, the Worker's versions, and (admins) rename, token
// rotation and deletion.

import {api} from '../api.js';
import {splitBar} from '../charts.js';
import {field, h, notice, replace, setFieldError} from '../dom.js';
import {dateTime, shortId} from '../format.js';
import {showFieldErrors} from './connections.js';

export async function connectionView(ctx, id) {
  const {app, root} = ctx;
  const connection = await api.connection(id);
  const [deployment, versions] = await Promise.allSettled([api.deployment(id), api.versions(id)]);

  const title = h('h1', {}, connection.name);
  const serving = deployment.status === 'fulfilled'
    ? new Map(deployment.value.versions.filter((v) => v.percentage > 0).map((v) => [v.versionId, v.percentage])) : new Map();
  const byId = new Map(versions.status === 'fulfilled' ? versions.value.map((v) => [v.id, v]) : []);
  const label = (versionId) => byId.has(versionId) ? `v${byId.get(versionId).number}` : shortId(versionId);
  // in a split, the newer version is the one being tried
  const newest = [...serving.keys()].sort((a, b) => (byId.get(b)?.number ?? 0) - (byId.get(a)?.number ?? 0))[0];

  replace(root,
    h('p', {class: 'crumbs'}, h('a', {href: '#/connections'}, 'Connections'), ' / '),
    title,
    h('dl', {class: 'facts'},
      h('dt', {}, 'Worker'), h('dd', {}, h('code', {}, connection.workerName)),
      h('dt', {}, 'Account'), h('dd', {}, h('code', {}, connection.accountId)),
      h('dt', {}, 'Token'), h('dd', {}, `…${connection.tokenHint}`),
      h('dt', {}, 'Added'), h('dd', {}, dateTime(connection.createdAt))),
    h('div', {class: 'actions'},
      h('a', {class: 'button', href: `#/connections/${id}/plan`, id: 'plan-link'},
        app.can('operator') ? 'Edit the release plan' : 'View the release plan'),
      app.can('operator') ? h('a', {class: 'button primary', href: `#/connections/${id}/start`, id: 'start-link'},
        'Start a release') : null,
      h('a', {class: 'button', href: `#/releases?connectionId=${encodeURIComponent(id)}`}, 'Release history')),
    h('section', {'aria-labelledby': 'deployment-title'},
      h('h2', {id: 'deployment-title'}, 'Serving now'),
      deployment.status === 'fulfilled'
        ? [splitBar(deployment.value.versions, label, (v) => (v === newest ? 'new' : 'old')),
          h('p', {class: 'muted'}, `Deployment ${shortId(deployment.value.id)} of ${dateTime(deployment.value.createdOn)}`,
            deployment.value.message ? ` — ${deployment.value.message}` : '')]
        : notice('error', `Cloudflare did not answer: ${deployment.reason.message}`)),
    h('section', {'aria-labelledby': 'versions-title'},
      h('h2', {id: 'versions-title'}, 'Versions'),
      versions.status === 'fulfilled'
        ? versionsTable(versions.value, serving)
        : notice('error', `Cloudflare did not answer: ${versions.reason.message}`)),
    app.can('admin') ? manage(ctx, connection, title) : null);
}

function versionsTable(versions, serving) {
  if (versions.length === 0) return h('p', {class: 'muted'}, 'The Worker has no versions.');
  return h('div', {class: 'table-wrap'}, h('table', {id: 'versions'},
    h('caption', {class: 'visually-hidden'}, 'Versions of the Worker, newest first'),
    h('thead', {}, h('tr', {}, h('th', {scope: 'col'}, 'Number'), h('th', {scope: 'col'}, 'Message'),
      h('th', {scope: 'col'}, 'Created'), h('th', {scope: 'col'}, 'Id'), h('th', {scope: 'col'}, 'Serving'))),
    h('tbody', {}, versions.map((v) => h('tr', {class: serving.has(v.id) ? 'current' : null},
      h('th', {scope: 'row'}, `v${v.number}`),
      h('td', {}, v.message || h('span', {class: 'muted'}, 'no message')),
      h('td', {}, dateTime(v.createdOn)),
      h('td', {}, h('code', {title: v.id}, shortId(v.id))),
      h('td', {}, serving.has(v.id) ? h('span', {class: 'badge good'}, `current · ${serving.get(v.id)}%`) : ''))))));
}

function manage(ctx, connection, title) {
  const {app} = ctx;
  const id = connection.id;

  const name = field({label: 'Name', input: h('input', {name: 'name', value: connection.name, maxlength: 200})});
  const renameStatus = h('div', {class: 'form-status'});
  const rename = h('form', {class: 'card', id: 'rename-form', novalidate: true},
    h('h3', {}, 'Rename'), name.wrap, renameStatus, h('div', {class: 'actions'}, h('button', {type: 'submit'}, 'Rename')));
  rename.addEventListener('submit', async (event) => {
    event.preventDefault();
    setFieldError(name, null);
    replace(renameStatus);
    try {
      const updated = await api.updateConnection(id, {name: name.input.value.trim()});
      title.textContent = updated.name;
      replace(renameStatus, notice('ok', 'Renamed.'));
    } catch (error) {
      showFieldErrors(error, {name}, renameStatus);
    }
  });

  const token = field({label: 'New API token', input: h('input', {name: 'apiToken', type: 'password', autocomplete: 'off'}),
    hint: 'Checked at Cloudflare before it replaces the old one.'});
  const rotateStatus = h('div', {class: 'form-status'});
  const rotate = h('form', {class: 'card', id: 'rotate-form', novalidate: true},
    h('h3', {}, 'Rotate the token'), token.wrap, rotateStatus,
    h('div', {class: 'actions'}, h('button', {type: 'submit'}, 'Replace token')));
  rotate.addEventListener('submit', async (event) => {
    event.preventDefault();
    setFieldError(token, null);
    replace(rotateStatus);
    try {
      const updated = await api.updateConnection(id, {apiToken: token.input.value.trim()});
      token.input.value = '';
      replace(rotateStatus, notice('ok', `Token replaced; it ends in …${updated.tokenHint}.`));
    } catch (error) {
      showFieldErrors(error, {apiToken: token}, rotateStatus);
    }
  });

  const deleteStatus = h('div', {class: 'form-status'});
  const confirmBox = h('div', {class: 'confirm', hidden: true},
    h('p', {}, `Delete the connection “${connection.name}”? Its plan and release history go with it.`),
    h('div', {class: 'actions'},
      h('button', {type: 'button', class: 'danger', id: 'confirm-delete', onclick: remove}, 'Delete for good'),
      h('button', {type: 'button', onclick: () => toggle(false)}, 'Keep it')));
  const ask = h('button', {type: 'button', class: 'danger', id: 'delete-connection', onclick: () => toggle(true)},
    'Delete connection…');
  function toggle(open) {
    confirmBox.hidden = !open;
    ask.hidden = open;
    (open ? confirmBox.querySelector('button') : ask).focus();
  }
  async function remove() {
    replace(deleteStatus);
    try {
      await api.deleteConnection(id);
      app.announce(`Connection ${connection.name} deleted.`);
      app.navigate('#/connections');
    } catch (error) {
      toggle(false);
      replace(deleteStatus, notice('error', error.message));
    }
  }
  const danger = h('div', {class: 'card'}, h('h3', {}, 'Delete'), ask, confirmBox, deleteStatus);

  return h('section', {'aria-labelledby': 'manage-title'},
    h('h2', {id: 'manage-title'}, 'Manage'), h('div', {class: 'grid wide'}, rename, rotate, danger));
}
