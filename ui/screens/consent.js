// Taking consent: a calm wizard the client reads and signs, one step at a time. The counsellor
// sets it up (client code, course or destroy-by date) and countersigns at the end; in between
// the client reads the form section by section, chooses what they agree to and signs. The
// client can decline on any step. Every rule is the core's: this screen only gathers the
// answers, says in words what they mean, and shows the core's answer.
import { el, replace } from "../lib/dom.js";
import { errorText } from "../lib/text.js";
import { formatDate, today } from "../lib/time.js";
import { SignaturePad, makePadSvg, signatureSvg } from "../lib/signature-pad.js";

const PURPOSES = [
  ["coursework", "Coursework for my counsellor's training course"],
  ["supervision", "My counsellor's clinical supervision"],
  ["training", "My counsellor's further training"],
];
const AUDIENCE = [
  ["tutors", "The tutors of my counsellor's training course"],
  ["students", "Fellow students on that course"],
  ["supervisor", "My counsellor's clinical supervisor"],
];
const CASE_STUDY = [
  ["none", "No case study", "Nothing will be written about me."],
  ["coursework", "A case study for my counsellor's coursework",
    "It belongs to my counsellor and is destroyed with the recordings."],
  ["organisation", "A case study for the counselling service",
    "For example for a progress report or a funding application. This is a permanent record of the service: it is not destroyed."],
];
const PURPOSE_WORDS = {
  coursework: "coursework for your counsellor's training course",
  supervision: "your counsellor's clinical supervision",
  training: "your counsellor's further training",
};
const AUDIENCE_WORDS = {
  tutors: "the tutors of the training course",
  students: "fellow students on the course",
  supervisor: "your counsellor's clinical supervisor",
};
const CASE_WORDS = {
  none: "No case study will be written about you.",
  coursework: "Your counsellor may write a case study for their coursework. It belongs to your counsellor and is destroyed with the recordings.",
  organisation: "Your counsellor may write a case study for the counselling service. It is a permanent record and is not destroyed.",
};
const CLIENT_CODE = /^[A-Z][A-Z0-9-]{1,15}$/;

/** The wizard's answers; dropped when the screen is left. */
let S = null;
/** The screen's fixed parts. */
let V = null;
/** The signature pad while the sign step is shown. */
let pad = null;

/** "a, b and c" */
function words(list) {
  if (list.length <= 1) return list.join("");
  return `${list.slice(0, -1).join(", ")} and ${list[list.length - 1]}`;
}

/** Text the core accepts in a one-line field: no control characters, trimmed. */
function oneLine(text) {
  return String(text ?? "").replace(/[\u0000-\u001f\u007f-\u009f]+/g, " ").trim();
}

/**
 * The form's sections: the shell's, or split from the text (first line the title; a heading
 * is a line followed by its paragraphs).
 */
export function formSections(form) {
  const given = Array.isArray(form?.sections)
    ? form.sections
        .map((s) => ({ title: String(s.title ?? "").trim(), body: String(s.body ?? "").trim() }))
        .filter((s) => s.title || s.body)
    : [];
  const blocks = String(form?.text ?? "")
    .replace(/\r\n?/g, "\n")
    .split(/\n\s*\n/)
    .map((b) => b.split("\n").map((l) => l.trim()).filter(Boolean))
    .filter((b) => b.length > 0);
  let title = blocks.length > 0 && blocks[0].length === 1 ? blocks[0][0] : "";
  if (given.length > 0) {
    if (!given[0].body && given.length > 1) title = given.shift().title;
    return { title, sections: given };
  }
  const sections = [];
  blocks.forEach((block, i) => {
    if (i === 0 && title) return;
    const current = sections[sections.length - 1];
    if (block.length > 1) {
      sections.push({ title: block[0], body: block.slice(1).join("\n") });
    } else if (current && !current.body) {
      current.body = block[0];
    } else if (block[0].length < 80 && !/[.:;!?]$/.test(block[0])) {
      sections.push({ title: block[0], body: "" });
    } else if (current) {
      current.body += `\n${block[0]}`;
    } else {
      sections.push({ title: "", body: block[0] });
    }
  });
  return { title, sections };
}

