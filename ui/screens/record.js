// The record screen: choose a client's valid consent and a microphone, record with a live level
// meter and warnings, pause, resume and stop; the audio is encrypted from the microphone on.
//
// A running recording outlives this screen: `leave()` never stops it. Its channel and what it
// has reported so far live at module level, and every update looks its elements up by id, so
// showing the screen again picks up the same live updates.
import { el, replace, byId as $ } from "../lib/dom.js";
import { errorText } from "../lib/text.js";
import { formatTime, formatDateTime, formatDate } from "../lib/time.js";
import { showProblemIn } from "../lib/problem.js";

const SVG = "http://www.w3.org/2000/svg";

/** Meter range and zones, in dBFS. */
const METER_MIN = -60;
const AMBER_FROM = -18;
const RED_FROM = -6;
/** A clipping warning stays this long after the last clipping report. */
const CLIPPING_HOLD_MS = 5000;

/** Why the consent gate refuses a consent, by the state consent_list gives. */
const STATE_WHY = {
  declined: "the client declined to be recorded",
  withdrawn: "the client withdrew consent",
  expired: "its destroy-by date has passed",
  "course ended": "the course it was given for has ended",
  invalid: "the consent record failed its integrity check",
};

/** The recording in progress (or just ended), kept while other screens are shown. */
const live = {
  channel: null,
  running: false,
  paused: false,
  consentId: null,
  clientCode: null,
  startedAt: null,
  peak: null,
  rms: null,
  maxPeak: null,
  elapsed: 0,
  /** `{kind: "silence"|"clipping", text}` or null. */
  warning: null,
  /** `{after_seconds, seconds, missing_seconds}` of each time the computer slept or the app was held up. */
  interruptions: [],
  clippingTimer: null,
  /** The Summary of the recording that ended, until it has been seen. */
  result: null,
  /** `{code, message}` from a `failed` report. */
  failure: null,
  /** Whether `result` was shown (it is cleared when the screen is left after that). */
  resultSeen: false,
  /** The window reloaded while a recording ran: no channel, no meter. */
  detached: false,
};

/** The screen while shown: `{root, app, params, consents, courses, devices}`. */
let screen = null;
let meterFrame = 0;

function svgIcon(paths, label) {
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("width", "28");
  svg.setAttribute("height", "28");
  svg.setAttribute("class", "icon");
  svg.setAttribute("focusable", "false");
  if (label) {
    svg.setAttribute("role", "img");
    svg.setAttribute("aria-label", label);
  } else {
    svg.setAttribute("aria-hidden", "true");
  }
  for (const d of paths) {
    const path = document.createElementNS(SVG, "path");
    path.setAttribute("d", d);
    svg.append(path);
  }
  return svg;
}

function lockIcon() {
  return svgIcon([
    "M7 10V7a5 5 0 0 1 10 0v3h1.5A1.5 1.5 0 0 1 20 11.5v9a1.5 1.5 0 0 1-1.5 1.5h-13A1.5 1.5 0 0 1 4 20.5v-9A1.5 1.5 0 0 1 5.5 10H7zm2 0h6V7a3 3 0 0 0-6 0v3zm3 4a1.75 1.75 0 0 0-1 3.19V19h2v-1.81A1.75 1.75 0 0 0 12 14z",
  ]);
}

function signedDate(text) {
  const day = String(text ?? "").slice(0, 10);
  return /^\d{4}-\d{2}-\d{2}$/.test(day) ? formatDate(day) : formatDateTime(text);
}

function isValid(consent) {
  return consent.state === "valid" && consent.decision === "granted";
}

function consentLabel(consent) {
  const parts = [consent.client_code];
  const course = consent.course_id ? screen?.courses.get(consent.course_id) : null;
  if (course) parts.push(course);
  else if (consent.destroy_by) parts.push(`destroy by ${formatDate(consent.destroy_by)}`);
  parts.push(`signed ${signedDate(consent.signed_at)}`);
  return parts.join(" — ");
}

function deviceIsDefault(device) {
  return Boolean(device.default_input ?? device.is_default);
}

