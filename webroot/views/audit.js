// The tenant's audit log (admins): who did what, newest first, filtered by actor, action and
// days. The API pages the log but does not filter it, so the filters are applied here, reading
// pages until enough entries match (or the log ends); "Show older" reads on from there.
// The filters live in the URL: #/audit?actor=alice&action=release.deny&from=2026-03-01&to=….

import {api} from '../api.js';
import {h, notice, replace} from '../dom.js';
import {dateTime, dayStart} from '../format.js';
import {AUDIT_ACTIONS, auditActionText, problemText} from '../words.js';

const WANT = 25;
const PAGE = 100;
const MAX_PAGES_PER_LOOK = 10;

export async function auditView(ctx) {
  const {app, root, query} = ctx;
  if (!app.can('admin')) {
    replace(root, h('h1', {}, 'Audit log'), notice('info', 'The audit log needs an admin key.'));
    return;
  }
  const filters = {
    actor: query.get('actor') || '',
    action: query.get('action') || '',
    from: query.get('from') || '',
    to: query.get('to') || '',
  };
  const pageSize = Math.min(200, Math.max(1, Number(query.get('limit')) || PAGE));

  const actor = h('input', {type: 'text', id: 'audit-actor', name: 'actor', value: filters.actor, autocomplete: 'off',
    'aria-describedby': 'audit-actor-hint'});
  const action = h('select', {id: 'audit-action', name: 'action'}, h('option', {value: ''}, 'any action'),
    Object.entries(AUDIT_ACTIONS).map(([code, text]) => h('option', {value: code, selected: code === filters.action},
      `${text} (${code.split('.')[0].replace('_', ' ')})`)));
  const from = h('input', {type: 'date', id: 'audit-from', name: 'from', value: filters.from});
  const to = h('input', {type: 'date', id: 'audit-to', name: 'to', value: filters.to, min: filters.from || null,
    'aria-describedby': 'audit-to-error'});
  const toError = h('p', {class: 'field-error', id: 'audit-to-error', hidden: true});
  from.addEventListener('input', () => { to.min = from.value; });
  const form = h('form', {class: 'filters card', id: 'audit-filters', 'aria-label': 'Filter the audit log', novalidate: true},
    h('div', {class: 'field'}, h('label', {for: 'audit-actor'}, 'Key name'), actor,
      h('p', {class: 'hint', id: 'audit-actor-hint'}, 'Whole or part of the name.')),
    h('div', {class: 'field'}, h('label', {for: 'audit-action'}, 'Action'), action),
    h('div', {class: 'field'}, h('label', {for: 'audit-from'}, 'On or after'), from),
    h('div', {class: 'field'}, h('label', {for: 'audit-to'}, 'On or before'), to, toError),
    h('div', {class: 'actions'}, h('button', {type: 'submit', class: 'primary'}, 'Filter'),
      h('a', {href: '#/audit', class: 'button'}, 'Clear')));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (from.value && to.value && to.value < from.value) {
      toError.textContent = 'The end date is before the start date: pick a day on or after it.';
      toError.hidden = false;
      to.setAttribute('aria-invalid', 'true');
      to.focus();
      return;
    }
    const params = new URLSearchParams();
    for (const [name, el] of Object.entries({actor, action, from, to})) {
      if (el.value.trim()) params.set(name, el.value.trim());
    }
    if (query.get('limit')) params.set('limit', query.get('limit'));
    const search = params.toString();
    app.navigate(`#/audit${search ? `?${search}` : ''}`);
  });

  const fromTime = dayStart(filters.from);
  const toDay = dayStart(filters.to);
  const toTime = toDay ? new Date(toDay.getTime() + 86_400_000) : null;
  const who = filters.actor.toLowerCase();
  const matches = (e) => (!who || e.actor.name.toLowerCase().includes(who))
    && (!filters.action || e.action === filters.action)
    && (!fromTime || Date.parse(e.at) >= fromTime.getTime())
    && (!toTime || Date.parse(e.at) < toTime.getTime());

  const body = h('tbody', {});
  const more = h('div', {class: 'actions'});
  const status = h('div', {class: 'form-status'});
  const scanned = h('p', {class: 'muted', id: 'audit-scanned'});
  let cursor = null;
  let shown = 0;
  let read = 0;

  /** Reads pages until `want` more entries match, the log ends, or the entries are older than the range. */
  const look = async (want) => {
    replace(status);
    let found = 0;
    let done = false;
    for (let pages = 0; pages < MAX_PAGES_PER_LOOK && found < want; pages++) {
      let page;
      try {
        page = await api.audit({limit: pageSize, cursor});
      } catch (error) {
        replace(status, notice('error', problemText(error).text));
        return;
      }
      read += page.items.length;
      for (const e of page.items) {
        if (matches(e)) {
          body.append(row(e));
          found += 1;
        }
      }
      cursor = page.nextCursor;
      const oldest = page.items[page.items.length - 1];
      if (!cursor || (fromTime && oldest && Date.parse(oldest.at) < fromTime.getTime())) {
        done = true;
        break;
      }
    }
    shown += found;
    scanned.textContent = `${shown} matching entr${shown === 1 ? 'y' : 'ies'} of the newest ${read} read.`;
    if (!done) {
      const button = h('button', {type: 'button', id: 'audit-more', onclick: async () => {
        button.disabled = true;
        const firstNew = body.children.length;
        await look(WANT);
        body.children[firstNew]?.querySelector('a, th')?.focus();
      }}, 'Show older entries');
      replace(more, button);
    } else {
      replace(more, h('p', {class: 'muted'}, 'That is the whole log.'));
    }
    if (shown === 0 && done) replace(status, h('p', {class: 'muted', id: 'no-audit'}, 'No entry matches.'));
  };

  replace(root,
    h('h1', {}, 'Audit log'),
    h('p', {class: 'lede'}, 'Every change made with an API key of this tenant: who, what and when.'),
    form,
    h('div', {class: 'table-wrap'}, h('table', {id: 'audit', class: 'stack'},
      h('caption', {class: 'visually-hidden'}, 'Audit log, newest first'),
      h('thead', {}, h('tr', {}, ['When', 'Who', 'What', 'On', 'Details'].map((t) => h('th', {scope: 'col'}, t)))),
      body)),
    scanned, status, more);
  const fromLimit = query.get('limit') ? Math.max(1, Number(query.get('limit'))) : WANT;
  await look(fromLimit);
}

