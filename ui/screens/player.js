// The player screen: listen to a recording for a stated purpose (logged), with a waveform to
// seek in, play/pause, speed, volume and supervision bookmarks.
import { el, replace, setText, byId as $ } from "../lib/dom.js";
import { errorText } from "../lib/text.js";
import { formatTime, parseTime, formatDate } from "../lib/time.js";
import { SPEEDS } from "../lib/speeds.js";
import { startSeek, takeMessage } from "../lib/playback.js";
import { showProblemIn } from "../lib/problem.js";

const LISTENERS = [
  ["self", "Myself"],
  ["supervisor", "Clinical supervision"],
  ["tutor", "Course tutor"],
  ["student", "Fellow students"],
];
const STEP = 5;
const PAGE = 30;
const WAVE_HEIGHT = 120;

/** The screen while shown, and the open player. */
let screen = null;
const player = {
  open: false,
  channel: null,
  recording: null,
  duration: 0,
  position: 0,
  playing: false,
  speed: 1,
  ended: false,
  peaks: [],
  bookmarks: [],
  /** Seconds shown while the playhead is dragged, else null. */
  dragging: null,
  /** Where a seek was asked for and not yet reported, to keep the playhead from jumping back. */
  seekTarget: null,
  seekAt: 0,
};
let frame = 0;
let resizeObserver = null;
/** Offscreen renderings of the waveform: unplayed and played colours. */
let waveImages = null;

function bookmarkSeconds(b) {
  return Number(b.at_seconds ?? b.seconds ?? 0);
}

function titleFor(recording) {
  const day = String(recording.started_at ?? "").slice(0, 10);
  return `Recording of ${recording.client_code}, ${formatDate(day)}, ${formatTime(recording.seconds)}`;
}

// ---------------------------------------------------------------------------------------------
// Problems

function showProblem(error) {
  showProblemIn("player-problem", error);
}

// ---------------------------------------------------------------------------------------------
// Position reports and drawing

function onPosition(message, channel) {
  const heard = takeMessage(player, message, channel);
  if (heard === "failed") {
    showProblem({ code: message.code, message: message.message
      || "Playback stopped unexpectedly. Close the player and open it again." });
  }
  if (heard) schedule();
}

function schedule() {
  if (frame || !screen) return;
  frame = requestAnimationFrame(() => {
    frame = 0;
    renderPosition();
  });
}

function shownSeconds() {
  if (player.dragging !== null) return player.dragging;
  return player.seekTarget ?? player.position;
}

function renderPosition() {
  const seconds = Math.min(player.duration, Math.max(0, shownSeconds()));
  const text = `${formatTime(seconds)} of ${formatTime(player.duration)}`;
  const wave = $("player-waveform");
  if (wave) {
    wave.setAttribute("aria-valuenow", String(Math.round(seconds)));
    wave.setAttribute("aria-valuetext", text);
    drawWave(wave, seconds);
  }
  setText($("player-position"), text);
  const play = $("player-play");
  if (play) {
    // The button says what it will do: Play while paused, Pause while playing.
    play.dataset.playing = player.playing ? "true" : "false";
    setText(play.querySelector(".play-icon"), player.playing ? "❚❚" : "▶");
    setText(play.querySelector(".play-label"), player.playing ? "Pause" : "Play");
  }
  const state = $("player-state");
  if (state) {
    setText(state, player.playing ? `Playing at ${player.speed}×` : player.ended ? "At the end" : "Paused");
    state.dataset.state = player.playing ? "playing" : "paused";
  }
}

/** Renders the waveform once per size into two offscreen canvases. */
function buildWaveImages(width, height) {
  const peaks = player.peaks;
  const make = (colour) => {
    const canvas = document.createElement("canvas");
    canvas.width = width;
    canvas.height = height;
    const ctx = canvas.getContext("2d");
    if (!ctx) return canvas;
    ctx.fillStyle = colour;
    const mid = height / 2;
    if (!peaks.length) {
      ctx.fillRect(0, mid - 1, width, 2);
      return canvas;
    }
    let max = 1;
    for (const p of peaks) if (p > max) max = p;
    for (let x = 0; x < width; x += 1) {
      const from = Math.floor((x / width) * peaks.length);
      const to = Math.max(from + 1, Math.floor(((x + 1) / width) * peaks.length));
      let top = 0;
      for (let i = from; i < to && i < peaks.length; i += 1) if (peaks[i] > top) top = peaks[i];
      const half = Math.max(1, (top / max) * (mid - 2));
      ctx.fillRect(x, mid - half, 1, half * 2);
    }
    return canvas;
  };
  const style = getComputedStyle($("player-waveform"));
  const unplayed = style.getPropertyValue("--wave-unplayed").trim() || "#8a9a9c";
  const played = style.getPropertyValue("--wave-played").trim() || "#2f5d62";
  return { width, height, unplayed: make(unplayed), played: make(played) };
}

