// Case studies: written reports about what one or more clients (by code) brought to counselling
// and how the counsellor helped, written here, kept encrypted in the vault. The counsellor's own
// go with the course; the organisation's are permanent records and must be anonymised before
// they are marked final. Exports are DOCX or PDF, each logged.
import { el, replace, byId as $ } from "../lib/dom.js";
import { capitalise, errorText } from "../lib/text.js";
import { formatDateTime, formatDate } from "../lib/time.js";
import { autosaver, showSaveState } from "../lib/autosave.js";
import { anonymisationPanel } from "../lib/anonymisation.js";
import { exportDocument, showProblemIn } from "../lib/problem.js";

const OWNER_TEXT = {
  organisation: "Organisation — permanent record",
  counsellor: "Yours — destroyed with the course",
};

/** The screen while shown: `{root, app, courses, consents}`. */
let screen = null;
let lastApp = null;
/** Bumped by every show and leave, so answers for an earlier showing are dropped. */
let generation = 0;
/** The case study being edited: `{study, saver}`. */
let edit = null;
/** What was typed just before the vault locked and could not be saved then. */
let unsavedAtLock = null;

/** Client codes typed comma-separated: trimmed, no blanks, each once. */
function codes(text) {
  return [...new Set(String(text ?? "").split(/[,;\n]/).map((c) => c.trim()).filter(Boolean))];
}

function showProblem(error, id = "cases-problem") {
  showProblemIn(id, error);
}

function courseName(id) {
  if (!id) return null;
  const course = (screen?.courses ?? []).find((c) => String(c.id) === String(id));
  return course ? course.name : "a course no longer listed";
}

function ownerBadge(study) {
  const owner = study.owner === "organisation" ? "organisation" : "counsellor";
  return el("span", { class: "badge owner-badge", "data-state": owner === "organisation" ? "permanent" : "own" },
    OWNER_TEXT[owner]);
}

function finalBadge(study) {
  return study.final
    ? el("span", { class: "badge final-badge", "data-state": "final" }, "Final")
    : el("span", { class: "badge final-badge", "data-state": "draft" }, "Draft");
}

function clientCodes(list) {
  const items = (list ?? []).map((code) => el("span", { class: "client-code" }, code));
  const out = [];
  items.forEach((item, i) => {
    if (i > 0) out.push(", ");
    out.push(item);
  });
  return out.length ? out : [el("span", { class: "muted" }, "no clients named")];
}

// ---------------------------------------------------------------------------------------------
// The list and the new case study form

async function showList(root, app, mine) {
  replace(root,
    el("h2", { id: "cases-title", tabindex: "-1" }, "Case studies"),
    el("p", { class: "lead" }, "A case study looks at what a client brought to counselling and how you helped them " +
      "explore it and make changes. Basing one on more than one client is another way to protect confidentiality. " +
      "Each client must have agreed to a case study of that kind on their consent form."),
    el("div", { id: "cases-problem", class: "notice notice-problem", role: "alert", hidden: true }),
    el("div", { class: "row" },
      el("button", { id: "case-new", type: "button", class: "primary", "aria-expanded": "false",
        "aria-controls": "case-form", onclick: () => toggleForm() }, "New case study")),
    newForm(app),
    el("section", { class: "panel stack", "aria-labelledby": "case-list-title" },
      el("h3", { id: "case-list-title" }, "Your case studies"),
      el("p", { id: "case-list-empty", class: "muted", hidden: true }, "No case studies yet."),
      el("ul", { id: "case-list", class: "case-list", "aria-busy": "true" })));

  const [studies, courses, consents] = await Promise.allSettled([
    app.call("case_study_list"),
    app.call("course_list"),
    app.call("consent_list"),
  ]);
  if (mine !== generation) return;
  screen.courses = courses.status === "fulfilled" ? courses.value ?? [] : [];
  screen.consents = consents.status === "fulfilled" ? consents.value ?? [] : [];
  fillCourses();
  fillKnownCodes();
  const list = $("case-list");
  list.removeAttribute("aria-busy");
  if (studies.status === "rejected") {
    showProblem({ message: `The case studies could not be shown: ${errorText(studies.reason)}` });
    return;
  }
  const sorted = [...(studies.value ?? [])].sort((a, b) => String(b.updated_at).localeCompare(String(a.updated_at)));
  $("case-list-empty").hidden = sorted.length > 0;
  replace(list, sorted.map((study) => caseItem(study, app)));
}

