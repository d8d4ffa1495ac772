// Making and finding elements. Text always goes in as text nodes, never as HTML, so a client
// code or a note can never become markup.

/**
 * Makes an element.
 * @param {string} tag
 * @param {object} [attrs] attributes; `class`, `id`, `for`, `aria-*`, `data-*`, `hidden`,
 *   `disabled`, `checked`, `value` and others; a function value under `on<event>` (e.g.
 *   `onclick`) is added as an event listener; `false`/`null`/`undefined` values are skipped.
 * @param {...(Node|string|number|null|undefined|Array)} children text or nodes; arrays flatten.
 * @returns {HTMLElement}
 */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === false || value === null || value === undefined) continue;
    if (name.startsWith("on") && typeof value === "function") {
      node.addEventListener(name.slice(2), value);
    } else if (name === "value") {
      node.value = value;
    } else if (name === "checked" || name === "selected") {
      node[name] = Boolean(value);
    } else {
      node.setAttribute(name, value === true ? "" : String(value));
    }
  }
  append(node, children);
  return node;
}

/** Appends text or nodes (arrays flatten; null/undefined skipped). */
export function append(node, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** Removes every child of `node` and appends `children`. */
export function replace(node, ...children) {
  node.replaceChildren();
  return append(node, children);
}

/**
 * Sets `node`'s text only when it differs. Writing the same text again replaces the node's text
 * node, and a click whose press landed on the old one is then lost (WebKit fires no click when
 * the node pressed has left the page before the release): a player redrawn 20 times a second
 * would swallow clicks on its own Play button.
 */
export function setText(node, text) {
  if (node && node.textContent !== text) node.textContent = text;
}

/**
 * The element with this id, or null: anywhere in the page, or only inside `scope` when one is
 * given (null while that scope is not there, e.g. before a screen is shown or after it is left).
 * @param {string} id
 * @param {Document|Element|null} [scope]
 * @returns {HTMLElement|null}
 */
export function byId(id, scope = document) {
  if (scope === document) return document.getElementById(id);
  return scope ? scope.querySelector(`#${id}`) : null;
}