function drawWave(canvas, seconds) {
  const ratio = window.devicePixelRatio || 1;
  const cssWidth = canvas.clientWidth || 600;
  const cssHeight = canvas.clientHeight || WAVE_HEIGHT;
  const width = Math.max(1, Math.round(cssWidth * ratio));
  const height = Math.max(1, Math.round(cssHeight * ratio));
  if (canvas.width !== width || canvas.height !== height) {
    canvas.width = width;
    canvas.height = height;
  }
  if (!waveImages || waveImages.width !== width || waveImages.height !== height) {
    waveImages = buildWaveImages(width, height);
  }
  const ctx = canvas.getContext("2d");
  if (!ctx) return;
  ctx.clearRect(0, 0, width, height);
  ctx.drawImage(waveImages.unplayed, 0, 0);
  const x = player.duration > 0 ? Math.round((seconds / player.duration) * width) : 0;
  if (x > 0) ctx.drawImage(waveImages.played, 0, 0, x, height, 0, 0, x, height);
  // Bookmarks as small ticks along the top.
  const style = getComputedStyle(canvas);
  ctx.fillStyle = style.getPropertyValue("--wave-bookmark").trim() || "#8a4b00";
  for (const b of player.bookmarks) {
    const bx = player.duration > 0 ? Math.round((bookmarkSeconds(b) / player.duration) * width) : 0;
    ctx.fillRect(Math.min(width - 2 * ratio, bx), 0, 2 * ratio, 10 * ratio);
  }
  // The playhead.
  ctx.fillStyle = style.getPropertyValue("--wave-playhead").trim() || "#1d2527";
  const w = Math.max(2, Math.round(2 * ratio));
  ctx.fillRect(Math.min(width - w, Math.max(0, x - w / 2)), 0, w, height);
}

// ---------------------------------------------------------------------------------------------
// Controls

async function act(command, args) {
  if (!screen || !player.open) return false;
  try {
    await screen.app.call(command, args);
    return true;
  } catch (error) {
    showProblem(error);
    return false;
  }
}

async function seek(seconds) {
  if (!player.open) return;
  const target = startSeek(player, seconds);
  schedule();
  if (!(await act("player_seek", { seconds: target }))) player.seekTarget = null;
}

function seekBy(delta) {
  seek(shownSeconds() + delta);
}

async function togglePlay() {
  if (!player.open) return;
  if (player.playing) {
    if (await act("player_pause")) player.playing = false;
  } else {
    if (player.ended || shownSeconds() >= player.duration - 0.05) await seek(0);
    if (await act("player_play")) player.playing = true;
  }
  schedule();
}

function secondsAt(canvas, clientX) {
  const rect = canvas.getBoundingClientRect();
  const fraction = rect.width > 0 ? (clientX - rect.left) / rect.width : 0;
  return Math.min(1, Math.max(0, fraction)) * player.duration;
}

function waveKeydown(event) {
  if (event.altKey || event.ctrlKey || event.metaKey) return;
  const keys = {
    ArrowLeft: -STEP, ArrowDown: -STEP, ArrowRight: STEP, ArrowUp: STEP,
    PageDown: -PAGE, PageUp: PAGE,
  };
  if (event.key in keys) {
    event.preventDefault();
    seekBy(keys[event.key]);
  } else if (event.key === " ") {
    // main.js leaves Space to a focused slider: here it plays and pauses.
    event.preventDefault();
    togglePlay();
  } else if (event.key === "Home") {
    event.preventDefault();
    seek(0);
  } else if (event.key === "End") {
    event.preventDefault();
    seek(player.duration);
  }
}

function wavePointerDown(event) {
  if (event.button !== 0 || !player.open) return;
  const canvas = event.currentTarget;
  canvas.focus();
  canvas.setPointerCapture?.(event.pointerId);
  player.dragging = secondsAt(canvas, event.clientX);
  schedule();
  event.preventDefault();
}

function wavePointerMove(event) {
  if (player.dragging === null) return;
  player.dragging = secondsAt(event.currentTarget, event.clientX);
  schedule();
}