function caseItem(study, app) {
  const course = study.owner !== "organisation" ? courseName(study.course_id) : null;
  // A case study a client's consent no longer allows is named without its title, and why.
  const opener = study.withheld
    ? el("span", { class: "case-withheld" }, "A case study that cannot be opened now")
    : el("button", { type: "button", class: "link case-open",
      onclick: () => app.go("cases", { caseId: study.id }) }, study.title || "Untitled case study");
  return el("li", { class: "case-item", "data-case-id": study.id },
    el("div", { class: "case-about" },
      opener,
      study.withheld ? el("span", { class: "detail" }, capitalise(study.withheld)) : null,
      el("span", { class: "detail" }, "Clients: ", clientCodes(study.clients)),
      el("span", { class: "detail muted" },
        course ? `Course: ${course}` : null,
        course && study.updated_at ? " · " : null,
        study.updated_at ? `Last changed ${formatDateTime(study.updated_at)}` : null)),
    el("div", { class: "case-badges" }, ownerBadge(study), finalBadge(study)));
}

function toggleForm(open) {
  const form = $("case-form");
  const button = $("case-new");
  if (!form || !button) return;
  const show = open ?? form.hidden;
  form.hidden = !show;
  button.setAttribute("aria-expanded", String(show));
  if (show) $("case-title")?.focus();
  else button.focus();
}

function ownerChoice(value, title, words) {
  const id = `case-owner-${value}`;
  return el("div", { class: "choice" },
    el("input", { type: "radio", name: "case-owner", id, value, checked: value === "counsellor",
      "aria-describedby": `${id}-note`, onchange: ownerChanged }),
    el("label", { for: id }, title,
      el("span", { id: `${id}-note`, class: "choice-note" }, words)));
}

function newForm(app) {
  return el("form", { id: "case-form", class: "panel stack case-form", hidden: true, novalidate: true,
    "aria-labelledby": "case-form-title", onsubmit: (event) => createCase(event, app) },
  el("h3", { id: "case-form-title" }, "New case study"),
  el("div", { id: "case-form-problem", class: "notice notice-problem", role: "alert", hidden: true }),
  el("div", { class: "field" },
    el("label", { for: "case-title" }, "Title"),
    el("input", { id: "case-title", type: "text", maxlength: "200", autocomplete: "off",
      oninput: (event) => event.currentTarget.removeAttribute("aria-invalid") })),
  el("div", { class: "field" },
    el("label", { for: "case-clients" }, "Client codes"),
    el("p", { id: "case-clients-hint", class: "hint muted" }, "One or more, separated by commas, for example C-0427, C-0431."),
    el("input", { id: "case-clients", type: "text", autocomplete: "off", spellcheck: "false",
      "aria-describedby": "case-clients-hint case-known-codes",
      oninput: (event) => event.currentTarget.removeAttribute("aria-invalid") }),
    el("p", { id: "case-known-codes", class: "hint muted" })),
  el("fieldset", { id: "case-owner", class: "choice-group" },
    el("legend", {}, "Who owns it"),
    ownerChoice("counsellor", "You, for your training",
      "Your property and your responsibility to keep confidential. It is destroyed with the course's " +
      "recordings and transcripts when the course is shredded."),
    ownerChoice("organisation", "Community Counselling",
      "For progress reports or funding applications. A permanent record: never destroyed when a course or " +
      "recording is shredded. It must be anonymised before it can be marked final.")),
  el("div", { id: "case-course-field", class: "field" },
    el("label", { for: "case-course" }, "Course"),
    el("p", { id: "case-course-hint", class: "hint muted" }, "It is destroyed when this course is shredded."),
    el("select", { id: "case-course", "aria-describedby": "case-course-hint" },
      el("option", { value: "" }, "Not for a course (you destroy it yourself)"))),
  el("div", { class: "row" },
    el("button", { id: "case-create", type: "submit", class: "primary" }, "Create the case study"),
    el("button", { type: "button", class: "secondary", onclick: () => toggleForm(false) }, "Cancel")));
}

