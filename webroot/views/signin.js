// Sign in with an API key: the service answers with a session cookie, the key itself is not kept.

import {api} from '../api.js';
import {field, h, notice, replace, setFieldError} from '../dom.js';
import {problemText} from '../words.js';

export async function signInView(ctx) {
  const {app, root} = ctx;
  const key = field({
    label: 'API key',
    input: h('input', {type: 'password', name: 'apiKey', id: 'api-key', autocomplete: 'off', required: true,
      spellcheck: 'false'}),
    hint: 'An admin, operator or viewer key of your tenant. The demo prints one and keeps it in .hmd/demo-api-key.',
  });
  const status = h('div', {class: 'form-status'});
  const submit = h('button', {type: 'submit', class: 'primary', id: 'sign-in'}, 'Sign in');
  const form = h('form', {class: 'card narrow', 'aria-labelledby': 'sign-in-title', novalidate: true},
    key.wrap, status, h('div', {class: 'actions'}, submit));

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const value = key.input.value.trim();
    setFieldError(key, null);
    replace(status);
    if (!value) {
      setFieldError(key, 'Enter an API key.');
      key.input.focus();
      return;
    }
    submit.disabled = true;
    try {
      await api.signIn(value);
      await app.signedIn();
      app.announce(`Signed in as ${app.session.key.name}.`);
      app.navigate(location.hash && location.hash !== '#/' ? location.hash : '#/connections');
    } catch (error) {
      submit.disabled = false;
      if (error.status === 401 || error.status === 400) {
        setFieldError(key, error.status === 401 ? 'This key is not valid or was revoked.' : problemText(error).text);
        key.input.focus();
      } else {
        replace(status, notice('error', problemText(error).text));
      }
    }
  });

  // the service ended the last session (a revoked key, an expired session): say so, in its words
  const reason = app.signedOutReason;
  replace(root,
    h('h1', {id: 'sign-in-title'}, 'Sign in'),
    reason ? h('div', {id: 'signed-out-reason'}, notice('error', h('strong', {}, 'You were signed out: '),
      problemText({detail: reason}).text)) : null,
    h('p', {class: 'lede'}, 'Workers HMD rolls new Cloudflare Workers versions out in stages, watches their health '
      + 'against your SLOs, and rolls back at once when they break.'),
    form);
  key.input.focus();
}