function wavePointerUp(event) {
  if (player.dragging === null) return;
  const seconds = secondsAt(event.currentTarget, event.clientX);
  player.dragging = null;
  seek(seconds);
}

function wavePointerCancel() {
  player.dragging = null;
  schedule();
}

// ---------------------------------------------------------------------------------------------
// Bookmarks

function renderBookmarks() {
  const list = $("bookmark-list");
  if (!list) return;
  const sorted = [...player.bookmarks].sort((a, b) => bookmarkSeconds(a) - bookmarkSeconds(b));
  const empty = $("bookmark-empty");
  if (empty) empty.hidden = sorted.length > 0;
  replace(list, sorted.map(bookmarkItem));
  schedule();
}

function bookmarkItem(b) {
  const at = formatTime(bookmarkSeconds(b));
  return el("li", { "data-bookmark-id": b.id, class: "bookmark" },
    el("button", { type: "button", class: "bookmark-jump secondary", "aria-label": `Jump to ${at}`,
      onclick: () => seek(bookmarkSeconds(b)) }, at),
    el("span", { class: "bookmark-note" }, b.note),
    el("span", { class: "bookmark-actions" },
      el("button", { type: "button", class: "bookmark-edit secondary", "aria-label": `Edit the note at ${at}`,
        onclick: (event) => editBookmark(event.currentTarget.closest("li"), b) }, "Edit"),
      el("button", { type: "button", class: "bookmark-remove secondary", "aria-label": `Remove the bookmark at ${at}`,
        onclick: () => removeBookmark(b) }, "Remove")));
}

function editBookmark(item, b) {
  if (!item) return;
  const at = formatTime(bookmarkSeconds(b));
  const inputId = `bookmark-edit-${b.id}`;
  const input = el("input", { type: "text", id: inputId, class: "bookmark-edit-note", value: b.note,
    maxlength: "2000", autocomplete: "off" });
  const cancel = () => {
    renderBookmarks();
    document.querySelector(`[data-bookmark-id="${CSS.escape(b.id)}"] .bookmark-edit`)?.focus();
  };
  const form = el("form", { class: "bookmark-edit-form row", onsubmit: async (event) => {
    event.preventDefault();
    const note = input.value.trim();
    if (!note) {
      input.setAttribute("aria-invalid", "true");
      showProblem({ message: "A bookmark needs a note. Remove the bookmark if it is no longer needed." });
      input.focus();
      return;
    }
    try {
      const updated = await screen.app.call("bookmark_edit", { id: b.id, seconds: null, note });
      player.bookmarks = player.bookmarks.map((x) => (x.id === b.id ? { ...x, ...updated } : x));
      showProblem(null);
      renderBookmarks();
      document.querySelector(`[data-bookmark-id="${CSS.escape(b.id)}"] .bookmark-edit`)?.focus();
      screen.app.notify("Bookmark note saved", "ok");
    } catch (error) {
      showProblem(error);
    }
  } },
  el("label", { for: inputId, class: "sr-only" }, `Note at ${at}`),
  input,
  el("button", { type: "submit", class: "primary" }, "Save"),
  el("button", { type: "button", class: "secondary", onclick: cancel }, "Cancel"));
  input.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      event.preventDefault();
      cancel();
    }
  });
  replace(item, el("span", { class: "bookmark-time" }, at), form);
  input.focus();
  input.select();
}

async function removeBookmark(b) {
  if (!screen) return;
  try {
    await screen.app.call("bookmark_remove", { id: b.id });
    const index = [...player.bookmarks].sort((x, y) => bookmarkSeconds(x) - bookmarkSeconds(y))
      .findIndex((x) => x.id === b.id);
    player.bookmarks = player.bookmarks.filter((x) => x.id !== b.id);
    renderBookmarks();
    // Keep focus in the list (the next bookmark), or on the note field when it is empty.
    const items = document.querySelectorAll("#bookmark-list .bookmark-jump");
    (items[Math.min(index, items.length - 1)] ?? $("bookmark-note"))?.focus();
    screen.app.notify(`Bookmark at ${formatTime(bookmarkSeconds(b))} removed`, "ok");
  } catch (error) {
    showProblem(error);
  }
}