function fillCourses() {
  const select = $("case-course");
  if (!select) return;
  const keep = select.value;
  replace(select,
    el("option", { value: "" }, "Not for a course (you destroy it yourself)"),
    (screen.courses ?? []).map((c) => el("option", { value: String(c.id) },
      c.ends_on ? `${c.name} (ends ${formatDate(c.ends_on)})` : c.name)));
  select.value = keep;
}

function fillKnownCodes() {
  const node = $("case-known-codes");
  if (!node) return;
  const known = [...new Set((screen.consents ?? []).map((c) => c.client_code).filter(Boolean))].sort();
  node.textContent = known.length ? `Client codes in the vault: ${known.join(", ")}.` : "";
}

function ownerChanged() {
  const owner = document.querySelector("input[name=case-owner]:checked")?.value ?? "counsellor";
  const field = $("case-course-field");
  const select = $("case-course");
  if (field) field.hidden = owner === "organisation";
  if (select) select.disabled = owner === "organisation";
}

async function createCase(event, app) {
  event.preventDefault();
  const title = $("case-title");
  const clients = $("case-clients");
  const fail = (input, message) => {
    input.setAttribute("aria-invalid", "true");
    showProblem({ message }, "case-form-problem");
    input.focus();
  };
  const titleText = title.value.trim();
  const list = codes(clients.value);
  if (!titleText) return fail(title, "Give the case study a title.");
  if (!list.length) return fail(clients, "Name at least one client, by their code.");
  const owner = document.querySelector("input[name=case-owner]:checked")?.value ?? "counsellor";
  const course = owner === "organisation" ? null : ($("case-course").value || null);
  const button = $("case-create");
  button.disabled = true;
  showProblem(null, "case-form-problem");
  try {
    const study = await app.call("case_study_create", { title: titleText, clients: list, owner, courseId: course });
    await app.go("cases", { caseId: study.id });
  } catch (error) {
    if (!screen) return;
    // What was typed stays in the form.
    button.disabled = false;
    showProblem(error, "case-form-problem");
  }
}

// ---------------------------------------------------------------------------------------------
// The editor

function onSaveState(state, error) {
  showSaveState(state, error, { statusId: "case-saved", problemId: "case-save-problem", retry: () => edit?.saver.flush() });
}

/** What the editor's fields say now. */
function fields() {
  return {
    title: $("case-edit-title")?.value.trim() ?? "",
    clients: codes($("case-edit-clients")?.value),
    body: $("case-body")?.value ?? "",
  };
}

async function exportAs(format, button) {
  const app = screen?.app;
  if (!app || !edit) return;
  await exportDocument({
    app, saver: edit.saver, command: "case_study_export", id: edit.study.id, format, button,
    problemId: "case-export-problem", resultId: "case-export-result", what: "the case study",
    savedWords: (name) => `Saved ${name}. The export is logged.`,
    whereSaveProblem: "above the text",
  });
}

async function finalise(button, app) {
  if (!edit) return;
  button.disabled = true;
  showProblem(null, "case-finalise-problem");
  try {
    if (!(await edit.saver.flush())) {
      showProblem({ message: "The latest changes could not be saved. Save them first, then mark the case study final." },
        "case-finalise-problem");
      button.disabled = false;
      return;
    }
    const study = await app.call("case_study_finalise", { id: edit.study.id });
    app.notify("The case study is final: it can no longer be edited.", "ok");
    renderEditor(app, study);
    $("case-final-note")?.focus();
  } catch (error) {
    button.disabled = false;
    let extra = "";
    if (error?.code === "anonymisation_required") {
      extra = " Add the client's name and other identifying details to the anonymisation list first.";
    } else if (error?.code === "anonymisation_incomplete") {
      extra = " Use “Check the export” in the anonymisation panel to see which names remain.";
    }
    showProblem({ code: error?.code, message: `${capitalise(errorText(error))}${extra}` }, "case-finalise-problem");
  }
}

