// Keyboard shortcuts; none fire while the user types in a field, except `?` in the amount (it can
// never be part of an amount) and Esc, which leaves the field so that the next key is a shortcut.
import { $ } from "./dom.js";

const openHelp = () => $("#shortcuts-dialog").showModal();

export function setupShortcuts(actions) {
  document.addEventListener("keydown", (event) => {
    if (event.defaultPrevented) return;
    const target = event.target;
    if (target.closest("dialog[open]")) return;
    // Ctrl+Z (⌘Z) outside a field takes back the last change the toast offers to undo, as `u` does;
    // in a field it stays the field's own undo.
    const undoKey = (event.ctrlKey || event.metaKey) && !event.altKey && !event.shiftKey && event.key.toLowerCase() === "z";
    if (undoKey && !target.closest("input, select, textarea")) {
      event.preventDefault();
      actions.undo();
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (target.closest("input, select, textarea")) {
      if (event.key === "Escape") {
        event.preventDefault();
        target.blur();
      } else if (event.key === "?" && target.id === "entry-amount") {
        event.preventDefault();
        openHelp();
      }
      return;
    }
    const action = {
      n: actions.newExpense,
      f: actions.focusFilters,
      "/": actions.focusSearch,
      "[": actions.previousMonth,
      "]": actions.nextMonth,
      y: actions.openReport,
      u: actions.undo,
      "?": openHelp,
    }[event.key];
    if (action) {
      event.preventDefault();
      action();
    }
  });
}
