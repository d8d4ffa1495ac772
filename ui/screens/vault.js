// The vault screen: create the vault when there is none, else show its status from the core,
// explain in plain words what to do about a problem, and (when the vault is open) its settings.
import { el, replace, byId } from "../lib/dom.js";
import { capitalise, errorText } from "../lib/text.js";

let root = null;
let app = null;

const $ = (id) => byId(id, root);

const VAULT_STATE_TEXT = {
  ready: "Ready",
  absent: "Not created yet",
  not_a_vault: "Not a SessionVault vault",
  unavailable: "Cannot be opened",
};

/** What to do about each problem the status report can name, in plain words. */
const ADVICE = {
  keyring_unreachable: [
    "SessionVault keeps the vault's keys in this computer's keyring, and the keyring is not answering.",
    "Sign out of the computer and sign in again, so that the keyring starts with your session. " +
      "On Linux the keyring is GNOME Keyring or KWallet (the “Secret Service”); it must be installed and running.",
    "Then choose “Check again”. Nothing has been lost: the vault stays encrypted on disk.",
  ],
  keyring_locked: [
    "The computer's keyring is locked, so SessionVault cannot read the vault's keys.",
    "Unlock it: your computer may ask for your login password when you choose “Check again”. " +
      "If it does not, open the “Passwords and Keys” application (or KWallet) and unlock the " +
      "“Login” keyring.",
    "Then choose “Check again”.",
  ],
  keyring_failed: [
    "The computer's keyring refused to let SessionVault read or store its keys.",
    "Check that the keyring is unlocked and that you are signed in as the usual user, then choose “Check again”. " +
      "If this keeps happening, ask whoever looks after your computer for help with the keyring.",
  ],
  key_missing: [
    "The vault is here, but its keys are not in this computer's keyring. They may have been deleted, " +
      "or the vault was made on another computer or under another user account.",
    "Do not delete or move the vault folder. Without its keys the recordings and consent records cannot " +
      "be opened, so ask whoever looks after your computer to restore the keyring from a backup, or sign " +
      "in as the user who created the vault.",
  ],
  key_damaged: [
    "The vault's keys in the keyring are damaged.",
    "Do not delete the vault folder. Ask whoever looks after your computer to restore the keyring from a backup.",
  ],
  vault_missing: [
    "There is no vault on this computer yet. Create one below.",
  ],
  not_a_vault: [
    "The vault folder holds other files that are not a SessionVault vault, so SessionVault will not " +
      "write there.",
    "Move those files somewhere else (or empty the folder), then choose “Check again”.",
  ],
  wrong_key: [
    "The keys in the keyring do not open this vault's database. The keyring may belong to another vault.",
    "Do not delete anything. Ask whoever looks after your computer to restore the right keyring from a backup.",
  ],
  signing_key_mismatch: [
    "The signing key in the keyring is not the one this vault was made with, so its records could not be trusted.",
    "Do not delete anything. Ask whoever looks after your computer to restore the right keyring from a backup.",
  ],
  audit_broken: [
    "The vault's audit log has been altered: an entry was edited, removed or reordered outside SessionVault.",
    "Stop using this computer's vault and tell your service's data protection lead. The message above " +
      "says where the log was found altered.",
  ],
  vault_too_new: [
    "This vault was made by a newer version of SessionVault. Install the newer version to open it.",
  ],
  database_too_new: [
    "This vault was made by a newer version of SessionVault. Install the newer version to open it.",
  ],
  database_failed: [
    "The vault's database could not be read. The disk may be full or failing.",
    "Free some disk space and choose “Check again”. If this keeps happening, ask for help and do not delete the vault.",
  ],
  io_failed: [
    "A file of the vault could not be read or written. The disk may be full, or the folder's permissions changed.",
    "Free some disk space or check the folder, then choose “Check again”.",
  ],
};

function yesNo(value) {
  return value ? "yes" : "no";
}

function setText(id, text) {
  $(id).textContent = text ?? "";
}

function showProblem(problem) {
  const box = $("vault-problem");
  if (problem) {
    box.textContent = capitalise(problem.message);
    if (problem.code) box.dataset.code = problem.code;
    box.hidden = false;
  } else {
    box.textContent = "";
    delete box.dataset.code;
    box.hidden = true;
  }
}

function showAdvice(code) {
  const paragraphs = code ? ADVICE[code] : null;
  $("vault-advice").hidden = !paragraphs;
  replace($("vault-advice-text"), (paragraphs || []).map((text) => el("p", {}, text)));
}

function renderAudio(hosts) {
  const list = $("status-audio");
  list.replaceChildren();
  for (const host of hosts || []) {
    const devices = host.devices || [];
    const inputs = devices.filter((d) => d.input);
    const outputs = devices.filter((d) => d.output);
    list.append(el("li", {},
      el("strong", {}, host.host + (host.preferred ? " (used)" : "")),
      host.problem ? ` — unavailable: ${host.problem}` : null,
      ` — ${inputs.length} input${inputs.length === 1 ? "" : "s"}, ` +
        `${outputs.length} output${outputs.length === 1 ? "" : "s"}`));
  }
  if (!hosts || hosts.length === 0) list.append(el("li", {}, "No audio system found."));
}

