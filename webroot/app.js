// The single-page app: who is signed in, hash routes to views, and the header.
// A view is an async function (ctx, ...routeParams) that renders into ctx.root; whatever it keeps
// running (event streams, timers) it registers with ctx.onDispose, and leaving the route stops it.
// A view with unsaved work sets ctx.dirty (a function): leaving then asks first.
// The app also follows the tenant's event stream once, for every page: what waits for a person
// shows in the header and the tab title, and views listen to it with app.onRelease.

import {api, isUnavailable, onAvailability, onUnauthorized, subscribe} from './api.js';
import {confirmDialog} from './dialog.js';
import {h, notice, replace} from './dom.js';
import {zoneName} from './format.js';
import {problemText} from './words.js';
import {signInView} from './views/signin.js';
import {connectionsView} from './views/connections.js';
import {connectionView} from './views/connection.js';
import {planView} from './views/plan.js';
import {startView} from './views/start.js';
import {releaseView} from './views/release.js';
import {historyView} from './views/history.js';
import {keysView} from './views/keys.js';
import {auditView} from './views/audit.js';

const ROLES = ['viewer', 'operator', 'admin'];

const routes = [
  [/^\/connections$/, connectionsView],
  [/^\/connections\/([^/]+)$/, connectionView],
  [/^\/connections\/([^/]+)\/plan$/, planView],
  [/^\/connections\/([^/]+)\/start$/, startView],
  [/^\/releases$/, historyView],
  [/^\/releases\/([^/]+)$/, releaseView],
  [/^\/keys$/, keysView],
  [/^\/audit$/, auditView],
];

const main = document.getElementById('main');
const app = {
  /** {tenantId, key: {id, name, role}} or null. */
  session: null,
  current: null,
  /** Why the last session ended when the service ended it (a revoked key, an expired session). */
  signedOutReason: null,
  /** Releases of the tenant that wait for a person, by id. */
  awaiting: new Map(),
  /** The page's own title, without the attention prefix. */
  pageTitle: 'Workers HMD',

  /** Whether the signed-in key's role includes `role`. */
  can(role) {
    return Boolean(this.session) && ROLES.indexOf(this.session.key.role) >= ROLES.indexOf(role);
  },

  navigate(hash) {
    if (location.hash === hash) {
      render();
    } else {
      location.hash = hash;
    }
  },

  async signedIn() {
    this.session = await api.session();
    this.signedOutReason = null;
    renderHeader();
    watchTenant();
  },

  signedOut() {
    this.session = null;
    stopWatching();
    renderHeader();
    render();
  },

  /** Calls fn(release) for every release event of the tenant; returns what stops it. */
  onRelease(fn) {
    releaseListeners.add(fn);
    return () => releaseListeners.delete(fn);
  },

  /** Sets the tab title; a count of releases waiting for a person goes in front of it. */
  setTitle(text) {
    this.pageTitle = text ? `${text} · Workers HMD` : 'Workers HMD';
    renderTitle();
  },

  /** Says something to screen readers without moving focus. */
  announce(text) {
    const announcer = document.getElementById('announcer');
    announcer.textContent = '';
    setTimeout(() => { announcer.textContent = text; }, 50);
  },
};

