// "Are you sure?" for what cannot be undone: a dialog of our own, so that it looks like the app
// and can be answered by keyboard. The safe answer has the focus.
import { $ } from "./dom.js";

const dialog = $("#confirm-dialog");
let answer = null;

export function confirmAction({ title, message, action }) {
  $("#confirm-heading").textContent = title;
  $("#confirm-message").textContent = message;
  $("#confirm-yes").textContent = action;
  dialog.returnValue = "";
  dialog.showModal();
  $("#confirm-no").focus();
  return new Promise((resolve) => { answer = resolve; });
}

dialog.addEventListener("close", () => {
  if (answer) answer(dialog.returnValue === "yes");
  answer = null;
});
$("#confirm-yes").addEventListener("click", () => dialog.close("yes"));
$("#confirm-no").addEventListener("click", () => dialog.close("no"));
