// The audit log: what happened in the vault, in words, newest first; and a check that nothing
// in the log was edited, removed or reordered.
import { el, replace, byId } from "../lib/dom.js";
import { capitalise, shortId, errorText } from "../lib/text.js";
import { formatTime, formatDateTime, formatDate } from "../lib/time.js";

let root = null;
let app = null;
let generation = 0;
let entries = [];
let shown = 0;

const PAGE = 100;

const $ = (id) => byId(id, root);

/** Each event kind (crates/core/src/store/audit.rs `EventKind::as_str`) in plain words. */
const KIND_TEXT = {
  "vault.created": "The vault was created",
  "course.added": "A course was added",
  "consent.granted": "A client gave consent to recording",
  "consent.declined": "A client declined to be recorded",
  "consent.withdrawn": "A client withdrew their consent",
  "consent.pdf_made": "A consent record was saved as a PDF",
  "recording.started": "A recording started",
  "recording.paused": "A recording was paused",
  "recording.resumed": "A recording was resumed",
  "recording.interrupted": "A recording was interrupted (the computer slept or was held up) and carried on",
  "recording.stopped": "A recording was stopped and sealed",
  "recording.faulted": "A recording was stopped by a fault; what was recorded is sealed",
  "recording.recovered": "A recording cut short by a crash was recovered",
  "recording.exported": "An unencrypted copy of a recording was exported",
  "recording.play_started": "Listening to a recording began",
  "recording.played": "A recording was listened to",
  "bookmark.added": "A bookmark was added to a recording",
  "bookmark.edited": "A bookmark was changed",
  "bookmark.removed": "A bookmark was removed",
  "recording.shredded": "A recording was destroyed",
  "certificate.issued": "A destruction certificate was signed",
  "copy.destroyed": "An exported copy was recorded as destroyed",
  "setting.changed": "A setting was changed",
  "recording.shared": "A recording or clip was shared, encrypted, with a tutor, student or supervisor",
  "client.exported": "Everything held about a client was exported for them (subject access)",
};

const LISTENER_TEXT = {
  self: "you",
  supervisor: "your supervisor",
  tutor: "a tutor",
  student: "a fellow student",
};

const TARGET_TEXT = {
  recording: "one recording",
  course: "a course",
  client: "a client",
  consent: "one consent",
};

/** Labels for detail fields. */
const FIELD_TEXT = {
  client_code: "Client",
  course_id: "Course",
  consent_id: "Consent",
  recording_id: "Recording",
  form_version: "Consent form version",
  ends_on: "Course ends",
  schema_version: "Database version",
  device: "Input device",
  sample_rate: "Samples per second",
  channels: "Channels",
  frames: "Audio frames",
  seconds: "Length",
  overruns: "Samples lost",
  ciphertext_sha256: "Fingerprint of the encrypted file",
  frame: "At audio frame",
  after_seconds: "After",
  listener: "Listener",
  from_seconds: "From",
  until_seconds: "Until",
  speed: "Speed",
  ranges: "Parts heard",
  seconds_heard: "Time heard",
  fault: "Fault",
  at_frame: "At audio frame",
  shred_id: "Shred job",
  target: "What was shredded",
  recordings: "Recordings destroyed",
  outstanding_copies: "Copies still outstanding",
  copy_id: "Copy",
  kind: "Kind",
  bytes: "Size in bytes",
  sha256: "Fingerprint",
  recovery: "Recovery",
  idle_lock_minutes: "Lock after (minutes)",
};

const SECONDS_FIELDS = new Set(["seconds", "after_seconds", "from_seconds", "until_seconds", "seconds_heard"]);

function parseDetails(text) {
  if (!text) return {};
  try {
    const value = JSON.parse(text);
    return value && typeof value === "object" && !Array.isArray(value) ? value : {};
  } catch {
    return {};
  }
}

/** The sentence for an entry: its kind in words, with what the details add. */
function describe(entry, d) {
  const base = KIND_TEXT[entry.kind] ?? `Event “${entry.kind}”`;
  switch (entry.kind) {
    case "consent.granted":
      return d.client_code ? `Client ${d.client_code} gave consent to recording` : base;
    case "consent.declined":
      return d.client_code ? `Client ${d.client_code} declined to be recorded` : base;
    case "consent.withdrawn":
      return d.client_code ? `Client ${d.client_code} withdrew their consent` : base;
    case "course.added":
      return d.ends_on ? `A course was added, ending on ${formatDate(d.ends_on)}` : base;
    case "recording.stopped":
    case "recording.faulted":
      return typeof d.seconds === "number" ? `${base} (${formatTime(d.seconds)} of audio)` : base;
    case "recording.play_started":
      return d.listener ? `Listening began, for ${LISTENER_TEXT[d.listener] ?? d.listener}` : base;
    case "recording.played": {
      const who = d.listener ? ` by ${LISTENER_TEXT[d.listener] ?? d.listener}` : "";
      const heard = typeof d.seconds_heard === "number" ? `: ${formatTime(d.seconds_heard)} heard` : "";
      return `A recording was listened to${who}${heard}`;
    }
    case "certificate.issued": {
      if (typeof d.recordings !== "number") return base;
      const what = TARGET_TEXT[d.target] ? ` for ${TARGET_TEXT[d.target]}` : "";
      return `${base}${what}: ${d.recordings} recording${d.recordings === 1 ? "" : "s"} destroyed`;
    }
    case "recording.recovered":
      return d.recovery === "failed" ? "A recording cut short by a crash could not be recovered" : base;
    default:
      return base;
  }
}

