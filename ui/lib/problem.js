// Saying what went wrong, in the box a screen keeps for it, and exporting an editor's document
// (a transcript, a case study) once everything typed is saved.

import { byId } from "./dom.js";
import { capitalise, errorText } from "./text.js";

/**
 * Shows `error` in words in the box with id `id` (its code as `data-code`), or empties and hides
 * the box when there is no error.
 */
export function showProblemIn(id, error) {
  const box = byId(id);
  if (!box) return;
  if (error) {
    box.textContent = capitalise(errorText(error));
    if (error?.code) box.dataset.code = error.code;
    else delete box.dataset.code;
    box.hidden = false;
  } else {
    box.textContent = "";
    delete box.dataset.code;
    box.hidden = true;
  }
}

/**
 * Exports an editor's document: saves what is not saved yet (refusing to export without it),
 * asks `command` for the file in `format`, and says what became of it in the box `resultId`, or
 * what went wrong in the box `problemId`. `what` names the document ("the transcript"),
 * `savedWords(name)` says where the saved copy stands, and `whereSaveProblem` where the message
 * of a failed save is shown.
 */
export async function exportDocument({
  app, saver, command, id, format, button, problemId, resultId, what, savedWords, whereSaveProblem,
}) {
  button.disabled = true;
  showProblemIn(problemId, null);
  const result = byId(resultId);
  if (result) result.textContent = "";
  try {
    if (!(await saver.flush())) {
      showProblemIn(problemId, { message: "The latest changes could not be saved, so the export would miss them. " +
        `See the message ${whereSaveProblem}, then export again.` });
      return;
    }
    const answer = await app.call(command, { id, format });
    if (answer?.saved) {
      const name = answer.file_name ?? what;
      if (result) result.textContent = savedWords(name);
      app.notify(`Saved ${name}`, "ok");
    } else if (result) {
      result.textContent = "Not saved.";
    }
  } catch (error) {
    const extra = error?.code === "anonymisation_incomplete"
      ? " Use “Check the export” in the anonymisation panel to see which names remain." : "";
    showProblemIn(problemId, { code: error?.code, message: `${capitalise(errorText(error))}${extra}` });
  } finally {
    button.disabled = false;
  }
}