/** Where an entry's target lives in the dashboard, when it has a page. */
function targetLink(e) {
  const id = e.targetId;
  if (!id) return h('span', {class: 'muted'}, '—');
  switch (e.targetType) {
    case 'release': return h('a', {href: `#/releases/${encodeURIComponent(id)}`}, `release ${id.slice(0, 10)}`);
    case 'connection': return e.action === 'connection.delete' ? `connection ${id.slice(0, 10)}`
      : h('a', {href: `#/connections/${encodeURIComponent(id)}`}, `connection ${id.slice(0, 10)}`);
    case 'api_key': return `API key ${id.slice(0, 10)}`;
    default: return `${e.targetType.replace('_', ' ')} ${id.slice(0, 10)}`;
  }
}

function details(detail) {
  if (!detail) return '';
  return Object.entries(detail).filter(([, v]) => v != null)
    .map(([k, v]) => `${k.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase()}: ${typeof v === 'object' ? JSON.stringify(v) : v}`)
    .join('; ');
}

function row(e) {
  const cell = (label, ...content) => h('td', {dataset: {label}}, ...content);
  return h('tr', {dataset: {action: e.action, auditId: e.id}},
    h('th', {scope: 'row', dataset: {label: 'When'}}, dateTime(e.at)),
    cell('Who', e.actor.name, e.actor.keyId ? '' : h('span', {class: 'muted'}, ' (platform)')),
    cell('What', auditActionText(e.action)),
    cell('On', targetLink(e)),
    cell('Details', details(e.detail)));
}
