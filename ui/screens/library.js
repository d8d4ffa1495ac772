// The library: every recording with its client, course (and the course's end date), start,
// length and state; filters by client, course and state; open one in the player or shred it.
import { el, replace, byId } from "../lib/dom.js";
import { capitalise, errorText } from "../lib/text.js";
import { formatTime, formatDateTime, formatDate, today } from "../lib/time.js";
import { RECORDING_STATE_TEXT } from "../lib/recording-states.js";

let root = null;
let app = null;
let generation = 0;
/** Every recording joined with its course: `{recording, course}`. */
let rows = [];

const $ = (id) => byId(id, root);

const STATE_HELP = {
  recovered: "Cut short by a crash and recovered",
  faulted: "Stopped by a fault; what was recorded is kept",
};

/** The filter value for recordings with no course. */
const NO_COURSE = "none";

function join(recordings, consents, courses) {
  const courseById = new Map((courses || []).map((c) => [String(c.id), c]));
  const courseOfConsent = new Map((consents || []).map((c) =>
    [String(c.id), c.course_id ? courseById.get(String(c.course_id)) ?? { id: c.course_id, name: null, ends_on: null } : null]));
  return (recordings || [])
    .map((recording) => ({ recording, course: courseOfConsent.get(String(recording.consent_id)) ?? null }))
    .sort((a, b) => String(b.recording.started_at).localeCompare(String(a.recording.started_at)));
}

function option(value, text, selected) {
  return el("option", { value, selected: value === selected }, text);
}

function fillFilters() {
  const client = $("library-filter-client");
  const course = $("library-filter-course");
  const keepClient = client.value;
  const keepCourse = course.value;
  const clients = [...new Set(rows.map((r) => r.recording.client_code))].sort();
  replace(client, option("", "All clients", keepClient),
    clients.map((code) => option(code, code, keepClient)));
  const courses = new Map();
  for (const { course: c } of rows) if (c) courses.set(String(c.id), c);
  replace(course, option("", "All courses", keepCourse),
    [...courses.values()]
      .sort((a, b) => String(a.name ?? "").localeCompare(String(b.name ?? "")))
      .map((c) => option(String(c.id), c.name ?? "Unknown course", keepCourse)),
    option(NO_COURSE, "No course", keepCourse));
}

function courseCell(course) {
  if (!course) return el("td", {}, el("span", { class: "muted" }, "No course"));
  const ended = course.ends_on && course.ends_on < today();
  return el("td", {},
    course.name ?? "Unknown course",
    course.ends_on
      ? el("span", { class: "detail muted" }, `${ended ? "Ended" : "Ends"} ${formatDate(course.ends_on)}`)
      : null);
}

function renderRows() {
  const body = $("library-body");
  if (!body) return;
  const client = $("library-filter-client").value;
  const course = $("library-filter-course").value;
  const state = $("library-filter-state").value;
  const shown = rows.filter(({ recording, course: c }) =>
    (!client || recording.client_code === client)
    && (!course || (course === NO_COURSE ? !c : c && String(c.id) === course))
    && (!state || recording.state === state));

  replace(body, shown.map(({ recording: r, course: c }) => {
    const when = formatDateTime(r.started_at);
    const about = ` for client ${r.client_code}, ${when}`;
    const running = r.state === "recording";
    return el("tr", { "data-recording-id": r.id },
      el("th", { scope: "row", class: "client-code" }, r.client_code),
      courseCell(c),
      el("td", { class: "nowrap" }, when),
      el("td", { class: "nowrap" }, formatTime(r.seconds)),
      el("td", {},
        el("span", { class: "badge", "data-state": r.state, title: STATE_HELP[r.state] },
          RECORDING_STATE_TEXT[r.state] ?? r.state),
        r.overruns > 0 ? el("span", { class: "detail muted" }, `${r.overruns} samples lost`) : null),
      el("td", {},
        el("div", { class: "row" },
          el("button", {
            type: "button",
            class: "secondary small open-player",
            disabled: running,
            onclick: () => app.go("player", { recordingId: r.id }),
          }, "Listen", el("span", { class: "sr-only" }, about)),
          el("button", {
            type: "button",
            class: "secondary small transcribe",
            disabled: running,
            onclick: () => app.go("transcript", { recordingId: r.id }),
          }, "Transcribe", el("span", { class: "sr-only" }, ` the recording${about}`)),
          el("button", {
            type: "button",
            class: "danger secondary small shred-recording",
            disabled: running,
            onclick: () => app.go("shred", { kind: "recording", id: r.id }),
          }, "Shred…", el("span", { class: "sr-only" }, ` the recording${about}`)))));
  }));

  $("library-empty").hidden = shown.length > 0;
  $("library-empty").textContent = rows.length === 0
    ? "There are no recordings yet. Recordings appear here once you have recorded a session."
    : "No recordings match these filters.";
  $("library-table").hidden = shown.length === 0;
  $("library-count").textContent = rows.length === 0 ? ""
    : shown.length === rows.length
      ? `Showing all ${rows.length} recording${rows.length === 1 ? "" : "s"}.`
      : `Showing ${shown.length} of ${rows.length} recordings.`;
}

