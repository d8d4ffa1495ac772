// The transcript screen: a recording's transcripts (an excerpt or the whole session), and an
// editor tied to the player, made for transcribing by keyboard: play and pause without leaving
// the text, a short rewind on resuming, slower and faster, a new segment at the playhead, the
// current time typed in, speaker labels by key. Every edit is saved on its own, encrypted in the
// vault by the core; names and identifying details are replaced on export, and checked.
import { el, replace, setText, byId as $ } from "../lib/dom.js";
import { capitalise, plural, errorText } from "../lib/text.js";
import { formatTime, parseTime, formatDateTime, formatDate } from "../lib/time.js";
import { SPEEDS } from "../lib/speeds.js";
import { startSeek, takeMessage } from "../lib/playback.js";
import { autosaver, showSaveState } from "../lib/autosave.js";
import { anonymisationPanel } from "../lib/anonymisation.js";
import { exportDocument, showProblemIn } from "../lib/problem.js";

const JUMP = 5;
const DEFAULT_SPEAKERS = [
  { label: "T:", meaning: "Counsellor" },
  { label: "C:", meaning: "Client" },
];
const EXPORT_FORMATS = [
  ["txt", "Plain text (.txt)"],
  ["docx", "Word (.docx)"],
  ["pdf", "PDF"],
];

// ---------------------------------------------------------------------------------------------
// State

/** The screen while shown: `{root, app, recordingId, recording, mode}`. */
let screen = null;
let lastApp = null;
/** Bumped by every show and leave, so answers for an earlier showing are dropped. */
let generation = 0;

/** The open player (the editor's own, over the player_* commands). */
const player = {
  open: false,
  channel: null,
  position: 0,
  playing: false,
  speed: 1,
  ended: false,
  seekTarget: null,
  seekAt: 0,
  from: 0,
  until: 0,
  duration: 0,
  autoRewind: 2,
  /** Whether the next play resumes after a pause (and so rewinds a little first). */
  resuming: false,
};
/** A player_close still on its way, awaited before opening another. */
let closing = Promise.resolve();
let frame = 0;
/** The last state words said aloud, so they are said only when they change. */
let stateWords = "";

/** A fresh editing state. */
function newDoc() {
  return {
    transcript: null,
    speakers: [],
    /** `{key, id, seconds, speaker, text}` in time order. */
    segments: [],
    nextKey: 1,
    lastFocusedKey: null,
    saver: null,
    removed: null,
  };
}
/** The transcript being edited (replaced, never emptied, so a save on its way keeps its own). */
let doc = newDoc();
/** Segments not saved because the vault locked first: saved when this transcript opens again. */
let unsavedAtLock = null;

function speakers() {
  return doc.speakers.length ? doc.speakers : DEFAULT_SPEAKERS;
}

// ---------------------------------------------------------------------------------------------
// Problems and status

function showProblem(error, id = "transcript-problem") {
  showProblemIn(id, error);
}

function onSaveState(state, error) {
  showSaveState(state, error, { statusId: "transcript-saved", problemId: "transcript-save-problem", retry: () => doc.saver?.flush() });
}

// ---------------------------------------------------------------------------------------------
// The player

function clamp(seconds) {
  return Math.min(player.until, Math.max(player.from, Number(seconds) || 0));
}

function shownSeconds() {
  return player.seekTarget ?? player.position;
}

function onPosition(message, channel) {
  const before = player.position;
  const heard = takeMessage(player, message, channel);
  if (!heard) return;
  if (heard === "failed") {
    showProblem({ message: message.message || "Playback stopped unexpectedly." }, "transcript-player-problem");
    schedule();
    return;
  }
  // Playing on past the end of the excerpt pauses there once (play again to go on).
  if (player.playing && player.seekTarget === null && player.until < player.duration
      && before < player.until && player.position >= player.until) {
    pause();
  }
  schedule();
}

function schedule() {
  if (frame || !screen) return;
  frame = requestAnimationFrame(() => {
    frame = 0;
    renderPlayer();
  });
}

function renderPlayer() {
  const seconds = shownSeconds();
  setText($("transcript-position"), formatTime(seconds));
  const seek = $("transcript-seek");
  if (seek && !seek.dataset.dragging) {
    seek.value = String(Math.round(clamp(seconds)));
    seek.setAttribute("aria-valuetext", formatTime(clamp(seconds)));
  }
  const play = $("transcript-play");
  if (play) {
    play.dataset.playing = player.playing ? "true" : "false";
    setText(play.querySelector(".play-icon"), player.playing ? "❚❚" : "▶");
    setText(play.querySelector(".play-label"), player.playing ? "Pause" : "Play");
  }
  const speed = $("transcript-speed");
  if (speed && speed.value !== String(player.speed) && SPEEDS.includes(player.speed)) speed.value = String(player.speed);
  const state = $("transcript-player-state");
  if (state) {
    const words = !player.open ? "Player not open"
      : player.playing ? `Playing at ${player.speed}×`
        : seconds >= player.until - 0.05 ? `Paused at the end of the excerpt, speed ${player.speed}×`
          : `Paused, speed ${player.speed}×`;
    if (words !== stateWords) {
      stateWords = words;
      state.textContent = words;
    }
  }
}

async function act(command, args) {
  const app = screen?.app;
  if (!app || !player.open) return false;
  try {
    await app.call(command, args);
    showProblem(null, "transcript-player-problem");
    return true;
  } catch (error) {
    showProblem(error, "transcript-player-problem");
    return false;
  }
}

