// The service's /v1 API as the dashboard uses it. Authentication is the session cookie (same
// origin); every failure is an ApiError carrying the problem+json body.

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.status = status;
    this.title = problem.title || '';
    this.detail = problem.detail || '';
    /** [{field, message}] for validation failures, else []. */
    this.errors = Array.isArray(problem.errors) ? problem.errors : [];
  }
}

let unauthorizedHandler = () => {};
let availability = () => {};

/** Called with the error whenever a request other than sign-in answers 401 (session gone or key revoked). */
export function onUnauthorized(handler) {
  unauthorizedHandler = handler;
}

/**
 * Called with (false, seconds to wait) when the service answers 503 or cannot be reached (its
 * database is away: it comes back by itself, and the session stays), and with (true) at the next
 * answer.
 */
export function onAvailability(handler) {
  availability = handler;
}

/** Whether an error means "the service is away for now", as opposed to a refusal. */
export function isUnavailable(error) {
  return error && (error.status === 503 || error.status === 0);
}

async function request(method, path, body) {
  const init = {method, headers: {Accept: 'application/json'}, credentials: 'same-origin'};
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (e) {
    const error = new ApiError(0, {title: 'Network error', detail: 'The service cannot be reached. Check that it is running.'});
    availability(false, 5);
    throw error;
  }
  const text = response.status === 204 ? '' : await response.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch (e) {
      data = {detail: text.slice(0, 200)};
    }
  }
  if (response.status === 503) {
    availability(false, Number(response.headers.get('Retry-After')) || 5);
  } else {
    availability(true);
  }
  if (!response.ok) {
    const error = new ApiError(response.status, data || {});
    if (response.status === 401 && path !== '/v1/session') {
      unauthorizedHandler(error);
    }
    throw error;
  }
  return data;
}

const enc = encodeURIComponent;

function query(params) {
  const entries = Object.entries(params).filter(([, v]) => v != null && v !== '');
  return entries.length ? '?' + entries.map(([k, v]) => `${enc(k)}=${enc(v)}`).join('&') : '';
}

export const api = {
  session: () => request('GET', '/v1/session'),
  signIn: (apiKey) => request('POST', '/v1/session', {apiKey}),
  signOut: () => request('DELETE', '/v1/session'),

  connections: () => request('GET', '/v1/connections').then((r) => r.items),
  connection: (id) => request('GET', `/v1/connections/${enc(id)}`),
  createConnection: (body) => request('POST', '/v1/connections', body),
  updateConnection: (id, body) => request('PATCH', `/v1/connections/${enc(id)}`, body),
  deleteConnection: (id) => request('DELETE', `/v1/connections/${enc(id)}`),
  versions: (id) => request('GET', `/v1/connections/${enc(id)}/versions`).then((r) => r.items),
  deployment: (id) => request('GET', `/v1/connections/${enc(id)}/deployment`),

  plan: (id) => request('GET', `/v1/connections/${enc(id)}/plan`),
  savePlan: (id, plan) => request('PUT', `/v1/connections/${enc(id)}/plan`, plan),

  startRelease: (connectionId, newVersionId) =>
    request('POST', `/v1/connections/${enc(connectionId)}/releases`, {newVersionId}),
  releases: (params) => request('GET', '/v1/releases' + query(params)),
  release: (id) => request('GET', `/v1/releases/${enc(id)}`),
  checks: (id) => request('GET', `/v1/releases/${enc(id)}/checks`).then((r) => r.items),
  act: (id, action, note, more) => {
    const body = {...(more || {}), ...(note ? {note} : {})};
    return request('POST', `/v1/releases/${enc(id)}/${action}`, Object.keys(body).length ? body : undefined);
  },
  newGateSecret: (connectionId) => request('POST', `/v1/connections/${enc(connectionId)}/gate-secret`),

  audit: (params) => request('GET', '/v1/audit' + query(params)),

  webhooks: (connectionId) => request('GET', `/v1/connections/${enc(connectionId)}/webhooks`).then((r) => r.items),
  createWebhook: (connectionId, body) => request('POST', `/v1/connections/${enc(connectionId)}/webhooks`, body),
  deleteWebhook: (id) => request('DELETE', `/v1/webhooks/${enc(id)}`),
  testWebhook: (id) => request('POST', `/v1/webhooks/${enc(id)}/test`),
  deliveries: (id, params) => request('GET', `/v1/webhooks/${enc(id)}/deliveries` + query(params || {})),

  keys: () => request('GET', '/v1/api-keys').then((r) => r.items),
  createKey: (name, role) => request('POST', '/v1/api-keys', {name, role}),
  revokeKey: (id) => request('DELETE', `/v1/api-keys/${enc(id)}`),
};

/** The SSE stream of one release, or of the whole tenant when releaseId is null. */
export function eventsUrl(releaseId, lastEventId) {
  const base = releaseId ? `/v1/releases/${enc(releaseId)}/events` : '/v1/events';
  return base + query({lastEventId});
}

/**
 * An EventSource that also comes back after the browser gives up (it does on a non-200 answer,
 * e.g. during a restart), resuming after the last event it saw. handlers: {release, check,
 * deployment, status(text), and any other event type}. Returns a function that closes it.
 */
export function subscribe(releaseId, handlers) {
  let source = null;
  let lastEventId = null;
  let retryTimer = null;
  let closed = false;
  const status = handlers.status || (() => {});

  const open = () => {
    source = new EventSource(eventsUrl(releaseId, lastEventId), {withCredentials: true});
    source.onopen = () => status('live');
    source.onerror = () => {
      if (closed) return;
      if (source.readyState === EventSource.CLOSED) {
        status('reconnecting');
        source.close();
        retryTimer = setTimeout(open, 3000);
      } else {
        status('reconnecting');
      }
    };
    // the contract's three types, and any other a caller asks for (new kinds need no change here)
    const types = new Set(['release', 'check', 'deployment', ...Object.keys(handlers).filter((k) => k !== 'status')]);
    for (const type of types) {
      source.addEventListener(type, (event) => {
        if (event.lastEventId) lastEventId = event.lastEventId;
        if (handlers[type]) handlers[type](JSON.parse(event.data));
      });
    }
  };
  open();
  return () => {
    closed = true;
    clearTimeout(retryTimer);
    if (source) source.close();
  };
}

/**
 * The versions of a connection as a Map id -> version, asked once a minute at most: lists show
 * v-numbers for many releases of the same few Workers. A connection Cloudflare cannot answer
 * for (or one deleted since) gives an empty Map, and its versions read as short ids.
 */
const versionCache = new Map();
export function versionsOf(connectionId) {
  const hit = versionCache.get(connectionId);
  if (hit && Date.now() - hit.at < 60_000) return hit.promise;
  const promise = api.versions(connectionId).then((items) => new Map(items.map((v) => [v.id, v])), () => new Map());
  versionCache.set(connectionId, {at: Date.now(), promise});
  return promise;
}
