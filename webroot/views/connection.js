// One connection: its release in progress (a banner with a link, louder when it waits for a
// person), what Cloudflare serves now, the Worker's versions, and (admins) rename, token
// rotation, webhooks and deletion.

import {api} from '../api.js';
import {splitBar} from '../charts.js';
import {confirmDialog} from '../dialog.js';
import {field, h, notice, replace, setFieldError} from '../dom.js';
import {dateTime, isActive, shortId} from '../format.js';
import {problemText, releaseStateLabel, stageName, versionName} from '../words.js';
import {showFieldErrors} from './connections.js';
import {cloudflareWorkerUrl} from './release.js';
import {webhooksSection} from './webhooks.js';

export async function connectionView(ctx, id) {
  const {app, root} = ctx;
  const connection = await api.connection(id);
  const [deployment, versions, running, waiting] = await Promise.allSettled([api.deployment(id), api.versions(id),
    api.releases({connectionId: id, state: 'running', limit: 1}),
    api.releases({connectionId: id, state: 'awaiting_approval', limit: 1})]);

  const title = h('h1', {}, connection.name);
  const byId = new Map(versions.status === 'fulfilled' ? versions.value.map((v) => [v.id, v]) : []);
  const name = (versionId) => versionName(versionId, byId);
  let release = (waiting.value && waiting.value.items[0]) || (running.value && running.value.items[0]) || null;
  let split = deployment.status === 'fulfilled' ? deployment.value.versions : null;

  const banner = h('div', {id: 'connection-release'});
  const servingBox = h('div', {id: 'serving'});
  const versionsBox = h('div', {id: 'versions-box'});

  /**
   * Colours as on the release page: during a release its new version is blue and its old one
   * grey, whatever their numbers (a release may roll an older version out); without one the
   * version serving everything is the settled one (grey), and in a split made outside HMD the
   * newest version is taken as the one being tried.
   */
  const kindOf = () => {
    const live = (split || []).filter((v) => v.percentage > 0).map((v) => v.versionId);
    if (release) return (v) => (v === release.newVersionId ? 'new' : v === release.oldVersionId ? 'old' : 'other');
    if (live.length <= 1) return () => 'old';
    const newest = live.slice().sort((a, b) => (byId.get(b)?.number ?? 0) - (byId.get(a)?.number ?? 0))[0];
    return (v) => (v === newest ? 'new' : 'old');
  };
  const role = (v) => {
    if (!release) return null;
    return v === release.newVersionId ? 'new version of the release' : v === release.oldVersionId ? 'old version of the release' : null;
  };

  const renderRelease = () => {
    if (!release) {
      replace(banner);
      return;
    }
    const r = release;
    const what = `release of ${name(r.newVersionId)} (replacing ${name(r.oldVersionId)})`;
    replace(banner, r.state === 'awaiting_approval'
      ? h('div', {class: 'notice warn attention-notice', role: 'status'},
        h('p', {}, h('strong', {}, `The ${what} waits for approval at ${stageName(r, r.currentStageIndex)}. `),
          app.can('operator') ? '' : 'Someone with an operator or admin key can approve or deny it. ',
          h('a', {href: `#/releases/${r.id}`, id: 'connection-release-link'}, app.can('operator') ? 'Review and decide' : 'Follow it'),
          '.'))
      : h('div', {class: 'notice info'},
        h('p', {}, h('strong', {}, `A ${what} is ${releaseStateLabel(r.state).toLowerCase()}`),
          ` at ${stageName(r, r.currentStageIndex)}, ${r.currentStageIndex + 1} of ${r.stages.length}. `,
          h('a', {href: `#/releases/${r.id}`, id: 'connection-release-link'}, 'Follow it'), '.')));
  };

  const renderServing = () => {
    if (deployment.status !== 'fulfilled') {
      replace(servingBox, cloudflareProblem(deployment.reason));
      return;
    }
    const kind = kindOf();
    replace(servingBox,
      splitBar(split, (v) => (role(v) ? `${name(v)} (${kind(v)})` : name(v)), kind),
      h('p', {class: 'muted'}, `Deployment ${shortId(deployment.value.id)} of ${dateTime(deployment.value.createdOn)}`,
        deployment.value.message ? ` — ${deployment.value.message}` : ''));
  };

  const renderVersions = () => {
    if (versions.status !== 'fulfilled') {
      replace(versionsBox, cloudflareProblem(versions.reason));
      return;
    }
    const serving = new Map((split || []).filter((v) => v.percentage > 0).map((v) => [v.versionId, v.percentage]));
    replace(versionsBox, versionsTable(versions.value, serving, role));
  };

  ctx.onDispose(app.onRelease((r) => {
    if (r.connectionId !== id) return;
    if (isActive(r)) {
      release = r;
    } else if (release && release.id === r.id) {
      release = null;
    }
    if (r.currentSplit && (isActive(r) || r.finishedAt)) split = r.currentSplit;
    renderRelease();
    renderServing();
    renderVersions();
  }));

  replace(root,
    h('p', {class: 'crumbs'}, h('a', {href: '#/connections'}, 'Connections'), ' / '),
    title,
    banner,
    h('dl', {class: 'facts'},
      h('dt', {}, 'Worker'), h('dd', {}, h('code', {}, connection.workerName), ' · ',
        h('a', {href: cloudflareWorkerUrl(connection.accountId, connection.workerName), target: '_blank',
          rel: 'noopener noreferrer', id: 'cloudflare-link'}, 'open in Cloudflare ↗')),
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
      h('h2', {id: 'deployment-title'}, 'Serving now'), servingBox),
    h('section', {'aria-labelledby': 'versions-title'},
      h('h2', {id: 'versions-title'}, 'Versions'), versionsBox),
    app.can('admin') ? webhooksSection(ctx, connection) : null,
    app.can('admin') ? manage(ctx, connection, title) : null);
  renderRelease();
  renderServing();
  renderVersions();
}