// ---------------------------------------------------------------------------------------------
// Channel reports

function onEvent(message) {
  if (!message || typeof message !== "object") return;
  switch (message.event) {
    case "level": {
      live.peak = Number(message.peak_dbfs);
      live.rms = Number(message.rms_dbfs);
      if (Number.isFinite(live.peak) && (live.maxPeak === null || live.peak > live.maxPeak)) {
        live.maxPeak = live.peak;
      }
      scheduleMeter();
      break;
    }
    case "elapsed":
      live.elapsed = Number(message.seconds) || 0;
      renderElapsed();
      break;
    case "silence": {
      // A clipping warning is the more urgent one while it lasts.
      if (live.warning?.kind === "clipping") break;
      const seconds = Math.round(Number(message.seconds) || 0);
      live.warning = {
        kind: "silence",
        text: `No sound for ${seconds} second${seconds === 1 ? "" : "s"} — is the microphone muted?`,
      };
      renderWarning();
      break;
    }
    case "clipping":
      live.warning = {
        kind: "clipping",
        text: "Too loud: the recording is distorting — move the microphone away or lower the input",
      };
      clearTimeout(live.clippingTimer);
      live.clippingTimer = setTimeout(() => {
        if (live.warning?.kind === "clipping") {
          live.warning = null;
          renderWarning();
        }
      }, CLIPPING_HOLD_MS);
      renderWarning();
      break;
    case "sound_back":
      if (live.warning?.kind === "silence") {
        live.warning = null;
        renderWarning();
      }
      break;
    case "interrupted":
      live.interruptions.push({
        after_seconds: Number(message.after_seconds) || 0,
        seconds: Number(message.seconds) || 0,
        missing_seconds: Number(message.missing_seconds) || 0,
      });
      renderInterruptions();
      break;
    case "finished":
      ended(message.summary ?? null, null);
      break;
    case "failed":
      ended(message.summary ?? null, { code: message.code, message: message.message });
      break;
    default:
      break;
  }
}

/** The recording ended: by stop (summary), or a failure (what was sealed is kept). */
function ended(summary, failure) {
  const wasRunning = live.running || live.channel !== null;
  live.running = false;
  live.paused = false;
  live.channel = null;
  live.detached = false;
  live.warning = null;
  clearTimeout(live.clippingTimer);
  if (summary) live.result = summary;
  if (failure) {
    live.failure = failure;
    if (screen) screen.app.notify(`The recording stopped: ${failure.message}`, "problem");
    else if (wasRunning) notifyAway(failure);
    // The summary of what was sealed (faulted) is looked up when the shell does not send it.
    if (!summary) findSealed();
  }
  live.resultSeen = false;
  if (screen) {
    render();
    if (failure) $("record-failed")?.focus();
  }
}

let awayApp = null;
function notifyAway(failure) {
  awayApp?.notify(`The recording stopped: ${failure.message}. What was recorded is kept.`, "problem");
}

async function findSealed() {
  const app = screen?.app ?? awayApp;
  if (!app || !live.consentId) return;
  try {
    const recordings = await app.call("recordings_list");
    const mine = recordings
      .filter((r) => r.consent_id === live.consentId && r.state !== "recording")
      .sort((a, b) => String(b.started_at).localeCompare(String(a.started_at)));
    if (mine.length && !live.result) {
      live.result = mine[0];
      if (screen) render();
    }
  } catch {
    // The notice already says what happened; the Library lists the recording.
  }
}

// ---------------------------------------------------------------------------------------------
// Live updates (by id, so they reach whichever DOM the screen has now)

/**
 * Draws the meter at the next frame: at most once per level report (20 a second), and not at
 * all while the window is hidden or minimised (it is drawn again when it is shown).
 */
function scheduleMeter() {
  if (meterFrame || !screen || document.hidden) return;
  meterFrame = requestAnimationFrame(() => {
    meterFrame = 0;
    renderMeter();
  });
}

document.addEventListener("visibilitychange", () => {
  if (!screen || !live.running) return;
  watchMeter(screen.app, !document.hidden);
  if (!document.hidden) scheduleMeter();
});

