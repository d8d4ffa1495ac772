// The shred screen: choose what to destroy, see exactly what goes and what stays, confirm once,
// watch the steps, and get a signed destruction certificate; every certificate stays viewable.
import { el, replace, byId as $ } from "../lib/dom.js";
import { plural, errorText } from "../lib/text.js";
import { formatTime, formatDateTime, formatDate } from "../lib/time.js";

const KINDS = [
  ["course", "A course"],
  ["recording", "One recording"],
  ["client", "Everything of one client"],
];
const KIND_WORDS = {
  course: "course",
  recording: "recording",
  client: "client",
  consent: "consent",
};
const STEP_WORDS = {
  "crypto-erase": "Erasing keys",
  overwrite: "Overwriting files",
  rows: "Deleting the database rows",
  vacuum: "Compacting the database",
  "re-key": "Re-encrypting the database under a new key",
  certificate: "Signing the certificate",
};

/** Error codes of shreds refused before anything was destroyed. */
const NOT_STARTED = new Set(["nothing_to_shred", "still_recording", "locked", "no_shell"]);

/** The screen while shown. */
let screen = null;

/** A recording's length on a certificate or in a preview: frames over their rate, or the
 *  seconds a certificate of format 1 holds; "unknown" when the rate is not known. */
function lengthText(d) {
  if (typeof d?.seconds === "number") return formatTime(d.seconds);
  return d?.sample_rate ? formatTime(d.frames / d.sample_rate) : "unknown";
}

function day(text) {
  const d = String(text ?? "").slice(0, 10);
  return /^\d{4}-\d{2}-\d{2}$/.test(d) ? formatDate(d) : String(text ?? "");
}

function showProblem(error, retry) {
  const box = $("shred-problem");
  if (!box) return;
  if (!error) {
    box.replaceChildren();
    box.hidden = true;
    delete box.dataset.code;
    return;
  }
  box.dataset.code = error.code ?? "";
  const children = [el("p", {}, errorText(error))];
  if (retry) {
    children.push(el("p", {}, "Anything listed as destroyed is gone for good. Running the shred again " +
      "finishes it from where it stopped."));
    children.push(el("button", { id: "shred-finish", type: "button", class: "danger", onclick: retry },
      "Finish the shred"));
  }
  replace(box, children);
  box.hidden = false;
}

// ---------------------------------------------------------------------------------------------
// Choosing the target

function targetLabel(kind, id) {
  const lists = screen?.lists;
  if (kind === "course") {
    const course = lists?.courses.find((c) => String(c.id) === id);
    return course ? `the course ${course.name}` : `the course ${id}`;
  }
  if (kind === "recording") {
    const r = lists?.recordings.find((x) => x.id === id);
    return r ? `the recording of ${r.client_code} from ${formatDateTime(r.started_at)}` : `recording ${id}`;
  }
  if (kind === "client") return `everything of client ${id}`;
  if (kind === "consent") return `the recordings under consent ${id}`;
  return id;
}

function idOptions(kind) {
  const lists = screen.lists;
  if (kind === "course") {
    return lists.courses.map((c) => [String(c.id), `${c.name} (ends ${day(c.ends_on)})`]);
  }
  if (kind === "recording") {
    return lists.recordings
      .filter((r) => r.state !== "recording")
      .sort((a, b) => String(b.started_at).localeCompare(String(a.started_at)))
      .map((r) => [r.id, `${r.client_code} — ${formatDateTime(r.started_at)} — ${formatTime(r.seconds)}`]);
  }
  if (kind === "client") {
    const codes = [...new Set(lists.consents.map((c) => c.client_code))].sort();
    return codes.map((code) => [code, code]);
  }
  if (kind === "consent") {
    return lists.consents.map((c) => [c.id, `${c.client_code} — consent signed ${day(c.signed_at)} (${c.state})`]);
  }
  return [];
}

function fillIds(kind, preselect) {
  const select = $("shred-id");
  if (!select) return;
  const options = idOptions(kind);
  if (preselect && !options.some(([value]) => value === preselect)) options.unshift([preselect, preselect]);
  const prompt = options.length ? "Choose…" : `Nothing to choose: no ${KIND_WORDS[kind]}s`;
  replace(select, el("option", { value: "" }, prompt),
    options.map(([value, label]) => el("option", { value }, label)));
  select.value = preselect && options.some(([value]) => value === preselect) ? preselect : "";
  const label = $("shred-id-label");
  if (label) {
    label.textContent = { course: "Course", recording: "Recording", client: "Client", consent: "Consent" }[kind]
      ?? "Which";
  }
}

