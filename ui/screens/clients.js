// Clients: every client code with its consent records, and one client's page with their
// consents, their recordings, the consent PDFs, and withdrawal — which is as easy as consenting:
// one reason, one preview of what goes, one confirmation. Every rule is the core's.
import { el, replace, byId } from "../lib/dom.js";
import { plural, shortId, errorText } from "../lib/text.js";
import { formatTime, formatDateTime, formatDate } from "../lib/time.js";
import { RECORDING_STATE_TEXT } from "../lib/recording-states.js";

let root = null;
let app = null;
/** Bumped by every show and leave, so answers for an earlier showing are dropped. */
let generation = 0;
/** The loaded lists. */
let data = { consents: [], courses: new Map(), recordings: [], recordingsProblem: "" };
/** The client shown, if any. */
let selected = null;
/** The last withdrawal's outcome, shown on its client's page. */
let lastWithdrawal = null;

const BADGE_STATE = {
  valid: "valid",
  withdrawn: "withdrawn",
  declined: "declined",
  expired: "expired",
  "course ended": "expired",
  invalid: "faulted",
};
const STATE_TEXT = {
  valid: "Valid",
  withdrawn: "Withdrawn",
  declined: "Declined",
  expired: "Expired",
  "course ended": "Course ended",
  invalid: "Cannot be trusted",
};
/** Text the core accepts as a reason: one line, no control characters. */
function oneLine(text) {
  return String(text ?? "").replace(/[\u0000-\u001f\u007f-\u009f]+/g, " ").replace(/ {2,}/g, " ").trim();
}

function badge(state) {
  return el("span", { class: "badge", "data-state": BADGE_STATE[state] || "faulted" },
    STATE_TEXT[state] || state || "Unknown");
}

function courseName(id) {
  if (!id) return "Not for a course";
  const course = data.courses.get(id);
  return course ? course.name : "A course no longer listed";
}

function signedDate(summary) {
  const date = new Date(String(summary.signed_at || ""));
  if (Number.isNaN(date.getTime())) return String(summary.signed_at || "");
  return date.toLocaleDateString("en-GB", { day: "numeric", month: "short", year: "numeric" });
}

/** Consents grouped by client code, in the order of their newest record. */
function groups() {
  const map = new Map();
  for (const c of data.consents) {
    if (!c.client_code) continue;
    if (!map.has(c.client_code)) map.set(c.client_code, []);
    map.get(c.client_code).push(c);
  }
  return map;
}

function recordingsOf(code) {
  return data.recordings.filter((r) => r.client_code === code);
}

// --- the screen ---------------------------------------------------------------------------

export async function show(sectionRoot, appContext, params = {}) {
  root = sectionRoot;
  app = appContext;
  const mine = ++generation;
  selected = params.client ?? params.clientCode ?? null;
  replace(root,
    el("h2", { id: "clients-title" }, "Clients"),
    el("div", { class: "row clients-actions" },
      el("button", {
        id: "consent-new", type: "button", class: "primary",
        onclick: () => app.go("consent", {}),
      }, "New consent")),
    el("div", { id: "clients-problem", class: "notice notice-problem", role: "alert", hidden: true }),
    el("div", { class: "clients-layout" },
      el("nav", { class: "clients-nav", "aria-labelledby": "client-list-title" },
        el("h3", { id: "client-list-title" }, "Client codes"),
        el("p", { id: "client-list-loading", class: "muted" }, "Loading…"),
        el("ul", { id: "client-list", class: "client-list" }),
        el("div", { id: "client-list-note" })),
      el("section", { id: "client-page", class: "client-page", "aria-labelledby": "client-page-title" },
        el("h3", { id: "client-page-title", class: "sr-only" }, "Client"))));
  await load(mine);
}

export function leave() {
  generation++;
  root = null;
  app = null;
  selected = null;
  lastWithdrawal = null;
  data = { consents: [], courses: new Map(), recordings: [], recordingsProblem: "" };
}

const $ = (id) => byId(id, root);

function problem(message) {
  const node = $("clients-problem");
  if (!node) return;
  node.hidden = !message;
  replace(node, message || "");
}