/**
 * Asks the shell to send the level and the time recorded (`on`) or to stop (the Record screen
 * is left, the window hidden or locked): a window not showing the meter is sent nothing 20
 * times a second. Warnings and interruptions come either way. Coming back, the answer brings
 * the time recorded and the loudest level missed meanwhile.
 */
function watchMeter(app, on) {
  const wanted = on && live.channel !== null && !live.detached;
  // One request at a time, in order: leaving and coming straight back ends up watching.
  watching = watching.then(() => askToWatch(app, wanted));
}

let watching = Promise.resolve();

async function askToWatch(app, wanted) {
  try {
    const standing = await app.call("record_watch", { watching: wanted });
    if (!wanted || !standing) return;
    live.elapsed = Number(standing.seconds) || live.elapsed;
    const loudest = standing.loudest_dbfs;
    if (Number.isFinite(loudest) && (live.maxPeak === null || loudest > live.maxPeak)) {
      live.maxPeak = loudest;
    }
    if (screen) {
      renderElapsed();
      scheduleMeter();
    }
  } catch {
    // No recording any more (its end comes on the channel), or locked: nothing to watch.
  }
}

/** What the meter last showed, so only what changed is written. */
const shown = { valueNow: null, valueText: null, zone: null, value: null, max: null, maxPeak: null };

function setOnce(key, value, write) {
  if (shown[key] === value) return;
  shown[key] = value;
  write(value);
}

function clampDb(value) {
  return Math.min(0, Math.max(METER_MIN, value));
}

function percent(db) {
  return ((clampDb(db) - METER_MIN) / -METER_MIN) * 100;
}

function renderMeter() {
  const meter = $("record-meter");
  if (!meter) return;
  const peak = live.peak;
  const has = Number.isFinite(peak);
  if (meter !== shown.meter) {
    // A newly drawn screen: everything is written again.
    Object.keys(shown).forEach((key) => { shown[key] = null; });
    shown.meter = meter;
    figure.since = null;
    figure.peak = null;
  }
  const told = figureToTell(has ? peak : null);
  if (told !== undefined) tellFigure(meter, told);
  setOnce("maxPeak", live.maxPeak === null ? "" : String(Math.round(live.maxPeak * 10) / 10), (v) => {
    if (v === "") delete meter.dataset.maxPeak;
    else meter.dataset.maxPeak = v;
  });
  setOnce("zone", !has ? "none" : peak >= RED_FROM ? "red" : peak >= AMBER_FROM ? "amber" : "green",
    (v) => { meter.dataset.zone = v; });
  // The bars move by transforms only: no layout, only compositing.
  const cover = $("record-meter-cover");
  if (cover) cover.style.transform = `translateX(${has ? percent(peak) : 0}%)`;
  const rms = $("record-meter-rms");
  if (rms) rms.style.transform = `scaleX(${Number.isFinite(live.rms) ? percent(live.rms) / 100 : 0})`;
  const hold = $("record-meter-hold");
  if (hold) {
    hold.hidden = live.maxPeak === null;
    if (live.maxPeak !== null) hold.style.transform = `translateX(${percent(live.maxPeak)}%)`;
  }
  const max = $("record-meter-max");
  if (max) {
    setOnce("max", live.maxPeak === null ? "" : `Loudest so far: ${Math.round(live.maxPeak)} dB`,
      (v) => { max.textContent = v; });
  }
}

/**
 * The figure beside the bars, and the meter's value for assistive technology, change at most
 * twice a second (FIGURE_EVERY_MS) and show the loudest peak of that half second, as level
 * meters hold their figures: a figure changing 20 times a second (as it does with speech)
 * cannot be read, and every change of a text is laid out and drawn again. The bars still
 * follow every reading.
 */
const FIGURE_EVERY_MS = 500;
const figure = { since: null, peak: null };