function onKindChange() {
  fillIds($("shred-kind").value, null);
  clearPreview();
}

function onIdChange() {
  const kind = $("shred-kind").value;
  const id = $("shred-id").value;
  if (id) loadPreview(kind, id);
  else clearPreview();
}

// ---------------------------------------------------------------------------------------------
// Preview

function setConfirm(count) {
  const button = $("shred-confirm");
  if (!button) return;
  button.disabled = !(count > 0);
  button.textContent = count > 0
    ? `Destroy ${plural(count, "recording", "recordings")} permanently`
    : "Destroy permanently";
}

function clearPreview() {
  if (!screen) return;
  screen.preview = null;
  const box = $("shred-preview");
  if (box) {
    replace(box, el("p", { class: "muted" }, "Choose what to shred to see exactly what will be destroyed."));
    box.dataset.state = "empty";
  }
  setConfirm(0);
  showProblem(null);
}

async function loadPreview(kind, id, keepProblem = false) {
  if (!screen) return;
  const current = screen;
  const box = $("shred-preview");
  box.setAttribute("aria-busy", "true");
  setConfirm(0);
  if (!keepProblem) showProblem(null);
  replace(box, el("p", { class: "muted" }, "Working out what will be destroyed…"));
  try {
    const preview = await current.app.call("shred_preview", { kind, id });
    if (screen !== current || $("shred-kind").value !== kind || $("shred-id").value !== id) return;
    current.preview = { kind, id, value: preview };
    renderPreview(box, kind, id, preview);
  } catch (error) {
    if (screen !== current) return;
    current.preview = null;
    box.dataset.state = "problem";
    replace(box, el("p", {}, errorText(error)));
  } finally {
    box.removeAttribute("aria-busy");
  }
}

function renderPreview(box, kind, id, preview) {
  const items = preview.items ?? [];
  const copies = preview.outstanding_copies ?? [];
  const byRecording = new Map(items.map((i) => [i.recording_id, i]));
  const parts = [];
  const label = preview.target?.label ? `${KIND_WORDS[kind]} ${preview.target.label}` : targetLabel(kind, id);
  parts.push(el("h3", {}, items.length
    ? `What will be destroyed: ${plural(items.length, "recording", "recordings")} of ${label}`
    : `Nothing to destroy for ${label}`));
  if (preview.resumes) {
    parts.push(el("p", { class: "notice notice-warning", id: "shred-resumes" },
      "An earlier shred of this was interrupted part-way. Confirming finishes it: what it already " +
      "destroyed stays destroyed."));
  }
  if (items.length) {
    parts.push(el("table", { class: "list shred-items" },
      el("caption", { class: "sr-only" }, "Recordings that will be destroyed"),
      el("thead", {}, el("tr", {},
        el("th", { scope: "col" }, "Client"),
        el("th", { scope: "col" }, "Recorded"),
        el("th", { scope: "col" }, "Length"),
        el("th", { scope: "col" }, "Bookmarks"),
        preview.resumes ? el("th", { scope: "col" }, "Already done") : null)),
      el("tbody", {}, items.map((item) => el("tr", { "data-recording-id": item.recording_id },
        el("td", {}, item.client_code),
        el("td", {}, formatDateTime(item.recorded_at)),
        el("td", {}, lengthText(item)),
        el("td", {}, String(item.bookmarks ?? 0)),
        preview.resumes ? el("td", {}, [
          item.key_erased ? "key erased" : null,
          item.file_destroyed ? "file removed" : null,
          item.rows_deleted ? "rows deleted" : null,
        ].filter(Boolean).join(", ") || "nothing yet")
          : null)))));
    parts.push(el("p", { class: "muted" }, "With each recording go its encryption key, its sealed file, its " +
      "waveform, its bookmarks and its database rows. This cannot be undone."));
  } else {
    parts.push(el("p", {}, "There are no recordings to destroy here."));
  }
  if (copies.length) {
    parts.push(el("div", { class: "notice notice-warning outstanding" },
      el("h4", {}, `Copies outside the vault you must destroy yourself (${copies.length})`),
      el("p", {}, "These were exported or shared earlier. Shredding cannot reach them; they are listed on the certificate."),
      el("ul", {}, copies.map((c) => el("li", {},
        `${byRecording.get(c.recording_id)?.client_code ?? c.recording_id}: ${c.kind}, made ${formatDateTime(c.made_at)}, `,
        el("strong", {}, c.location))))));
  }
  if ((preview.kept ?? []).length) {
    parts.push(el("div", { class: "kept" },
      el("h4", {}, "What is kept"),
      el("ul", {}, preview.kept.map((k) => el("li", {}, k)))));
  }
  box.dataset.state = items.length ? "ready" : "empty";
  replace(box, parts);
  setConfirm(items.length);
}