async function addBookmark(event) {
  event?.preventDefault();
  if (!screen || !player.open) return;
  const input = $("bookmark-note");
  const note = input.value.trim();
  if (!note) {
    input.setAttribute("aria-invalid", "true");
    showProblem({ message: "Write a short note for the bookmark first, e.g. what to discuss in supervision." });
    input.focus();
    return;
  }
  input.removeAttribute("aria-invalid");
  const seconds = Math.min(player.duration, Math.max(0, shownSeconds()));
  try {
    const bookmark = await screen.app.call("bookmark_add",
      { recordingId: player.recording.id, seconds, note });
    player.bookmarks.push(bookmark);
    input.value = "";
    showProblem(null);
    renderBookmarks();
    screen.app.notify(`Bookmark added at ${formatTime(bookmarkSeconds(bookmark))}`, "ok");
    input.focus();
  } catch (error) {
    showProblem(error);
  }
}

// ---------------------------------------------------------------------------------------------
// Transcribing and sharing a clip

const SHARE_ROLES = [
  ["tutor", "Course tutor"],
  ["student", "Fellow students"],
  ["supervisor", "Clinical supervisor"],
];

function shareProblem(error, field) {
  const box = $("share-problem");
  if (!box) return;
  for (const node of document.querySelectorAll("#share-panel [aria-invalid]")) node.removeAttribute("aria-invalid");
  if (error) {
    // The core's messages start in lower case (they are written to follow "…: "); here one
    // stands alone.
    const text = errorText(error);
    box.textContent = text.charAt(0).toUpperCase() + text.slice(1);
    box.dataset.code = error?.code ?? "";
    box.hidden = false;
    if (field) {
      field.setAttribute("aria-invalid", "true");
      field.focus();
    }
  } else {
    box.textContent = "";
    delete box.dataset.code;
    box.hidden = true;
  }
}

/** "Use current position" is offered only while the recording is open for listening. */
function updateShareNow() {
  for (const id of ["share-from-now", "share-until-now"]) {
    const button = $(id);
    if (button) button.hidden = !player.open;
  }
}

function shareMethod() {
  return document.querySelector("input[name=share-method]:checked")?.value ?? "recipients";
}

function methodChanged() {
  const method = shareMethod();
  const recipients = $("share-recipients-field");
  const passphrase = $("share-passphrase-fields");
  if (recipients) recipients.hidden = method !== "recipients";
  if (passphrase) passphrase.hidden = method !== "passphrase";
}

function toggleShare(open) {
  const panel = $("share-panel");
  const button = $("share-open");
  if (!panel || !button) return;
  const show = open ?? panel.hidden;
  panel.hidden = !show;
  button.setAttribute("aria-expanded", String(show));
  if (show) {
    updateShareNow();
    $("share-role")?.focus();
  } else {
    button.focus();
  }
}

async function submitShare(event, recording) {
  event.preventDefault();
  if (!screen) return;
  const app = screen.app;
  const fromInput = $("share-from");
  const untilInput = $("share-until");
  const from = parseTime(fromInput.value);
  const until = parseTime(untilInput.value);
  const length = Number(recording.seconds) || Infinity;
  shareProblem(null);
  if (Number.isNaN(from)) return shareProblem({ message: "Write “From” as minutes and seconds, for example 2:30." }, fromInput);
  if (Number.isNaN(until)) return shareProblem({ message: "Write “Until” as minutes and seconds, for example 4:00." }, untilInput);
  if (from !== null && from >= length) {
    return shareProblem({ message: `The recording is only ${formatTime(length)} long.` }, fromInput);
  }
  if (until !== null && until <= (from ?? 0)) return shareProblem({ message: "“Until” must come after “From”." }, untilInput);
  const method = shareMethod();
  let recipients = null;
  let passphrase = null;
  if (method === "recipients") {
    const field = $("share-recipients");
    recipients = field.value.split(/\s+/).map((r) => r.trim()).filter(Boolean);
    if (!recipients.length) {
      return shareProblem({ message: "Paste the recipient's age public key (it begins with age1)." }, field);
    }
    const wrong = recipients.find((r) => !/^age1[0-9a-z]+$/i.test(r));
    if (wrong) {
      return shareProblem({ message: `“${wrong.length > 24 ? `${wrong.slice(0, 24)}…` : wrong}” is not an age public key: ` +
        "each key begins with age1 and has no spaces. Put one key on each line." }, field);
    }
  } else {
    const first = $("share-passphrase");
    const again = $("share-passphrase-again");
    if (!first.value) return shareProblem({ message: "Choose a passphrase for the clip." }, first);
    if (first.value !== again.value) {
      return shareProblem({ message: "The two passphrases are not the same. Type it again in the second box." }, again);
    }
    passphrase = first.value;
  }
  const button = $("share-submit");
  button.disabled = true;
  const result = $("share-result");
  if (result) {
    result.replaceChildren();
    result.hidden = true;
  }
  try {
    const answer = await app.call("share_clip", {
      recordingId: recording.id,
      role: $("share-role").value,
      recipients,
      passphrase,
      fromSeconds: from,
      untilSeconds: until === null ? null : Math.min(until, length),
      armor: $("share-armor").checked,
    });
    if (!screen) return;
    // The passphrase leaves the page once it has been used.
    if (method === "passphrase") {
      $("share-passphrase").value = "";
      $("share-passphrase-again").value = "";
    }
    if (result) {
      if (answer?.saved) {
        replace(result,
          el("p", {}, el("strong", {}, "Saved: "), el("span", { id: "share-file-name" }, answer.file_name ?? "the clip")),
          el("p", {}, "Logged as an outstanding copy: record it destroyed when the recipient confirms " +
            "(on the Shred screen, under “Copies outside the vault”)."));
      } else {
        replace(result, el("p", {}, "Not saved."));
      }
      result.hidden = false;
    }
    if (answer?.saved) app.notify(`Clip saved as ${answer.file_name ?? "an encrypted file"}`, "ok");
  } catch (error) {
    // What was typed stays (the passphrase too), so it can be corrected and sent again.
    shareProblem(error);
  } finally {
    button.disabled = false;
  }
}