/** Loads the consents, courses and recordings, then draws the list and the chosen client. */
async function load(mine) {
  const [consents, courses, recordings] = await Promise.allSettled([
    app.call("consent_list"),
    app.call("course_list"),
    app.call("recordings_list"),
  ]);
  if (mine !== generation) return;
  $("client-list-loading").hidden = true;
  if (consents.status === "rejected") {
    problem(`The consent records could not be loaded: ${errorText(consents.reason)}`);
    data.consents = [];
  } else {
    problem("");
    data.consents = Array.isArray(consents.value) ? consents.value : [];
  }
  data.courses = new Map(
    (courses.status === "fulfilled" && Array.isArray(courses.value) ? courses.value : []).map((c) => [c.id, c]),
  );
  data.recordings = recordings.status === "fulfilled" && Array.isArray(recordings.value) ? recordings.value : [];
  data.recordingsProblem = recordings.status === "rejected" ? errorText(recordings.reason) : "";
  renderList();
  if (selected) await renderClient(selected, mine);
  else renderNoClient();
}

function renderList() {
  const list = $("client-list");
  const byClient = groups();
  const unreadable = data.consents.filter((c) => !c.client_code).length;
  const items = [...byClient].map(([code, consents]) => {
    const count = recordingsOf(code).length;
    const li = el("li", {
      class: "client-item", "data-client": code,
      // A click anywhere on the row opens the client; the button inside is for the keyboard
      // (its click reaches here too).
      onclick: () => select(code),
    },
    el("button", {
      type: "button", class: "client-open", "aria-current": code === selected ? "true" : null,
    },
    el("span", { class: "client-code" }, code),
    el("span", { class: "client-count muted" },
      `${plural(consents.length, "consent record")}, ${plural(count, "recording")}`)),
    // Not <ul>/<li>: the list's items are the clients, one <li> each.
    el("div", { class: "client-consents", role: "list" },
      consents.map((c) => el("div", { role: "listitem", "data-consent-id": c.id },
        badge(c.state), " ",
        el("span", { class: "client-consent-course" }, courseName(c.course_id)),
        el("span", { class: "muted" }, ` · signed ${signedDate(c)}`),
        c.destroy_by ? el("span", { class: "muted" }, ` · destroy by ${formatDate(c.destroy_by)}`) : null))));
    return li;
  });
  replace(list, items);
  const note = $("client-list-note");
  replace(note,
    items.length === 0
      ? el("p", { class: "muted" }, "No consent records yet. Choose “New consent” to take a client's consent.")
      : null,
    unreadable > 0
      ? el("p", { class: "notice notice-problem" },
        `${plural(unreadable, "consent record")} could not be read. Check the audit log.`)
      : null);
}

async function select(code) {
  if (!root) return;
  selected = code;
  for (const button of root.querySelectorAll("#client-list .client-open")) {
    const mineNow = button.closest("li")?.dataset.client === code;
    if (mineNow) button.setAttribute("aria-current", "true");
    else button.removeAttribute("aria-current");
  }
  await renderClient(code, generation);
  const title = $("client-page-title");
  if (title) title.focus();
}

function renderNoClient() {
  replace($("client-page"),
    el("h3", { id: "client-page-title", class: "sr-only" }, "Client"),
    el("p", { class: "muted" }, "Choose a client code to see their consents and recordings."));
}

// --- one client ---------------------------------------------------------------------------

async function renderClient(code, mine) {
  const page = $("client-page");
  if (!page) return;
  const consents = groups().get(code) || [];
  // Full records say what each consent allows; a record that cannot be read still lists.
  const records = await Promise.all(consents.map((c) => app.call("consent_get", { id: c.id }).catch(() => null)));
  if (mine !== generation || selected !== code) return;
  const recordings = recordingsOf(code);
  const consentsTable = consents.length === 0
    ? el("p", { class: "muted" }, "This client has no consent records.")
    // In its own scrolling box, so a narrow window never cuts the actions off.
    : el("div", { class: "table-wrap", role: "region", tabindex: "0",
      "aria-label": `Consent records of ${code}` },
    el("table", { class: "list client-consent-table" },
      el("caption", { class: "sr-only" }, `Consent records of ${code}`),
      el("thead", {}, el("tr", {},
        ["State", "Consent", "What was agreed", "Actions"].map((h) => el("th", { scope: "col" }, h)))),
      el("tbody", {}, consents.map((c, i) => consentRow(c, records[i], recordings)))));
  const children = [
    el("h3", { id: "client-page-title", tabindex: "-1" }, `Client ${code}`),
    lastWithdrawal && lastWithdrawal.clientCode === code ? withdrawalResult(lastWithdrawal) : null,
    el("div", { class: "row client-actions" },
      el("button", {
        type: "button", class: "secondary", id: "client-consent-new",
        onclick: () => app.go("consent", { clientCode: code }),
      }, `New consent for ${code}`),
      el("button", {
        type: "button", class: "danger", id: "client-erase",
        onclick: () => app.go("shred", { kind: "client", id: code }),
      }, "Erase everything of this client"),
      el("button", {
        type: "button", class: "secondary", id: "client-export", "aria-expanded": "false",
        "aria-controls": "client-export-panel", onclick: () => toggleClientExport(code),
      }, "Give the client a copy of their data…")),
    el("div", { id: "client-export-panel", class: "panel client-export-panel", hidden: true }),
    el("h4", {}, "Consent records"),
    consentsTable,
    el("div", { id: "withdraw-panel", class: "panel withdraw-panel", hidden: true }),
    el("h4", {}, "Recordings"),
    recordingsTable(recordings),
  ];
  replace(page, children);
}

