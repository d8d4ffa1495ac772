// Home: what is due for destruction, the latest recordings, and the training courses (with a
// form to add one).
import { el, replace, byId } from "../lib/dom.js";
import { capitalise, plural, shortId, errorText } from "../lib/text.js";
import { formatTime, formatDateTime, formatDate, today } from "../lib/time.js";
import { RECORDING_STATE_TEXT } from "../lib/recording-states.js";

let root = null;
let app = null;
let courses = [];
/** Bumped by every show and leave, so answers for an earlier showing are dropped. */
let generation = 0;

const $ = (id) => byId(id, root);

/** Whole days from today to a YYYY-MM-DD date (negative when past). */
function daysUntil(date) {
  const a = Date.parse(`${today()}T00:00:00Z`);
  const b = Date.parse(`${date}T00:00:00Z`);
  if (Number.isNaN(b)) return null;
  return Math.round((b - a) / 86400000);
}

/** The day after a YYYY-MM-DD date. */
function dayAfter(date) {
  const t = Date.parse(`${date}T00:00:00Z`);
  if (Number.isNaN(t)) return null;
  return new Date(t + 86400000).toISOString().slice(0, 10);
}

// ---------------------------------------------------------------------------------------------
// Due for destruction

/**
 * Groups due recordings into what one shred would take: a course whose end has passed (or is
 * near), or the recordings made under one consent (withdrawn, or past its destroy-by date).
 */
function groupDue(items) {
  const courseById = new Map(courses.map((c) => [String(c.id), c]));
  const groups = new Map();
  for (const item of items) {
    let kind = "consent";
    let id = item.consent_id;
    const course = item.course_id ? courseById.get(String(item.course_id)) : null;
    const byCourseEnd = item.reason === "course_ended"
      || (item.reason === "due_soon" && course && dayAfter(course.ends_on) === item.due_on);
    if (item.reason !== "consent_withdrawn" && item.course_id && byCourseEnd) {
      kind = "course";
      id = item.course_id;
    }
    const key = `${kind}:${id}`;
    let group = groups.get(key);
    if (!group) {
      group = { kind, id, course, items: [], clients: new Set(), overdue: false, top: null };
      groups.set(key, group);
    }
    group.items.push(item);
    group.clients.add(item.client_code);
    if (item.overdue) group.overdue = true;
    // The group's date and reason are its most pressing item's: overdue first, then earliest.
    const top = group.top;
    if (!top || (item.overdue !== top.overdue ? item.overdue : item.due_on < top.due_on)) {
      group.top = item;
      group.dueOn = item.due_on;
      group.reason = item.reason;
    }
  }
  return [...groups.values()].sort((a, b) =>
    (a.overdue === b.overdue ? 0 : a.overdue ? -1 : 1) || a.dueOn.localeCompare(b.dueOn));
}

function reasonText(group) {
  const date = formatDate(group.dueOn);
  switch (group.reason) {
    case "course_ended": {
      const ended = group.course ? formatDate(group.course.ends_on) : null;
      return ended
        ? `The course ended on ${ended}, so its recordings had to be destroyed from ${date}.`
        : `The course has ended, so its recordings had to be destroyed from ${date}.`;
    }
    case "destroy_by_passed":
      return `The consent's destroy-by date, ${date}, has passed.`;
    case "consent_withdrawn":
      return `The client withdrew consent on ${date}. Their recordings must be destroyed.`;
    case "due_soon": {
      const days = daysUntil(group.dueOn);
      const when = days === null ? "" : days <= 0 ? " (today)" : days === 1 ? " (tomorrow)" : ` (in ${days} days)`;
      return group.kind === "course"
        ? `The course ends soon: its recordings are due for destruction on ${date}${when}.`
        : `Due for destruction on ${date}${when}, the consent's destroy-by date.`;
    }
    default:
      return group.items[0] && group.items[0].detail ? capitalise(group.items[0].detail) : `Due on ${date}.`;
  }
}

function groupTitle(group) {
  if (group.kind === "course") {
    return group.course ? `Course: ${group.course.name}` : `Course ${shortId(group.id)}`;
  }
  const clients = [...group.clients];
  return `Client ${clients.join(", ")}: recordings under one consent`;
}