async function seek(seconds) {
  if (!player.open) return;
  const target = startSeek(player, seconds);
  // A jump chosen by hand is not rewound on the next play.
  player.resuming = false;
  schedule();
  if (!(await act("player_seek", { seconds: target }))) player.seekTarget = null;
}

function seekBy(delta) {
  if (!player.open) return;
  seek(Math.max(player.from, shownSeconds() + delta));
}

async function pause() {
  if (!player.open) return;
  if (await act("player_pause")) {
    player.playing = false;
    player.resuming = true;
  }
  schedule();
}

async function play() {
  if (!player.open) return;
  let at = shownSeconds();
  if (player.ended || at >= player.duration - 0.05) {
    await seek(player.from);
  } else if (player.resuming && player.autoRewind > 0) {
    // Resuming: go back a little, to hear again the words typed last.
    const back = Math.max(player.from, at - player.autoRewind);
    if (back < at) await seek(back);
  }
  if (await act("player_play")) {
    player.playing = true;
    player.resuming = false;
  }
  schedule();
}

function togglePlay() {
  if (!player.open) {
    showProblem({ message: "The player is not open, so there is nothing to play." }, "transcript-player-problem");
    return undefined;
  }
  return player.playing ? pause() : play();
}

async function setSpeed(value) {
  const speed = Math.min(SPEEDS[SPEEDS.length - 1], Math.max(SPEEDS[0], Math.round(value * 4) / 4));
  if (!player.open) return;
  // Taken at once, so keys pressed quickly one after another add up.
  const before = player.speed;
  player.speed = speed;
  schedule();
  if (!(await act("player_speed", { speed })) && player.speed === speed) player.speed = before;
  schedule();
}

function changeSpeed(delta) {
  return setSpeed(player.speed + delta);
}

async function openPlayer(mine) {
  const app = screen.app;
  await closing;
  if (mine !== generation) return;
  const channel = app.channel((message) => onPosition(message, channel));
  player.channel = channel;
  try {
    const answer = await app.call("player_open",
      { recordingId: screen.recordingId, listener: "self", device: null, onPosition: channel });
    if (mine !== generation || player.channel !== channel) {
      // Left while it opened: close it again so the listening is logged and ended.
      app.call("player_close").catch(() => {});
      return;
    }
    const seconds = Number(answer?.recording?.seconds);
    if (Number.isFinite(seconds) && seconds > 0) {
      player.duration = seconds;
      player.until = Math.min(player.until, seconds);
    }
    Object.assign(player, { open: true, position: 0, playing: false, ended: false, seekTarget: null, resuming: false });
    for (const id of ["transcript-play", "transcript-back", "transcript-speed", "transcript-seek"]) {
      const node = $(id);
      if (node) node.disabled = false;
    }
    if (player.from > 0) await seek(player.from);
    player.resuming = false;
    schedule();
  } catch (error) {
    if (player.channel === channel) player.channel = null;
    if (mine !== generation) return;
    showProblem({
      code: error?.code,
      message: `The recording cannot be played here: ${errorText(error)} You can still type and edit the transcript.`,
    }, "transcript-player-problem");
    schedule();
  }
}

function closePlayer(app) {
  const wasOpen = player.open;
  Object.assign(player, { open: false, channel: null, playing: false, seekTarget: null, resuming: false });
  if (wasOpen && app) {
    closing = app.call("player_close").then(() => {}, () => {});
  }
}

// ---------------------------------------------------------------------------------------------
// Segments

function segmentIndex(key) {
  return doc.segments.findIndex((s) => s.key === key);
}

/** The segment whose controls have focus, else the one written in last. */
function focusedSegment() {
  const li = document.activeElement?.closest?.("#transcript-segments li[data-segment-index]");
  const key = li ? Number(li.dataset.segmentKey) : doc.lastFocusedKey;
  return doc.segments.find((s) => s.key === key) ?? null;
}

function textOf(key) {
  return document.querySelector(`#transcript-segments li[data-segment-key="${key}"] textarea.segment-text`);
}

function grow(textarea) {
  if (!textarea) return;
  textarea.style.height = "auto";
  // Not laid out (hidden): the stylesheet's height stands.
  if (!textarea.scrollHeight) {
    textarea.style.height = "";
    return;
  }
  textarea.style.height = `${textarea.scrollHeight + 4}px`;
}

function edited() {
  doc.saver?.mark();
}

function speakerOptions(current) {
  const list = speakers();
  const options = list.map((s) => el("option", { value: s.label },
    s.meaning ? `${s.label} ${s.meaning}` : s.label));
  if (current && !list.some((s) => s.label === current)) {
    options.push(el("option", { value: current }, `${current} (not in the speaker key)`));
  }
  return options;
}

function segmentItem(segment, index) {
  const at = formatTime(segment.seconds);
  const key = segment.key;
  const speaker = el("select", { class: "segment-speaker", "aria-label": `Speaker at ${at}`,
    onchange: (event) => {
      segment.speaker = event.currentTarget.value;
      edited();
    } }, speakerOptions(segment.speaker));
  speaker.value = segment.speaker;
  const text = el("textarea", { class: "segment-text", rows: "2", "aria-label": `What was said at ${at}`,
    spellcheck: "true", value: segment.text,
    oninput: (event) => {
      segment.text = event.currentTarget.value;
      grow(event.currentTarget);
      edited();
    } });
  return el("li", { class: "segment", "data-segment-index": String(index), "data-segment-key": String(key),
    onfocusin: () => { doc.lastFocusedKey = key; } },
  el("div", { class: "segment-head" },
    el("button", { type: "button", class: "segment-time secondary", "aria-label": `Jump the player to ${at}`,
      onclick: () => seek(segment.seconds) }, at),
    speaker,
    el("button", { type: "button", class: "segment-remove secondary small",
      "aria-label": `Remove the segment at ${at}`, onclick: () => removeSegment(key) }, "Remove")),
  text);
}