function timeField(id, label, hint) {
  return el("div", { class: "field share-time" },
    el("label", { for: id }, label),
    el("div", { class: "row" },
      el("input", { id, type: "text", inputmode: "numeric", autocomplete: "off", size: "8",
        "aria-describedby": "share-range-hint" }),
      el("button", { id: `${id}-now`, type: "button", class: "secondary small", hidden: !player.open,
        onclick: () => {
          $(id).value = formatTime(Math.min(player.duration, Math.max(0, shownSeconds())));
          $(id).focus();
        } }, "Use current position", el("span", { class: "sr-only" }, ` as “${label}”`))),
    hint ? el("p", { class: "muted hint" }, hint) : null);
}

function extrasView(recording) {
  const app = screen.app;
  const method = (value, label, note) => el("div", { class: "choice" },
    el("input", { type: "radio", name: "share-method", id: `share-method-${value}`, value,
      checked: value === "recipients", "aria-describedby": `share-method-${value}-note`, onchange: methodChanged }),
    el("label", { for: `share-method-${value}` }, label,
      el("span", { id: `share-method-${value}-note`, class: "choice-note" }, note)));
  return [
    el("div", { class: "row player-actions" },
      el("button", { id: "player-transcribe", type: "button", class: "secondary",
        onclick: () => app.go("transcript", { recordingId: recording.id }) }, "Transcribe…"),
      el("button", { id: "share-open", type: "button", class: "secondary", "aria-expanded": "false",
        "aria-controls": "share-panel", onclick: () => toggleShare() }, "Share a clip…")),
    el("form", { id: "share-panel", class: "panel stack share-panel", hidden: true, novalidate: true,
      "aria-labelledby": "share-title", onsubmit: (event) => submitShare(event, recording) },
    el("h3", { id: "share-title" }, "Share a clip"),
    el("p", {}, "The clip is saved as a standard sound file inside an encrypted file that only the recipient " +
      "can open, with their own key or with a passphrase you tell them. It is logged as a copy outside the " +
      "vault until they confirm they destroyed it."),
    el("div", { id: "share-problem", class: "notice notice-problem", role: "alert", hidden: true }),
    el("div", { class: "field" },
      el("label", { for: "share-role" }, "Who it is for"),
      el("select", { id: "share-role", "aria-describedby": "share-role-hint" },
        SHARE_ROLES.map(([value, label]) => el("option", { value }, label))),
      el("p", { id: "share-role-hint", class: "muted hint" },
        "The client's consent decides who may hear the recording; a clip for anyone else is refused.")),
    el("p", { id: "share-range-hint", class: "muted hint" },
      `Times as M:SS. Leave both blank to share the whole recording (${formatTime(recording.seconds)}).`),
    el("div", { class: "row share-range" },
      timeField("share-from", "From"),
      timeField("share-until", "Until")),
    el("fieldset", { id: "share-method", class: "choice-group" },
      el("legend", {}, "How the recipient opens it"),
      method("recipients", "With their age key",
        "They give you their public key, which begins age1…; only they can open the file."),
      method("passphrase", "With a passphrase",
        "You choose a passphrase and tell it to them separately: in person or by phone, never with the file.")),
    el("div", { id: "share-recipients-field", class: "field" },
      el("label", { for: "share-recipients" }, "Recipients' public keys, one a line"),
      el("textarea", { id: "share-recipients", rows: "3", spellcheck: "false", autocomplete: "off",
        placeholder: "age1…" })),
    el("div", { id: "share-passphrase-fields", class: "row share-passphrase", hidden: true },
      el("div", { class: "field" },
        el("label", { for: "share-passphrase" }, "Passphrase"),
        el("input", { id: "share-passphrase", type: "password", autocomplete: "new-password",
          "aria-describedby": "share-passphrase-hint" })),
      el("div", { class: "field" },
        el("label", { for: "share-passphrase-again" }, "The same passphrase again"),
        el("input", { id: "share-passphrase-again", type: "password", autocomplete: "new-password" })),
      el("p", { id: "share-passphrase-hint", class: "muted hint" },
        "At least 12 characters; several unrelated words are easy to say and hard to guess.")),
    el("div", { class: "choice" },
      el("input", { id: "share-armor", type: "checkbox", "aria-describedby": "share-armor-note" }),
      el("label", { for: "share-armor" }, "Text-safe (ASCII armour)",
        el("span", { id: "share-armor-note", class: "choice-note" },
          "For sending where only text is allowed; the file is larger."))),
    el("div", { class: "row" },
      el("button", { id: "share-submit", type: "submit", class: "primary" }, "Encrypt and save the clip…"),
      el("button", { type: "button", class: "secondary", onclick: () => toggleShare(false) }, "Close")),
    el("div", { id: "share-result", class: "notice notice-ok", role: "status", hidden: true })),
  ];
}