function renderDue(items) {
  const banner = $("due-banner");
  if (!banner) return;
  if (!items || items.length === 0) {
    banner.hidden = true;
    replace(banner);
    return;
  }
  const groups = groupDue(items);
  const overdue = items.filter((i) => i.overdue).length;
  replace(banner,
    el("h3", { id: "due-title" }, overdue > 0
      ? `${plural(overdue, "recording")} due for destruction now`
      : "Recordings due for destruction soon"),
    el("p", {}, "Recordings are destroyed when the course ends, when the consent's destroy-by " +
      "date passes, or when the client withdraws consent. Choose “Shred now” to see exactly " +
      "what will be destroyed before anything happens."),
    groups.map((group) => {
      const title = groupTitle(group);
      return el("div", { class: "due-group", "data-kind": group.kind, "data-id": group.id },
        el("p", {}, el("strong", {}, title), " ",
          el("span", { class: "badge", "data-state": group.overdue ? "expired" : "" },
            group.overdue ? "Overdue" : "Due soon")),
        el("p", {}, reasonText(group)),
        el("p", { class: "muted" }, `${plural(group.items.length, "recording")}` +
          (group.kind === "course" ? ` (clients: ${[...group.clients].join(", ")})` : "")),
        el("button", {
          type: "button",
          class: "danger shred-due",
          "data-kind": group.kind,
          "data-id": group.id,
          onclick: () => app.go("shred", { kind: group.kind, id: group.id }),
        }, "Shred now…", el("span", { class: "sr-only" }, ` ${title}`)));
    }));
  banner.hidden = false;
}

// ---------------------------------------------------------------------------------------------
// Recent recordings

function renderRecent(recordings) {
  const list = $("recent-list");
  if (!list) return;
  const newest = [...recordings]
    .sort((a, b) => String(b.started_at).localeCompare(String(a.started_at)))
    .slice(0, 5);
  if (newest.length === 0) {
    replace(list, el("li", { class: "empty muted" }, "No recordings yet."));
    return;
  }
  replace(list, newest.map((r) => {
    const when = formatDateTime(r.started_at);
    const playable = r.state !== "recording";
    return el("li", { "data-recording-id": r.id },
      el("span", {},
        el("strong", {}, `Client ${r.client_code}`), ` · ${when} · ${formatTime(r.seconds)} `,
        el("span", { class: "badge", "data-state": r.state }, RECORDING_STATE_TEXT[r.state] ?? r.state)),
      playable
        ? el("button", {
          type: "button",
          class: "secondary open-player",
          onclick: () => app.go("player", { recordingId: r.id }),
        }, "Listen", el("span", { class: "sr-only" }, ` to client ${r.client_code}, ${when}`))
        : el("span", { class: "muted" }, "Still recording"));
  }));
}

// ---------------------------------------------------------------------------------------------
// Courses

function renderCourses() {
  const list = $("course-list");
  if (!list) return;
  if (courses.length === 0) {
    replace(list, el("li", { class: "empty muted" }, "No courses yet. Add your training course below, " +
      "so its recordings can be destroyed when it ends."));
    return;
  }
  const now = today();
  const sorted = [...courses].sort((a, b) => String(a.ends_on).localeCompare(String(b.ends_on)));
  replace(list, sorted.map((c) => el("li", { "data-course-id": c.id },
    el("strong", {}, c.name),
    el("span", { class: c.ends_on < now ? "" : "muted" },
      c.ends_on < now ? `Ended ${formatDate(c.ends_on)}` : `Ends ${formatDate(c.ends_on)}`))));
}

function setFieldError(text, field) {
  const error = $("course-error");
  const name = $("course-name");
  const ends = $("course-ends");
  if (!error) return;
  name.removeAttribute("aria-invalid");
  ends.removeAttribute("aria-invalid");
  if (!text) {
    error.textContent = "";
    error.hidden = true;
    return;
  }
  error.textContent = capitalise(text);
  error.hidden = false;
  if (field) {
    field.setAttribute("aria-invalid", "true");
    field.focus();
  }
}