/** The peak to show now (`null`: none yet), or `undefined` while the last figure stands. */
function figureToTell(peak) {
  if (peak !== null) figure.peak = figure.peak === null ? peak : Math.max(figure.peak, peak);
  const now = performance.now();
  if (figure.since !== null && now - figure.since < FIGURE_EVERY_MS) return undefined;
  const told = figure.peak;
  figure.since = now;
  figure.peak = null;
  return told;
}

function tellFigure(meter, peak) {
  const has = peak !== null;
  setOnce("valueNow", String(has ? Math.round(clampDb(peak)) : METER_MIN),
    (v) => meter.setAttribute("aria-valuenow", v));
  setOnce("valueText", has
    ? `Peak ${Math.round(peak)} dBFS${peak >= RED_FROM ? ", too loud" : peak < -50 ? ", very quiet" : ""}`
    : "No level yet", (v) => meter.setAttribute("aria-valuetext", v));
  const value = $("record-meter-value");
  if (value) setOnce("value", has ? `${Math.round(peak)} dB` : "—", (v) => { value.textContent = v; });
}

/** The clock and the blinking dot, each written only when it changes (once a second). */
function renderElapsed() {
  const node = $("record-elapsed");
  const text = formatTime(live.elapsed);
  if (node && node.textContent !== text) node.textContent = text;
  const status = $("record-status");
  const blink = Math.floor(live.elapsed) % 2 === 1 ? "dim" : "lit";
  if (status && status.dataset.blink !== blink) status.dataset.blink = blink;
}

function renderWarning() {
  const node = $("record-warning");
  if (!node) return;
  // The role=alert element stays in the DOM; changing its text is what gets announced.
  node.textContent = live.warning ? live.warning.text : "";
  node.dataset.kind = live.warning ? live.warning.kind : "none";
  node.classList.toggle("active", Boolean(live.warning));
}

/** "At 0:04 the recording stopped for 8 seconds …": one interruption in words. */
function interruptionText(point) {
  const seconds = Math.round(point.seconds * 10) / 10;
  const missing = point.missing_seconds > 0
    ? `${Math.round(point.missing_seconds * 10) / 10} s of audio never came and are not in the recording`
    : "no audio is missing";
  return `At ${formatTime(point.after_seconds)} the recording was interrupted for ${seconds} s ` +
    `(the computer slept or was held up); ${missing}.`;
}

function renderInterruptions() {
  const node = $("record-interrupted");
  if (!node) return;
  node.hidden = live.interruptions.length === 0;
  replace(node, live.interruptions.length === 0 ? [] : [
    el("p", {}, el("strong", {}, "The recording was interrupted and carries on. ")),
    ...live.interruptions.map((point) => el("p", {}, interruptionText(point))),
  ]);
}

function renderPaused() {
  const pause = $("record-pause");
  const resume = $("record-resume");
  if (pause) pause.hidden = live.paused;
  if (resume) resume.hidden = !live.paused;
  const status = $("record-status");
  if (status) {
    status.textContent = live.paused ? "Paused — nothing is being recorded" : "Recording";
    status.dataset.state = live.paused ? "paused" : "recording";
  }
}

// ---------------------------------------------------------------------------------------------
// Views

function problemBox() {
  return el("div", { id: "record-problem", class: "notice notice-problem", role: "alert", hidden: true });
}

function showProblem(error) {
  showProblemIn("record-problem", error);
}

function render() {
  if (!screen) return;
  const body = screen.root.querySelector("#record-body");
  if (!body) return;
  const children = [problemBox()];
  if (live.running) {
    children.push(runningView());
  } else {
    if (live.failure) children.push(failureView());
    if (live.result) {
      children.push(resultView(live.result));
      live.resultSeen = true;
    } else {
      children.push(setupView());
    }
  }
  replace(body, children);
  body.removeAttribute("aria-busy");
  if (live.running) {
    renderMeter();
    renderElapsed();
    renderWarning();
    renderInterruptions();
    renderPaused();
  } else if (!live.result) {
    updateStartState();
  }
}

function encryptedNote() {
  return el("p", { id: "record-encrypted", class: "encrypted", "data-state": "encrypted" },
    lockIcon(), el("span", {}, "Encrypted as it records — nothing is written unencrypted"));
}