// ---------------------------------------------------------------------------------------------
// Views

function setupView(recordingId) {
  const select = el("select", { id: "player-listener", "aria-describedby": "player-listener-note" },
    LISTENERS.map(([value, label]) => el("option", { value }, `${label}`)));
  return el("div", { class: "panel stack player-setup" },
    el("div", { class: "field" },
      el("label", { for: "player-listener" }, "Who is listening"),
      select,
      el("p", { id: "player-listener-note", class: "muted hint" },
        "Every listening is logged with this purpose. The client's consent decides who may listen.")),
    el("div", { class: "row" },
      el("button", { id: "player-start", type: "button", class: "primary",
        onclick: () => openPlayer(recordingId) }, "Open for listening")));
}

function playerView() {
  const wave = el("canvas", {
    id: "player-waveform", class: "waveform", role: "slider", tabindex: "0",
    "aria-label": "Position in the recording", "aria-valuemin": "0",
    "aria-valuemax": String(Math.round(player.duration)), "aria-valuenow": "0",
    "aria-valuetext": `0:00 of ${formatTime(player.duration)}`,
    "aria-describedby": "player-wave-help",
    onkeydown: waveKeydown, onpointerdown: wavePointerDown, onpointermove: wavePointerMove,
    onpointerup: wavePointerUp, onpointercancel: wavePointerCancel,
  });
  const speed = el("select", { id: "player-speed", onchange: async (event) => {
    const value = Number(event.currentTarget.value);
    if (await act("player_speed", { speed: value })) player.speed = value;
    schedule();
  } }, SPEEDS.map((s) => el("option", { value: String(s), selected: s === player.speed }, `${s}×`)));
  speed.value = String(player.speed);
  let volumeTimer = 0;
  const volume = el("input", { id: "player-volume", type: "range", min: "0", max: "100", step: "5",
    value: "100", "aria-valuetext": "100%",
    oninput: (event) => {
      const input = event.currentTarget;
      input.setAttribute("aria-valuetext", `${input.value}%`);
      $("player-volume-value").textContent = `${input.value}%`;
      clearTimeout(volumeTimer);
      volumeTimer = setTimeout(() => act("player_volume", { volume: Number(input.value) / 100 }), 60);
    } });
  const listener = LISTENERS.find(([v]) => v === player.listener)?.[1] ?? player.listener;

  return el("div", { class: "player stack" },
    el("div", { class: "panel stack" },
      el("p", { class: "listening-for" }, el("strong", {}, "Listening for: "), listener,
        el("span", { class: "muted" }, " — logged")),
      wave,
      el("p", { id: "player-wave-help", class: "muted hint" },
        "Click or drag to move. Keys: arrows 5 seconds, Page Up/Down 30 seconds, Home/End, Space plays or pauses."),
      el("div", { class: "row transport" },
        el("button", { id: "player-play", type: "button", class: "primary play", "data-playing": "false",
          onclick: togglePlay },
        el("span", { class: "play-icon", "aria-hidden": "true" }, "▶"), " ",
        el("span", { class: "play-label" }, "Play")),
        el("button", { id: "player-back", type: "button", class: "secondary",
          onclick: () => seekBy(-STEP) }, "−5 s", el("span", { class: "sr-only" }, " (back 5 seconds)")),
        el("button", { id: "player-forward", type: "button", class: "secondary",
          onclick: () => seekBy(STEP) }, "+5 s", el("span", { class: "sr-only" }, " (forward 5 seconds)")),
        el("p", { class: "position" },
          el("span", { id: "player-position", class: "time" }, `0:00 of ${formatTime(player.duration)}`),
          el("span", { id: "player-state", class: "muted state" }, "Paused"))),
      el("div", { class: "row settings" },
        el("div", { class: "field" },
          el("label", { for: "player-speed" }, "Speed"), speed),
        el("div", { class: "field grow" },
          el("label", { for: "player-volume" }, "Volume ", el("span", { id: "player-volume-value", class: "muted" }, "100%")),
          volume),
        el("button", { id: "player-close", type: "button", class: "secondary", onclick: closePlayer },
          "Stop listening"))),
    el("div", { class: "panel stack bookmarks" },
      el("h3", {}, "Bookmarks"),
      el("form", { class: "row bookmark-add", onsubmit: addBookmark },
        el("div", { class: "field grow" },
          el("label", { for: "bookmark-note" }, "Note at the current position"),
          el("input", { id: "bookmark-note", type: "text", maxlength: "2000", autocomplete: "off",
            placeholder: "e.g. Rupture and repair — discuss in supervision",
            oninput: (event) => event.currentTarget.removeAttribute("aria-invalid") })),
        el("button", { id: "bookmark-add", type: "submit", class: "primary" }, "Add bookmark")),
      el("p", { id: "bookmark-empty", class: "muted" }, "No bookmarks yet."),
      el("ul", { id: "bookmark-list", class: "bookmark-list" })));
}