function renderSegments(focusKey = null) {
  const list = $("transcript-segments");
  if (!list) return;
  replace(list, doc.segments.map(segmentItem));
  const empty = $("transcript-segments-empty");
  if (empty) empty.hidden = doc.segments.length > 0;
  for (const textarea of list.querySelectorAll("textarea.segment-text")) grow(textarea);
  if (focusKey !== null) {
    const text = textOf(focusKey);
    if (text) {
      text.focus();
      text.setSelectionRange(text.value.length, text.value.length);
    }
  }
}

function insertAt(segment) {
  let index = doc.segments.length;
  while (index > 0 && doc.segments[index - 1].seconds > segment.seconds) index -= 1;
  doc.segments.splice(index, 0, segment);
  return index;
}

function addSegment() {
  if (!doc.transcript) return;
  const seconds = Math.round(clamp(player.open ? shownSeconds() : player.from) * 10) / 10;
  const list = speakers();
  let index = doc.segments.length;
  while (index > 0 && doc.segments[index - 1].seconds > seconds) index -= 1;
  // The speaker alternates with the segment before.
  const before = doc.segments[index - 1];
  const at = before ? list.findIndex((s) => s.label === before.speaker) : -1;
  const speaker = list[at >= 0 ? (at + 1) % list.length : 0]?.label ?? "";
  const segment = { key: doc.nextKey++, id: null, seconds, speaker, text: "" };
  insertAt(segment);
  clearUndo();
  renderSegments(segment.key);
  edited();
}

function removeSegment(key) {
  const index = segmentIndex(key);
  if (index < 0) return;
  const [segment] = doc.segments.splice(index, 1);
  doc.removed = { segment, index };
  renderSegments();
  edited();
  const undo = $("transcript-undo");
  if (undo) {
    replace(undo,
      el("span", {}, `Segment at ${formatTime(segment.seconds)} removed.`),
      el("button", { id: "transcript-undo-button", type: "button", class: "secondary small", onclick: undoRemove },
        "Undo"));
    undo.hidden = false;
  }
  const texts = document.querySelectorAll("#transcript-segments textarea.segment-text");
  (texts[Math.min(index, texts.length - 1)] ?? $("transcript-undo-button"))?.focus();
}

function undoRemove() {
  const removed = doc.removed;
  if (!removed) return;
  doc.removed = null;
  insertAt(removed.segment);
  clearUndo();
  renderSegments(removed.segment.key);
  edited();
}

function clearUndo() {
  doc.removed = null;
  const undo = $("transcript-undo");
  if (undo) {
    undo.replaceChildren();
    undo.hidden = true;
  }
}

function setSpeakerOfFocused(n) {
  if (!doc.transcript) return false;
  const label = speakers()[n]?.label;
  const segment = focusedSegment();
  if (!segment || !label) {
    showProblem({ message: segment ? `There is no speaker ${n + 1} in the speaker key.`
      : "Add a segment first (Alt+T), then choose its speaker." });
    return undefined;
  }
  showProblem(null);
  segment.speaker = label;
  const select = document.querySelector(
    `#transcript-segments li[data-segment-key="${segment.key}"] select.segment-speaker`);
  if (select) select.value = label;
  edited();
  return undefined;
}

function insertTimestamp() {
  if (!doc.transcript) return false;
  let textarea = document.activeElement;
  if (!textarea?.matches?.("#transcript-segments textarea.segment-text")) {
    const segment = focusedSegment();
    textarea = segment ? textOf(segment.key) : null;
    if (!textarea) {
      showProblem({ message: "Put the cursor in a segment's text first." });
      return undefined;
    }
    textarea.focus();
    textarea.setSelectionRange(textarea.value.length, textarea.value.length);
  }
  const stamp = `[${formatTime(player.open ? shownSeconds() : player.from)}]`;
  const start = textarea.selectionStart ?? textarea.value.length;
  const end = textarea.selectionEnd ?? start;
  const before = textarea.value.slice(0, start);
  const spaced = `${before && !/\s$/.test(before) ? " " : ""}${stamp} `;
  textarea.setRangeText(spaced, start, end, "end");
  const key = Number(textarea.closest("li")?.dataset.segmentKey);
  const segment = doc.segments.find((s) => s.key === key);
  if (segment) segment.text = textarea.value;
  grow(textarea);
  edited();
  return undefined;
}

/** What transcript_save gets: the segments with words, in time order. */
function segmentsToSave(d) {
  return d.segments.filter((s) => s.text.trim() !== "");
}

async function saveSegments(d) {
  const app = screen?.app ?? lastApp;
  const transcript = d.transcript;
  if (!app || !transcript) return;
  const sent = segmentsToSave(d);
  const answer = await app.call("transcript_save", {
    id: transcript.id,
    segments: sent.map((s) => ({ id: s.id ?? null, at_seconds: s.seconds, speaker: s.speaker, text: s.text })),
  });
  const back = Array.isArray(answer?.segments) ? answer.segments : [];
  if (back.length === sent.length) sent.forEach((s, i) => { s.id = back[i]?.id ?? s.id; });
  if (answer?.updated_at) transcript.updated_at = answer.updated_at;
}

// ---------------------------------------------------------------------------------------------
// The speaker key

