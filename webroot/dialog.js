// An in-page confirmation: a modal <dialog> (the browser traps focus in it, Escape closes it,
// and screen readers announce its title and text), never window.confirm.

import {h} from './dom.js';

/**
 * Asks a question; resolves true when the person confirms, false when they keep things as they
 * are (the button, Escape, or a click outside). Focus starts on the safe choice and goes back to
 * where it was.
 *
 * @param {{id?: string, title: string, body: (string|Node|Array), confirm: string, cancel?: string,
 *   danger?: boolean}} options
 */
export function confirmDialog({id = 'confirm-dialog', title, body, confirm, cancel = 'Go back', danger = true}) {
  return new Promise((resolve) => {
    const before = document.activeElement;
    const titleId = `${id}-title`;
    const bodyId = `${id}-body`;
    const yes = h('button', {type: 'button', class: danger ? 'danger solid' : 'primary', id: `${id}-confirm`}, confirm);
    const no = h('button', {type: 'button', id: `${id}-cancel`}, cancel);
    const dialog = h('dialog', {class: 'dialog', id, 'aria-labelledby': titleId, 'aria-describedby': bodyId,
      role: danger ? 'alertdialog' : 'dialog'},
    h('h2', {id: titleId}, title),
    h('div', {id: bodyId, class: 'dialog-body'}, body),
    h('div', {class: 'actions'}, no, yes));
    let answer = false;
    yes.addEventListener('click', () => {
      answer = true;
      dialog.close();
    });
    no.addEventListener('click', () => dialog.close());
    // a click on the backdrop lands on the dialog element itself
    dialog.addEventListener('click', (event) => {
      if (event.target === dialog) dialog.close();
    });
    dialog.addEventListener('close', () => {
      dialog.remove();
      if (before && before.isConnected && typeof before.focus === 'function') before.focus();
      resolve(answer);
    });
    document.body.append(dialog);
    dialog.showModal();
    no.focus();
  });
}
