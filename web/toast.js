// A short message at the bottom of the window, with an optional action such as Undo.
import { $ } from "./dom.js";

let timer = null;
let pendingAction = null;

export function toast(message, action = null, seconds = action ? 10 : 4) {
  $("#toast-text").textContent = message;
  const button = $("#toast-action");
  pendingAction = action;
  button.hidden = !action;
  if (action) button.textContent = action.label;
  $("#toast").classList.toggle("long-action", Boolean(action) && action.label.length > 12); // a sentence: on its own line
  $("#toast").hidden = false;
  clearTimeout(timer);
  timer = setTimeout(hideToast, seconds * 1000);
}

export function hideToast() {
  $("#toast").hidden = true;
  pendingAction = null;
}

export async function runToastAction() {
  const action = pendingAction;
  hideToast();
  if (action) await action.run();
}

// The keyboard's undo (u, Ctrl+Z) takes back the last change and nothing else: an offer such as
// "Always put REWE in Groceries" is only ever taken by its own button.
export async function runToastUndo() {
  if (pendingAction && pendingAction.label === "Undo") await runToastAction();
}

$("#toast-action").addEventListener("click", runToastAction);