function setupView() {
  const { consents, devices, params } = screen;
  const valid = consents.filter(isValid);
  const preselect = params?.consentId && valid.some((c) => c.id === params.consentId)
    ? params.consentId : "";

  const consentSelect = el("select", { id: "record-consent", onchange: updateStartState },
    el("option", { value: "" }, valid.length ? "Choose a client…" : "No valid consent"),
    valid.map((c) => el("option", { value: c.id, selected: c.id === preselect }, consentLabel(c))));
  consentSelect.value = preselect;

  const deviceSelect = el("select", { id: "record-device" },
    devices.length === 0 ? el("option", { value: "" }, "The system's default input") : null,
    devices.map((d) => el("option", { value: d.id, selected: deviceIsDefault(d) },
      `${d.name}${deviceIsDefault(d) ? " (default)" : ""}`)));
  const preferred = devices.find(deviceIsDefault);
  if (preferred) deviceSelect.value = preferred.id;

  const channelsSelect = el("select", { id: "record-channels" },
    el("option", { value: "1", selected: true }, "Mono (one microphone)"),
    el("option", { value: "2" }, "Stereo (two channels)"));
  channelsSelect.value = "1";

  return el("div", { class: "record-setup stack" },
    el("div", { class: "panel stack" },
      el("div", { class: "field" },
        el("label", { for: "record-consent" }, "Client and consent"),
        consentSelect,
        el("p", { class: "muted hint" }, "Only clients whose consent to be recorded is valid today can be chosen.")),
      el("div", { class: "row fields" },
        el("div", { class: "field grow" },
          el("label", { for: "record-device" }, "Microphone"),
          deviceSelect,
          screen.devicesProblem ? el("p", { class: "muted hint" }, screen.devicesProblem) : null),
        el("div", { class: "field" },
          el("label", { for: "record-channels" }, "Channels"),
          channelsSelect)),
      encryptedNote(),
      el("div", { class: "row start-row" },
        el("button", { id: "record-start", type: "button", class: "primary big", disabled: true,
          "aria-describedby": "record-blocked-reason", onclick: start },
          el("span", { class: "dot", "aria-hidden": "true" }), "Start recording"),
        el("span", { class: "muted kbd-hint" }, "Alt+R")),
      el("div", { id: "record-blocked-reason", class: "blocked-reason", "aria-live": "polite" })));
}

/** Enables Start only for a chosen valid consent, and always says why or why not. */
function updateStartState() {
  if (!screen) return;
  const button = $("record-start");
  const reason = $("record-blocked-reason");
  if (!button || !reason) return;
  const { consents, params, consentsProblem, app } = screen;
  const chosen = $("record-consent")?.value ?? "";
  const valid = consents.filter(isValid);
  const toClients = () => el("button", { type: "button", class: "secondary", onclick: () => app.go("clients") },
    "Go to Clients");
  let ok = false;
  let content;
  if (consentsProblem) {
    content = [el("p", {}, `The consent records could not be read: ${errorText(consentsProblem)}`)];
  } else if (consents.length === 0) {
    content = [el("p", {}, "No consent recorded yet. A client must sign a consent to be recorded before " +
      "you can record a session."), toClients()];
  } else if (valid.length === 0) {
    const why = consents.slice(0, 6).map((c) => el("li", {},
      `${c.client_code}: ${STATE_WHY[c.state] ?? (c.decision !== "granted" ? "consent not given" : c.state)}`));
    content = [el("p", {}, "No client has a valid consent to be recorded:"), el("ul", {}, why),
      el("p", {}, "Record a new consent with the client first."), toClients()];
  } else if (!chosen) {
    const asked = params?.consentId ? consents.find((c) => c.id === params.consentId) : null;
    if (asked && !isValid(asked)) {
      content = [el("p", {}, `You cannot record under ${asked.client_code}'s consent: ` +
        `${STATE_WHY[asked.state] ?? asked.state}. Choose another client, or record a new consent.`), toClients()];
    } else {
      content = [el("p", {}, "Choose the client whose consent you are recording under.")];
    }
  } else {
    const consent = valid.find((c) => c.id === chosen);
    ok = Boolean(consent);
    content = [el("p", {}, ok
      ? `Ready: ${consent.client_code} has a valid consent to be recorded.`
      : "That consent is no longer valid. Choose another.")];
  }
  button.disabled = !ok;
  reason.dataset.state = ok ? "ready" : "blocked";
  replace(reason, content);
}