/** The steps of the wizard for a form of `n` sections. */
function stepNames(n) {
  const forms = Array.from({ length: n }, (_, i) => `form-${i + 1}`);
  return ["setup", ...forms, "choices", "sign", "countersign", "done"];
}

function step() {
  return S.steps[S.index];
}

function courseById(id) {
  return S.courses.find((c) => c.id === id) || null;
}

function courseLabel(course) {
  return `${course.name} (ends ${formatDate(course.ends_on)})`;
}

// --- the screen ---------------------------------------------------------------------------

export async function show(root, app, params = {}) {
  leave();
  const token = {};
  S = {
    token,
    app,
    steps: ["setup"],
    index: 0,
    form: null,
    formTitle: "",
    sections: [],
    courses: [],
    clientCode: oneLine(params.clientCode ?? params.client ?? "").toUpperCase(),
    courseId: params.courseId ?? "",
    destroyBy: "",
    purposes: new Set(),
    audience: new Set(),
    caseStudy: "none",
    clientName: "",
    signature: [],
    counsellorName: "",
    declining: false,
    busy: false,
    result: null,
  };
  V = {
    root,
    title: el("h2", { id: "consent-title" }, "Consent to record sessions"),
    progressText: el("p", { id: "consent-progress", class: "consent-progress-text" }),
    progressBar: el("progress", { class: "consent-progress-bar", max: 1, value: 0, "aria-hidden": "true" }),
    error: el("div", { id: "consent-error", class: "notice notice-problem", role: "alert", hidden: true }),
    step: el("div", { id: "consent-step", class: "consent-step", "data-step": "setup" }),
    declinePanel: el("div", { id: "consent-decline-panel", class: "panel consent-decline-panel", hidden: true }),
    back: el("button", { id: "consent-back", type: "button", class: "secondary", onclick: () => go(-1) }, "Back"),
    decline: el("button", { id: "consent-decline", type: "button", class: "secondary consent-decline", onclick: openDecline }, "Decline"),
    next: el("button", { id: "consent-next", type: "button", class: "primary", onclick: () => go(1), "aria-describedby": "consent-next-why" }, "Next"),
    nextWhy: el("p", { id: "consent-next-why", class: "muted consent-next-why", hidden: true }),
  };
  V.progress = el("div", { class: "consent-progress" }, V.progressText, V.progressBar);
  V.nav = el("div", { class: "consent-nav" },
    V.back, V.decline, el("span", { class: "consent-nav-gap" }), V.nextWhy, V.next);
  replace(root,
    el("div", { class: "consent-wizard" },
      V.title, V.progress, V.error, V.step, V.declinePanel, V.nav));
  root.classList.add("consent-screen");

  const [form, courses] = await Promise.allSettled([
    app.call("consent_form"),
    app.call("course_list"),
  ]);
  if (!S || S.token !== token) return; // left while loading
  if (courses.status === "fulfilled" && Array.isArray(courses.value)) {
    S.courses = courses.value.filter((c) => String(c.ends_on) >= today());
    S.endedCourses = courses.value.filter((c) => String(c.ends_on) < today());
  } else {
    S.courseProblem = courses.status === "rejected" ? errorText(courses.reason) : "";
  }
  if (S.courseId && !courseById(S.courseId)) S.courseId = "";
  if (form.status === "rejected") {
    showError(`The consent form could not be loaded: ${errorText(form.reason)}`);
    replace(V.step, el("button", {
      type: "button", class: "primary", onclick: () => show(root, app, params),
    }, "Try again"));
    V.nav.hidden = true;
    return;
  }
  S.form = form.value;
  const { title, sections } = formSections(form.value);
  S.formTitle = title;
  S.sections = sections;
  S.steps = stepNames(sections.length);
  render(false);
}

/** Called before another screen is shown: the pad stops listening; answers are dropped. */
export function leave() {
  if (pad) pad.destroy();
  pad = null;
  S = null;
  V = null;
}

