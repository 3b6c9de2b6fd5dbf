// Every release of the tenant, newest first, filtered by state, connection and dates; the
// filters live in the URL (#/releases?state=rolled_back&connectionId=…&from=…&to=…).

import {api} from '../api.js';
import {h, notice, replace} from '../dom.js';
import {RELEASE_STATES, dateTime, duration, shortId, stateLabel, tone} from '../format.js';

const PAGE = 25;

export async function historyView(ctx) {
  const {app, root, query} = ctx;
  const filters = {
    state: query.get('state') || '',
    connectionId: query.get('connectionId') || '',
    from: query.get('from') || '',
    to: query.get('to') || '',
  };
  const connections = await api.connections();
  const names = new Map(connections.map((c) => [c.id, c.name]));

  const state = h('select', {id: 'filter-state', name: 'state'},
    h('option', {value: ''}, 'any state'),
    RELEASE_STATES.map((s) => h('option', {value: s, selected: s === filters.state}, stateLabel(s))));
  const connection = h('select', {id: 'filter-connection', name: 'connectionId'},
    h('option', {value: ''}, 'any connection'),
    connections.map((c) => h('option', {value: c.id, selected: c.id === filters.connectionId}, c.name)));
  const from = h('input', {type: 'date', id: 'filter-from', name: 'from', value: filters.from});
  const to = h('input', {type: 'date', id: 'filter-to', name: 'to', value: filters.to});
  const form = h('form', {class: 'filters card', id: 'history-filters', 'aria-label': 'Filter releases'},
    h('div', {class: 'field'}, h('label', {for: 'filter-state'}, 'State'), state),
    h('div', {class: 'field'}, h('label', {for: 'filter-connection'}, 'Connection'), connection),
    h('div', {class: 'field'}, h('label', {for: 'filter-from'}, 'Started on or after'), from),
    h('div', {class: 'field'}, h('label', {for: 'filter-to'}, 'Started on or before'), to),
    h('div', {class: 'actions'}, h('button', {type: 'submit', class: 'primary'}, 'Filter'),
      h('a', {href: '#/releases', class: 'button'}, 'Clear')));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const params = new URLSearchParams();
    for (const [name, el] of Object.entries({state, connectionId: connection, from, to})) {
      if (el.value) params.set(name, el.value);
    }
    const search = params.toString();
    app.navigate(`#/releases${search ? `?${search}` : ''}`);
  });

  const body = h('tbody', {});
  const more = h('div', {class: 'actions'});
  const status = h('div', {class: 'form-status'});
  const request = {
    state: filters.state || null,
    connectionId: filters.connectionId || null,
    // the dates are the user's local days
    from: filters.from ? new Date(`${filters.from}T00:00:00`).toISOString() : null,
    to: filters.to ? new Date(new Date(`${filters.to}T00:00:00`).getTime() + 86_400_000).toISOString() : null,
    // a page size other than the default can be asked for in the URL (&limit=10)
    limit: Math.min(200, Math.max(1, Number(query.get('limit')) || PAGE)),
  };
  let shown = 0;

  const load = async (cursor) => {
    replace(status);
    let page;
    try {
      page = await api.releases({...request, cursor});
    } catch (error) {
      replace(status, notice('error', error.message));
      return;
    }
    shown += page.items.length;
    page.items.forEach((r) => body.append(row(r, names)));
    if (page.nextCursor) {
      const button = h('button', {type: 'button', id: 'load-more', onclick: async () => {
        button.disabled = true;
        const firstNew = body.children.length;
        await load(page.nextCursor);
        body.children[firstNew]?.querySelector('a')?.focus();
      }}, 'Show older releases');
      replace(more, button);
    } else {
      replace(more, shown ? h('p', {class: 'muted'}, `${shown} release${shown === 1 ? '' : 's'}; that is all.`) : null);
    }
    if (shown === 0) {
      replace(status, h('p', {class: 'muted', id: 'no-releases'}, 'No release matches.'));
    }
  };

  replace(root,
    h('h1', {}, 'Releases'),
    form,
    h('div', {class: 'table-wrap'}, h('table', {id: 'releases'},
      h('caption', {class: 'visually-hidden'}, 'Releases, newest first'),
      h('thead', {}, h('tr', {}, ['Release', 'Connection', 'Versions', 'State', 'Outcome', 'Started', 'Took']
        .map((t) => h('th', {scope: 'col'}, t)))),
      body)),
    status,
    more);
  await load(null);
}

function row(r, names) {
  const took = r.finishedAt ? duration((Date.parse(r.finishedAt) - Date.parse(r.startedAt || r.createdAt)) / 1000) : '—';
  return h('tr', {dataset: {releaseId: r.id, state: r.state}},
    h('th', {scope: 'row'}, h('a', {href: `#/releases/${r.id}`}, shortId(r.id))),
    h('td', {}, names.get(r.connectionId) || r.workerName),
    h('td', {}, h('code', {}, shortId(r.oldVersionId)), ' → ', h('code', {}, shortId(r.newVersionId))),
    h('td', {}, h('span', {class: `badge ${tone(r.state)}`}, stateLabel(r.state))),
    h('td', {}, r.outcome ? [h('strong', {}, r.outcome.code), ` — ${r.outcome.message}`] : `stage ${r.currentStageIndex + 1} of ${r.stages.length}`),
    h('td', {}, dateTime(r.createdAt)),
    h('td', {}, took));
}