async function addCourse(event) {
  event.preventDefault();
  const name = $("course-name");
  const ends = $("course-ends");
  const button = $("course-add");
  const nameText = name.value.trim();
  if (!nameText) {
    setFieldError("Enter the name of the course.", name);
    return;
  }
  if (!ends.value) {
    setFieldError("Choose the date the course ends (its last day).", ends);
    return;
  }
  button.disabled = true;
  try {
    const course = await app.call("course_add", { name: nameText, endsOn: ends.value });
    if (!root) return;
    setFieldError(null);
    name.value = "";
    ends.value = "";
    app.notify(`Course “${course && course.name ? course.name : nameText}” added.`, "ok");
    await loadCourses();
  } catch (error) {
    if (!root) return;
    const text = errorText(error);
    const field = /date|end/i.test(text) ? ends : /name/i.test(text) ? name : null;
    setFieldError(text, field);
  } finally {
    if (root) button.disabled = false;
  }
}

async function loadCourses() {
  courses = await app.call("course_list");
  renderCourses();
}

function problemItem(text) {
  return el("li", { class: "notice notice-problem" }, capitalise(text));
}

/** Shows the home screen. */
export async function show(section, application) {
  const mine = ++generation;
  root = section;
  app = application;
  courses = [];
  replace(root,
    el("h2", { id: "home-title", tabindex: "-1" }, "Home"),
    el("div", { id: "due-banner", class: "notice notice-warning", role: "region", "aria-labelledby": "due-title", hidden: true }),
    el("div", { class: "panel" },
      el("h3", { id: "recent-title" }, "Recent recordings"),
      el("ul", { id: "recent-list", class: "cards", "aria-labelledby": "recent-title" },
        el("li", { class: "muted" }, "Loading…")),
      el("p", {}, el("button", { type: "button", class: "link", onclick: () => app.go("library") },
        "See all recordings in the library"))),
    el("div", { class: "panel" },
      el("h3", { id: "courses-title" }, "Courses"),
      el("p", { class: "muted" }, "A course's recordings are due for destruction the day after it ends."),
      el("ul", { id: "course-list", class: "cards", "aria-labelledby": "courses-title" },
        el("li", { class: "muted" }, "Loading…")),
      el("form", { id: "course-form", class: "course-form", novalidate: true, onsubmit: addCourse },
        el("h4", {}, "Add a course"),
        el("div", { class: "row end" },
          el("div", { class: "field" },
            el("label", { for: "course-name" }, "Course name"),
            el("input", { id: "course-name", type: "text", maxlength: "200", autocomplete: "off",
              "aria-describedby": "course-error", size: "32" })),
          el("div", { class: "field" },
            el("label", { for: "course-ends" }, "Last day of the course"),
            el("input", { id: "course-ends", type: "date", min: today(), "aria-describedby": "course-error" })),
          el("div", { class: "field" },
            el("button", { id: "course-add", type: "submit", class: "primary" }, "Add course"))),
        el("p", { id: "course-error", class: "field-error", role: "alert", hidden: true }))));

  const [due, recordings, courseList] = await Promise.allSettled([
    app.call("due_list", { withinDays: 14 }),
    app.call("recordings_list"),
    app.call("course_list"),
  ]);
  if (mine !== generation) return;
  if (courseList.status === "fulfilled") {
    courses = courseList.value || [];
    renderCourses();
  } else {
    replace($("course-list"), problemItem(`The courses could not be shown: ${errorText(courseList.reason)}`));
  }
  if (recordings.status === "fulfilled") {
    renderRecent(recordings.value || []);
  } else {
    replace($("recent-list"), problemItem(`The recordings could not be shown: ${errorText(recordings.reason)}`));
  }
  if (due.status === "fulfilled") {
    renderDue(due.value || []);
  } else {
    const banner = $("due-banner");
    replace(banner, el("h3", { id: "due-title" }, "Destruction dates"),
      el("p", {}, `What is due for destruction could not be checked: ${errorText(due.reason)}`));
    banner.hidden = false;
  }
}

export function leave() {
  generation++;
  root = null;
  courses = [];
}