function showError(message) {
  if (!V) return;
  V.error.hidden = !message;
  replace(V.error, message || "");
}

/** Reads the shown step's fields into S (before leaving the step in either direction). */
function collect() {
  const q = (sel) => V.step.querySelector(sel);
  switch (step()) {
    case "setup": {
      S.clientCode = oneLine(q("#consent-client-code")?.value).toUpperCase();
      S.courseId = q("#consent-course")?.value ?? "";
      S.destroyBy = q("#consent-destroy-by")?.value ?? "";
      break;
    }
    case "choices": {
      S.purposes = new Set([...V.step.querySelectorAll("input[name=purpose]:checked")].map((i) => i.value));
      S.audience = new Set([...V.step.querySelectorAll("input[name=audience]:checked")].map((i) => i.value));
      S.caseStudy = q("input[name=case-study]:checked")?.value || "none";
      break;
    }
    case "sign": {
      S.clientName = q("#client-name")?.value ?? "";
      if (pad) S.signature = pad.snapshot();
      break;
    }
    case "countersign": {
      S.counsellorName = q("#counsellor-name")?.value ?? "";
      break;
    }
    default:
  }
}

/** Marks a field invalid with its message (or clears it). */
function fieldError(input, errorNode, message) {
  if (!errorNode) return;
  errorNode.hidden = !message;
  replace(errorNode, message || "");
  if (input) {
    if (message) input.setAttribute("aria-invalid", "true");
    else input.removeAttribute("aria-invalid");
  }
}

/** Checks the shown step; shows what is missing next to the field. Returns whether it passes. */
function validate() {
  const q = (sel) => V.step.querySelector(sel);
  switch (step()) {
    case "setup": {
      let first = null;
      const code = q("#consent-client-code");
      const codeOk = CLIENT_CODE.test(S.clientCode) && /\d/.test(S.clientCode);
      fieldError(code, q("#consent-client-code-error"), codeOk ? "" : S.clientCode
        ? "This is not a client code. Use a pseudonym such as C-017 (capital letters, digits and hyphens, starting with a letter, with at least one digit), never the client's name."
        : "Enter the client's code, for example C-017.");
      if (!codeOk) first = first || code;
      if (!S.courseId) {
        const date = q("#consent-destroy-by");
        let message = "";
        if (!S.destroyBy) message = "Choose the date by which the recordings will be destroyed.";
        else if (S.destroyBy < today()) message = "This date has already passed: choose a date from today on.";
        fieldError(date, q("#consent-destroy-by-error"), message);
        if (message) first = first || date;
      }
      if (first) first.focus();
      return !first;
    }
    case "choices": {
      let message = "";
      let focus = null;
      if (S.purposes.size === 0) {
        message = "Please choose at least one use for the recording.";
        focus = q("input[name=purpose]:not(:disabled)");
      }
      const boxes = V.step.querySelectorAll("input[name=purpose]");
      for (const box of boxes) {
        if (message) box.setAttribute("aria-invalid", "true");
        else box.removeAttribute("aria-invalid");
      }
      const error = q("#purpose-error");
      error.hidden = !message;
      replace(error, message);
      if (!message && !S.courseId && (S.purposes.has("coursework") || S.caseStudy === "coursework")) {
        showError("Coursework is only for a training course, and no course was chosen at the start. Ask your counsellor.");
        return false;
      }
      if (focus) focus.focus();
      return !message;
    }
    case "sign": {
      const ok = Boolean(pad && !pad.isEmpty() && oneLine(S.clientName));
      if (!ok) showError("To continue, sign in the box (or use your typed name) and type your name.");
      return ok;
    }
    case "countersign":
      return Boolean(oneLine(S.counsellorName));
    default:
      return true;
  }
}

function go(delta) {
  if (!S || S.busy) return;
  collect();
  showError("");
  if (delta > 0 && !validate()) return;
  S.index = Math.max(0, Math.min(S.steps.length - 1, S.index + delta));
  render(true);
}

function goTo(name) {
  if (!S) return;
  collect();
  showError("");
  const index = S.steps.indexOf(name);
  if (index >= 0) S.index = index;
  render(true);
}

