// Building DOM from data without innerHTML: every string the API sends ends up as text, never markup.

const SVG_NS = 'http://www.w3.org/2000/svg';

/** An HTML element: h('button', {class: 'primary', onclick: fn}, 'Save'). */
export function h(tag, attrs, ...children) {
  return build(document.createElement(tag), attrs, children);
}

/** An SVG element, same calling convention as h(). */
export function s(tag, attrs, ...children) {
  return build(document.createElementNS(SVG_NS, tag), attrs, children);
}

function build(el, attrs, children) {
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value == null || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') {
      el.addEventListener(name.slice(2), value);
    } else if (name === 'style') {
      // through the CSSOM, which a strict Content-Security-Policy allows (a style attribute it does not)
      if (typeof value === 'string') el.style.cssText = value;
      else for (const [prop, v] of Object.entries(value)) el.style.setProperty(prop, v);
    } else if (name === 'dataset') {
      Object.assign(el.dataset, value);
    } else if (name === 'value' && 'value' in el && !(el instanceof SVGElement)) {
      el.value = value;
      el.setAttribute('value', value);
    } else if (name === 'checked' || name === 'selected') {
      el[name] = Boolean(value);
      if (value) el.setAttribute(name, '');
    } else {
      el.setAttribute(name, value === true ? '' : String(value));
    }
  }
  append(el, children);
  return el;
}

/** Appends children, skipping null/false, turning anything that is not a Node into text. */
export function append(el, children) {
  for (const child of [children].flat(Infinity)) {
    if (child == null || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

/** Replaces every child of el. */
export function replace(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

/** A unique id for label/for and aria-describedby pairs. */
let counter = 0;
export function uid(prefix = 'f') {
  counter += 1;
  return `${prefix}-${counter}`;
}

/** A labelled form control: returns {wrap, input, error}; the error paragraph is announced with the input. */
export function field({label, input, hint, className}) {
  const id = input.id || uid('in');
  input.id = id;
  const errorId = `${id}-error`;
  const hintId = hint ? `${id}-hint` : null;
  const error = h('p', {class: 'field-error', id: errorId, hidden: true});
  input.setAttribute('aria-describedby', [hintId, errorId].filter(Boolean).join(' '));
  const wrap = h('div', {class: `field ${className || ''}`.trim()},
    h('label', {for: id}, label),
    input,
    hint ? h('p', {class: 'hint', id: hintId}, hint) : null,
    error);
  return {wrap, input, error};
}

/** Shows (or with null, clears) an error on a field made by field(). */
export function setFieldError(f, message) {
  if (message) {
    f.error.textContent = message;
    f.error.hidden = false;
    f.input.setAttribute('aria-invalid', 'true');
  } else {
    f.error.textContent = '';
    f.error.hidden = true;
    f.input.removeAttribute('aria-invalid');
  }
}

/** A message box: kind is 'error', 'ok' or 'info'. Errors are alerts so they are read out at once. */
export function notice(kind, ...children) {
  return h('div', {class: `notice ${kind}`, role: kind === 'error' ? 'alert' : 'status'}, ...children);
}