function agreed(record) {
  if (!record) return el("span", { class: "muted" }, "—");
  if (record.decision === "declined") return el("span", {}, "Declined to be recorded");
  const audience = (record.audience || []).length ? record.audience.join(", ") : "counsellor only";
  const parts = [
    el("span", { class: "agreed-line" }, `Uses: ${(record.purposes || []).join(", ")}`),
    el("span", { class: "agreed-line" }, `Heard by: ${audience}`),
    el("span", { class: "agreed-line" }, `Case study: ${record.case_study ?? "none"}`),
    el("span", { class: "agreed-line muted" }, `Form ${record.form_version ?? ""}`),
  ];
  if (record.withdrawal) {
    parts.push(el("span", { class: "agreed-line withdrawal-note" },
      `Withdrawn ${formatDateTime(record.withdrawal.at)}. What the client said: `,
      el("q", {}, record.withdrawal.reason ?? "")));
  }
  return parts;
}

function consentRow(summary, record, recordings) {
  const id = summary.id;
  const granted = summary.decision === "granted";
  const left = recordings.filter((r) => r.consent_id === id);
  const actions = [
    el("button", {
      type: "button", class: "secondary consent-save-pdf", "data-consent": id,
      onclick: (event) => savePdf(event.currentTarget, id),
    }, "Save consent PDF"),
  ];
  if (granted && summary.state === "valid") {
    actions.push(el("button", {
      type: "button", class: "danger consent-withdraw", "data-consent": id,
      onclick: () => openWithdraw(summary),
    }, "Withdraw consent"));
  } else if (summary.state === "withdrawn" && left.length > 0) {
    actions.push(el("button", {
      type: "button", class: "secondary consent-destroy-left", "data-consent": id,
      onclick: () => app.go("shred", { kind: "consent", id }),
    }, `Destroy the ${plural(left.length, "recording")} left`));
  }
  return el("tr", { "data-consent-id": id },
    el("td", {}, badge(summary.state)),
    el("td", {},
      el("span", { class: "agreed-line" }, `Signed ${signedDate(summary)}`),
      el("span", { class: "agreed-line" }, courseName(summary.course_id)),
      summary.destroy_by ? el("span", { class: "agreed-line" }, `Destroy by ${formatDate(summary.destroy_by)}`) : null),
    el("td", { class: "agreed" }, agreed(record)),
    el("td", {}, el("div", { class: "stack consent-actions" }, actions)));
}

function recordingsTable(recordings) {
  if (data.recordingsProblem) {
    return el("p", { class: "notice notice-problem" }, `The recordings could not be loaded: ${data.recordingsProblem}`);
  }
  if (recordings.length === 0) return el("p", { class: "muted" }, "No recordings of this client.");
  return el("table", { class: "list client-recordings" },
    el("caption", { class: "sr-only" }, "Recordings of this client"),
    el("thead", {}, el("tr", {},
      ["Recorded", "Length", "State", "Consent"].map((h) => el("th", { scope: "col" }, h)))),
    el("tbody", {}, recordings.map((r) => el("tr", { "data-recording-id": r.id },
      el("td", {}, formatDateTime(r.started_at)),
      el("td", {}, formatTime(r.seconds)),
      el("td", {}, el("span", { class: "badge", "data-state": r.state }, RECORDING_STATE_TEXT[r.state] || r.state)),
      el("td", {}, el("code", { title: r.consent_id }, shortId(r.consent_id)))))));
}