/** Shows the current step. */
function render(moveFocus) {
  if (pad) pad.destroy();
  pad = null;
  const name = step();
  V.step.dataset.step = name;
  // The form, the choices, signing and declining are the client's: the rest of SessionVault
  // is out of reach while the client holds the screen.
  if (S.app.clientView) {
    S.app.clientView(name.startsWith("form-") || name === "choices" || name === "sign"
      || S.declining);
  }
  V.step.hidden = S.declining;
  V.declinePanel.hidden = !S.declining;
  const total = S.steps.length - 1;
  const done = name === "done";
  V.progress.hidden = done;
  replace(V.progressText, `Step ${S.index + 1} of ${total}`);
  V.progressBar.max = total;
  V.progressBar.value = S.index + 1;
  V.nav.hidden = done || S.declining;
  V.back.hidden = S.index === 0;
  V.decline.hidden = name === "setup" || done;
  V.next.hidden = name === "countersign" || done;
  V.next.disabled = false;
  V.nextWhy.hidden = true;
  V.next.textContent = name === "setup" ? "Next: hand to the client" : "Next";

  let content;
  if (name === "setup") content = setupStep();
  else if (name.startsWith("form-")) content = formStep(Number(name.slice(5)) - 1);
  else if (name === "choices") content = choicesStep();
  else if (name === "sign") content = signStep();
  else if (name === "countersign") content = countersignStep();
  else content = resultView();
  replace(V.step, content);
  if (name === "sign") updateSignBlock();
  if (moveFocus) {
    const heading = V.step.querySelector("h3");
    if (heading) heading.focus();
  }
}

function heading(text) {
  return el("h3", { class: "consent-step-title", tabindex: "-1" }, text);
}

function errorLine(id) {
  return el("p", { id, class: "field-error", hidden: true });
}

// --- steps --------------------------------------------------------------------------------

function setupStep() {
  const dateWrap = el("div", { class: "field", id: "consent-destroy-by-field" },
    el("label", { for: "consent-destroy-by" }, "Destroy the recordings by"),
    el("p", { id: "consent-destroy-by-hint", class: "hint" },
      "For supervision or further training, not for a course: the recordings are destroyed on this date at the latest."),
    el("input", {
      id: "consent-destroy-by", type: "date", required: true, min: today(),
      value: S.destroyBy, "aria-describedby": "consent-destroy-by-hint consent-destroy-by-error",
    }),
    errorLine("consent-destroy-by-error"));
  const courseNote = el("p", { id: "consent-course-note", class: "hint", "aria-live": "polite" });
  const select = el("select", {
    id: "consent-course", "aria-describedby": "consent-course-note",
    onchange: () => update(),
  },
  el("option", { value: "" }, "Not for a course (supervision or further training)"),
  S.courses.map((c) => el("option", { value: c.id, selected: c.id === S.courseId }, courseLabel(c))));
  function update() {
    const course = courseById(select.value);
    dateWrap.hidden = Boolean(course);
    replace(courseNote, course
      ? `The recordings are destroyed when the course ends, on ${formatDate(course.ends_on)}.`
      : "Choose the date by which the recordings will be destroyed.");
  }
  select.value = S.courseId;
  update();
  return el("div", { class: "stack consent-setup" },
    heading("Before you start (for the counsellor)"),
    el("div", { class: "field" },
      el("label", { for: "consent-client-code" }, "Client code"),
      el("p", { id: "consent-client-code-hint", class: "hint" },
        "A pseudonym such as C-017, never the client's name."),
      el("input", {
        id: "consent-client-code", type: "text", value: S.clientCode, autocomplete: "off",
        spellcheck: "false", autocapitalize: "characters", maxlength: "16", size: "12",
        "aria-describedby": "consent-client-code-hint consent-client-code-error",
      }),
      errorLine("consent-client-code-error")),
    el("div", { class: "field" },
      el("label", { for: "consent-course" }, "Training course the recordings are for"),
      select,
      courseNote,
      S.courseProblem ? el("p", { class: "field-error" }, `Courses could not be loaded: ${S.courseProblem}`) : null,
      S.courses.length === 0 && (S.endedCourses || []).length > 0
        ? el("p", { class: "hint" }, "Every course on the list has ended; consent cannot be given for an ended course.")
        : null),
    dateWrap,
    el("div", { class: "notice consent-handover" },
      el("p", {}, el("strong", {}, "Next, hand the screen to your client."),
        " They read the form one part at a time, choose what they agree to and sign. They can decline on any step. You countersign at the end.")));
}