async function openPlayer(recordingId) {
  if (!screen) return;
  const app = screen.app;
  const button = $("player-start");
  const listener = $("player-listener").value;
  button.disabled = true;
  showProblem(null);
  if (player.open) await closeQuietly();
  const channel = app.channel((message) => onPosition(message, channel));
  player.channel = channel;
  try {
    const answer = await app.call("player_open", { recordingId, listener, device: null, onPosition: channel });
    if (!screen || player.channel !== channel) {
      // Left while it opened: close it again so the listening is logged and ended.
      app.call("player_close").catch(() => {});
      return;
    }
    Object.assign(player, {
      open: true, listener, recording: answer?.recording ?? screen.recording,
      position: 0, playing: false, ended: false, dragging: null, seekTarget: null, bookmarks: [], peaks: [],
    });
    player.duration = Number(player.recording?.seconds) || 0;
    if (player.recording) $("player-title").textContent = titleFor(player.recording);
    waveImages = null;
    const [wave, marks] = await Promise.allSettled([
      app.call("recording_waveform", { id: recordingId }),
      app.call("bookmark_list", { recordingId }),
    ]);
    if (!screen || player.channel !== channel) return;
    if (wave.status === "fulfilled") player.peaks = Array.from(wave.value?.peaks ?? [], Number);
    if (marks.status === "fulfilled") player.bookmarks = marks.value ?? [];
    replace($("player-body"), playerView());
    renderBookmarks();
    watchSize();
    renderPosition();
    updateShareNow();
    if (wave.status === "rejected") showProblem(wave.reason);
    else if (marks.status === "rejected") showProblem(marks.reason);
    $("player-play")?.focus();
  } catch (error) {
    if (player.channel === channel) player.channel = null;
    button.disabled = false;
    showProblem(error);
  }
}

function watchSize() {
  resizeObserver?.disconnect();
  const wave = $("player-waveform");
  if (!wave || typeof ResizeObserver === "undefined") return;
  resizeObserver = new ResizeObserver(() => schedule());
  resizeObserver.observe(wave);
}

function resetPlayer() {
  Object.assign(player, { open: false, channel: null, playing: false, dragging: null, seekTarget: null });
  updateShareNow();
  resizeObserver?.disconnect();
  resizeObserver = null;
  waveImages = null;
}

async function closeQuietly() {
  const app = screen?.app ?? lastApp;
  resetPlayer();
  try {
    await app?.call("player_close");
  } catch {
    // Locking finishes and logs the listening on its own.
  }
}