function renderEditor(app, study) {
  if (!screen) return;
  const final = Boolean(study.final);
  const organisation = study.owner === "organisation";
  const course = organisation ? null : courseName(study.course_id);
  const mine = { study, saver: null };
  mine.saver = autosaver({
    save: async () => {
      // After leaving, the fields are gone: leave() kept what they said.
      const now = mine.pending ?? fields();
      if (!now.title) throw { code: "invalid", message: "Give the case study a title." };
      if (!now.clients.length) throw { code: "invalid", message: "Name at least one client, by their code." };
      const answer = await (screen?.app ?? lastApp).call("case_study_save", { id: study.id, ...now });
      if (answer?.updated_at) mine.study.updated_at = answer.updated_at;
    },
    onState: (state, error) => { if (edit === mine && screen) onSaveState(state, error); },
  });
  edit = mine;
  const changed = () => mine.saver.mark();

  replace(screen.root,
    el("h2", { id: "cases-title", tabindex: "-1" }, `Case study: ${study.title || "untitled"}`),
    el("div", { class: "row case-badges" }, ownerBadge(study), finalBadge(study),
      course ? el("span", { class: "muted" }, `Course: ${course}`) : null),
    el("div", { id: "cases-problem", class: "notice notice-problem", role: "alert", hidden: true }),
    el("div", { class: "row case-nav" },
      el("button", { type: "button", class: "secondary", id: "case-back", onclick: () => app.go("cases") },
        "All case studies")),
    final ? el("div", { id: "case-final-note", class: "notice notice-ok", tabindex: "-1" },
      el("p", {}, el("strong", {}, "Final. "), "This case study can no longer be edited. You can still export it.",
        organisation ? " It is a permanent record of Community Counselling." : "")) : null,

    el("section", { class: "panel stack case-writing", "aria-labelledby": "case-writing-title" },
      el("div", { class: "row case-writing-head" },
        el("h3", { id: "case-writing-title" }, "The case study"),
        el("p", { class: "save-state" },
          el("span", { id: "case-saved", "data-state": "saved" }, final ? "Final" : "Saved"))),
      el("div", { id: "case-save-problem", class: "notice notice-problem", role: "alert", hidden: true }),
      el("div", { class: "row fields" },
        el("div", { class: "field grow" },
          el("label", { for: "case-edit-title" }, "Title"),
          el("input", { id: "case-edit-title", type: "text", maxlength: "200", autocomplete: "off",
            value: study.title ?? "", readonly: final, oninput: changed })),
        el("div", { class: "field grow" },
          el("label", { for: "case-edit-clients" }, "Client codes (separated by commas)"),
          el("input", { id: "case-edit-clients", type: "text", autocomplete: "off", spellcheck: "false",
            value: (study.clients ?? []).join(", "), readonly: final, oninput: changed }))),
      el("div", { class: "field" },
        el("label", { for: "case-body" }, "Text"),
        el("p", { id: "case-body-hint", class: "hint muted" }, final ? "Final: read only."
          : "Write freely: your changes are saved as you type. Names are replaced on export by the list below."),
        el("textarea", { id: "case-body", rows: "18", spellcheck: "true", value: study.body ?? "",
          "aria-describedby": "case-body-hint", readonly: final, oninput: changed,
          onblur: () => { if (mine.saver.dirty) mine.saver.flush(); } }))),

    anonymisationPanel({
      prefix: "case-",
      what: "case study",
      rules: study.anonymisation ?? [],
      readOnly: final,
      note: organisation
        ? "Community Counselling's case studies are permanent records: the list must have at least one entry, " +
          "and pass the check, before the case study can be marked final."
        : null,
      setRules: async (rules) => {
        const answer = await app.call("case_study_set_anonymisation", { id: study.id, rules });
        return answer?.anonymisation;
      },
      check: async () => {
        if (!(await mine.saver.flush())) throw mine.saver.error ?? { message: "The latest changes are not saved yet." };
        try {
          return await app.call("case_study_check", { id: study.id });
        } catch (error) {
          if (error?.code === "internal" && /not found|unknown command/i.test(errorText(error))) {
            throw { message: "This version of SessionVault cannot check a case study on its own yet. " +
              "Marking it final and exporting it still check the list, and refuse if a name remains." };
          }
          throw error;
        }
      },
    }),

    final ? null : el("section", { class: "panel stack case-finalise", "aria-labelledby": "case-finalise-title" },
      el("h3", { id: "case-finalise-title" }, "Mark as final"),
      el("p", { id: "case-finalise-explain" }, "When it is finished, mark it final. A final case study can no longer " +
        "be edited: its title, clients, text and anonymisation list stay as they are.",
      organisation ? " Community Counselling's are then kept as permanent records, never destroyed by a shred." : ""),
      el("div", { id: "case-finalise-problem", class: "notice notice-problem", role: "alert", hidden: true }),
      el("div", { class: "row" },
        el("button", { id: "case-finalise", type: "button", class: "primary", "aria-describedby": "case-finalise-explain",
          onclick: (event) => finalise(event.currentTarget, app) }, "Mark as final"))),

    el("section", { class: "panel stack case-export", "aria-labelledby": "case-export-title" },
      el("h3", { id: "case-export-title" }, "Export"),
      el("p", {}, "The names on the anonymisation list are replaced in the file. You choose where it is saved; " +
        "every export is logged."),
      el("div", { id: "case-export-problem", class: "notice notice-problem", role: "alert", hidden: true }),
      el("div", { class: "row" },
        el("button", { id: "case-export-docx", type: "button", class: "secondary",
          onclick: (event) => exportAs("docx", event.currentTarget) }, "Export as Word (.docx)"),
        el("button", { id: "case-export-pdf", type: "button", class: "secondary",
          onclick: (event) => exportAs("pdf", event.currentTarget) }, "Export as PDF")),
      el("p", { id: "case-export-result", class: "export-result", role: "status" })));
  return mine;
}

