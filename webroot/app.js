// The single-page app: who is signed in, hash routes to views, and the header.
// A view is an async function (ctx, ...routeParams) that renders into ctx.root; whatever it keeps
// running (event streams, timers) it registers with ctx.onDispose, and leaving the route stops it.

import {api, onUnauthorized} from './api.js';
import {h, notice, replace} from './dom.js';
import {signInView} from './views/signin.js';
import {connectionsView} from './views/connections.js';
import {connectionView} from './views/connection.js';
import {planView} from './views/plan.js';
import {startView} from './views/start.js';
import {releaseView} from './views/release.js';
import {historyView} from './views/history.js';
import {keysView} from './views/keys.js';

const ROLES = ['viewer', 'operator', 'admin'];

const routes = [
  [/^\/connections$/, connectionsView],
  [/^\/connections\/([^/]+)$/, connectionView],
  [/^\/connections\/([^/]+)\/plan$/, planView],
  [/^\/connections\/([^/]+)\/start$/, startView],
  [/^\/releases$/, historyView],
  [/^\/releases\/([^/]+)$/, releaseView],
  [/^\/keys$/, keysView],
];

const main = document.getElementById('main');
const app = {
  /** {tenantId, key: {id, name, role}} or null. */
  session: null,
  current: null,

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
    renderHeader();
  },

  signedOut() {
    this.session = null;
    renderHeader();
    render();
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

async function render() {
  if (app.current) app.current.dispose();
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
    replace(root, h('h1', {tabindex: -1}, error.status === 404 ? 'Not found' : 'Something went wrong'),
      notice('error', error.message));
  }
  if (!ctx.disposed) focusHeading(root);
}

/** After a route change, move focus to the new page's heading so keyboard and screen reader users start there. */
let firstRender = true;
function focusHeading(root) {
  const heading = root.querySelector('h1');
  if (heading) document.title = `${heading.textContent} · Workers HMD`;
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
    app.can('admin') ? h('li', {}, link('#/keys', 'API keys', path === '/keys')) : null));
}

function renderHeader() {
  const who = document.getElementById('who');
  if (!app.session) {
    replace(who);
    return;
  }
  const {name, role} = app.session.key;
  replace(who,
    h('span', {class: 'who-key', id: 'who-key'}, h('span', {class: 'visually-hidden'}, 'Signed in with key '),
      h('strong', {}, name), ' ', h('span', {class: `badge role-${role}`, id: 'who-role'}, role)),
    h('button', {type: 'button', class: 'link-button', id: 'sign-out', onclick: signOut}, 'Sign out'));
}

async function signOut() {
  try {
    await api.signOut();
  } finally {
    app.session = null;
    renderHeader();
    app.announce('Signed out.');
    if (location.hash === '' || location.hash === '#/') render(); else location.hash = '#/';
  }
}

onUnauthorized(() => {
  if (app.session) {
    app.session = null;
    renderHeader();
    render();
  }
});

window.addEventListener('hashchange', render);

// the routes live in the hash, so the skip link moves focus itself instead of changing it
document.querySelector('.skip-link').addEventListener('click', (event) => {
  event.preventDefault();
  main.focus();
});

async function boot() {
  try {
    app.session = await api.session();
  } catch (error) {
    app.session = null;
    if (error.status !== 401) {
      replace(main, notice('error', `Cannot reach the service: ${error.message}`));
    }
  }
  renderHeader();
  await render();
}

boot();
