// Words for the counsellor: a sentence's first letter, a count with its noun, a short form of a
// long id, and the message of an error in plain text.

/** The text with its first letter in capitals (anything else as it is). */
export function capitalise(text) {
  const s = String(text ?? "");
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/**
 * A count and its noun: "1 recording", "3 recordings", "2 copies".
 * @param {number} n
 * @param {string} one the noun for one
 * @param {string} [many] the noun for any other count; `one` and an "s" unless given
 */
export function plural(n, one, many = `${one}s`) {
  return `${n} ${n === 1 ? one : many}`;
}

/**
 * An id as shown in a list: its first 8 characters and "…" when it is longer than `longest`,
 * else the whole id.
 * @param {string} id
 * @param {number} [longest]
 */
export function shortId(id, longest = 8) {
  const s = String(id ?? "");
  return s.length > longest ? `${s.slice(0, 8)}…` : s;
}

/** The message of an error from `call` (or anything thrown). */
export function errorText(error) {
  if (error && typeof error === "object" && "message" in error) return String(error.message);
  return String(error);
}