// ---------------------------------------------------------------------------------------------
// Running

async function runShred(kind, id) {
  if (!screen || screen.running) return;
  const current = screen;
  const app = current.app;
  current.running = true;
  showProblem(null);
  const confirm = $("shred-confirm");
  confirm.disabled = true;
  $("shred-kind").disabled = true;
  $("shred-id").disabled = true;
  const wrap = $("shred-progress-wrap");
  const bar = $("shred-progress");
  const step = $("shred-step");
  wrap.hidden = false;
  bar.removeAttribute("value");
  bar.max = 1;
  step.textContent = "Starting…";
  const channel = app.channel((message) => {
    if (!message || typeof message !== "object") return;
    const total = Number(message.total) || 0;
    const done = Number(message.done) || 0;
    const progress = $("shred-progress");
    if (progress && total > 0) {
      progress.max = total;
      progress.value = Math.min(done, total);
      progress.setAttribute("aria-valuetext", `${done} of ${total} steps`);
    }
    const words = $("shred-step");
    if (words) words.textContent = `${STEP_WORDS[message.step] ?? message.step} — ${done} of ${total}`;
  });
  try {
    const outcome = await app.call("shred_run", { kind, id, onProgress: channel });
    current.running = false;
    const count = outcome?.certificate?.certificate?.destroyed?.length ?? 0;
    app.notify(`Destroyed ${plural(count, "recording", "recordings")}; certificate issued`, "ok");
    if (screen !== current) return;
    const words = $("shred-step");
    if (words) words.textContent = "Done: everything listed was destroyed and checked.";
    const progress = $("shred-progress");
    if (progress && progress.max > 0) progress.value = progress.max;
    showCertificate(outcome.certificate);
    await reloadLists(kind);
    clearPreview();
    $("certificate")?.focus();
  } catch (error) {
    current.running = false;
    if (screen !== current) {
      app.notify(`The shred stopped: ${errorText(error)}`, "problem");
      return;
    }
    const words = $("shred-step");
    if (words) words.textContent = "Stopped.";
    // A failure after starting may have destroyed part: running again finishes it. Refusals
    // before anything was touched get no such button.
    const refused = NOT_STARTED.has(error?.code) || /_not_found$/.test(String(error?.code ?? ""));
    showProblem(error, refused ? null : () => runShred(kind, id));
    $("shred-problem")?.focus();
    loadPreview(kind, id, true);
  } finally {
    if (screen === current) {
      $("shred-kind").disabled = false;
      $("shred-id").disabled = false;
    }
  }
}

function onConfirm() {
  if (!screen?.preview) return;
  const { kind, id, value } = screen.preview;
  if (!(value.items ?? []).length) return;
  runShred(kind, id);
}

// ---------------------------------------------------------------------------------------------
// Certificates

function yes(ok) {
  return el("span", { class: ok ? "check-ok" : "check-fail" }, ok ? "✓ yes" : "✗ no");
}