async function closePlayer() {
  if (!screen || !player.open) return;
  const app = screen.app;
  const recordingId = player.recording?.id;
  const button = $("player-close");
  if (button) button.disabled = true;
  try {
    const listening = await app.call("player_close");
    resetPlayer();
    const heard = Number(listening?.seconds_heard);
    app.notify(Number.isFinite(heard) ? `Listening logged (${formatTime(heard)} heard)` : "Listening logged", "ok");
    if (listening?.fault) showProblem({ message: `Playback stopped early: ${listening.fault}` });
    if (screen) {
      replace($("player-body"), setupView(recordingId));
      $("player-start")?.focus();
    }
  } catch (error) {
    if (button) button.disabled = false;
    showProblem(error);
  }
}

// ---------------------------------------------------------------------------------------------
// Screen interface

let lastApp = null;

/**
 * Shows the player for `params.recordingId`.
 * @param {HTMLElement} root
 * @param {object} app
 * @param {{recordingId?: string}} [params]
 */
export async function show(root, app, params = {}) {
  lastApp = app;
  const recordingId = params?.recordingId ?? null;
  screen = { root, app, recording: null };
  const current = screen;
  replace(root,
    el("h2", { id: "player-title", tabindex: "-1" }, "Listen to a recording"),
    el("div", { id: "player-problem", class: "notice notice-problem", role: "alert", hidden: true }),
    el("div", { id: "player-body", "aria-busy": "true" }, el("p", { class: "muted" }, "Loading…")),
    el("div", { id: "player-extras" }));

  app.shortcuts?.([
    { key: "k", alt: true, label: "Play or pause", inText: true, run: () => togglePlay() },
    { key: " ", label: "Play or pause (Space, outside text fields)", inText: false, run: () => {
      // A focused button, link or control handles Space itself.
      const active = document.activeElement;
      if (active && active !== document.body && active.id !== "player-waveform"
          && active.matches("button, a, select, input, textarea, [role=button], summary")) return false;
      togglePlay();
      return true;
    } },
    { key: "ArrowLeft", alt: true, label: "Back 5 seconds", inText: true, run: () => seekBy(-STEP) },
    { key: "ArrowRight", alt: true, label: "Forward 5 seconds", inText: true, run: () => seekBy(STEP) },
    { key: "b", alt: true, label: "Write a bookmark note", inText: true, run: () => $("bookmark-note")?.focus() },
  ]);

  const body = () => $("player-body");
  if (!recordingId) {
    replace(body(), el("div", { class: "panel stack" },
      el("p", {}, "Choose a recording in the Library to listen to it."),
      el("div", { class: "row" },
        el("button", { type: "button", class: "primary", onclick: () => app.go("library") }, "Go to the Library"))));
    body().removeAttribute("aria-busy");
    return;
  }

  // A player left open for another recording is finished first (its listening logged).
  if (player.open && player.recording?.id !== recordingId) await closeQuietly();

  try {
    const recordings = await app.call("recordings_list");
    if (screen !== current) return;
    current.recording = (recordings ?? []).find((r) => r.id === recordingId) ?? null;
  } catch (error) {
    if (screen !== current) return;
    showProblem(error);
  }
  if (current.recording) {
    $("player-title").textContent = titleFor(current.recording);
    replace($("player-extras"), extrasView(current.recording));
  }
  body().removeAttribute("aria-busy");
  if (!current.recording && !$("player-problem").hidden) {
    replace(body());
    return;
  }
  if (!current.recording) {
    replace(body(), el("div", { class: "panel stack" },
      el("p", {}, "This recording is not in the vault any more (it may have been shredded)."),
      el("div", { class: "row" },
        el("button", { type: "button", class: "primary", onclick: () => app.go("library") }, "Go to the Library"))));
    return;
  }
  if (player.open && player.recording?.id === recordingId) {
    replace(body(), playerView());
    renderBookmarks();
    watchSize();
    renderPosition();
    return;
  }
  replace(body(), setupView(recordingId));
}

/** Leaves the screen: an open player is closed, which logs the listening. */
export function leave() {
  if (frame) cancelAnimationFrame(frame);
  frame = 0;
  const wasOpen = player.open;
  const app = screen?.app ?? lastApp;
  screen = null;
  if (wasOpen) {
    resetPlayer();
    app?.call("player_close").then(
      () => app.notify("Listening logged", "ok"),
      () => {},
    );
  } else {
    // A player_open still in flight closes itself when it answers.
    player.channel = null;
    resizeObserver?.disconnect();
    resizeObserver = null;
  }
}
