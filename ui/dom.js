// Small DOM helpers shared by the screens. Text always goes in as text nodes, never as HTML, so
// a client code or a note can never become markup.

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
 * Seconds as `M:SS` or `H:MM:SS` (with tenths when `tenths`).
 * @param {number} seconds
 * @param {boolean} [tenths]
 */
export function formatTime(seconds, tenths = false) {
  const s = Math.max(0, Number(seconds) || 0);
  const whole = Math.floor(s);
  const h = Math.floor(whole / 3600);
  const m = Math.floor((whole % 3600) / 60);
  const sec = whole % 60;
  let text = h > 0 ? `${h}:${String(m).padStart(2, "0")}:${String(sec).padStart(2, "0")}`
    : `${m}:${String(sec).padStart(2, "0")}`;
  if (tenths) text += `.${Math.floor((s - whole) * 10)}`;
  return text;
}

/** A date-time string (RFC 3339) in the reader's locale, UK style. */
export function formatDateTime(text) {
  const date = new Date(text);
  if (Number.isNaN(date.getTime())) return String(text ?? "");
  return date.toLocaleString("en-GB", { dateStyle: "medium", timeStyle: "short" });
}

/** A YYYY-MM-DD date as e.g. "3 Jul 2027". */
export function formatDate(text) {
  const date = new Date(`${text}T12:00:00`);
  if (Number.isNaN(date.getTime())) return String(text ?? "");
  return date.toLocaleDateString("en-GB", { day: "numeric", month: "short", year: "numeric" });
}

/** The message of an error from `call` (or anything thrown). */
export function errorText(error) {
  if (error && typeof error === "object" && "message" in error) return String(error.message);
  return String(error);
}