function speakerRow(speaker, index, count) {
  const n = index + 1;
  return el("li", { class: "speaker-row row", "data-speaker-index": String(index) },
    el("div", { class: "field" },
      el("label", { for: `speaker-label-${index}` }, `Label ${n}`),
      el("input", { id: `speaker-label-${index}`, class: "speaker-label", type: "text", value: speaker.label,
        maxlength: "12", size: "6", autocomplete: "off", spellcheck: "false", onchange: saveSpeakers })),
    el("div", { class: "field grow" },
      el("label", { for: `speaker-meaning-${index}` }, `Who label ${n} is`),
      el("input", { id: `speaker-meaning-${index}`, class: "speaker-meaning", type: "text", value: speaker.meaning,
        maxlength: "60", autocomplete: "off", onchange: saveSpeakers })),
    count > 1 ? el("button", { type: "button", class: "secondary small speaker-remove",
      "aria-label": `Remove speaker ${speaker.label || n}`,
      onclick: () => {
        const rows = readSpeakers().filter((_, i) => i !== index);
        storeSpeakers(rows, index);
      } }, "Remove") : null);
}

function renderSpeakers(focusIndex = null) {
  const list = $("transcript-speaker-rows");
  if (!list) return;
  const rows = speakers();
  replace(list, rows.map((s, i) => speakerRow(s, i, rows.length)));
  if (focusIndex !== null) {
    const inputs = list.querySelectorAll("input.speaker-label");
    (inputs[Math.min(focusIndex, inputs.length - 1)] ?? $("transcript-speaker-add"))?.focus();
  }
}

function readSpeakers() {
  return [...document.querySelectorAll("#transcript-speaker-rows li")].map((li) => ({
    label: li.querySelector("input.speaker-label").value.trim(),
    meaning: li.querySelector("input.speaker-meaning").value.trim(),
  }));
}

function saveSpeakers() {
  storeSpeakers(readSpeakers(), null);
}

async function storeSpeakers(rows, focusIndex) {
  const app = screen?.app;
  if (!app || !doc.transcript) return;
  const problem = (message) => showProblem({ message }, "transcript-speakers-problem");
  const blank = rows.findIndex((r) => !r.label);
  if (blank >= 0) {
    problem(`Label ${blank + 1} is empty. Give every speaker a short label, such as “T:”.`);
    return;
  }
  const labels = rows.map((r) => r.label);
  const twice = labels.find((l, i) => labels.indexOf(l) !== i);
  if (twice) {
    problem(`The label “${twice}” is used twice. Each speaker needs a label of their own.`);
    return;
  }
  // A renamed label carries its segments with it (same place in the key, new words).
  const old = speakers();
  const renames = new Map();
  if (rows.length === old.length) {
    old.forEach((s, i) => { if (s.label !== rows[i].label) renames.set(s.label, rows[i].label); });
  }
  try {
    const answer = await app.call("transcript_set_speakers", { id: doc.transcript.id, speakers: rows });
    showProblem(null, "transcript-speakers-problem");
    doc.speakers = Array.isArray(answer?.speakers) && answer.speakers.length ? answer.speakers : rows;
    let renamed = false;
    for (const s of doc.segments) {
      if (renames.has(s.speaker)) {
        s.speaker = renames.get(s.speaker);
        renamed = true;
      }
    }
    if (renamed) edited();
    if (focusIndex !== null || rows.length !== old.length) renderSpeakers(focusIndex);
    // The segments' speaker lists, keeping focus where it is.
    const focusedKey = focusedSegment()?.key ?? null;
    const active = document.activeElement;
    const inSegments = active?.closest?.("#transcript-segments");
    renderSegments();
    if (inSegments && focusedKey !== null) textOf(focusedKey)?.focus();
    registerKeys();
  } catch (error) {
    // What was typed stays in the fields.
    showProblem(error, "transcript-speakers-problem");
  }
}

function addSpeaker() {
  const rows = readSpeakers();
  const list = $("transcript-speaker-rows");
  const index = rows.length;
  list.append(speakerRow({ label: "", meaning: "" }, index, index + 1));
  $(`speaker-label-${index}`)?.focus();
}

// ---------------------------------------------------------------------------------------------
// Export

async function exportAs(format, button) {
  const app = screen?.app;
  if (!app || !doc.transcript) return;
  await exportDocument({
    app, saver: doc.saver, command: "transcript_export", id: doc.transcript.id, format, button,
    problemId: "transcript-export-problem", resultId: "transcript-export-result", what: "the transcript",
    savedWords: (name) => `Saved ${name}. It is logged as an outstanding copy: ` +
      "record it destroyed (Shred screen) when it is no longer needed.",
    whereSaveProblem: "under the player",
  });
}

// ---------------------------------------------------------------------------------------------
// Keys

const KEY_WORDS = { " ": "Space", ",": ",", ".": "." };

function keyText(s) {
  return `${s.alt ? "Alt+" : ""}${KEY_WORDS[s.key] ?? s.key.toUpperCase()}`;
}