function showCertificate(signed) {
  const box = $("certificate");
  if (!box || !signed?.certificate) return;
  const c = signed.certificate;
  const target = c.target ?? {};
  const what = target.label ? `${KIND_WORDS[target.kind] ?? target.kind} ${target.label}` : `${KIND_WORDS[target.kind] ?? target.kind} ${target.id}`;
  const byRecording = new Map((c.destroyed ?? []).map((d) => [d.recording_id, d]));
  const allChecked = (c.checks ?? []).every((k) => k.key_lookup_fails && k.file_absent && k.rows_absent);
  replace(box,
    el("h3", {}, "Destruction certificate"),
    el("p", { class: allChecked ? "notice notice-ok" : "notice notice-problem" }, allChecked
      ? "Every recording listed was destroyed, and the checks afterwards found nothing left."
      : "Some checks did not pass: see below."),
    el("dl", { class: "cert-grid" },
      el("div", {}, el("dt", {}, "Certificate"), el("dd", {}, el("code", { id: "certificate-id" }, c.id))),
      el("div", {}, el("dt", {}, "Issued"), el("dd", { id: "certificate-issued" }, formatDateTime(c.issued_at))),
      el("div", {}, el("dt", {}, "What was shredded"), el("dd", {}, what)),
      el("div", {}, el("dt", {}, "Signed by (fingerprint)"),
        el("dd", {}, el("code", { id: "certificate-fingerprint" }, c.fingerprint)))),
    el("h4", {}, `Destroyed (${(c.destroyed ?? []).length})`),
    el("table", { class: "list cert-destroyed" },
      el("thead", {}, el("tr", {},
        el("th", { scope: "col" }, "Client"),
        el("th", { scope: "col" }, "Recorded"),
        el("th", { scope: "col" }, "Length"),
        el("th", { scope: "col" }, "Bookmarks"))),
      el("tbody", {}, (c.destroyed ?? []).map((d) => el("tr", { "data-recording-id": d.recording_id },
        el("td", {}, d.client_code),
        el("td", {}, formatDateTime(d.recorded_at)),
        el("td", {}, lengthText(d)),
        el("td", {}, String(d.bookmarks ?? 0)))))),
    el("h4", {}, "Checks afterwards"),
    el("table", { class: "list cert-checks" },
      el("thead", {}, el("tr", {},
        el("th", { scope: "col" }, "Recording"),
        el("th", { scope: "col" }, "Key gone from the keyring"),
        el("th", { scope: "col" }, "File gone"),
        el("th", { scope: "col" }, "No rows left"))),
      el("tbody", {}, (c.checks ?? []).map((k) => el("tr", {},
        el("td", {}, byRecording.get(k.recording_id)
          ? `${byRecording.get(k.recording_id).client_code}, ${day(byRecording.get(k.recording_id).recorded_at)}`
          : k.recording_id),
        el("td", {}, yes(k.key_lookup_fails)),
        el("td", {}, yes(k.file_absent)),
        el("td", {}, yes(k.rows_absent)))))),
    (c.outstanding_copies ?? []).length
      ? el("div", { class: "notice notice-warning" },
        el("h4", {}, "Copies outside the vault still to destroy"),
        el("ul", {}, c.outstanding_copies.map((o) => el("li", {},
          `${byRecording.get(o.recording_id)?.client_code ?? o.recording_id}: ${o.kind}, made ${formatDateTime(o.made_at)}, `,
          el("strong", {}, o.location)))))
      : el("p", {}, "No copies outside the vault are known."),
    el("details", {},
      el("summary", {}, "How it was destroyed, and what was kept"),
      el("ol", { class: "method" }, (c.method ?? []).map((m) => el("li", {}, m.replace(/^\d+\.\s*/, "")))),
      el("ul", {}, (c.kept ?? []).map((k) => el("li", {}, k)))),
    el("div", { class: "row" },
      el("button", { id: "certificate-save-pdf", type: "button", class: "primary",
        onclick: () => save("certificate_save_pdf", c.id) }, "Save as PDF"),
      el("button", { id: "certificate-save-json", type: "button", class: "secondary",
        onclick: () => save("certificate_save_json", c.id) }, "Save as JSON (signed)")));
  box.dataset.certificateId = c.id;
  box.hidden = false;
}

async function save(command, id) {
  if (!screen) return;
  try {
    const answer = await screen.app.call(command, { id });
    if (answer?.saved) screen.app.notify(`Saved ${answer.file_name ?? "the certificate"}`, "ok");
    else screen.app.notify("Not saved", "info");
  } catch (error) {
    screen?.app.notify(errorText(error), "problem");
  }
}

async function renderCertificateList() {
  if (!screen) return;
  const current = screen;
  const list = $("certificate-list");
  try {
    const all = await current.app.call("certificate_list");
    if (screen !== current) return;
    const issued = (entry) => String(entry.certificate?.issued_at ?? entry.issued_at);
    const sorted = [...(all ?? [])].sort((a, b) => issued(b).localeCompare(issued(a)));
    $("certificate-list-empty").hidden = sorted.length > 0;
    replace(list, sorted.map((signed) => {
      if (signed.status === "damaged") {
        // Its content cannot be trusted, so only the row's id and time are shown, and the problem.
        return el("li", { "data-certificate-id": signed.id, "data-status": "damaged", class: "row damaged" },
          el("span", { class: "grow" },
            el("strong", {}, formatDateTime(signed.issued_at)), " — certificate ",
            el("code", {}, signed.id), ": ",
            el("span", { class: "check-fail" }, signed.message)));
      }
      const c = signed.certificate;
      const target = c.target ?? {};
      const what = target.label ?? (target.kind === "recording"
        ? (c.destroyed?.[0]?.client_code ?? target.id) : target.id);
      return el("li", { "data-certificate-id": c.id, class: "row" },
        el("span", { class: "grow" },
          el("strong", {}, formatDateTime(c.issued_at)), " — ",
          `${KIND_WORDS[target.kind] ?? target.kind} ${what}: `,
          plural((c.destroyed ?? []).length, "recording", "recordings")),
        el("button", { type: "button", class: "secondary certificate-view",
          "aria-label": `View the certificate of ${formatDateTime(c.issued_at)}`,
          onclick: () => {
            showCertificate(signed);
            $("certificate")?.focus();
          } }, "View"));
    }));
  } catch (error) {
    if (screen !== current) return;
    replace(list, el("li", { class: "muted" }, `The certificates could not be read: ${errorText(error)}`));
  }
}

