// Times and dates as the counsellor reads and types them: lengths and positions in a recording
// (`M:SS`, `H:MM:SS`), dates and date-times in UK style, today's date and the time of day.

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

/**
 * Reads a time typed as `M:SS`, `H:MM:SS` or plain seconds. Blank gives null; anything else
 * unreadable gives NaN.
 * @param {string} text
 * @returns {number|null}
 */
export function parseTime(text) {
  const s = String(text ?? "").trim();
  if (!s) return null;
  if (/^\d+(\.\d+)?$/.test(s)) return Number(s);
  const m = /^(?:(\d+):)?(\d{1,2}):(\d{1,2}(?:\.\d+)?)$/.exec(s);
  if (!m) return NaN;
  const h = Number(m[1] ?? 0);
  const min = Number(m[2]);
  const sec = Number(m[3]);
  if (sec >= 60 || (m[1] !== undefined && min >= 60)) return NaN;
  return h * 3600 + min * 60 + sec;
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

/** Today as YYYY-MM-DD in local time. */
export function today() {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
}

/** "HH:MM" of now, for "Saved 12:04". */
export function clock() {
  return new Date().toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit" });
}