function runningView() {
  const meter = el("div", {
    id: "record-meter", class: "meter", role: "meter", "aria-label": "Input level",
    "aria-valuemin": String(METER_MIN), "aria-valuemax": "0", "aria-valuenow": String(METER_MIN),
    "aria-valuetext": "No level yet", "data-zone": "none",
  },
  el("div", { class: "meter-track", "aria-hidden": "true" },
    el("div", { class: "zone zone-green" }),
    el("div", { class: "zone zone-amber" }),
    el("div", { class: "zone zone-red" }),
    el("div", { id: "record-meter-cover", class: "meter-cover" }),
    el("div", { id: "record-meter-rms", class: "meter-rms" }),
    el("div", { id: "record-meter-hold", class: "meter-hold", hidden: true })),
  el("div", { class: "meter-scale", "aria-hidden": "true" },
    el("span", {}, "−60"), el("span", {}, "−40"), el("span", {}, "−18"), el("span", {}, "−6"), el("span", {}, "0 dB")));

  const who = live.clientCode ? `Recording ${live.clientCode}` : "Recording";
  const started = live.startedAt ? ` — started ${formatDateTime(live.startedAt)}` : "";
  return el("div", { class: "record-running stack" },
    el("div", { class: "panel stack running-panel" },
      el("div", { class: "row running-head" },
        el("p", { id: "record-status", class: "status", "data-state": "recording" }, "Recording"),
        el("p", { class: "muted who" }, who + started)),
      el("div", { class: "row elapsed-row" },
        el("div", { class: "elapsed-box" },
          el("span", { id: "record-elapsed-label", class: "elapsed-label" }, "Recorded"),
          el("output", { id: "record-elapsed", class: "elapsed", "aria-live": "off",
            "aria-labelledby": "record-elapsed-label" }, formatTime(live.elapsed))),
        el("div", { class: "meter-wrap grow" },
          el("div", { class: "meter-label row" },
            el("span", { id: "record-meter-label" }, "Input level"),
            el("span", { id: "record-meter-value", class: "meter-value" }, "—")),
          meter,
          el("p", { id: "record-meter-max", class: "muted meter-max" }))),
      live.detached ? el("p", { class: "notice notice-warning" },
        "The recording carries on, but its live level cannot be shown in this window any more. " +
        "You can still pause, resume and stop it.") : null,
      el("div", { id: "record-warning", class: "record-warning", role: "alert", "data-kind": "none" }),
      el("div", { id: "record-interrupted", class: "notice notice-warning", role: "status", hidden: true }),
      encryptedNote(),
      el("div", { class: "row controls" },
        el("button", { id: "record-pause", type: "button", class: "secondary big", onclick: pause },
          "Pause", el("span", { class: "kbd-hint" }, " (Alt+P)")),
        el("button", { id: "record-resume", type: "button", class: "primary big", hidden: true, onclick: resume },
          "Resume", el("span", { class: "kbd-hint" }, " (Alt+P)")),
        el("button", { id: "record-stop", type: "button", class: "danger big", onclick: stop },
          el("span", { class: "square", "aria-hidden": "true" }), "Stop and save",
          el("span", { class: "kbd-hint" }, " (Alt+S)")))));
}

const STATE_TEXT = {
  complete: "Complete",
  recovered: "Recovered after an interruption",
  faulted: "Stopped early",
  recording: "Still recording",
};

function failureView() {
  const failure = live.failure;
  return el("div", { id: "record-failed", class: "notice notice-problem", tabindex: "-1",
    "data-code": failure.code ?? "" },
    el("p", {}, el("strong", {}, "The recording stopped by itself. "), failure.message ?? ""),
    el("p", {}, "Everything recorded up to that moment is kept, encrypted, and marked as faulted " +
      "in the Library."));
}