const COPY_KINDS = {
  "wav-export": "Exported sound file",
  share: "Shared clip",
  "shared-clip": "Shared clip",
  clip: "Shared clip",
  "transcript-export": "Exported transcript",
  transcript: "Exported transcript",
  // The core records a transcript or case study export with its format: `transcript-txt` …
  "transcript-txt": "Exported transcript (TXT)",
  "transcript-docx": "Exported transcript (Word)",
  "transcript-pdf": "Exported transcript (PDF)",
  "case-study-export": "Exported case study",
  "case-study": "Exported case study",
  "case-study-docx": "Exported case study (Word)",
  "case-study-pdf": "Exported case study (PDF)",
  "consent-pdf": "Printed consent record (PDF, with the client's name and signature)",
  "client-export": "Client's copy of their data",
  "subject-access": "Client's copy of their data",
};

function copyKind(kind) {
  return COPY_KINDS[kind] ?? String(kind ?? "Copy").replace(/[-_]/g, " ");
}

/** Copies outside the vault (exports, shared clips) not yet recorded as destroyed. */
async function renderCopies() {
  if (!screen) return;
  const current = screen;
  const list = $("copies-list");
  if (!list) return;
  list.setAttribute("aria-busy", "true");
  try {
    const copies = await current.app.call("copies_list", { outstandingOnly: true });
    if (screen !== current) return;
    const sorted = [...(copies ?? [])].filter((c) => !c.destroyed_at)
      .sort((a, b) => String(a.made_at).localeCompare(String(b.made_at)));
    $("copies-empty").hidden = sorted.length > 0;
    replace(list, sorted.map((c) => {
      const about = `${copyKind(c.kind)}${c.client_code ? ` of ${c.client_code}` : ""}, made ${formatDateTime(c.made_at)}`;
      return el("li", { "data-copy-id": c.id, class: "copy" },
        el("span", { class: "grow" },
          el("strong", {}, copyKind(c.kind)),
          c.client_code ? [" of ", el("span", { class: "client-code" }, c.client_code)] : null,
          `, made ${formatDateTime(c.made_at)}`,
          c.location ? el("span", { class: "detail muted" }, c.location) : null),
        el("button", { type: "button", class: "secondary copy-destroyed", "data-copy-id": c.id,
          onclick: (event) => copyDestroyed(event.currentTarget, c, about) },
        "Recipient confirmed it destroyed", el("span", { class: "sr-only" }, `: ${about}`)));
    }));
  } catch (error) {
    if (screen !== current) return;
    $("copies-empty").hidden = true;
    replace(list, el("li", { class: "muted" }, `The copies outside the vault could not be read: ${errorText(error)}`));
  } finally {
    list.removeAttribute("aria-busy");
  }
}

async function copyDestroyed(button, copy, about) {
  if (!screen) return;
  const current = screen;
  button.disabled = true;
  try {
    await current.app.call("copy_destroyed", { id: copy.id });
    current.app.notify(`Recorded as destroyed: ${about}`, "ok");
    if (screen !== current) return;
    const items = [...document.querySelectorAll("#copies-list li[data-copy-id]")];
    const index = items.findIndex((li) => li.dataset.copyId === String(copy.id));
    items[index]?.remove();
    const rest = document.querySelectorAll("#copies-list button.copy-destroyed");
    $("copies-empty").hidden = rest.length > 0;
    (rest[Math.min(index, rest.length - 1)] ?? $("copies-title"))?.focus();
  } catch (error) {
    button.disabled = false;
    current.app.notify(errorText(error), "problem");
  }
}