async function savePdf(button, id) {
  button.disabled = true;
  try {
    const answer = await app.call("consent_save_pdf", { id });
    if (answer && answer.saved) app.notify(`Saved ${answer.file_name ?? "the consent PDF"}`, "ok");
    else app.notify("The consent PDF was not saved.", "info");
  } catch (error) {
    if (app) app.notify(errorText(error), "problem");
  } finally {
    button.disabled = false;
  }
}

// --- the client's copy of their data (subject access) --------------------------------------

function toggleClientExport(code) {
  const panel = $("client-export-panel");
  const button = $("client-export");
  if (!panel || !button) return;
  const open = panel.hidden;
  button.setAttribute("aria-expanded", String(open));
  if (!open) {
    // The passphrase leaves the page with the panel.
    panel.hidden = true;
    panel.replaceChildren();
    button.focus();
    return;
  }
  const error = el("div", { id: "client-export-problem", class: "notice notice-problem", role: "alert", hidden: true });
  const result = el("div", { id: "client-export-result", role: "status" });
  const first = el("input", { id: "client-export-passphrase", type: "password", autocomplete: "new-password",
    "aria-describedby": "client-export-hint" });
  const again = el("input", { id: "client-export-passphrase-again", type: "password", autocomplete: "new-password" });
  const fail = (message, field) => {
    for (const node of [first, again]) node.removeAttribute("aria-invalid");
    error.textContent = message;
    error.hidden = false;
    if (field) {
      field.setAttribute("aria-invalid", "true");
      field.focus();
    }
  };
  const submit = el("button", { id: "client-export-submit", type: "submit", class: "primary" },
    "Gather and save the encrypted file…");
  const form = el("form", { novalidate: true, onsubmit: async (event) => {
    event.preventDefault();
    error.hidden = true;
    result.replaceChildren();
    if (!first.value) return fail("Choose a passphrase for the file.", first);
    if (first.value !== again.value) return fail("The two passphrases are not the same. Type it again in the second box.", again);
    submit.disabled = true;
    try {
      const answer = await app.call("client_export", { clientCode: code, passphrase: first.value });
      first.value = "";
      again.value = "";
      for (const node of [first, again]) node.removeAttribute("aria-invalid");
      if (answer && answer.saved) {
        replace(result, el("div", { class: "notice notice-ok" },
          el("p", {}, el("strong", {}, "Saved: "), answer.file_name ?? "the client's file"),
          el("p", {}, "Give the client the file, and tell them the passphrase separately (in person or by phone). " +
            "They can open it with the free age tool.")));
        app.notify(`Saved ${answer.file_name ?? "the client's file"}`, "ok");
      } else {
        replace(result, el("p", { class: "muted" }, "Not saved."));
      }
    } catch (e) {
      // The passphrase stays typed, so it can be sent again.
      fail(errorText(e));
    } finally {
      submit.disabled = false;
    }
  } },
  el("div", { class: "row" },
    el("div", { class: "field" },
      el("label", { for: "client-export-passphrase" }, "Passphrase"),
      first),
    el("div", { class: "field" },
      el("label", { for: "client-export-passphrase-again" }, "The same passphrase again"),
      again)),
  el("p", { id: "client-export-hint", class: "hint muted" },
    "At least 12 characters; several unrelated words are easy to say and hard to guess."),
  el("div", { class: "row" },
    submit,
    el("button", { type: "button", class: "secondary", onclick: () => toggleClientExport(code) }, "Close")));
  replace(panel,
    el("h4", { id: "client-export-title", tabindex: "-1" }, `A copy of everything held about ${code}`),
    el("p", {}, "The client has the right to see everything held about them. This gathers it into one file, " +
      "encrypted with a passphrase you choose:"),
    el("ul", {},
      el("li", {}, "their consent records, as PDFs;"),
      el("li", {}, "the list of their recordings, with dates and lengths;"),
      el("li", {}, "transcripts and bookmarks of those recordings;"),
      el("li", {}, "case studies that mention them;"),
      el("li", {}, "the log of who listened, and when.")),
    error,
    form,
    result);
  panel.hidden = false;
  first.focus();
}

// --- withdrawal ---------------------------------------------------------------------------

