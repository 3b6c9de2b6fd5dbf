// Every release of the tenant, newest first, filtered by state, connection and dates; the
// filters live in the URL (#/releases?state=rolled_back&connectionId=…&from=…&to=…). Below
// 600 px the table becomes one card per release.

import {api, versionsOf} from '../api.js';
import {h, notice, replace} from '../dom.js';
import {RELEASE_STATES, dateTime, dayStart, duration} from '../format.js';
import {outcomeShort, problemText, releaseStateLabel, releaseTone, versionName} from '../words.js';

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
    RELEASE_STATES.map((s) => h('option', {value: s, selected: s === filters.state}, releaseStateLabel(s))));
  const connection = h('select', {id: 'filter-connection', name: 'connectionId'},
    h('option', {value: ''}, 'any connection'),
    connections.map((c) => h('option', {value: c.id, selected: c.id === filters.connectionId}, c.name)));
  const from = h('input', {type: 'date', id: 'filter-from', name: 'from', value: filters.from});
  const to = h('input', {type: 'date', id: 'filter-to', name: 'to', value: filters.to, min: filters.from || null,
    'aria-describedby': 'filter-to-error'});
  const toError = h('p', {class: 'field-error', id: 'filter-to-error', hidden: true});
  from.addEventListener('input', () => { to.min = from.value; });
  const form = h('form', {class: 'filters card', id: 'history-filters', 'aria-label': 'Filter releases', novalidate: true},
    h('div', {class: 'field'}, h('label', {for: 'filter-state'}, 'State'), state),
    h('div', {class: 'field'}, h('label', {for: 'filter-connection'}, 'Connection'), connection),
    h('div', {class: 'field'}, h('label', {for: 'filter-from'}, 'Started on or after'), from),
    h('div', {class: 'field'}, h('label', {for: 'filter-to'}, 'Started on or before'), to, toError),
    h('div', {class: 'actions'}, h('button', {type: 'submit', class: 'primary'}, 'Filter'),
      h('a', {href: '#/releases', class: 'button'}, 'Clear')));

  /** A range that ends before it begins matches nothing: say so at the field instead of searching. */
  const rangeError = (a, b) => (a && b && b < a ? 'The end date is before the start date: pick a day on or after it.' : null);
  const showRange = (message) => {
    toError.textContent = message || '';
    toError.hidden = !message;
    if (message) to.setAttribute('aria-invalid', 'true'); else to.removeAttribute('aria-invalid');
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const problem = rangeError(from.value, to.value);
    showRange(problem);
    if (problem) {
      to.focus();
      return;
    }
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
  const fromDay = dayStart(filters.from);
  const toDay = dayStart(filters.to);
  const request = {
    state: filters.state || null,
    connectionId: filters.connectionId || null,
    // the dates are the user's local days
    from: fromDay ? fromDay.toISOString() : null,
    to: toDay ? new Date(toDay.getTime() + 86_400_000).toISOString() : null,
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
      const p = problemText(error);
      replace(status, notice('error', p.fields.length ? p.fields.map((f) => f.text).join(' ') : p.text));
      return;
    }
    shown += page.items.length;
    const versions = new Map(await Promise.all([...new Set(page.items.map((r) => r.connectionId))]
      .map(async (id) => [id, await versionsOf(id)])));
    page.items.forEach((r) => body.append(row(r, names, versions.get(r.connectionId))));
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
    h('div', {class: 'table-wrap'}, h('table', {id: 'releases', class: 'stack'},
      h('caption', {class: 'visually-hidden'}, 'Releases, newest first'),
      h('thead', {}, h('tr', {}, ['Release', 'Connection', 'State', 'Outcome', 'Started', 'Took']
        .map((t) => h('th', {scope: 'col'}, t)))),
      body)),
    status,
    more);
  const problem = rangeError(filters.from, filters.to);
  if (problem) {
    // a reversed range in the URL: explained, not searched
    showRange(problem);
    return;
  }
  await load(null);
}

function row(r, names, versions) {
  const took = r.finishedAt ? duration((Date.parse(r.finishedAt) - Date.parse(r.startedAt || r.createdAt)) / 1000) : '—';
  const cell = (label, ...content) => h('td', {dataset: {label}}, ...content);
  return h('tr', {dataset: {releaseId: r.id, state: r.state}},
    h('th', {scope: 'row', dataset: {label: 'Release'}}, h('a', {href: `#/releases/${r.id}`},
      `${versionName(r.oldVersionId, versions)} → ${versionName(r.newVersionId, versions)}`)),
    cell('Connection', names.get(r.connectionId) || r.workerName),
    cell('State', h('span', {class: `badge ${releaseTone(r.state)}`}, releaseStateLabel(r.state))),
    cell('Outcome', r.outcome ? outcomeShort(r) : `at stage ${r.currentStageIndex + 1} of ${r.stages.length}`),
    cell('Started', dateTime(r.createdAt)),
    cell('Took', took));
}