function formStep(i) {
  const section = S.sections[i] || { title: "", body: "" };
  const paragraphs = String(section.body).split(/\n+/).map((p) => p.trim()).filter(Boolean);
  return el("div", { class: "consent-form-text" },
    el("p", { class: "consent-form-meta" },
      S.formTitle ? el("span", { class: "consent-form-name" }, S.formTitle) : null,
      el("span", { id: "consent-form-version", class: "consent-form-version" },
        `Form version ${S.form?.version ?? ""}`),
      el("span", { class: "consent-form-part" }, `Part ${i + 1} of ${S.sections.length}`)),
    heading(section.title || `Part ${i + 1}`),
    paragraphs.map((p) => el("p", {}, p)));
}

function choicesStep() {
  const hasCourse = Boolean(S.courseId);
  const course = courseById(S.courseId);
  const check = (name, value, label, { disabled = false, checked = false, note = null, describedBy = null } = {}) => {
    const id = `choice-${name}-${value}`;
    const noteId = note ? `${id}-note` : null;
    return el("div", { class: "choice" },
      el("input", {
        type: name === "case-study" ? "radio" : "checkbox", id, name, value,
        checked, disabled,
        "aria-describedby": [noteId, describedBy].filter(Boolean).join(" ") || null,
      }),
      el("label", { for: id }, label, note ? el("span", { id: noteId, class: "choice-note" }, note) : null));
  };
  return el("div", { class: "stack consent-choices consent-large" },
    heading("Your choices"),
    el("p", {}, "Choose what you agree to. You can change your mind later by telling your counsellor."),
    el("fieldset", { class: "choice-group", "aria-describedby": "purpose-hint purpose-error" },
      el("legend", {}, "What may the recording be used for?"),
      el("p", { id: "purpose-hint", class: "hint" }, "Choose at least one."),
      PURPOSES.map(([value, label]) => check("purpose", value, label, {
        checked: S.purposes.has(value) && (hasCourse || value !== "coursework"),
        disabled: value === "coursework" && !hasCourse,
        note: value === "coursework"
          ? hasCourse ? `The course: ${course ? course.name : "the one your counsellor named"}.`
            : "Only when the recording is for a training course; this one is not."
          : null,
        describedBy: "purpose-error",
      })),
      el("p", { id: "purpose-error", class: "field-error", role: "alert", hidden: true })),
    el("fieldset", { class: "choice-group", "aria-describedby": "audience-hint" },
      el("legend", {}, "Who else may hear the recording?"),
      el("p", { id: "audience-hint", class: "hint" },
        "Your counsellor can always listen to it. Tick anyone else you agree may hear it, or none."),
      AUDIENCE.map(([value, label]) => check("audience", value, label, { checked: S.audience.has(value) }))),
    el("fieldset", { class: "choice-group", "aria-describedby": "case-study-hint" },
      el("legend", {}, "May your counsellor write a case study about you?"),
      el("p", { id: "case-study-hint", class: "hint" },
        "A case study is a written report about the issues you brought and how your counsellor helped. A case study for the counselling service is a permanent record: it is kept after the recordings are destroyed."),
      CASE_STUDY.map(([value, label, note]) => check("case-study", value, label, {
        checked: S.caseStudy === value && (hasCourse || value !== "coursework"),
        disabled: value === "coursework" && !hasCourse,
        note: value === "coursework" && !hasCourse
          ? `${note} Only when the recording is for a training course; this one is not.` : note,
      }))));
}