async function openWithdraw(summary) {
  const panel = $("withdraw-panel");
  if (!panel) return;
  const mine = generation;
  const id = summary.id;
  const title = el("h4", { id: "withdraw-title", tabindex: "-1" },
    `Withdraw the consent signed ${signedDate(summary)}`);
  const reasonError = el("p", { id: "withdraw-reason-error", class: "field-error", hidden: true });
  const reason = el("textarea", {
    id: "withdraw-reason", rows: "3", maxlength: "2000",
    "aria-describedby": "withdraw-reason-hint withdraw-reason-error",
  });
  const preview = el("div", { id: "withdraw-preview", class: "withdraw-preview", "aria-busy": "true" },
    el("p", { class: "muted" }, "Working out what will be destroyed…"));
  const confirm = el("button", { id: "withdraw-confirm", type: "button", class: "danger", disabled: true },
    "Withdraw and destroy the recordings");
  const cancel = el("button", {
    id: "withdraw-cancel", type: "button", class: "secondary",
    onclick: () => { panel.hidden = true; panel.replaceChildren(); focusWithdrawButton(id); },
  }, "Cancel");
  const progress = el("progress", { id: "withdraw-progress", max: 1, value: 0, hidden: true, "aria-labelledby": "withdraw-progress-text" });
  const progressText = el("p", { id: "withdraw-progress-text", class: "muted", "aria-live": "polite", hidden: true });
  const error = el("div", { id: "withdraw-error", class: "notice notice-problem", role: "alert", hidden: true });

  replace(panel,
    title,
    el("p", {}, "From now on nothing more can be recorded under this consent, and what was recorded under it is destroyed. The consent record and the withdrawal are kept as evidence."),
    el("div", { class: "field" },
      el("label", { for: "withdraw-reason" }, "What the client said (kept with the record, shown only to you)"),
      el("p", { id: "withdraw-reason-hint", class: "hint" },
        "For example: “Told me at the start of the session on 3 July that she no longer wants to be recorded.”"),
      reason,
      reasonError),
    preview,
    error,
    el("div", { class: "row" }, confirm, cancel),
    progress,
    progressText);
  panel.hidden = false;
  title.focus();

  let count = 0;
  try {
    const answer = await app.call("consent_withdraw_preview", { id });
    if (mine !== generation) return;
    count = (answer?.items || []).length;
    replace(preview, previewView(answer));
    replace(confirm, count > 0 ? `Withdraw and destroy ${plural(count, "recording")}` : "Withdraw consent (no recordings to destroy)");
    confirm.disabled = false;
  } catch (e) {
    if (mine !== generation) return;
    replace(preview, el("p", { class: "notice notice-problem" },
      `What would be destroyed could not be worked out: ${errorText(e)}`));
    replace(confirm, "Withdraw consent and destroy its recordings");
    confirm.disabled = false;
  } finally {
    preview.removeAttribute("aria-busy");
  }

  confirm.addEventListener("click", async () => {
    const text = oneLine(reason.value);
    if (!text) {
      reasonError.hidden = false;
      replace(reasonError, "Write what the client said, in a few words.");
      reason.setAttribute("aria-invalid", "true");
      reason.focus();
      return;
    }
    reasonError.hidden = true;
    reason.removeAttribute("aria-invalid");
    error.hidden = true;
    confirm.disabled = true;
    cancel.disabled = true;
    reason.readOnly = true;
    progress.hidden = false;
    progressText.hidden = false;
    progress.removeAttribute("value"); // indeterminate until the first report
    replace(progressText, "Withdrawing…");
    const onProgress = app.channel((msg) => {
      if (!msg || !Number(msg.total)) return;
      progress.max = Number(msg.total);
      progress.value = Number(msg.done) || 0;
      replace(progressText, `${progressStep(msg.step)} (${msg.done} of ${msg.total})`);
    });
    try {
      const answer = await app.call("consent_withdraw", { id, reason: text, onProgress });
      if (mine !== generation) return;
      const certificate = answer?.shred?.certificate?.certificate;
      lastWithdrawal = {
        clientCode: summary.client_code,
        consentId: id,
        at: answer?.consent?.withdrawal?.at ?? null,
        certificateId: certificate?.id ?? null,
        destroyed: certificate?.destroyed ? certificate.destroyed.length : count,
        outstanding: certificate?.outstanding_copies?.length ?? 0,
      };
      app.notify(lastWithdrawal.certificateId
        ? `Consent withdrawn; ${plural(lastWithdrawal.destroyed, "recording")} destroyed.`
        : "Consent withdrawn.", "ok");
      await load(mine);
      const result = $("withdraw-result");
      if (result) result.focus();
    } catch (e) {
      if (mine !== generation) return;
      error.hidden = false;
      replace(error, errorText(e));
      confirm.disabled = false;
      cancel.disabled = false;
      reason.readOnly = false;
      progress.hidden = true;
      progressText.hidden = true;
      // The withdrawal may have been stored before the shred failed: show the state now.
      reloadQuietly(mine);
    }
  });
}

