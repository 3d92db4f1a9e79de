// Keyboard shortcuts; none fire while the user types in a field.
import { $ } from "./dom.js";

export function setupShortcuts(actions) {
  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const target = event.target;
    if (target.closest("input, select, textarea, dialog[open]")) return;
    const action = {
      n: actions.newExpense,
      f: actions.focusFilters,
      "/": actions.focusFilters,
      "[": actions.previousMonth,
      "]": actions.nextMonth,
      u: actions.undo,
      "?": () => $("#shortcuts-dialog").showModal(),
    }[event.key];
    if (action) {
      event.preventDefault();
      action();
    }
  });
}
