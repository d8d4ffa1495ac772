// The anonymisation panel of transcripts and case studies: the list of names and identifying
// details with what replaces each in an export, and a check that none of them would still
// appear. The list is stored, and the check made, by the core; the panel only asks and shows.
import { el, replace, byId as $ } from "./dom.js";
import { capitalise, plural, errorText } from "./text.js";

/**
 * The anonymisation panel (names and identifying details replaced on export, and checked), for
 * transcripts (`prefix` "") and case studies (`prefix` "case-").
 * @param {object} o
 * @param {string} o.prefix
 * @param {Array<{original: string, replacement: string}>} o.rules
 * @param {(rules: Array) => Promise<Array>} o.setRules stores the list; answers the stored list
 * @param {() => Promise<{ok: boolean, leftovers: Array}>} o.check
 * @param {string} o.what "transcript" or "case study"
 * @param {string} [o.note] a sentence more (e.g. required before marking final)
 * @param {boolean} [o.readOnly]
 */
export function anonymisationPanel(o) {
  const id = (name) => `${o.prefix}${name}`;
  let rules = Array.isArray(o.rules) ? o.rules.map((r) => ({ ...r })) : [];
  const list = el("ul", { id: id("anon-list"), class: "anon-list" });
  const empty = el("p", { class: "muted anon-empty" }, "No names or details on the list yet.");
  const problem = el("div", { id: id("anon-problem"), class: "notice notice-problem", role: "alert", hidden: true });
  const result = el("div", { id: id("anon-result"), class: "anon-result", role: "status", "aria-live": "polite" });
  const original = el("input", { id: id("anon-original"), type: "text", autocomplete: "off", maxlength: "200",
    spellcheck: "false", "aria-describedby": id("anon-original-hint"), disabled: o.readOnly,
    oninput: () => original.removeAttribute("aria-invalid") });
  const replacement = el("input", { id: id("anon-replacement"), type: "text", autocomplete: "off", maxlength: "200",
    "aria-describedby": id("anon-replacement-hint"), disabled: o.readOnly,
    oninput: () => replacement.removeAttribute("aria-invalid") });

  const showProblem = (error) => {
    if (error) {
      problem.textContent = capitalise(errorText(error));
      problem.hidden = false;
    } else {
      problem.textContent = "";
      problem.hidden = true;
    }
  };

  const render = () => {
    empty.hidden = rules.length > 0;
    replace(list, rules.map((rule, index) => el("li", { class: "anon-rule", "data-rule-index": String(index) },
      el("span", { class: "anon-original" }, rule.original),
      el("span", { class: "anon-arrow", "aria-hidden": "true" }, "→"),
      el("span", { class: "sr-only" }, " becomes "),
      el("span", { class: "anon-replacement" }, rule.replacement),
      o.readOnly ? null : el("button", { type: "button", class: "secondary small anon-remove",
        "aria-label": `Remove the replacement of ${rule.original}`,
        onclick: () => remove(index) }, "Remove"))));
  };

  const store = async (next) => {
    showProblem(null);
    const stored = await o.setRules(next);
    rules = Array.isArray(stored) ? stored.map((r) => ({ ...r })) : next;
    // An earlier check no longer says anything about the new list.
    result.replaceChildren();
    delete result.dataset.state;
    render();
  };

  const add = async (event) => {
    event.preventDefault();
    if (o.readOnly) return;
    const from = original.value.trim();
    const to = replacement.value.trim();
    if (!from) {
      original.setAttribute("aria-invalid", "true");
      showProblem({ message: "Write the name or detail to replace first." });
      original.focus();
      return;
    }
    if (!to) {
      replacement.setAttribute("aria-invalid", "true");
      showProblem({ message: `Write what replaces “${from}” in an export, for example “Client A” or “a hospital”.` });
      replacement.focus();
      return;
    }
    if (rules.some((r) => r.original.toLowerCase() === from.toLowerCase())) {
      original.setAttribute("aria-invalid", "true");
      showProblem({ message: `“${from}” is on the list already.` });
      original.focus();
      return;
    }
    const button = $(id("anon-add"));
    if (button) button.disabled = true;
    try {
      await store([...rules, { original: from, replacement: to }]);
      original.value = "";
      replacement.value = "";
      original.focus();
    } catch (error) {
      // What was typed stays in the fields.
      showProblem(error);
    } finally {
      if (button) button.disabled = false;
    }
  };

  const remove = async (index) => {
    const rule = rules[index];
    if (!rule) return;
    try {
      await store(rules.filter((_, i) => i !== index));
      const buttons = list.querySelectorAll(".anon-remove");
      (buttons[Math.min(index, buttons.length - 1)] ?? original)?.focus();
    } catch (error) {
      showProblem(error);
    }
  };

  const check = async () => {
    const button = $(id("anon-check"));
    if (button) button.disabled = true;
    showProblem(null);
    replace(result, el("p", { class: "muted" }, "Checking…"));
    delete result.dataset.state;
    try {
      const answer = await o.check();
      const leftovers = Array.isArray(answer?.leftovers) ? answer.leftovers : [];
      const ok = Boolean(answer?.ok) && leftovers.length === 0;
      result.dataset.state = ok ? "ok" : "leftovers";
      if (ok) {
        replace(result, el("p", {}, el("strong", {}, "Checked: "), rules.length === 1
          ? "the name or detail on the list would not appear in an export."
          : rules.length
            ? `none of the ${rules.length} names or details on the list would appear in an export.`
            : "there is nothing on the list yet, so nothing would be replaced. Add the client's name and anything else that could identify them."));
      } else {
        replace(result,
          el("p", {}, el("strong", {}, "Not ready to export: "),
            `${plural(leftovers.length, "name or detail", "names or details")} on the list would still appear.`),
          el("ul", {}, leftovers.map((l) => el("li", {},
            `The one replaced by “${l.replacement}”: still there ${plural(Number(l.count) || 0, "time")}`))),
          el("p", {}, `Look in the ${o.what} for that name written another way (another spelling, a nickname, ` +
            "joined to another word), then change the text or add that form to the list."));
      }
    } catch (error) {
      result.replaceChildren();
      showProblem(error);
    } finally {
      if (button) button.disabled = false;
    }
  };

  render();
  return el("section", { class: "panel stack anon-panel", "aria-labelledby": id("anon-title") },
    el("h3", { id: id("anon-title") }, "Anonymisation"),
    el("p", {}, `Before this ${o.what} leaves SessionVault, every name and identifying detail on this list is ` +
      "replaced by the words you choose: for example “Sarah” by “Client A”, or the name of her school by " +
      "“a secondary school”. What you typed stays as it is inside the vault."),
    el("p", {}, "Every export is checked: if a name on the list would still appear, the export is refused " +
      "and you are told which one. Add the client's name, and the names of people, places and workplaces " +
      "they mention, and any detail that could tell someone who they are."),
    o.note ? el("p", { class: "muted" }, o.note) : null,
    problem,
    empty,
    list,
    o.readOnly ? null : el("form", { class: "anon-add", novalidate: true, onsubmit: add },
      el("div", { class: "field" },
        el("label", { for: id("anon-original") }, "Name or detail"),
        el("p", { id: id("anon-original-hint"), class: "hint muted" }, "As it is written in the text"),
        original),
      el("div", { class: "field" },
        el("label", { for: id("anon-replacement") }, "Replaced by"),
        el("p", { id: id("anon-replacement-hint"), class: "hint muted" }, "For example “Client A”"),
        replacement),
      el("button", { id: id("anon-add"), type: "submit", class: "secondary" }, "Add to the list")),
    el("div", { class: "row" },
      el("button", { id: id("anon-check"), type: "button", class: "secondary", onclick: check },
        "Check the export")),
    result);
}