function editorKeys() {
  const list = speakers();
  const speakerWords = (n) => list[n]
    ? `Speaker of this segment: ${list[n].label}${list[n].meaning ? ` (${list[n].meaning})` : ""}`
    : `Speaker of this segment: label ${n + 1}`;
  return [
    { key: "k", alt: true, inText: true, run: () => togglePlay(),
      label: "Play or pause (playing again goes back a little first)" },
    { key: "j", alt: true, inText: true, run: () => seekBy(-JUMP), label: "Jump back 5 seconds" },
    { key: ",", alt: true, inText: true, run: () => changeSpeed(-0.25), label: "Slower" },
    { key: ".", alt: true, inText: true, run: () => changeSpeed(0.25), label: "Faster" },
    { key: "t", alt: true, inText: true, run: () => addSegment(), label: "New segment at the current position" },
    { key: "i", alt: true, inText: true, run: () => insertTimestamp(), label: "Type the current time [M:SS] at the cursor" },
    { key: "1", alt: true, inText: true, run: () => setSpeakerOfFocused(0), label: speakerWords(0) },
    { key: "2", alt: true, inText: true, run: () => setSpeakerOfFocused(1), label: speakerWords(1) },
    { key: " ", inText: false, label: "Play or pause (Space, outside text boxes)", run: () => {
      const active = document.activeElement;
      if (active && active !== document.body
          && active.matches("button, a, select, input, textarea, [role=button], summary")) return false;
      return togglePlay();
    } },
  ];
}

function registerKeys() {
  if (!screen || screen.mode !== "editor") return;
  const keys = editorKeys();
  screen.app.shortcuts?.(keys);
  const box = $("transcript-keys-list");
  if (box) {
    replace(box, keys.map((s) => el("div", { class: "key-item" },
      el("dt", {}, el("kbd", {}, keyText(s))),
      el("dd", {}, s.label))));
  }
}

// ---------------------------------------------------------------------------------------------
// Views

function recordingWords(recording) {
  if (!recording) return "this recording";
  const day = String(recording.started_at ?? "").slice(0, 10);
  return `${recording.client_code}, ${formatDate(day)}`;
}

function rangeWords(from, until, duration) {
  const a = Number(from) || 0;
  const b = until === null || until === undefined ? duration : Number(until);
  if (a <= 0 && (b === null || b === undefined || b >= (duration || Infinity) - 0.5)) {
    return `the whole session${duration ? ` (${formatTime(duration)})` : ""}`;
  }
  return `${formatTime(a)} to ${formatTime(b ?? duration)}`;
}

function noRecording(app, words) {
  return el("div", { class: "panel stack" },
    el("p", {}, words),
    el("div", { class: "row" },
      el("button", { type: "button", class: "primary", onclick: () => app.go("library") }, "Go to the Library")));
}

async function showList(root, app, mine) {
  const recording = screen.recording;
  replace(root,
    el("h2", { id: "transcript-title", tabindex: "-1" }, `Transcripts of ${recordingWords(recording)}`),
    el("p", { class: "lead" }, "A transcript is a written record of exactly what was said: an excerpt (say five " +
      "to ten minutes) or the whole session. It is kept encrypted in the vault and shredded with the recording."),
    el("div", { id: "transcript-problem", class: "notice notice-problem", role: "alert", hidden: true }),
    el("section", { class: "panel stack", "aria-labelledby": "transcript-list-title" },
      el("h3", { id: "transcript-list-title" }, "Transcripts"),
      el("p", { id: "transcript-list-empty", class: "muted", hidden: true }, "No transcripts of this recording yet."),
      el("ul", { id: "transcript-list", class: "transcript-list", "aria-busy": "true" })),
    el("form", { class: "panel stack transcript-create", novalidate: true, "aria-labelledby": "transcript-create-title",
      onsubmit: (event) => createTranscript(event, app) },
    el("h3", { id: "transcript-create-title" }, "Start a transcript"),
    el("p", { id: "transcript-range-hint", class: "muted hint" },
      `Times as M:SS (for example 12:30) or H:MM:SS. Leave “From” blank to start at the beginning, ` +
      `“Until” blank to go to the end${recording ? ` (${formatTime(recording.seconds)})` : ""}.`),
    el("div", { class: "row end" },
      el("div", { class: "field" },
        el("label", { for: "transcript-from" }, "From"),
        el("input", { id: "transcript-from", type: "text", inputmode: "numeric", autocomplete: "off", size: "8",
          placeholder: "0:00", "aria-describedby": "transcript-range-hint transcript-range-error" })),
      el("div", { class: "field" },
        el("label", { for: "transcript-until" }, "Until"),
        el("input", { id: "transcript-until", type: "text", inputmode: "numeric", autocomplete: "off", size: "8",
          placeholder: recording ? formatTime(recording.seconds) : "end",
          "aria-describedby": "transcript-range-hint transcript-range-error" })),
      el("button", { id: "transcript-create", type: "submit", class: "primary" }, "Start transcribing")),
    el("p", { id: "transcript-range-error", class: "field-error", hidden: true })),
    el("div", { class: "row" },
      el("button", { type: "button", class: "secondary", onclick: () => app.go("player", { recordingId: screen.recordingId }) },
        "Back to the player")));
  await loadList(app, mine);
}

async function loadList(app, mine) {
  const list = $("transcript-list");
  try {
    const transcripts = await app.call("transcript_list", { recordingId: screen.recordingId });
    if (mine !== generation) return;
    const sorted = [...(transcripts ?? [])].sort((a, b) => (Number(a.from_seconds) || 0) - (Number(b.from_seconds) || 0));
    $("transcript-list-empty").hidden = sorted.length > 0;
    replace(list, sorted.map((t) => transcriptItem(t, app)));
  } catch (error) {
    if (mine !== generation) return;
    showProblem(error);
  } finally {
    list?.removeAttribute("aria-busy");
  }
}