function select(id, label, options) {
  return el("div", { class: "field" },
    el("label", { for: id }, label),
    el("select", { id, onchange: renderRows }, options));
}

/** Shows the library. */
export async function show(section, application, params = {}) {
  const mine = ++generation;
  root = section;
  app = application;
  rows = [];
  replace(root,
    el("h2", { id: "library-title", tabindex: "-1" }, "Library"),
    el("p", { class: "muted" }, "Every recording in the vault. Listening is logged in the audit log."),
    el("div", { class: "filters", role: "group", "aria-label": "Filter recordings" },
      select("library-filter-client", "Client", [option("", "All clients", "")]),
      select("library-filter-course", "Course", [option("", "All courses", "")]),
      select("library-filter-state", "State", [
        option("", "Any state", ""),
        ...Object.entries(RECORDING_STATE_TEXT).map(([value, text]) => option(value, text, "")),
      ])),
    el("p", { id: "library-count", class: "count", role: "status" }),
    el("p", { id: "library-problem", class: "notice notice-problem", role: "alert", hidden: true }),
    el("p", { id: "library-empty", class: "muted", hidden: true }),
    el("div", { id: "library-table", class: "table-wrap" },
      el("table", { id: "library-list", class: "list" },
        el("caption", { class: "sr-only" }, "Recordings, newest first"),
        el("thead", {}, el("tr", {},
          el("th", { scope: "col" }, "Client"),
          el("th", { scope: "col" }, "Course"),
          el("th", { scope: "col" }, "Started"),
          el("th", { scope: "col" }, "Length"),
          el("th", { scope: "col" }, "State"),
          el("th", { scope: "col" }, el("span", { class: "sr-only" }, "Actions")))),
        el("tbody", { id: "library-body" }))));

  const [recordings, consents, courses] = await Promise.allSettled([
    app.call("recordings_list"),
    app.call("consent_list"),
    app.call("course_list"),
  ]);
  if (mine !== generation) return;
  if (recordings.status !== "fulfilled") {
    const problem = $("library-problem");
    problem.textContent = `The recordings could not be shown: ${capitalise(errorText(recordings.reason))}`;
    problem.hidden = false;
    $("library-table").hidden = true;
    return;
  }
  rows = join(recordings.value,
    consents.status === "fulfilled" ? consents.value : [],
    courses.status === "fulfilled" ? courses.value : []);
  if (consents.status !== "fulfilled" || courses.status !== "fulfilled") {
    const problem = $("library-problem");
    problem.textContent = "The courses could not be matched to the recordings, so the course column may be incomplete.";
    problem.hidden = false;
  }
  fillFilters();
  if (params && params.client) $("library-filter-client").value = params.client;
  if (params && params.course) $("library-filter-course").value = params.course;
  if (params && params.state) $("library-filter-state").value = params.state;
  renderRows();
}

export function leave() {
  generation++;
  root = null;
  rows = [];
}
