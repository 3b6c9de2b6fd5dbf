// The webhooks of a connection (admins): add one (its signing secret is shown once), send it a
// test, read its deliveries with their status, delete it.

import {api} from '../api.js';
import {confirmDialog} from '../dialog.js';
import {field, h, notice, replace, setFieldError} from '../dom.js';
import {dateTime, shortId} from '../format.js';
import {DELIVERY_STATES, WEBHOOK_EVENTS, problemText} from '../words.js';
import {showFieldErrors} from './connections.js';

const RELEASE_EVENTS = Object.keys(WEBHOOK_EVENTS).filter((e) => e !== 'ping');

export function webhooksSection(ctx, connection) {
  const list = h('div', {id: 'webhooks-list'});
  const created = h('div', {id: 'created-webhook'});
  const section = h('section', {'aria-labelledby': 'webhooks-title', id: 'webhooks'},
    h('h2', {id: 'webhooks-title'}, 'Webhooks'),
    h('p', {class: 'hint'}, 'HMD calls these URLs (a signed POST, Slack-compatible) when a release of this Worker starts, '
      + 'waits for approval, or ends.'),
    created, list, createForm());

  const refresh = async () => {
    let hooks;
    try {
      hooks = await api.webhooks(connection.id);
    } catch (error) {
      replace(list, notice('error', problemText(error).text));
      return;
    }
    replace(list, hooks.length === 0 ? h('p', {class: 'muted', id: 'no-webhooks'}, 'No webhook yet.')
      : h('ul', {class: 'cards webhook-list'}, hooks.map(hookCard)));
  };

  function createForm() {
    const url = field({label: 'URL', input: h('input', {name: 'url', id: 'webhook-url', type: 'url', autocomplete: 'off',
      spellcheck: 'false', placeholder: 'https://hooks.example.com/hmd'}), hint: 'http or https; Slack incoming-webhook URLs work as they are.'});
    const boxes = RELEASE_EVENTS.map((e) => h('input', {type: 'checkbox', name: 'events', value: e, checked: true,
      id: `webhook-event-${e.replace('.', '-')}`}));
    const eventsError = h('p', {class: 'field-error', id: 'webhook-events-error', hidden: true});
    const status = h('div', {class: 'form-status'});
    const form = h('form', {class: 'card', id: 'create-webhook', novalidate: true},
      h('h3', {}, 'Add a webhook'), url.wrap,
      h('fieldset', {class: 'events'}, h('legend', {}, 'Send when'), eventsError,
        h('ul', {class: 'checks'}, boxes.map((b) => h('li', {}, b, h('label', {for: b.id}, WEBHOOK_EVENTS[b.value]))))),
      status, h('div', {class: 'actions'}, h('button', {type: 'submit', class: 'primary'}, 'Add webhook')));
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      setFieldError(url, null);
      eventsError.hidden = true;
      replace(status);
      const events = boxes.filter((b) => b.checked).map((b) => b.value);
      if (events.length === 0) {
        eventsError.textContent = 'Pick at least one event to send.';
        eventsError.hidden = false;
        boxes[0].focus();
        return;
      }
      try {
        const hook = await api.createWebhook(connection.id, {url: url.input.value.trim(),
          events: events.length === RELEASE_EVENTS.length ? null : events});
        url.input.value = '';
        replace(created, secretOnce(hook));
        created.querySelector('button').focus();
        await refresh();
      } catch (error) {
        showFieldErrors(error, {url}, status);
      }
    });
    return form;
  }

  function hookCard(hook) {
    const deliveries = h('div', {class: 'deliveries', id: `deliveries-${hook.id}`});
    const status = h('div', {class: 'form-status'});
    const showDeliveries = async () => {
      try {
        const page = await api.deliveries(hook.id, {limit: 20});
        replace(deliveries, deliveriesTable(page.items));
      } catch (error) {
        replace(deliveries, notice('error', problemText(error).text));
      }
    };
    const test = async () => {
      replace(status);
      try {
        await api.testWebhook(hook.id);
        replace(status, notice('ok', 'Test sent; its delivery is listed below.'));
        await showDeliveries();
        // the first attempt takes a moment: look again shortly, a few times
        for (const wait of [1000, 2000, 4000]) {
          await new Promise((resolve) => setTimeout(resolve, wait));
          if (ctx.disposed || !deliveries.isConnected) return;
          await showDeliveries();
          if (!deliveries.querySelector('[data-status="pending"]')) return;
        }
      } catch (error) {
        replace(status, notice('error', problemText(error).text));
      }
    };
    const remove = async () => {
      const yes = await confirmDialog({id: 'delete-webhook-dialog', title: 'Delete this webhook?',
        body: h('p', {}, `${hook.url} stops receiving notifications; its pending deliveries are dropped.`),
        confirm: 'Delete webhook', cancel: 'Keep it'});
      if (!yes) return;
      try {
        await api.deleteWebhook(hook.id);
        await refresh();
      } catch (error) {
        replace(status, notice('error', problemText(error).text));
      }
    };
    const events = hook.events.length === RELEASE_EVENTS.length ? 'every release event'
      : hook.events.map((e) => WEBHOOK_EVENTS[e] || e).join(', ');
    const card = h('li', {class: 'card webhook', dataset: {webhookId: hook.id}},
      h('p', {class: 'webhook-url'}, h('code', {class: 'break'}, hook.url)),
      h('p', {class: 'muted'}, `Sends when ${events}. Added ${dateTime(hook.createdAt)}.`),
      h('div', {class: 'actions'},
        h('button', {type: 'button', class: 'test-webhook', onclick: test}, 'Send a test'),
        h('button', {type: 'button', class: 'show-deliveries', onclick: showDeliveries}, 'Show deliveries'),
        h('button', {type: 'button', class: 'danger delete-webhook', onclick: remove}, 'Delete…')),
      status, deliveries);
    return card;
  }

  refresh();
  return section;
}