function transcriptItem(t, app) {
  const duration = Number(screen.recording?.seconds) || null;
  const range = rangeWords(t.from_seconds, t.until_seconds, duration);
  const item = el("li", { class: "transcript-item", "data-transcript-id": t.id },
    el("div", { class: "transcript-about" },
      el("strong", {}, capitalise(range)),
      el("span", { class: "muted detail" },
        `${plural(Number(t.segments) || 0, "segment")}${t.updated_at ? ` · last changed ${formatDateTime(t.updated_at)}` : ""}`)),
    el("div", { class: "row transcript-actions" },
      el("button", { type: "button", class: "primary transcript-open",
        onclick: () => app.go("transcript", { recordingId: screen.recordingId, transcriptId: t.id }) },
      "Open", el("span", { class: "sr-only" }, ` the transcript of ${range}`)),
      el("button", { type: "button", class: "danger secondary transcript-remove",
        onclick: () => confirmRemove(item, t, range, app) },
      "Remove…", el("span", { class: "sr-only" }, ` the transcript of ${range}`))));
  return item;
}

function confirmRemove(item, t, range, app) {
  const box = el("div", { class: "notice notice-warning transcript-remove-confirm", role: "group",
    "aria-label": `Remove the transcript of ${range}` },
  el("p", {}, `Remove the transcript of ${range}? Its text is deleted from the vault. Copies already ` +
    "exported are not touched."),
  el("div", { class: "row" },
    el("button", { type: "button", class: "danger transcript-remove-confirm-button", onclick: async (event) => {
      const button = event.currentTarget;
      button.disabled = true;
      try {
        await app.call("transcript_remove", { id: t.id });
        app.notify(`Transcript of ${range} removed`, "ok");
        item.remove();
        const empty = $("transcript-list-empty");
        if (empty) empty.hidden = document.querySelectorAll("#transcript-list li").length > 0;
        $("transcript-from")?.focus();
      } catch (error) {
        button.disabled = false;
        showProblem(error);
      }
    } }, "Remove the transcript"),
    el("button", { type: "button", class: "secondary", onclick: () => {
      box.remove();
      item.querySelector(".transcript-remove")?.focus();
    } }, "Keep it")));
  item.querySelector(".transcript-remove-confirm")?.remove();
  item.append(box);
  box.querySelector("button")?.focus();
}

async function createTranscript(event, app) {
  event.preventDefault();
  const fromInput = $("transcript-from");
  const untilInput = $("transcript-until");
  const error = $("transcript-range-error");
  const duration = Number(screen.recording?.seconds) || Infinity;
  const fail = (input, text) => {
    error.textContent = text;
    error.hidden = false;
    input.setAttribute("aria-invalid", "true");
    input.focus();
  };
  fromInput.removeAttribute("aria-invalid");
  untilInput.removeAttribute("aria-invalid");
  error.hidden = true;
  const from = parseTime(fromInput.value);
  const until = parseTime(untilInput.value);
  if (Number.isNaN(from)) return fail(fromInput, "Write “From” as minutes and seconds, for example 2:30.");
  if (Number.isNaN(until)) return fail(untilInput, "Write “Until” as minutes and seconds, for example 12:30.");
  if (from !== null && from >= duration) {
    return fail(fromInput, `The recording is only ${formatTime(duration)} long.`);
  }
  if (until !== null && until > duration + 0.5) {
    return fail(untilInput, `The recording is only ${formatTime(duration)} long.`);
  }
  if (until !== null && until <= (from ?? 0)) return fail(untilInput, "“Until” must come after “From”.");
  const button = $("transcript-create");
  button.disabled = true;
  showProblem(null);
  try {
    const transcript = await app.call("transcript_create", {
      recordingId: screen.recordingId,
      fromSeconds: from,
      untilSeconds: until === null ? null : Math.min(until, duration),
    });
    await app.go("transcript", { recordingId: screen.recordingId, transcriptId: transcript.id });
  } catch (problem) {
    if (!screen) return;
    button.disabled = false;
    showProblem(problem);
  }
}