function resultView(summary) {
  const app = screen.app;
  const rows = [
    ["Client", summary.client_code],
    ["Length", formatTime(summary.seconds)],
    ["State", el("span", { class: "badge", "data-state": summary.state }, STATE_TEXT[summary.state] ?? summary.state)],
    ["Started", formatDateTime(summary.started_at)],
    ["Microphone", summary.device],
    ["Sound", soundText(summary)],
  ];
  if (summary.fault) rows.push(["What stopped it", summary.fault]);
  if (summary.overruns > 0) {
    rows.push(["Gaps", `${summary.overruns} samples were dropped because the computer fell behind`]);
  }
  const interruptions = (summary.pauses ?? []).filter((p) => p.event === "interrupted");
  if (interruptions.length > 0) {
    rows.push(["Interruptions", el("div", { id: "record-result-interruptions", class: "stack" },
      interruptions.map((point) => el("p", {}, interruptionText(point))))]);
  }
  return el("div", { id: "record-result", class: "panel stack", "data-recording-id": summary.id,
    "data-state": summary.state, tabindex: "-1" },
  el("h3", {}, summary.state === "complete" ? "Recording saved" : "Recording kept"),
  el("dl", { class: "result-grid" }, rows.map(([k, v]) => el("div", {}, el("dt", {}, k), el("dd", {}, v)))),
  el("p", { class: "encrypted small" }, lockIcon(), el("span", {}, "Sealed and encrypted in the vault.")),
  el("div", { class: "row" },
    el("button", { type: "button", class: "primary", id: "record-play-back",
      onclick: () => app.go("player", { recordingId: summary.id }) }, "Play back"),
    el("button", { type: "button", class: "secondary", id: "record-library",
      onclick: () => app.go("library") }, "Library"),
    el("button", { type: "button", class: "secondary", id: "record-another", onclick: recordAnother },
      "Record another session")));
}

/** "48 kHz, mono", and how it was made from what the microphone gave, when anything was done. */
function soundText(summary) {
  const rate = `${(summary.sample_rate / 1000).toLocaleString("en-GB")} kHz`;
  const layout = summary.channels === 1 ? "mono" : "stereo";
  const done = summary.conversion && summary.conversion !== "none" ? ` (${summary.conversion})` : "";
  return `${rate}, ${layout}${done}`;
}

function recordAnother() {
  live.result = null;
  live.failure = null;
  live.resultSeen = false;
  render();
  $("record-consent")?.focus();
}

// ---------------------------------------------------------------------------------------------
// Actions

async function start() {
  if (!screen || live.running) return;
  const button = $("record-start");
  if (!button || button.disabled) return;
  const { app, consents } = screen;
  const consentId = $("record-consent").value;
  const consent = consents.find((c) => c.id === consentId);
  if (!consent || !isValid(consent)) return;
  const device = $("record-device").value || null;
  const channels = Number($("record-channels").value) === 2 ? 2 : 1;
  button.disabled = true;
  showProblem(null);

  clearTimeout(live.clippingTimer);
  Object.assign(live, {
    running: false, paused: false, consentId, clientCode: consent.client_code, startedAt: null,
    peak: null, rms: null, maxPeak: null, elapsed: 0, warning: null, result: null, failure: null,
    resultSeen: false, detached: false, interruptions: [],
  });
  const channel = app.channel(onEvent);
  live.channel = channel;
  try {
    await app.call("record_start", { consentId, device, channels, onEvent: channel });
    // A failure may already have been reported on the channel.
    if (live.channel !== channel) return;
    live.running = true;
    live.startedAt = new Date().toISOString();
    render();
    $("record-stop")?.focus();
  } catch (error) {
    if (live.channel === channel) live.channel = null;
    updateStartState();
    showProblem(error);
  }
}