/** The choices in plain words. */
function summary() {
  const course = courseById(S.courseId);
  const purposes = [...S.purposes].map((p) => PURPOSE_WORDS[p] || p);
  const audience = [...S.audience].map((a) => AUDIENCE_WORDS[a] || a);
  return el("ul", { class: "consent-summary" },
    el("li", {}, "Your sessions are recorded as sound only, never as video."),
    el("li", {}, `The recordings are used for ${words(purposes)}.`),
    el("li", {}, audience.length > 0
      ? `They may be heard by ${words(["your counsellor", ...audience])}.`
      : "Only your counsellor will hear them."),
    el("li", {}, CASE_WORDS[S.caseStudy] || ""),
    el("li", {}, course
      ? `They are destroyed when the course "${course.name}" ends, on ${formatDate(course.ends_on)}.`
      : `They are destroyed by ${formatDate(S.destroyBy)} at the latest.`),
    el("li", {}, "You can withdraw at any time by telling your counsellor: what was recorded is then destroyed."));
}

function signStep() {
  const svg = makePadSvg({
    "aria-labelledby": "signature-label",
    "aria-describedby": "signature-help signature-status",
  });
  const status = el("p", { id: "signature-status", class: "signature-status", "aria-live": "polite" });
  const nameError = errorLine("signature-name-error");
  const name = el("input", {
    id: "client-name", type: "text", value: S.clientName, autocomplete: "off", maxlength: "200",
    spellcheck: "false", "aria-describedby": "client-name-hint signature-name-error",
    oninput: () => { S.clientName = name.value; fieldError(name, nameError, ""); updateSignBlock(); },
  });
  const block = el("div", { class: "stack consent-sign consent-large" },
    heading("Your signature"),
    el("p", {}, "You are agreeing to this:"),
    summary(),
    el("div", { class: "field" },
      el("label", { for: "client-name" }, "Your name"),
      el("p", { id: "client-name-hint", class: "hint" }, "Kept with this consent record only; it is never used in the names of files."),
      name,
      nameError),
    el("div", { class: "signature-field", role: "group", "aria-labelledby": "signature-label", "aria-describedby": "signature-help" },
      el("p", { id: "signature-label", class: "signature-label" }, "Sign in the box with your finger, a pen or the mouse"),
      el("p", { id: "signature-help", class: "hint" },
        "If you would rather not draw, or use a keyboard, type your name above and choose “Use my typed name as my signature”."),
      el("div", { class: "signature-frame" }, svg),
      status,
      el("div", { class: "row signature-actions" },
        el("button", { id: "signature-undo", type: "button", class: "secondary", onclick: () => pad && pad.undo() }, "Undo last stroke"),
        el("button", { id: "signature-clear", type: "button", class: "secondary", onclick: () => pad && pad.clear() }, "Clear"),
        el("button", {
          id: "signature-from-name", type: "button", class: "secondary",
          onclick: () => {
            const typed = oneLine(name.value);
            if (!typed) {
              fieldError(name, nameError, "Type your name first, then choose this button again.");
              name.focus();
              return;
            }
            if (pad) pad.fromName(typed);
          },
        }, "Use my typed name as my signature"))));
  pad = new SignaturePad(svg, {
    onChange: () => {
      if (!S) return;
      S.signature = pad ? pad.snapshot() : [];
      updateSignBlock();
    },
  });
  pad.restore(S.signature);
  return block;
}

/** Next on the sign step waits for a signature and a name. */
function updateSignBlock() {
  if (!S || step() !== "sign" || !pad) return;
  const hasSignature = !pad.isEmpty();
  const hasName = Boolean(oneLine(S.clientName));
  const status = V.step.querySelector("#signature-status");
  if (status) {
    const text = hasSignature ? "Signed." : "Not signed yet.";
    if (status.textContent !== text) replace(status, text);
  }
  const missing = [];
  if (!hasSignature) missing.push("sign in the box (or use your typed name)");
  if (!hasName) missing.push("type your name");
  V.next.disabled = missing.length > 0;
  V.nextWhy.hidden = missing.length === 0;
  replace(V.nextWhy, missing.length ? `To continue, ${words(missing)}.` : "");
}