function editorView(app, t) {
  const range = rangeWords(player.from, player.until, player.duration);
  const speed = el("select", { id: "transcript-speed", disabled: true,
    onchange: (event) => setSpeed(Number(event.currentTarget.value)) },
  SPEEDS.map((s) => el("option", { value: String(s) }, `${s}×`)));
  speed.value = String(player.speed);
  const seekInput = el("input", { id: "transcript-seek", type: "range", disabled: true,
    min: String(Math.floor(player.from)), max: String(Math.ceil(player.until)), step: "1",
    value: String(Math.floor(player.from)), "aria-valuetext": formatTime(player.from),
    onpointerdown: (event) => { event.currentTarget.dataset.dragging = "true"; },
    onpointerup: (event) => { delete event.currentTarget.dataset.dragging; },
    oninput: (event) => {
      const input = event.currentTarget;
      input.setAttribute("aria-valuetext", formatTime(Number(input.value)));
      $("transcript-position").textContent = formatTime(Number(input.value));
    },
    onchange: (event) => {
      delete event.currentTarget.dataset.dragging;
      seek(Number(event.currentTarget.value));
    } });

  return [
    el("h2", { id: "transcript-title", tabindex: "-1" },
      `Transcript: ${recordingWords(screen.recording ?? { client_code: t.client_code, started_at: t.recorded_at })}, ${range}`),
    el("div", { id: "transcript-problem", class: "notice notice-problem", role: "alert", hidden: true }),
    el("div", { class: "row transcript-nav" },
      el("button", { type: "button", class: "secondary", id: "transcript-back-to-list",
        onclick: () => app.go("transcript", { recordingId: screen.recordingId }) }, "All transcripts of this recording")),

    el("section", { class: "panel transcript-player", "aria-label": "Player" },
      el("div", { class: "row transport" },
        el("button", { id: "transcript-play", type: "button", class: "primary play", "data-playing": "false",
          disabled: true, "aria-keyshortcuts": "Alt+K", onclick: () => togglePlay() },
        el("span", { class: "play-icon", "aria-hidden": "true" }, "▶"), " ",
        el("span", { class: "play-label" }, "Play")),
        el("button", { id: "transcript-back", type: "button", class: "secondary", disabled: true,
          "aria-keyshortcuts": "Alt+J", onclick: () => seekBy(-JUMP) },
        "−5 s", el("span", { class: "sr-only" }, " (back 5 seconds)")),
        el("div", { class: "field speed-field" },
          el("label", { for: "transcript-speed" }, "Speed"), speed),
        el("p", { class: "position" },
          el("span", { id: "transcript-position", class: "time" }, formatTime(player.from)),
          el("span", { id: "transcript-player-state", class: "muted state", "aria-live": "polite" }, "Opening the player…")),
        el("p", { class: "save-state" },
          el("span", { id: "transcript-saved", "data-state": "saved" }, "Saved"))),
      el("div", { class: "field seek-field" },
        el("label", { for: "transcript-seek" }, `Position in the excerpt (${range})`),
        seekInput),
      el("div", { id: "transcript-player-problem", class: "notice notice-problem", role: "alert", hidden: true }),
      el("div", { id: "transcript-save-problem", class: "notice notice-problem", role: "alert", hidden: true })),

    el("section", { class: "panel transcript-keys", "aria-labelledby": "transcript-keys-title" },
      el("h3", { id: "transcript-keys-title" }, "Keys while you type"),
      el("p", { class: "muted hint" }, `These work inside the text too. Playing again after a pause goes back ` +
        `${plural(player.autoRewind, "second")} first (change it in Vault & settings).`),
      el("dl", { id: "transcript-keys-list", class: "keys-list" })),

    el("section", { class: "panel stack transcript-text", "aria-labelledby": "transcript-segments-title" },
      el("h3", { id: "transcript-segments-title" }, "What was said"),
      el("p", { class: "muted hint" }, "One segment for each turn, with the time it starts and who speaks. " +
        "Choose a time to move the player there. Your changes are saved as you type."),
      el("p", { id: "transcript-segments-empty", class: "muted" },
        "No segments yet. Press Play, then Alt+T (or “New segment”) when someone starts to speak."),
      el("ol", { id: "transcript-segments", class: "segments", onfocusout: (event) => {
        // Leaving a segment saves at once.
        if (!event.currentTarget.contains(event.relatedTarget) && doc.saver?.dirty) doc.saver.flush();
      } }),
      el("div", { id: "transcript-undo", class: "row undo", role: "status", hidden: true }),
      el("div", { class: "row" },
        el("button", { id: "transcript-add", type: "button", class: "secondary", "aria-keyshortcuts": "Alt+T",
          onclick: () => addSegment() }, "New segment at the current position"))),

    el("section", { id: "transcript-speakers", class: "panel stack", "aria-labelledby": "transcript-speakers-title" },
      el("h3", { id: "transcript-speakers-title" }, "Speaker key"),
      el("p", { class: "muted hint" }, "The labels at the start of each line and what they mean; the key is " +
        "printed at the top of an export. Alt+1 and Alt+2 choose the first and second label."),
      el("div", { id: "transcript-speakers-problem", class: "notice notice-problem", role: "alert", hidden: true }),
      el("ul", { id: "transcript-speaker-rows", class: "speaker-rows" }),
      el("div", { class: "row" },
        el("button", { id: "transcript-speaker-add", type: "button", class: "secondary", onclick: addSpeaker },
          "Add a speaker"))),

    anonymisationPanel({
      prefix: "",
      what: "transcript",
      rules: t.anonymisation ?? [],
      setRules: async (rules) => {
        const answer = await app.call("transcript_set_anonymisation", { id: t.id, rules });
        return answer?.anonymisation;
      },
      check: async () => {
        if (!(await doc.saver.flush())) throw doc.saver.error ?? { message: "The latest changes are not saved yet." };
        return app.call("transcript_check", { id: t.id });
      },
    }),

    el("section", { class: "panel stack transcript-export", "aria-labelledby": "transcript-export-title" },
      el("h3", { id: "transcript-export-title" }, "Export for coursework"),
      el("p", {}, "The file has a header naming the excerpt, the speaker key, and the time at the start of " +
        "each line, with the names on the anonymisation list replaced. You choose where it is saved. Each " +
        "export is logged as a copy outside the vault until you record it destroyed."),
      el("div", { id: "transcript-export-problem", class: "notice notice-problem", role: "alert", hidden: true }),
      el("div", { class: "row" }, EXPORT_FORMATS.map(([format, words]) =>
        el("button", { id: `transcript-export-${format}`, type: "button", class: "secondary",
          onclick: (event) => exportAs(format, event.currentTarget) }, `Export as ${words}`))),
      el("p", { id: "transcript-export-result", class: "export-result", role: "status" })),
  ];
}