function deliveriesTable(items) {
  if (items.length === 0) return h('p', {class: 'muted'}, 'Nothing sent yet.');
  const cell = (label, ...content) => h('td', {dataset: {label}}, ...content);
  return h('div', {class: 'table-wrap'}, h('table', {class: 'stack deliveries-table'},
    h('caption', {}, 'Latest deliveries, newest first'),
    h('thead', {}, h('tr', {}, ['Sent', 'Event', 'Status', 'Attempts', 'Last answer'].map((t) => h('th', {scope: 'col'}, t)))),
    h('tbody', {}, items.map((d) => {
      const state = DELIVERY_STATES[d.status] || {label: d.status, tone: 'neutral'};
      return h('tr', {dataset: {status: d.status}},
        cell('Sent', dateTime(d.createdAt)),
        cell('Event', d.event === 'ping' ? 'test' : (WEBHOOK_EVENTS[d.event] || d.event),
          d.releaseId ? [' · ', h('a', {href: `#/releases/${d.releaseId}`}, `release ${shortId(d.releaseId)}`)] : null),
        cell('Status', h('span', {class: `badge ${state.tone} delivery-status`}, state.label),
          d.status === 'pending' && d.nextAttemptAt ? h('span', {class: 'muted'}, ` next try ${dateTime(d.nextAttemptAt)}`) : null),
        cell('Attempts', String(d.attempts)),
        cell('Last answer', d.lastStatusCode ? `HTTP ${d.lastStatusCode}` : '', d.lastError ? ` ${d.lastError}` : '',
          !d.lastStatusCode && !d.lastError ? (d.status === 'delivered' ? 'accepted' : '—') : ''));
    }))));
}

/** The new webhook's signing secret, with a copy button: it cannot be seen again after this. */
function secretOnce(hook) {
  const value = h('input', {type: 'text', readonly: true, value: hook.secret, id: 'webhook-secret', class: 'mono',
    'aria-label': 'The new webhook\'s signing secret'});
  const copied = h('span', {role: 'status', class: 'muted'});
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(hook.secret);
    } catch (e) {
      value.select();
      document.execCommand('copy');
    }
    copied.textContent = 'Copied.';
  };
  return notice('ok',
    h('p', {}, h('strong', {}, 'Webhook added.'), ' Copy its signing secret now: it is shown only this once. '
      + 'Verify each request\'s X-HMD-Signature with it.'),
    h('div', {class: 'copy-row'}, value, h('button', {type: 'button', id: 'copy-secret', onclick: copy}, 'Copy'), copied));
}