function countersignStep() {
  const course = courseById(S.courseId);
  const submit = el("button", { id: "consent-submit", type: "button", class: "primary", onclick: submitConsent },
    "Sign and save the consent");
  const name = el("input", {
    id: "counsellor-name", type: "text", value: S.counsellorName, autocomplete: "name", maxlength: "200",
    "aria-describedby": "counsellor-name-error",
    oninput: () => { S.counsellorName = name.value; },
  });
  return el("div", { class: "stack consent-countersign" },
    heading("Countersign (for the counsellor)"),
    el("p", { class: "notice consent-handover" }, el("strong", {}, "Please hand the screen back to your counsellor.")),
    el("dl", { class: "consent-facts" },
      el("dt", {}, "Client code"), el("dd", {}, S.clientCode),
      el("dt", {}, course ? "Course" : "Destroy by"),
      el("dd", {}, course ? courseLabel(course) : formatDate(S.destroyBy)),
      el("dt", {}, "Uses"), el("dd", {}, [...S.purposes].join(", ")),
      el("dt", {}, "Besides you"), el("dd", {}, S.audience.size ? [...S.audience].join(", ") : "nobody"),
      el("dt", {}, "Case study"), el("dd", {}, S.caseStudy),
      el("dt", {}, "Form version"), el("dd", {}, S.form?.version ?? "")),
    el("div", { class: "field" },
      el("label", { for: "counsellor-name" }, "Your name (counsellor)"),
      name,
      errorLine("counsellor-name-error")),
    el("p", { class: "hint" },
      "By signing you confirm you explained why you want to record, what will happen to the recording and whether you will write a case study, and that the client signed this form."),
    el("div", { class: "row" }, submit));
}

async function submitConsent() {
  if (!S || S.busy) return;
  collect();
  showError("");
  const name = V.step.querySelector("#counsellor-name");
  const counsellorName = oneLine(S.counsellorName);
  if (!counsellorName) {
    fieldError(name, V.step.querySelector("#counsellor-name-error"), "Type your name to countersign.");
    name.focus();
    return;
  }
  fieldError(name, V.step.querySelector("#counsellor-name-error"), "");
  if (S.signature.length === 0 || !oneLine(S.clientName)) {
    showError("The client has not signed yet: go back to the signature step.");
    return;
  }
  const input = {
    clientCode: S.clientCode,
    courseId: S.courseId || null,
    destroyBy: S.courseId ? null : S.destroyBy || null,
    purposes: [...S.purposes],
    audience: [...S.audience],
    caseStudy: S.caseStudy,
    clientName: oneLine(S.clientName),
    signatureSvg: signatureSvg(S.signature),
    counsellorName,
  };
  const button = V.step.querySelector("#consent-submit");
  await busy(button, "Saving…", async () => {
    try {
      const record = await S.app.call("consent_grant", { input });
      finish("granted", record);
    } catch (error) {
      showFieldProblem(error);
    }
  });
}

/** A refusal from the core: shown above the step, with a way back to the step it is about. */
function showFieldProblem(error) {
  if (!S) return;
  const message = errorText(error);
  showError(message);
  const about = /^(client code|course|destroy-by date)/i.test(message) ? "setup"
    : /^(purpose|audience|case study)/i.test(message) ? "choices"
      : /^(client name|client signature|attachment|the (svg|file))/i.test(message) ? "sign" : null;
  if (about && step() !== about) {
    V.error.append(" ", el("button", { type: "button", class: "secondary", onclick: () => goTo(about) },
      about === "setup" ? "Change the details" : about === "choices" ? "Change the choices" : "Back to the signature"));
  }
}

async function busy(button, text, work) {
  S.busy = true;
  const label = button ? button.textContent : "";
  if (button) { button.disabled = true; button.textContent = text; }
  V.step.setAttribute("aria-busy", "true");
  try {
    await work();
  } finally {
    if (S) S.busy = false;
    if (button && button.isConnected) { button.disabled = false; button.textContent = label; }
    if (V) V.step.removeAttribute("aria-busy");
  }
}