async function showEditor(root, app, mine, transcriptId) {
  replace(root,
    el("h2", { id: "transcript-title", tabindex: "-1" }, "Transcript"),
    el("div", { id: "transcript-problem", class: "notice notice-problem", role: "alert", hidden: true }),
    el("p", { class: "muted", "aria-busy": "true" }, "Loading…"));
  const [got, settings] = await Promise.allSettled([
    app.call("transcript_get", { id: transcriptId }),
    app.call("settings_get"),
  ]);
  if (mine !== generation) return;
  if (got.status === "rejected") {
    replace(root,
      el("h2", { id: "transcript-title", tabindex: "-1" }, "Transcript"),
      el("div", { id: "transcript-problem", class: "notice notice-problem", role: "alert" },
        `This transcript could not be opened: ${capitalise(errorText(got.reason))}`),
      el("div", { class: "row" },
        el("button", { type: "button", class: "secondary",
          onclick: () => app.go("transcript", { recordingId: screen.recordingId }) }, "All transcripts of this recording")));
    return;
  }
  const t = got.value;
  const rewind = Number(settings.status === "fulfilled" ? settings.value?.auto_rewind_seconds : NaN);
  const duration = Number(screen.recording?.seconds) || Number(t.until_seconds) || 0;
  Object.assign(player, {
    from: Number(t.from_seconds) || 0,
    until: t.until_seconds === null || t.until_seconds === undefined ? duration : Number(t.until_seconds),
    duration,
    autoRewind: Number.isFinite(rewind) ? Math.min(10, Math.max(0, rewind)) : 2,
    position: Number(t.from_seconds) || 0,
    speed: 1,
  });
  if (!(player.until > player.from)) player.until = Math.max(duration, player.from);
  doc = newDoc();
  const mineDoc = doc;
  doc.transcript = t;
  doc.speakers = Array.isArray(t.speakers) ? t.speakers.map((s) => ({ label: s.label, meaning: s.meaning ?? "" })) : [];
  doc.segments = (t.segments ?? []).map((s) => ({
    key: doc.nextKey++, id: s.id ?? null, seconds: Number(s.at_seconds) || 0, speaker: s.speaker ?? "", text: s.text ?? "",
  })).sort((a, b) => a.seconds - b.seconds);
  doc.saver = autosaver({
    save: () => saveSegments(mineDoc),
    // Only the editor showing this transcript shows its saving state.
    onState: (state, error) => { if (doc === mineDoc && screen) onSaveState(state, error); },
  });
  screen.mode = "editor";

  // Words typed just before the vault locked, not saved then: they are put back and saved now.
  let restored = false;
  if (unsavedAtLock && unsavedAtLock.transcriptId === t.id) {
    doc.segments = unsavedAtLock.segments.map((s) => ({ ...s, key: doc.nextKey++ }));
    unsavedAtLock = null;
    restored = true;
  }

  replace(root, editorView(app, t));
  renderSpeakers();
  renderSegments();
  registerKeys();
  if (restored) {
    doc.saver.mark();
    doc.saver.flush().then((ok) => {
      if (ok && screen) app.notify("The changes you made just before SessionVault locked are saved now.", "ok");
    });
  }
  if (settings.status === "rejected") {
    showProblem({ message: `The auto-rewind setting could not be read (${errorText(settings.reason)}); 2 seconds is used.` });
  }
  schedule();
  await openPlayer(mine);
}

// ---------------------------------------------------------------------------------------------
// Screen interface

/**
 * Shows a recording's transcripts (`{recordingId}`) or the editor (`{recordingId, transcriptId}`).
 * @param {HTMLElement} root
 * @param {object} app
 * @param {{recordingId?: string, transcriptId?: string}} [params]
 */
export async function show(root, app, params = {}) {
  const mine = ++generation;
  lastApp = app;
  const recordingId = params?.recordingId ?? null;
  const transcriptId = params?.transcriptId ?? null;
  screen = { root, app, recordingId, recording: null, mode: transcriptId ? "editor" : "list" };
  stateWords = "";
  app.shortcuts?.([]);
  if (!recordingId) {
    replace(root,
      el("h2", { id: "transcript-title", tabindex: "-1" }, "Transcripts"),
      noRecording(app, "Choose a recording in the Library, then “Transcribe”."));
    return;
  }
  try {
    const recordings = await app.call("recordings_list");
    if (mine !== generation) return;
    screen.recording = (recordings ?? []).find((r) => r.id === recordingId) ?? null;
  } catch (error) {
    if (mine !== generation) return;
    replace(root,
      el("h2", { id: "transcript-title", tabindex: "-1" }, "Transcripts"),
      el("div", { id: "transcript-problem", class: "notice notice-problem", role: "alert" },
        capitalise(errorText(error))));
    return;
  }
  if (!screen.recording) {
    replace(root,
      el("h2", { id: "transcript-title", tabindex: "-1" }, "Transcripts"),
      noRecording(app, "This recording is not in the vault any more (it may have been shredded), and its transcripts went with it."));
    return;
  }
  if (transcriptId) await showEditor(root, app, mine, transcriptId);
  else await showList(root, app, mine);
}

/** While the player plays, the window does not lock for lack of use. */
export function preventsIdleLock() {
  return player.open && player.playing;
}

/** Leaves the screen: what was typed is saved, and the player closes (its listening logged). */
export function leave() {
  generation += 1;
  if (frame) cancelAnimationFrame(frame);
  frame = 0;
  const app = screen?.app ?? lastApp;
  screen = null;
  closePlayer(app);
  const left = doc;
  doc = newDoc();
  const saver = left.saver;
  if (saver && left.transcript && saver.dirty) {
    saver.flush().then((ok) => {
      if (ok) return;
      const error = saver.error;
      if (error?.code === "locked") {
        // The vault locked first: keep the words until this transcript opens again.
        unsavedAtLock = { transcriptId: left.transcript.id, segments: left.segments.map((s) => ({ ...s })) };
      } else {
        app?.notify(`The last changes to the transcript could not be saved: ${errorText(error)}`, "problem");
      }
    });
  }
}
