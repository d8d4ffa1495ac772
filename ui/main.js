// The window's entry point: navigation between screens, notifications, the keyboard shortcut
// registry, the lock overlay and idle locking. Every decision about data is the core's; this
// module only calls commands and shows their answers.
import { call, channel } from "./lib/ipc.js";
import { el, replace, byId as $ } from "./lib/dom.js";
import { capitalise, errorText } from "./lib/text.js";

/** The screens and their modules (loaded when first shown, so one broken module cannot stop
 * the others). */
const SCREENS = {
  vault: "./screens/vault.js",
  home: "./screens/home.js",
  clients: "./screens/clients.js",
  consent: "./screens/consent.js",
  record: "./screens/record.js",
  library: "./screens/library.js",
  player: "./screens/player.js",
  shred: "./screens/shred.js",
  audit: "./screens/audit.js",
  transcript: "./screens/transcript.js",
  cases: "./screens/cases.js",
};

/** Which navigation entry a screen belongs to. */
const NAV_OF = {
  vault: "nav-vault",
  home: "nav-home",
  clients: "nav-clients",
  consent: "nav-clients",
  record: "nav-record",
  library: "nav-library",
  player: "nav-library",
  shred: "nav-shred",
  audit: "nav-audit",
  transcript: "nav-library",
  cases: "nav-cases",
};

const SCREEN_TITLES = {
  vault: "Vault & settings",
  home: "Home",
  clients: "Clients & consent",
  consent: "Consent",
  record: "Record",
  library: "Library",
  player: "Player",
  shred: "Shred",
  audit: "Audit log",
  transcript: "Transcript",
  cases: "Case studies",
};

/** Commands that answer while the vault is locked (the rest answer `{code: "locked"}`). */
const ALLOWED_LOCKED = new Set([
  "vault_status", "vault_create", "vault_unlock", "session_state",
  "record_pause", "record_resume", "record_stop", "record_watch",
]);

const state = {
  /** The screen shown: `{name, params, module}`. */
  current: null,
  /** Bumped on every navigation, so a slow `show` does not steal focus from a newer screen. */
  token: 0,
  /** Whether the vault is open as far as this window knows. */
  unlocked: false,
  /** Whether the lock overlay is shown. */
  locked: false,
  /** Whether the vault exists and opened once: the whole navigation is offered. */
  ready: false,
  /** Minutes without use before the window locks the vault. */
  idleMinutes: 10,
  lastActivity: Date.now(),
  idleChecking: false,
  watching: false,
  /** The current screen's shortcuts. */
  screenShortcuts: [],
  /** The vault screen's markup, restored each time it is shown. */
  vaultTemplate: [],
  notifyTimer: 0,
  /** Bumped whenever the notices are cleared, so a notice still on its way is dropped. */
  notifyToken: 0,
  /** Whether a client is looking at the screen (the consent form): no navigation is offered. */
  clientView: false,
  modules: new Map(),
};

// ---------------------------------------------------------------------------------------------
// Commands