// --- decline -----------------------------------------------------------------------------

function openDecline() {
  if (!S || S.busy) return;
  collect();
  showError("");
  S.declining = true;
  const problem = el("div", { id: "consent-decline-problem", class: "notice notice-problem", role: "alert", hidden: true });
  const confirm = el("button", {
    id: "consent-decline-confirm", type: "button", class: "primary",
    onclick: async () => {
      await busy(confirm, "Saving…", async () => {
        try {
          const record = await S.app.call("consent_decline", {
            clientCode: S.clientCode,
            courseId: S.courseId || null,
            counsellorName: null,
          });
          finish("declined", record);
        } catch (error) {
          problem.hidden = false;
          replace(problem, errorText(error));
        }
      });
    },
  }, "Yes, I decline");
  replace(V.declinePanel,
    el("h3", { class: "consent-step-title", tabindex: "-1" }, "You would rather not be recorded"),
    el("div", { class: "consent-large" },
      el("p", {}, "That is completely fine. You do not have to agree."),
      el("p", {}, el("strong", {}, "Declining will not affect the service you receive in any way.")),
      el("p", {}, "Nothing will be recorded. Your counsellor keeps a short note that you declined, so that you are not asked again.")),
    problem,
    el("div", { class: "row" },
      confirm,
      el("button", {
        id: "consent-decline-cancel", type: "button", class: "secondary",
        onclick: () => { if (S.busy) return; S.declining = false; render(true); },
      }, "Go back")));
  render(false);
  V.declinePanel.querySelector("h3").focus();
}

// --- result ------------------------------------------------------------------------------

function finish(decision, record) {
  if (!S) return;
  S.result = { decision, record };
  S.declining = false;
  // The client's name and signature are in the signed record now: drop the copies here.
  S.clientName = "";
  S.signature = [];
  S.index = S.steps.length - 1;
  render(true);
}

function resultView() {
  const { decision, record } = S.result || {};
  const id = record?.id ?? "";
  const app = S.app;
  const code = record?.client_code || S.clientCode;
  const savePdf = el("button", {
    id: "consent-save-pdf", type: "button", class: "secondary",
    onclick: async () => {
      await busy(savePdf, "Saving…", async () => {
        try {
          const answer = await app.call("consent_save_pdf", { id });
          if (answer && answer.saved) app.notify(`Saved ${answer.file_name ?? "the consent PDF"}`, "ok");
          else app.notify("The consent PDF was not saved.", "info");
        } catch (error) {
          app.notify(errorText(error), "problem");
        }
      });
    },
  }, "Save consent PDF");
  const toClient = el("button", {
    type: "button", class: "secondary", onclick: () => app.go("clients", { client: code }),
  }, `Go to client ${code}`);
  if (decision === "declined") {
    return el("div", { id: "consent-result", class: "notice notice-ok consent-result", "data-state": "declined" },
      heading("Thank you"),
      el("p", { class: "consent-large" },
        "Nothing will be recorded. Declining will not affect the service you receive in any way."),
      el("p", {}, "The decline is recorded as ", el("code", { id: "consent-result-id" }, id), "."),
      el("div", { class: "row" }, savePdf, toClient));
  }
  const course = courseById(record?.course_id ?? S.courseId);
  return el("div", { id: "consent-result", class: "notice notice-ok consent-result", "data-state": "granted" },
    heading("Consent recorded"),
    el("p", {}, `Signed on form version ${record?.form_version ?? S.form?.version ?? ""} for client ${code}. `,
      course ? `Recordings are destroyed when the course ends, on ${formatDate(course.ends_on)}.`
        : record?.destroy_by ? `Recordings are destroyed by ${formatDate(record.destroy_by)}.` : ""),
    el("p", {}, "Record id: ", el("code", { id: "consent-result-id" }, id)),
    el("div", { class: "row" },
      el("button", {
        id: "consent-record-now", type: "button", class: "primary",
        onclick: () => app.go("record", { consentId: id }),
      }, "Record a session now"),
      savePdf, toClient));
}