/** Refreshes the consent states in the list without redrawing the open panel. */
async function reloadQuietly(mine) {
  try {
    const consents = await app.call("consent_list");
    if (mine !== generation) return;
    data.consents = Array.isArray(consents) ? consents : data.consents;
    renderList();
  } catch {
    // The list stays as it was.
  }
}

function focusWithdrawButton(id) {
  const button = root?.querySelector(`button.consent-withdraw[data-consent="${CSS.escape(id)}"]`);
  if (button) button.focus();
}

function progressStep(step) {
  return {
    "crypto-erase": "Erasing the recording keys",
    overwrite: "Overwriting the files",
    rows: "Deleting the database rows",
    vacuum: "Compacting the database",
    "re-key": "Re-encrypting the database under a new key",
    certificate: "Signing the certificate",
  }[step] || "Destroying";
}

function previewView(answer) {
  const items = answer?.items || [];
  const copies = answer?.outstanding_copies || [];
  const kept = answer?.kept || [];
  return [
    el("h5", {}, items.length
      ? `${plural(items.length, "recording")} will be destroyed`
      : "No recordings were made under this consent: nothing to destroy"),
    items.length
      ? el("ul", { class: "withdraw-items" }, items.map((item) => el("li", { "data-recording-id": item.recording_id },
        `Recorded ${formatDateTime(item.recorded_at)}, ${formatTime(item.seconds)} long, ${plural(Number(item.bookmarks) || 0, "bookmark")}`)))
      : null,
    answer?.resumes ? el("p", { class: "muted" }, "An unfinished destruction of these recordings will be completed.") : null,
    copies.length
      ? [el("h5", {}, "Copies outside the vault: destroy these yourself"),
        el("ul", { class: "withdraw-copies" }, copies.map((c) => el("li", {},
          `${{ "wav-export": "Exported sound file", "consent-pdf": "Printed consent record (PDF)" }[c.kind] ?? c.kind}, made ${formatDateTime(c.made_at)}: ${c.location}`)))]
      : null,
    kept.length
      ? [el("h5", {}, "What is kept"), el("ul", { class: "withdraw-kept" }, kept.map((k) => el("li", {}, k)))]
      : null,
  ];
}

function withdrawalResult(result) {
  const certificate = result.certificateId;
  return el("div", {
    id: "withdraw-result", class: "notice notice-ok", "data-state": "done", tabindex: "-1", role: "status",
  },
  el("p", {}, el("strong", {}, "Consent withdrawn"),
    result.at ? ` on ${formatDateTime(result.at)}` : "", ". Nothing more can be recorded under it."),
  certificate
    ? [el("p", {}, `${plural(result.destroyed, "recording")} destroyed. Destruction certificate: `,
      el("code", { id: "withdraw-certificate-id" }, certificate)),
    el("div", { class: "row" },
      el("button", {
        type: "button", class: "secondary", id: "withdraw-certificate-pdf",
        onclick: async (event) => {
          const button = event.currentTarget;
          button.disabled = true;
          try {
            const answer = await app.call("certificate_save_pdf", { id: certificate });
            if (answer && answer.saved) app.notify(`Saved ${answer.file_name ?? "the certificate"}`, "ok");
            else app.notify("The certificate was not saved.", "info");
          } catch (e) {
            if (app) app.notify(errorText(e), "problem");
          } finally {
            button.disabled = false;
          }
        },
      }, "Save certificate PDF"))]
    : el("p", {}, "There were no recordings to destroy."),
  result.outstanding > 0
    ? el("p", {}, `${plural(result.outstanding, "copy", "copies")} outside the vault must still be destroyed by you.`)
    : null);
}