/** `call`, noticing when the shell locked behind the window's back. */
async function appCall(command, args) {
  try {
    return await call(command, args);
  } catch (error) {
    if (error && error.code === "locked" && state.unlocked && !ALLOWED_LOCKED.has(command)) {
      showLock("locked");
    }
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------
// Notifications

/**
 * Tells the counsellor something: politely (`info`, `ok`), or at once (`problem`).
 * @param {string} text
 * @param {"info"|"ok"|"problem"} [kind]
 */
function notify(text, kind = "info") {
  const polite = $("notify");
  const urgent = $("notify-problem");
  const target = kind === "problem" ? urgent : polite;
  clearTimeout(state.notifyTimer);
  polite.textContent = "";
  urgent.textContent = "";
  delete polite.dataset.kind;
  const token = ++state.notifyToken;
  // Emptied first and filled on the next frame, so the same message twice is announced twice.
  requestAnimationFrame(() => {
    if (token !== state.notifyToken) return;
    target.textContent = capitalise(text);
    target.dataset.kind = kind;
    $("notify-dismiss").hidden = false;
    if (kind !== "problem") {
      state.notifyTimer = setTimeout(clearNotifications, 15000);
    }
  });
}

function clearNotifications() {
  clearTimeout(state.notifyTimer);
  state.notifyToken += 1;
  $("notify").textContent = "";
  $("notify-problem").textContent = "";
  $("notify-dismiss").hidden = true;
}

// ---------------------------------------------------------------------------------------------
// Keyboard shortcuts

const GLOBAL_SHORTCUTS = [
  { key: "1", alt: true, label: "Go to Home", run: () => navigate("home") },
  { key: "2", alt: true, label: "Go to Clients & consent", run: () => navigate("clients") },
  { key: "3", alt: true, label: "Go to Record", run: () => navigate("record") },
  { key: "4", alt: true, label: "Go to Library", run: () => navigate("library") },
  { key: "5", alt: true, label: "Go to Shred", run: () => navigate("shred") },
  { key: "6", alt: true, label: "Go to Audit log", run: () => navigate("audit") },
  { key: "7", alt: true, label: "Go to Vault & settings", run: () => navigate("vault") },
  { key: "8", alt: true, label: "Go to Case studies", run: () => navigate("cases") },
  { key: "l", alt: true, label: "Lock SessionVault now", run: () => lockNow(), inText: true },
];

const KEY_NAMES = {
  " ": "Space", Space: "Space", ArrowLeft: "Left arrow", ArrowRight: "Right arrow",
  ArrowUp: "Up arrow", ArrowDown: "Down arrow", Escape: "Escape", Enter: "Enter",
  Home: "Home", End: "End", PageUp: "Page Up", PageDown: "Page Down",
};

function keyLabel(s) {
  const parts = [];
  if (s.ctrl) parts.push("Ctrl");
  if (s.alt) parts.push("Alt");
  if (s.shift) parts.push("Shift");
  parts.push(KEY_NAMES[s.key] ?? (s.key.length === 1 ? s.key.toUpperCase() : s.key));
  return parts.join("+");
}

function keyMatches(s, event) {
  if (Boolean(s.alt) !== event.altKey || Boolean(s.ctrl) !== event.ctrlKey
    || event.metaKey) return false;
  // Shift only counts when asked for, or for letters (so "?" works without naming Shift).
  if (s.shift !== undefined && Boolean(s.shift) !== event.shiftKey) return false;
  const want = s.key === "Space" ? " " : s.key;
  if (want.length === 1) {
    const lower = want.toLowerCase();
    if (event.key.toLowerCase() === lower) return true;
    // With Alt held some layouts give another character: fall back to the physical key.
    if (/^[a-z]$/.test(lower) && event.code === `Key${lower.toUpperCase()}`) return true;
    if (/^[0-9]$/.test(lower) && event.code === `Digit${lower}`) return true;
    if (lower === " " && event.code === "Space") return true;
    if (lower === "," && event.code === "Comma") return true;
    if (lower === "." && event.code === "Period") return true;
    return false;
  }
  return event.key === want;
}

function isTextField(node) {
  if (!node || node.nodeType !== 1) return false;
  if (node.isContentEditable) return true;
  if (node.tagName === "TEXTAREA") return true;
  if (node.tagName !== "INPUT") return false;
  const type = (node.getAttribute("type") || "text").toLowerCase();
  return !["button", "submit", "reset", "checkbox", "radio", "range", "color", "file",
    "image"].includes(type);
}

function isControl(node) {
  if (!node || node.nodeType !== 1) return false;
  if (["BUTTON", "SELECT", "INPUT", "SUMMARY", "OPTION"].includes(node.tagName)) return true;
  if (node.tagName === "A" && node.hasAttribute("href")) return true;
  // A slider is left out: its screen decides (the player's waveform plays on Space).
  const role = node.getAttribute("role");
  return ["button", "checkbox", "radio", "menuitem", "tab", "switch", "link",
    "option", "listbox", "spinbutton", "application"].includes(role);
}

function onKeyDown(event) {
  if (event.defaultPrevented || event.isComposing) return;
  if (event.key === "Escape" && !$("shortcuts-panel").hidden) {
    toggleShortcuts(false);
    event.preventDefault();
    return;
  }
  if (state.locked) return;
  const target = event.target;
  const inText = isTextField(target);
  const plain = !event.altKey && !event.ctrlKey && !event.metaKey;
  // While a client holds the screen, only the screen's own keys and locking work.
  const globals = !state.ready ? []
    : state.clientView ? GLOBAL_SHORTCUTS.filter((s) => s.key === "l") : GLOBAL_SHORTCUTS;
  const list = [...state.screenShortcuts, ...globals];
  for (const shortcut of list) {
    if (!keyMatches(shortcut, event)) continue;
    if (inText && !shortcut.inText) continue;
    // Space, Enter and arrows belong to the focused button, select or slider.
    if (plain && !inText && isControl(target)) continue;
    let result;
    try {
      result = shortcut.run(event);
    } catch (error) {
      event.preventDefault();
      notify(errorText(error), "problem");
      return;
    }
    // A shortcut that answers `false` did not apply: the key keeps its usual meaning.
    if (result === false) continue;
    event.preventDefault();
    if (result && typeof result.catch === "function") {
      result.catch((error) => notify(errorText(error), "problem"));
    }
    return;
  }
}

/** Registers the current screen's shortcuts (replacing the previous screen's). */
function setShortcuts(list) {
  state.screenShortcuts = (Array.isArray(list) ? list : [])
    .filter((s) => s && typeof s.key === "string" && typeof s.run === "function");
  renderShortcuts();
}

function shortcutTable(caption, list) {
  return el("table", { class: "list shortcuts" },
    el("caption", {}, caption),
    el("thead", {}, el("tr", {},
      el("th", { scope: "col" }, "Keys"), el("th", { scope: "col" }, "What it does"))),
    el("tbody", {}, list.map((s) => el("tr", {},
      el("td", {}, el("kbd", {}, keyLabel(s))),
      el("td", {}, s.label || "", s.inText ? el("span", { class: "muted" }, " (also while typing)") : null)))));
}

function renderShortcuts() {
  const lists = [];
  const screen = state.current ? SCREEN_TITLES[state.current.name] : "";
  if (state.screenShortcuts.length > 0) {
    lists.push(shortcutTable(`On this screen (${screen})`, state.screenShortcuts));
  } else {
    lists.push(el("p", {}, `This screen (${screen || "none"}) has no shortcuts of its own.`));
  }
  if (state.ready) lists.push(shortcutTable("Everywhere", GLOBAL_SHORTCUTS));
  replace($("shortcuts-lists"), lists);
}

function toggleShortcuts(open) {
  const panel = $("shortcuts-panel");
  const show = open ?? panel.hidden;
  panel.hidden = !show;
  $("shortcuts-toggle").setAttribute("aria-expanded", String(show));
  if (show) {
    renderShortcuts();
    $("shortcuts-title").focus();
  } else if (panel.contains(document.activeElement) || document.activeElement === document.body) {
    $("shortcuts-toggle").focus();
  }
}

// ---------------------------------------------------------------------------------------------
// Navigation

function section(name) {
  return $(`screen-${name}`);
}

/**
 * Turns the client's view on or off: while a client reads and signs the consent form, the
 * navigation is hidden and inert, so nothing else of SessionVault is one click away.
 * @param {boolean} on
 */
function setClientView(on) {
  state.clientView = Boolean(on);
  const nav = document.querySelector(".main-nav");
  if (nav) {
    nav.hidden = state.clientView;
    nav.inert = state.clientView;
  }
  document.body.dataset.clientView = state.clientView ? "on" : "off";
  renderShortcuts();
}

function setReady(ready) {
  state.ready = ready;
  for (const button of document.querySelectorAll(".main-nav [data-go]")) {
    button.parentElement.hidden = !ready && button.dataset.go !== "vault";
  }
  $("lock-now").hidden = !ready;
}

async function loadModule(name) {
  if (state.modules.has(name)) return state.modules.get(name);
  const module = await import(SCREENS[name]);
  state.modules.set(name, module);
  return module;
}

function callLeave(current) {
  if (!current || !current.module || typeof current.module.leave !== "function") return;
  try {
    const result = current.module.leave();
    if (result && typeof result.catch === "function") result.catch((e) => console.error(e));
  } catch (error) {
    console.error("A screen could not be left cleanly", error);
  }
}

/** Fills a screen's section with what it needs before `show`: the vault screen's markup. */
function prepareSection(name) {
  const root = section(name);
  if (name === "vault") {
    root.replaceChildren(...state.vaultTemplate.map((node) => node.cloneNode(true)));
  } else {
    root.replaceChildren();
  }
  return root;
}

function focusTitle(name) {
  const title = $(`${name}-title`);
  if (!title) return;
  if (!title.hasAttribute("tabindex")) title.setAttribute("tabindex", "-1");
  title.focus({ preventScroll: false });
}

/**
 * Shows a screen: the current one's `leave()` runs, every section hides, the target shows and
 * its module's `show(root, app, params)` fills it; focus moves to its title.
 * @param {string} name
 * @param {object} [params]
 */
async function go(name, params = {}) {
  if (!(name in SCREENS)) throw new Error(`There is no screen called ${name}.`);
  if (state.locked) return;
  const token = ++state.token;
  const previous = state.current;
  callLeave(previous);
  setClientView(false);
  state.current = { name, params: params || {}, module: null };
  state.screenShortcuts = [];

  for (const other of document.querySelectorAll("main > section[data-screen]")) {
    other.hidden = true;
    // What the previous screen showed leaves the page, so no client data stays behind it.
    if (previous && other.dataset.screen === previous.name && previous.name !== name) {
      other.replaceChildren();
    }
  }
  if (name !== "vault") setReady(true);
  for (const button of document.querySelectorAll(".main-nav [data-go]")) {
    if (button.id === NAV_OF[name]) button.setAttribute("aria-current", "page");
    else button.removeAttribute("aria-current");
  }
  const root = prepareSection(name);
  root.hidden = false;
  document.title = `${SCREEN_TITLES[name]} – SessionVault`;
  renderShortcuts();

  let module;
  try {
    module = await loadModule(name);
  } catch (error) {
    if (token !== state.token) return;
    replace(root,
      el("h2", { id: `${name}-title`, tabindex: "-1" }, SCREEN_TITLES[name]),
      el("p", { class: "notice notice-problem", role: "alert" },
        "This part of SessionVault could not be loaded. Try again, or restart SessionVault."));
    focusTitle(name);
    console.error(error);
    return;
  }
  if (token !== state.token) return;
  state.current.module = module;
  try {
    await module.show(root, app, state.current.params);
  } catch (error) {
    if (token !== state.token) return;
    if (!$(`${name}-title`)) {
      root.prepend(el("h2", { id: `${name}-title`, tabindex: "-1" }, SCREEN_TITLES[name]));
    }
    notify(errorText(error), "problem");
  }
  if (token !== state.token || state.locked) return;
  focusTitle(name);
}

/** Goes to a screen from the navigation or a shortcut, reporting failures. */
function navigate(name, params) {
  // Notices belong to what was just done; the counsellor has moved on.
  clearNotifications();
  go(name, params).catch((error) => notify(errorText(error), "problem"));
}

// ---------------------------------------------------------------------------------------------
// Locking

const LOCK_REASONS = {
  idle: "It locked itself because it was not used for a while.",
  request: "It was locked on request.",
  locked: "It was locked while you were away.",
};

/** Shows the lock overlay: the screen's content leaves the page, the rest becomes inert. */
function showLock(reason) {
  state.unlocked = false;
  if (state.locked) return;
  state.locked = true;
  state.token++;
  const current = state.current;
  callLeave(current);
  if (current) {
    const root = section(current.name);
    root.replaceChildren();
    current.module = null;
  }
  state.screenShortcuts = [];
  clearNotifications();
  toggleShortcuts(false);
  $("app").inert = true;
  $("app").setAttribute("aria-hidden", "true");
  $("lock-reason").textContent = LOCK_REASONS[reason] ?? "";
  $("unlock-problem").hidden = true;
  $("lock-screen").hidden = false;
  $("unlock").disabled = false;
  $("unlock").focus();
}

async function lockNow() {
  if (!state.ready || state.locked) return;
  try {
    await call("vault_lock");
    showLock("request");
  } catch (error) {
    notify(`SessionVault could not lock: ${errorText(error)}`, "problem");
  }
}

async function unlock() {
  const button = $("unlock");
  const problem = $("unlock-problem");
  button.disabled = true;
  button.textContent = "Unlocking…";
  problem.hidden = true;
  try {
    const answer = await call("vault_unlock");
    setIdleMinutes(answer && answer.idle_lock_minutes);
    state.unlocked = true;
    state.locked = false;
    state.lastActivity = Date.now();
    $("lock-screen").hidden = true;
    $("app").inert = false;
    $("app").removeAttribute("aria-hidden");
    const target = state.current;
    await go(target ? target.name : "home", target ? target.params : {});
  } catch (error) {
    problem.textContent = `The vault could not be unlocked: ${errorText(error)}. If the ` +
      "system keyring is locked, unlock it (your computer may ask for your login password), " +
      "then choose Unlock again.";
    problem.hidden = false;
  } finally {
    button.disabled = false;
    button.textContent = "Unlock";
  }
}

function setIdleMinutes(minutes) {
  const n = Number(minutes);
  if (Number.isFinite(n) && n >= 1) state.idleMinutes = n;
  state.lastActivity = Date.now();
}

function startLockWatch() {
  if (state.watching) return;
  state.watching = true;
  let ch;
  try {
    ch = channel((message) => {
      if (message && message.event === "locked") showLock(message.reason);
    });
  } catch (error) {
    state.watching = false;
    return;
  }
  call("lock_watch", { onEvent: ch }).catch((error) => {
    state.watching = false;
    console.error("lock_watch failed", error);
  });
}

/** Whether the shown screen asks not to be locked now (e.g. a player that is playing). */
function screenKeepsAwake() {
  // A player that is playing (its play button pressed) is not idle, as the shell sees it too.
  const playing = document.querySelector("#screen-player:not([hidden]) #player-play[data-playing=\"true\"]");
  if (playing) return true;
  const module = state.current && state.current.module;
  if (!module || typeof module.preventsIdleLock !== "function") return false;
  try {
    return Boolean(module.preventsIdleLock());
  } catch {
    return false;
  }
}

async function checkIdle() {
  if (!state.unlocked || state.locked || state.idleChecking) return;
  if (Date.now() - state.lastActivity < state.idleMinutes * 60000) return;
  state.idleChecking = true;
  try {
    const session = await call("session_state");
    app.session = session;
    if (session.locked) {
      showLock("idle");
    } else if (session.recording || screenKeepsAwake()) {
      state.lastActivity = Date.now();
    } else {
      await call("vault_lock");
      showLock("idle");
    }
  } catch (error) {
    console.error("The idle check failed", error);
    state.lastActivity = Date.now();
  } finally {
    state.idleChecking = false;
  }
}

function onActivity() {
  state.lastActivity = Date.now();
}

// ---------------------------------------------------------------------------------------------
// Start

/** The object every screen receives. */
const app = {
  call: appCall,
  channel,
  go,
  notify,
  shortcuts: setShortcuts,
  /** Hides the navigation while a client holds the screen (`true`), or shows it again. */
  clientView: setClientView,
  /** The last `session_state` answer the window saw (may be null). */
  session: null,
  /** Tells the window the idle-lock minutes changed (the vault screen's settings). */
  setIdleMinutes,
  /** Tells the window the vault is now open (after creating or unlocking it). */
  unlocked() {
    state.unlocked = true;
    setReady(true);
    state.lastActivity = Date.now();
    startLockWatch();
  },
};

function wire() {
  state.vaultTemplate = [...section("vault").childNodes].map((node) => node.cloneNode(true));
  for (const button of document.querySelectorAll(".main-nav [data-go]")) {
    button.addEventListener("click", () => navigate(button.dataset.go));
  }
  $("lock-now").addEventListener("click", lockNow);
  $("unlock").addEventListener("click", unlock);
  $("shortcuts-toggle").addEventListener("click", () => toggleShortcuts());
  $("shortcuts-close").addEventListener("click", () => toggleShortcuts(false));
  $("notify-dismiss").addEventListener("click", clearNotifications);
  document.addEventListener("keydown", onKeyDown);
  for (const type of ["pointerdown", "pointermove", "keydown", "wheel", "touchstart"]) {
    document.addEventListener(type, onActivity, { capture: true, passive: true });
  }
  setInterval(checkIdle, 10000);
}

async function start() {
  wire();
  setReady(false);
  let report = null;
  try {
    report = await call("vault_status");
  } catch (error) {
    await go("vault");
    notify(errorText(error), "problem");
    return;
  }
  if (!report || report.vault !== "ready" || report.problem) {
    await go("vault");
    return;
  }
  try {
    const answer = await call("vault_unlock");
    setIdleMinutes(answer && answer.idle_lock_minutes);
    app.unlocked();
    setReady(true);
    try {
      app.session = await call("session_state");
      setIdleMinutes(app.session.idle_lock_minutes);
    } catch {
      // The idle minutes from vault_unlock are enough.
    }
    await go("home");
  } catch (error) {
    await go("vault");
    notify(`The vault could not be opened: ${errorText(error)}`, "problem");
  }
}

start();