async function reloadLists(kind) {
  if (!screen) return;
  const current = screen;
  const [courses, recordings, consents] = await Promise.allSettled([
    current.app.call("course_list"),
    current.app.call("recordings_list"),
    current.app.call("consent_list"),
  ]);
  if (screen !== current) return;
  current.lists = {
    courses: courses.status === "fulfilled" ? courses.value ?? [] : [],
    recordings: recordings.status === "fulfilled" ? recordings.value ?? [] : [],
    consents: consents.status === "fulfilled" ? consents.value ?? [] : [],
  };
  const failed = [courses, recordings, consents].find((r) => r.status === "rejected");
  if (failed) showProblem(failed.reason);
  if (kind !== undefined) fillIds(kind, null);
  renderCertificateList();
  renderCopies();
}

// ---------------------------------------------------------------------------------------------
// Screen interface

/**
 * Shows the shred screen, optionally preselecting `{kind, id}`.
 * @param {HTMLElement} root
 * @param {object} app
 * @param {{kind?: string, id?: string}} [params]
 */
export async function show(root, app, params = {}) {
  const kind = KIND_WORDS[params?.kind] ? params.kind : "course";
  screen = { root, app, lists: { courses: [], recordings: [], consents: [] }, preview: null, running: false };
  const current = screen;
  app.shortcuts?.([]);

  const kinds = [...KINDS];
  if (kind === "consent") kinds.push(["consent", "Recordings of one consent"]);
  const kindSelect = el("select", { id: "shred-kind", onchange: onKindChange },
    kinds.map(([value, label]) => el("option", { value, selected: value === kind }, label)));
  kindSelect.value = kind;

  replace(root,
    el("h2", { id: "shred-title", tabindex: "-1" }, "Shred recordings"),
    el("p", { class: "lead" }, "Shredding destroys recordings for good: their keys, files, bookmarks and " +
      "database rows. You get a signed certificate saying what was destroyed and how."),
    el("div", { id: "shred-problem", class: "notice notice-problem", role: "alert", tabindex: "-1", hidden: true }),
    el("div", { class: "panel stack shred-choose" },
      el("div", { class: "row fields" },
        el("div", { class: "field" },
          el("label", { for: "shred-kind" }, "What to shred"), kindSelect),
        el("div", { class: "field grow" },
          el("label", { for: "shred-id", id: "shred-id-label" }, "Course"),
          el("select", { id: "shred-id", onchange: onIdChange }, el("option", { value: "" }, "Loading…"))))),
    el("section", { id: "shred-preview", class: "panel shred-preview", "aria-live": "polite",
      "aria-label": "What will be destroyed", "data-state": "empty" },
    el("p", { class: "muted" }, "Choose what to shred to see exactly what will be destroyed.")),
    el("div", { class: "row confirm-row" },
      el("button", { id: "shred-confirm", type: "button", class: "danger big", disabled: true, onclick: onConfirm },
        "Destroy permanently"),
      el("span", { class: "muted" }, "One click destroys everything listed above. There is no undo.")),
    el("div", { id: "shred-progress-wrap", class: "panel stack", hidden: true },
      el("label", { for: "shred-progress" }, "Shredding"),
      el("progress", { id: "shred-progress", max: "1" }),
      el("p", { id: "shred-step", class: "step", "aria-live": "polite" })),
    el("section", { id: "certificate", class: "panel certificate", tabindex: "-1", hidden: true,
      "aria-label": "Destruction certificate" }),
    el("section", { class: "panel copies", "aria-labelledby": "copies-title" },
      el("h3", { id: "copies-title", tabindex: "-1" }, "Copies outside the vault"),
      el("p", { class: "muted" }, "Exports and shared clips you or a recipient still hold. Shredding cannot reach " +
        "them, so they are listed on destruction certificates until you record that they were destroyed."),
      el("p", { id: "copies-empty", class: "muted", hidden: true }, "No copies outside the vault are waiting to be destroyed."),
      el("ul", { id: "copies-list", class: "copies-list cards" })),
    el("section", { class: "panel certificates", "aria-labelledby": "certificates-title" },
      el("h3", { id: "certificates-title" }, "All destruction certificates"),
      el("p", { id: "certificate-list-empty", class: "muted", hidden: true }, "No certificates yet."),
      el("ul", { id: "certificate-list", class: "certificate-list" })));

  await reloadLists();
  if (screen !== current) return;
  const preselect = params?.id ? String(params.id) : null;
  fillIds(kind, preselect);
  if (preselect) loadPreview(kind, preselect);
}

/** Leaves the screen (a running shred carries on in the shell and finishes). */
export function leave() {
  screen = null;
}
