// The vault screen: create the vault when there is none, else show its status from the core.
import { call } from "../ipc.js";

const $ = (id) => document.getElementById(id);

const VAULT_STATE_TEXT = {
  ready: "Ready",
  absent: "Not created yet",
  not_a_vault: "Not a SessionVault vault",
  unavailable: "Cannot be opened",
};

function yesNo(value) {
  return value ? "yes" : "no";
}

function setText(id, text) {
  $(id).textContent = text;
}

function showProblem(problem) {
  const box = $("vault-problem");
  if (problem) {
    box.textContent = problem.message;
    box.dataset.code = problem.code;
    box.hidden = false;
  } else {
    box.textContent = "";
    delete box.dataset.code;
    box.hidden = true;
  }
}

function renderAudio(hosts) {
  const list = $("status-audio");
  list.replaceChildren();
  for (const host of hosts) {
    const item = document.createElement("li");
    const title = document.createElement("strong");
    title.textContent = host.host + (host.preferred ? " (used)" : "");
    item.append(title);
    if (host.problem) {
      item.append(` — unavailable: ${host.problem}`);
    }
    const inputs = host.devices.filter((d) => d.input);
    const outputs = host.devices.filter((d) => d.output);
    item.append(` — ${inputs.length} input${inputs.length === 1 ? "" : "s"}, ` +
      `${outputs.length} output${outputs.length === 1 ? "" : "s"}`);
    list.append(item);
  }
  if (hosts.length === 0) {
    const item = document.createElement("li");
    item.textContent = "No audio system found.";
    list.append(item);
  }
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
  showProblem(absent && report.problem && report.problem.code === "vault_missing" ? null : report.problem);

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

async function refresh() {
  $("vault-screen").setAttribute("aria-busy", "true");
  try {
    render(await call("vault_status"));
  } catch (error) {
    $("vault-loading").hidden = true;
    showProblem(error);
  }
}

async function createVault() {
  const button = $("create-vault");
  button.disabled = true;
  button.textContent = "Creating…";
  try {
    render(await call("vault_create"));
    $("vault-title").focus();
  } catch (error) {
    showProblem(error);
    button.disabled = false;
  } finally {
    button.textContent = "Create vault";
  }
}

/** Shows the vault screen and loads its status. */
export function showVaultScreen() {
  $("create-vault").addEventListener("click", createVault);
  $("refresh").addEventListener("click", refresh);
  $("vault-title").setAttribute("tabindex", "-1");
  refresh();
}
