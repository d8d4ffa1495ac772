// The one door to the core: Tauri's invoke. Commands take ids, never paths, and return reports
// or an error {code, message}.
const tauri = window.__TAURI__;

/**
 * Calls a command of the shell.
 * @param {string} command
 * @param {object} [args]
 * @returns {Promise<any>} the command's answer; rejects with {code, message}
 */
export async function call(command, args = {}) {
  if (!tauri || !tauri.core) {
    throw { code: "no_shell", message: "SessionVault must be opened as the desktop app." };
  }
  try {
    return await tauri.core.invoke(command, args);
  } catch (error) {
    if (error && typeof error === "object" && "message" in error) throw error;
    throw { code: "internal", message: String(error) };
  }
}

/**
 * Makes a channel for a streaming command (recording events, player position, shred progress,
 * lock events). Pass it as an argument of `call`; each message the shell sends reaches
 * `onMessage`.
 * @param {(message: any) => void} onMessage
 * @returns {object} a `window.__TAURI__.core.Channel`
 */
export function channel(onMessage) {
  if (!tauri || !tauri.core || !tauri.core.Channel) {
    throw { code: "no_shell", message: "SessionVault must be opened as the desktop app." };
  }
  const ch = new tauri.core.Channel();
  ch.onmessage = (message) => {
    try {
      onMessage(message);
    } catch (error) {
      console.error("A channel message could not be handled", error);
    }
  };
  return ch;
}