async function showEditor(root, app, mine, caseId) {
  replace(root,
    el("h2", { id: "cases-title", tabindex: "-1" }, "Case study"),
    el("p", { class: "muted", "aria-busy": "true" }, "Loading…"));
  const [got, courses] = await Promise.allSettled([
    app.call("case_study_get", { id: caseId }),
    app.call("course_list"),
  ]);
  if (mine !== generation) return;
  screen.courses = courses.status === "fulfilled" ? courses.value ?? [] : [];
  if (got.status === "rejected") {
    replace(root,
      el("h2", { id: "cases-title", tabindex: "-1" }, "Case study"),
      el("div", { id: "cases-problem", class: "notice notice-problem", role: "alert" },
        `This case study could not be opened: ${capitalise(errorText(got.reason))}`),
      el("div", { class: "row" },
        el("button", { type: "button", class: "secondary", onclick: () => app.go("cases") }, "All case studies")));
    return;
  }
  const study = got.value;
  const restore = unsavedAtLock && unsavedAtLock.id === study.id && !study.final ? unsavedAtLock : null;
  unsavedAtLock = null;
  const editing = renderEditor(app, restore ? { ...study, ...restore.fields } : study);
  if (restore) {
    editing.saver.mark();
    editing.saver.flush().then((ok) => {
      if (ok && screen) app.notify("The changes you made just before SessionVault locked are saved now.", "ok");
    });
  }
}

// ---------------------------------------------------------------------------------------------
// Screen interface

/**
 * Shows the case studies (`{}`) or one of them (`{caseId}`).
 * @param {HTMLElement} root
 * @param {object} app
 * @param {{caseId?: string}} [params]
 */
export async function show(root, app, params = {}) {
  const mine = ++generation;
  lastApp = app;
  screen = { root, app, courses: [], consents: [] };
  app.shortcuts?.([]);
  if (params?.caseId) await showEditor(root, app, mine, params.caseId);
  else await showList(root, app, mine);
}

/** Leaves the screen: what was typed is saved first. */
export function leave() {
  generation += 1;
  const app = screen?.app ?? lastApp;
  const left = edit;
  // The fields as they are now (the section is emptied after this).
  const now = left && screen ? fields() : null;
  screen = null;
  edit = null;
  if (!left || !left.saver.dirty) return;
  const saver = left.saver;
  // The save reads the fields when it runs, so it gets them from here instead.
  left.pending = now;
  saver.flush().then((ok) => {
    if (ok) return;
    const error = saver.error;
    if (error?.code === "locked") {
      unsavedAtLock = { id: left.study.id, fields: now };
    } else {
      app?.notify(`The last changes to the case study could not be saved: ${errorText(error)}`, "problem");
    }
  });
}