function parseHash() {
  const raw = location.hash.replace(/^#/, '') || '/';
  const [path, search = ''] = raw.split('?');
  return {path: path === '' ? '/' : path, query: new URLSearchParams(search)};
}

let shownHash = location.hash;

async function render() {
  if (app.current) app.current.dispose();
  shownHash = location.hash;
  const {path, query} = parseHash();
  const root = h('div', {class: 'view'});
  replace(main, root);
  const disposers = [];
  const ctx = {
    app, root, query, disposed: false,
    onDispose(fn) {
      if (ctx.disposed) fn(); else disposers.push(fn);
    },
    dispose() {
      ctx.disposed = true;
      disposers.splice(0).forEach((fn) => fn());
    },
  };
  app.current = ctx;
  renderNav(path);

  if (!app.session) {
    await signInView(ctx);
    return;
  }
  if (path === '/') {
    location.replace('#/connections');
    return;
  }
  const match = routes.map(([pattern, view]) => [path.match(pattern), view]).find(([m]) => m);
  try {
    if (!match) {
      replace(root, h('h1', {tabindex: -1}, 'Not found'), h('p', {}, 'There is no page here. ',
        h('a', {href: '#/connections'}, 'Go to connections'), '.'));
    } else {
      await match[1](ctx, ...match[0].slice(1).map(decodeURIComponent));
    }
  } catch (error) {
    if (ctx.disposed || error.status === 401) return;
    if (isUnavailable(error)) {
      replace(root, h('h1', {tabindex: -1}, 'Service unavailable'),
        notice('warn', 'The service cannot answer right now; this page loads again by itself when it can.'));
      const hash = location.hash;
      retryLater(() => {
        if (!ctx.disposed && location.hash === hash) render();
      });
      return;
    }
    replace(root, h('h1', {tabindex: -1}, error.status === 404 ? 'Not found' : 'Something went wrong'),
      notice('error', problemText(error).text));
  }
  if (!ctx.disposed) focusHeading(root);
}

/** After a route change, move focus to the new page's heading so keyboard and screen reader users start there. */
let firstRender = true;
function focusHeading(root) {
  const heading = root.querySelector('h1');
  if (heading) app.setTitle(heading.textContent);
  if (firstRender) {
    firstRender = false;
    return;
  }
  if (heading && !root.contains(document.activeElement)) {
    heading.setAttribute('tabindex', '-1');
    heading.focus({preventScroll: false});
  }
}

function renderNav(path) {
  const nav = document.getElementById('nav');
  if (!app.session) {
    replace(nav);
    return;
  }
  const link = (href, text, active) => h('a', {href, 'aria-current': active ? 'page' : null}, text);
  replace(nav, h('ul', {},
    h('li', {}, link('#/connections', 'Connections', path.startsWith('/connections') || path === '/')),
    h('li', {}, link('#/releases', 'Releases', path.startsWith('/releases'))),
    app.can('admin') ? h('li', {}, link('#/keys', 'API keys', path === '/keys')) : null,
    app.can('admin') ? h('li', {}, link('#/audit', 'Audit log', path === '/audit')) : null));
}

function renderHeader() {
  const who = document.getElementById('who');
  if (!app.session) {
    replace(who);
    return;
  }
  const {name, role} = app.session.key;
  replace(who, attention,
    h('span', {class: 'who-key', id: 'who-key'}, h('span', {class: 'visually-hidden'}, 'Signed in with key '),
      h('strong', {}, name), ' ', h('span', {class: `badge role-${role}`, id: 'who-role'}, role)),
    h('button', {type: 'button', class: 'link-button', id: 'sign-out', onclick: signOut}, 'Sign out'));
}

async function signOut() {
  // signing out is leaving on purpose: unsaved work is not asked about
  if (app.current) app.current.dirty = null;
  try {
    await api.signOut();
  } finally {
    app.session = null;
    stopWatching();
    renderHeader();
    app.announce('Signed out.');
    if (location.hash === '' || location.hash === '#/') render(); else location.hash = '#/';
  }
}

// While the service is away (its database is down: it answers 503, or nothing) the session stays:
// a banner says so, and the page that failed is shown again once the service answers.
const serviceStatus = document.getElementById('service-status');
let retryTimer = null;
onAvailability((available, waitSeconds) => {
  if (available) {
    if (!serviceStatus.hidden) {
      serviceStatus.hidden = true;
      app.announce('The service is available again.');
    }
    return;
  }
  serviceStatus.textContent = `The service is unavailable right now; retrying every ${waitSeconds} s. You stay signed in.`;
  serviceStatus.hidden = false;
});

/** Runs {@code again} after the wait the service asked for, once (a newer failure replaces an older retry). */
function retryLater(again, seconds = 5) {
  clearTimeout(retryTimer);
  retryTimer = setTimeout(again, seconds * 1000);
}

onUnauthorized((error) => {
  if (app.session) {
    app.session = null;
    app.signedOutReason = error.detail || 'Your session ended.';
    stopWatching();
    renderHeader();
    render();
  }
});

// Leaving a page with unsaved work asks first. The hash has already changed when we hear of it,
// so the address goes back (without another hashchange) until the person decides.
window.addEventListener('hashchange', async () => {
  const ctx = app.current;
  if (ctx && typeof ctx.dirty === 'function' && ctx.dirty()) {
    const target = location.hash;
    history.replaceState(null, '', shownHash || '#/');
    const leave = await confirmDialog({id: 'leave-dialog', title: 'Leave without saving?',
      body: h('p', {}, 'You have changes on this page that are not saved. Leaving now loses them.'),
      confirm: 'Leave without saving', cancel: 'Stay on this page'});
    if (!leave || app.current !== ctx) return;
    ctx.dirty = null;
    location.hash = target;
    return;
  }
  render();
});

// reloading or closing the tab with unsaved work: the browser's own prompt (the only one it allows)
window.addEventListener('beforeunload', (event) => {
  const ctx = app.current;
  if (ctx && typeof ctx.dirty === 'function' && ctx.dirty()) {
    event.preventDefault();
    event.returnValue = '';
  }
});

// ---- what needs a person, for every page: header link and tab title
const releaseListeners = new Set();
const attention = h('a', {id: 'attention', class: 'attention', href: '#/releases?state=awaiting_approval', hidden: true});
let stopTenantStream = null;

function watchTenant() {
  stopWatching();
  stopTenantStream = subscribe(null, {
    release(r) {
      noteRelease(r);
      releaseListeners.forEach((fn) => fn(r));
    },
  });
  api.releases({state: 'awaiting_approval', limit: 50}).then((page) => {
    page.items.forEach(noteRelease);
  }).catch(() => {});
}

function stopWatching() {
  if (stopTenantStream) stopTenantStream();
  stopTenantStream = null;
  app.awaiting.clear();
  renderAttention();
}

function noteRelease(r) {
  if (r.state === 'awaiting_approval') app.awaiting.set(r.id, r); else app.awaiting.delete(r.id);
  renderAttention();
}

function renderAttention() {
  const n = app.awaiting.size;
  attention.hidden = n === 0;
  const only = n === 1 ? [...app.awaiting.values()][0] : null;
  attention.href = only ? `#/releases/${only.id}` : '#/releases?state=awaiting_approval';
  attention.textContent = n === 1 ? '1 release awaits approval' : `${n} releases await approval`;
  renderTitle();
}

function renderTitle() {
  const n = app.awaiting.size;
  const title = n > 0 ? `(${n}) awaiting approval · ${app.pageTitle}` : app.pageTitle;
  if (document.title !== title) document.title = title;
}

// the routes live in the hash, so the skip link moves focus itself instead of changing it
document.querySelector('.skip-link').addEventListener('click', (event) => {
  event.preventDefault();
  main.focus();
});

async function boot() {
  document.getElementById('zone').textContent = `Times are shown in ${zoneName()}.`;
  try {
    app.session = await api.session();
    watchTenant();
  } catch (error) {
    app.session = null;
    if (error.status === 401 && /this session|the session/.test(error.detail)) {
      // a session cookie the service no longer accepts: say why instead of a bare sign-in form
      app.signedOutReason = error.detail;
    } else if (isUnavailable(error)) {
      // not a sign-out: the cookie is kept, and the dashboard starts once the service answers
      replace(main, notice('warn', 'The service is unavailable right now; retrying. You stay signed in.'));
      retryLater(boot);
      return;
    } else if (error.status !== 401) {
      replace(main, notice('error', `Cannot reach the service: ${problemText(error).text}`));
    }
  }
  renderHeader();
  await render();
}

boot();