/** Cloudflare did not answer for this connection: what that means, and the raw error folded away. */
function cloudflareProblem(error) {
  const p = problemText(error);
  return notice('error', p.text, p.technical ? h('details', {}, h('summary', {}, 'Technical details'),
    h('code', {}, p.technical)) : null);
}

function versionsTable(versions, serving, role) {
  if (versions.length === 0) return h('p', {class: 'muted'}, 'The Worker has no versions.');
  const cell = (label, ...content) => h('td', {dataset: {label}}, ...content);
  return h('div', {class: 'table-wrap'}, h('table', {id: 'versions', class: 'stack'},
    h('caption', {class: 'visually-hidden'}, 'Versions of the Worker, newest first'),
    h('thead', {}, h('tr', {}, ['Number', 'Message', 'Created', 'Id', 'Serving'].map((t) => h('th', {scope: 'col'}, t)))),
    h('tbody', {}, versions.map((v) => h('tr', {class: serving.has(v.id) ? 'current' : null},
      h('th', {scope: 'row', dataset: {label: 'Number'}}, `v${v.number}`),
      cell('Message', v.message || h('span', {class: 'muted'}, 'no message')),
      cell('Created', dateTime(v.createdOn)),
      cell('Id', h('code', {title: v.id}, shortId(v.id))),
      cell('Serving', serving.has(v.id) ? h('span', {class: 'badge good'},
        `serving ${serving.get(v.id)}%${role(v.id) ? ` · ${role(v.id)}` : ''}`) : ''))))));
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
      app.setTitle(updated.name);
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
  const ask = h('button', {type: 'button', class: 'danger', id: 'delete-connection', onclick: async () => {
    const yes = await confirmDialog({id: 'delete-dialog', title: `Delete the connection “${connection.name}”?`,
      body: h('p', {}, 'Its plan, webhooks and release history go with it. The Worker at Cloudflare is not touched.'),
      confirm: 'Delete for good', cancel: 'Keep it'});
    if (yes) remove();
  }}, 'Delete connection…');
  async function remove() {
    replace(deleteStatus);
    try {
      await api.deleteConnection(id);
      app.announce(`Connection ${connection.name} deleted.`);
      app.navigate('#/connections');
    } catch (error) {
      replace(deleteStatus, notice('error', problemText(error).text));
      ask.focus();
    }
  }
  const danger = h('div', {class: 'card'}, h('h3', {}, 'Delete'), ask, deleteStatus);

  return h('section', {'aria-labelledby': 'manage-title'},
    h('h2', {id: 'manage-title'}, 'Manage'), h('div', {class: 'grid wide manage'}, rename, rotate, danger));
}
