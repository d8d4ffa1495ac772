// Saving as the counsellor types: a document is saved a moment after the last edit, one save at
// a time, and at once when asked (a field left, a check or an export about to start, the screen
// left). The transcript editor and the case study editor save through it.

import { el, replace, byId as $ } from "./dom.js";
import { capitalise, errorText } from "./text.js";
import { clock } from "./time.js";

/** How long after the last edit a document is saved, in ms. */
const SAVE_DELAY = 800;

/**
 * Saves a document some time after the last edit, one save at a time, and on demand (`flush`).
 * `save()` takes its snapshot when called; `onState(state, error)` hears "pending", "saving",
 * "saved" and "error".
 */
export function autosaver({ delay = SAVE_DELAY, save, onState }) {
  let version = 0;
  let saved = 0;
  let timer = 0;
  let inflight = null;
  let lastError = null;
  const tell = (state, error) => {
    try {
      onState?.(state, error);
    } catch (e) {
      console.error(e);
    }
  };
  const api = {
    get dirty() {
      return version !== saved;
    },
    get error() {
      return lastError;
    },
    /** Something changed: save it `delay` ms after the last change. */
    mark() {
      version += 1;
      tell("pending");
      clearTimeout(timer);
      timer = setTimeout(() => api.flush(), delay);
    },
    /** Saves now what is not saved yet; resolves true when everything up to now is saved. */
    async flush() {
      clearTimeout(timer);
      timer = 0;
      while (inflight) await inflight;
      if (version === saved) return true;
      const v = version;
      tell("saving");
      const p = (async () => {
        await Promise.resolve();
        try {
          await save();
          saved = Math.max(saved, v);
          lastError = null;
          tell(version === saved ? "saved" : "pending");
          return true;
        } catch (error) {
          lastError = error;
          tell("error", error);
          return false;
        } finally {
          if (inflight === p) inflight = null;
        }
      })();
      inflight = p;
      const ok = await p;
      // Edits made while it saved are saved too.
      if (ok && version !== saved) return api.flush();
      return ok;
    },
    /** Forgets every pending change (the document is gone). */
    cancel() {
      clearTimeout(timer);
      timer = 0;
      saved = version;
    },
  };
  return api;
}

/**
 * Shows an autosaver's state on an editor: the element `statusId` says it in a few words, and
 * the box `problemId` says what went wrong, that nothing typed is lost, and offers `retry`.
 */
export function showSaveState(state, error, { statusId, problemId, retry }) {
  const status = $(statusId);
  if (status) {
    status.dataset.state = state;
    status.textContent = {
      pending: "Changes not saved yet",
      saving: "Saving…",
      saved: `Saved ${clock()}`,
      error: "Not saved",
    }[state] ?? "";
  }
  const box = $(problemId);
  if (!box) return;
  if (state === "error") {
    replace(box,
      el("p", {}, `Your latest changes are not saved: ${capitalise(errorText(error))}`),
      el("p", {}, "They are still here on the screen. Correct what the message says, or try again."),
      el("button", { type: "button", class: "secondary", onclick: retry }, "Try saving again"));
    box.hidden = false;
  } else if (state === "saved") {
    box.replaceChildren();
    box.hidden = true;
  }
}