function fieldValue(key, value) {
  if (value === null || value === undefined) return "none";
  if (SECONDS_FIELDS.has(key) && typeof value === "number") return formatTime(value, true);
  if (key === "listener") return LISTENER_TEXT[value] ?? String(value);
  if (key === "ranges" && Array.isArray(value)) {
    return value.map((r) => Array.isArray(r) ? `${formatTime(r[0])}–${formatTime(r[1])}` : String(r)).join(", ") || "none";
  }
  if (key === "speed" && typeof value === "number") return `${value}×`;
  if (Array.isArray(value)) return `${value.length} item${value.length === 1 ? "" : "s"}`;
  if (typeof value === "object") {
    return Object.entries(value).map(([k, v]) => `${k}: ${typeof v === "object" ? JSON.stringify(v) : v}`).join("; ");
  }
  const s = String(value);
  // Hashes and ids: shortened, the whole value available on hover and to screen readers.
  if (/^[0-9a-f-]{24,}$/i.test(s)) return idNode(s);
  return s;
}

function idNode(id) {
  return el("span", {},
    el("code", { title: id, "aria-hidden": "true" }, shortId(id, 12)),
    el("span", { class: "sr-only" }, id));
}

function detailsNode(details) {
  const keys = Object.keys(details);
  if (keys.length === 0) return null;
  return el("details", { class: "audit-details" },
    el("summary", {}, "More detail"),
    el("dl", {}, keys.map((key) => [
      el("dt", {}, FIELD_TEXT[key] ?? capitalise(key.replaceAll("_", " "))),
      el("dd", {}, fieldValue(key, details[key])),
    ])));
}

function row(entry) {
  const details = parseDetails(entry.details);
  return el("tr", { "data-seq": entry.seq, "data-kind": entry.kind },
    el("td", { class: "nowrap" }, String(entry.seq)),
    el("td", { class: "nowrap" }, formatDateTime(entry.at)),
    el("td", {}, describe(entry, details), detailsNode(details)),
    el("td", {}, entry.subject ? idNode(entry.subject) : el("span", { class: "muted" }, "—")));
}

function renderMore() {
  const body = $("audit-body");
  if (!body) return;
  // Newest first: the log is read from what happened last.
  const next = entries.slice(Math.max(0, entries.length - shown - PAGE), entries.length - shown).reverse();
  body.append(...next.map(row));
  shown += next.length;
  const more = $("audit-more");
  more.hidden = shown >= entries.length;
  more.textContent = `Show ${Math.min(PAGE, entries.length - shown)} older entries`;
  $("audit-count").textContent = entries.length === 0
    ? "The audit log is empty."
    : `Showing the newest ${shown} of ${entries.length} entries.`;
}

async function verify() {
  const button = $("audit-verify");
  const result = $("audit-result");
  button.disabled = true;
  button.textContent = "Checking…";
  result.removeAttribute("data-state");
  result.textContent = "";
  try {
    const answer = await app.call("audit_verify");
    if (!root) return;
    const n = answer && typeof answer.entries === "number" ? answer.entries : entries.length;
    result.dataset.state = "ok";
    result.textContent = `The audit log is intact: all ${n} entr${n === 1 ? "y was" : "ies were"} ` +
      "checked, and none has been edited, removed or reordered. Every entry carries your signature.";
  } catch (error) {
    if (!root) return;
    if (error && error.code === "locked") {
      result.textContent = "";
      return;
    }
    if (error && ["internal", "no_shell", "database_failed", "io_failed"].includes(error.code)) {
      result.dataset.state = "error";
      result.textContent = `The check could not be completed: ${errorText(error)}. Try again.`;
      return;
    }
    result.dataset.state = "broken";
    result.textContent = `The audit log failed its check: ${errorText(error)}. ` +
      "Something outside SessionVault changed the log. Keep the computer as it is and tell your " +
      "service's data protection lead.";
  } finally {
    if (root) {
      button.disabled = false;
      button.textContent = "Check the log is intact";
    }
  }
}

/** Shows the audit log. */
export async function show(section, application) {
  const mine = ++generation;
  root = section;
  app = application;
  entries = [];
  shown = 0;
  replace(root,
    el("h2", { id: "audit-title", tabindex: "-1" }, "Audit log"),
    el("p", {}, "Everything that happens to consent records and recordings is written here, " +
      "signed, and chained so that no entry can be changed or removed unnoticed. The log holds " +
      "ids and counts, never client names or notes."),
    el("div", { class: "panel" },
      el("div", { class: "row" },
        el("button", { id: "audit-verify", type: "button", class: "primary", onclick: verify },
          "Check the log is intact")),
      el("p", { id: "audit-result", class: "notice", role: "status", "aria-live": "polite" })),
    el("p", { id: "audit-count", class: "count" }, "Loading…"),
    el("div", { class: "table-wrap" },
      el("table", { id: "audit-list", class: "list" },
        el("caption", { class: "sr-only" }, "Audit log entries, newest first"),
        el("thead", {}, el("tr", {},
          el("th", { scope: "col" }, "No."),
          el("th", { scope: "col" }, "When"),
          el("th", { scope: "col" }, "What happened"),
          el("th", { scope: "col" }, "About (id)"))),
        el("tbody", { id: "audit-body" }))),
    el("button", { id: "audit-more", type: "button", class: "secondary", hidden: true, onclick: renderMore },
      "Show older entries"));
  $("audit-result").textContent = "";

  let list;
  try {
    list = await app.call("audit_entries");
  } catch (error) {
    if (mine !== generation) return;
    $("audit-count").textContent = "";
    $("audit-count").after(el("p", { class: "notice notice-problem", role: "alert" },
      `The audit log could not be read: ${errorText(error)}`));
    return;
  }
  if (mine !== generation) return;
  entries = Array.isArray(list) ? [...list].sort((a, b) => Number(a.seq) - Number(b.seq)) : [];
  renderMore();
}

export function leave() {
  generation++;
  root = null;
  entries = [];
}