function render(report) {
  $("vault-screen").setAttribute("aria-busy", "false");
  $("vault-loading").hidden = true;
  const absent = report.vault === "absent";
  $("vault-create").hidden = !absent;
  setText("create-dir", report.vault_dir);
  $("create-vault").disabled = !(report.keyring.reachable && report.keyring.unlocked);
  // With no vault yet, a missing vault is the expected state, not a problem to shout about;
  // a keyring that would refuse the keys is.
  const problem = absent && report.problem && report.problem.code === "vault_missing"
    ? null : report.problem;
  showProblem(problem);
  showAdvice(problem ? problem.code : null);

  $("vault-status").hidden = false;
  const vaultState = $("status-vault");
  vaultState.textContent = VAULT_STATE_TEXT[report.vault] ?? report.vault;
  vaultState.dataset.state = report.vault;
  setText("status-vault-dir", report.vault_dir);
  setText("status-keyring-backend", report.keyring.backend);
  setText("status-keyring-reachable", yesNo(report.keyring.reachable));
  setText("status-keyring-unlocked", yesNo(report.keyring.unlocked));
  setText("status-database", report.database
    ? `${report.database.encryption}, schema version ${report.database.schema_version}, ` +
      `${report.database.audit_entries} audit log entries`
    : "Not open");
  setText("status-signing-key", report.signing_key ?? "Not available");
  renderAudio(report.audio);
}

/** Shows the settings when the vault is ready and open in this window. */
async function loadSettings(report) {
  const form = $("vault-settings");
  if (!report || report.vault !== "ready" || report.problem) {
    form.hidden = true;
    return;
  }
  try {
    const settings = await app.call("settings_get");
    if (!root) return;
    $("idle-minutes").value = String(settings.idle_lock_minutes);
    const rewind = Number(settings.auto_rewind_seconds);
    $("auto-rewind").value = String(Number.isFinite(rewind) ? rewind : 2);
    form.hidden = false;
  } catch {
    // Locked or not opened in this window yet: the settings wait until it is.
    if (root) form.hidden = true;
  }
}

async function refresh() {
  $("vault-screen").setAttribute("aria-busy", "true");
  try {
    const report = await app.call("vault_status");
    if (!root) return;
    render(report);
    await loadSettings(report);
  } catch (error) {
    if (!root) return;
    $("vault-screen").setAttribute("aria-busy", "false");
    $("vault-loading").hidden = true;
    showProblem(error);
    showAdvice(error && error.code);
  }
}

async function createVault() {
  const button = $("create-vault");
  button.disabled = true;
  button.textContent = "Creating…";
  try {
    const report = await app.call("vault_create");
    if (!root) return;
    render(report);
    const answer = await app.call("vault_unlock");
    if (answer && answer.idle_lock_minutes) app.setIdleMinutes?.(answer.idle_lock_minutes);
    app.unlocked?.();
    if (!root) return;
    await loadSettings(report);
    if (!root) return;
    $("vault-ready").hidden = false;
    $("vault-continue").focus();
  } catch (error) {
    if (!root) return;
    showProblem(error);
    showAdvice(error && error.code);
    button.disabled = false;
  } finally {
    if (root) button.textContent = "Create vault";
  }
}

async function saveSettings(event) {
  event.preventDefault();
  const input = $("idle-minutes");
  const error = $("idle-minutes-error");
  const rewindInput = $("auto-rewind");
  const rewindError = $("auto-rewind-error");
  const minutes = Number(input.value);
  const rewind = Number(rewindInput.value);
  const clear = (field, message) => {
    message.textContent = "";
    message.hidden = true;
    field.removeAttribute("aria-invalid");
  };
  const fail = (text, field = input, message = error) => {
    message.textContent = text;
    message.hidden = false;
    field.setAttribute("aria-invalid", "true");
    field.focus();
  };
  clear(input, error);
  clear(rewindInput, rewindError);
  if (!Number.isInteger(minutes) || minutes < 1 || minutes > 120) {
    fail("Enter a whole number of minutes from 1 to 120.");
    return;
  }
  if (rewindInput.value.trim() === "" || !Number.isInteger(rewind) || rewind < 0 || rewind > 10) {
    fail("Enter a whole number of seconds from 0 to 10.", rewindInput, rewindError);
    return;
  }
  const button = $("save-settings");
  button.disabled = true;
  try {
    const saved = await app.call("settings_set", { idleLockMinutes: minutes, autoRewindSeconds: rewind });
    if (!root) return;
    const value = saved && saved.idle_lock_minutes ? saved.idle_lock_minutes : minutes;
    const back = saved && Number.isFinite(Number(saved.auto_rewind_seconds)) ? Number(saved.auto_rewind_seconds) : rewind;
    input.value = String(value);
    rewindInput.value = String(back);
    app.setIdleMinutes?.(value);
    app.notify(`Saved: SessionVault locks after ${value} minute${value === 1 ? "" : "s"} without use; ` +
      `transcribing goes back ${back} second${back === 1 ? "" : "s"} on playing again.`, "ok");
  } catch (problem) {
    // The message names the setting it is about; it is shown by the field it most likely means.
    if (!root) return;
    if (problem && /rewind/i.test(`${problem.code ?? ""} ${problem.message ?? ""}`)) {
      fail(capitalise(errorText(problem)), rewindInput, rewindError);
    } else {
      fail(capitalise(errorText(problem)));
    }
  } finally {
    if (root) button.disabled = false;
  }
}

/**
 * Shows the vault screen in `section` (which holds the vault markup of index.html) and loads
 * its status.
 */
export async function show(section, application) {
  root = section;
  app = application;
  $("create-vault").addEventListener("click", createVault);
  $("refresh").addEventListener("click", refresh);
  $("vault-settings").addEventListener("submit", saveSettings);
  $("vault-continue").addEventListener("click", () => app.go("home"));
  $("vault-title").setAttribute("tabindex", "-1");
  await refresh();
}

export function leave() {
  root = null;
}