async function pause() {
  if (!live.running || live.paused || !screen) return;
  try {
    await screen.app.call("record_pause");
    live.paused = true;
    renderPaused();
    $("record-resume")?.focus();
  } catch (error) {
    showProblem(error);
  }
}

async function resume() {
  if (!live.running || !live.paused || !screen) return;
  try {
    await screen.app.call("record_resume");
    live.paused = false;
    renderPaused();
    $("record-pause")?.focus();
  } catch (error) {
    showProblem(error);
  }
}

async function stop() {
  if (!live.running || !screen) return;
  const button = $("record-stop");
  if (button) {
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
  }
  const status = $("record-status");
  if (status) status.textContent = "Stopping and sealing…";
  try {
    const summary = await screen.app.call("record_stop");
    if (live.running || !live.result) ended(summary, null);
    screen?.app.notify(`Recording of ${summary.client_code} saved (${formatTime(summary.seconds)})`, "ok");
    $("record-result")?.focus();
  } catch (error) {
    if (button) {
      button.disabled = false;
      button.removeAttribute("aria-busy");
    }
    showProblem(error);
  }
}

function togglePause() {
  if (!live.running) return;
  if (live.paused) resume();
  else pause();
}

// ---------------------------------------------------------------------------------------------
// Screen interface

/**
 * Shows the record screen.
 * @param {HTMLElement} root
 * @param {object} app
 * @param {{consentId?: string}} [params]
 */
export async function show(root, app, params = {}) {
  awayApp = app;
  screen = { root, app, params: params ?? {}, consents: [], courses: new Map(), devices: [],
    consentsProblem: null, devicesProblem: null };
  const current = screen;
  replace(root,
    el("h2", { id: "record-title", tabindex: "-1" }, "Record a session"),
    el("div", { id: "record-body", class: "record-body", "aria-busy": "true" },
      el("p", { class: "muted" }, "Loading…")));

  app.shortcuts?.([
    { key: "r", alt: true, label: "Start recording", inText: true, run: () => start() },
    { key: "p", alt: true, label: "Pause or resume the recording", inText: true, run: () => togglePause() },
    { key: "s", alt: true, label: "Stop and save the recording", inText: true, run: () => stop() },
  ]);

  const [state, consents, courses, devices] = await Promise.allSettled([
    app.call("session_state"),
    app.call("consent_list"),
    app.call("course_list"),
    app.call("input_devices"),
  ]);
  if (screen !== current) return;

  if (consents.status === "fulfilled") current.consents = consents.value ?? [];
  else current.consentsProblem = consents.reason;
  if (courses.status === "fulfilled") {
    for (const c of courses.value ?? []) current.courses.set(String(c.id), c.name);
  }
  if (devices.status === "fulfilled") {
    current.devices = (devices.value ?? []).filter((d) => d.input !== false);
    if (current.devices.length === 0) {
      current.devicesProblem = "No microphone was listed: the system's default input will be used.";
    }
  } else {
    current.devicesProblem = `The microphones could not be listed (${errorText(devices.reason)}): ` +
      "the system's default input will be used.";
  }

  if (state.status === "fulfilled") {
    const running = state.value?.recording;
    if (running) {
      if (!live.running) {
        // Started before this window (re)loaded, or its channel is gone: controls only.
        Object.assign(live, { running: true, detached: live.channel === null, result: null, failure: null });
      }
      live.consentId = running.consent_id ?? live.consentId;
      live.clientCode = running.client_code ?? live.clientCode;
      live.startedAt = running.started_at ?? live.startedAt;
      live.paused = Boolean(running.paused);
      watchMeter(app, !document.hidden);
    } else if (live.running) {
      // It ended while its report was not received.
      live.running = false;
      live.channel = null;
      live.detached = false;
    }
  }
  render();
}

/** Leaves the screen; a running recording carries on. */
export function leave() {
  if (meterFrame) cancelAnimationFrame(meterFrame);
  meterFrame = 0;
  if (live.running && screen) watchMeter(screen.app, false);
  if (!live.running && live.resultSeen) {
    live.result = null;
    live.failure = null;
    live.resultSeen = false;
  }
  screen = null;
}
