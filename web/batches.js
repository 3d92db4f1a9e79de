// Past imports: each file imported, what it added, and Revert / Undo revert.
import { api } from "./api.js";
import { confirmAction } from "./confirm.js";
import { $, el } from "./dom.js";
import { plural, whenUtc } from "./format.js";
import { toast } from "./toast.js";

let onChanged = async () => {};

function say(message, error = "") {
  $("#batches-status").textContent = message;
  $("#batches-error").textContent = error;
}

export async function loadBatches() {
  const batches = await api("/imports");
  $("#batches-table tbody").replaceChildren(...batches.map(row));
  $("#batches-table").hidden = batches.length === 0;
  $("#batches-empty").hidden = batches.length > 0;
}

function row(batch) {
  const when = whenUtc(batch.imported_at);
  const reverted = batch.status === "reverted";
  return el("tr", { "data-id": String(batch.id) },
    el("td", { class: "description", text: batch.file_name }),
    el("td", { class: "nowrap", text: when }),
    el("td", { class: "num", text: batch.imported.toLocaleString() }),
    el("td", { class: "num", text: batch.skipped.toLocaleString() }),
    el("td", { text: reverted ? `Reverted ${whenUtc(batch.reverted_at)}` : "Imported" }),
    el("td", { class: "row-actions" }, reverted
      ? el("button", { type: "button", class: "link", text: "Undo revert",
        "aria-label": `Undo revert of ${batch.file_name}, imported ${when}`, onclick: () => unrevert(batch) })
      : el("button", { type: "button", class: "link danger", text: "Revert",
        "aria-label": `Revert ${batch.file_name}, imported ${when}`, onclick: () => revert(batch, when) })));
}

// Used by the toast after an import too; throws the API's sentence.
export async function revertBatch(batch) {
  await api(`/imports/${batch.id}/revert`, { method: "POST" });
  await onChanged();
  return `Reverted the import of ${batch.file_name}: ${plural(batch.imported, "expense")} moved to the trash.`;
}

async function revert(batch, when) {
  const sure = await confirmAction({
    title: "Revert this import?",
    message: `Take out the ${plural(batch.imported, "expense")} imported from ${batch.file_name} on ${when}? `
      + "They move to the trash, and Undo revert brings them back.",
    action: "Revert import",
  });
  if (!sure) return;
  await act(() => revertBatch(batch), batch);
}

async function unrevert(batch) {
  await act(async () => {
    await api(`/imports/${batch.id}/restore`, { method: "POST" });
    await onChanged();
    return `The ${plural(batch.imported, "expense")} from ${batch.file_name} ${batch.imported === 1 ? "is" : "are"} back.`;
  }, batch);
}

async function act(work, batch) {
  try {
    say(await work());
    await loadBatches();
  } catch (error) {
    say("", error.message);
  }
  const button = document.querySelector(`#batches-table tr[data-id="${batch.id}"] button`);
  if (button) button.focus();
}

export function setupBatches(changed) {
  onChanged = changed;
}

export function openBatches() {
  say("");
  $("#batches-empty").hidden = true;
  return loadBatches().catch((error) => say("", error.message));
}

export function undoImportToast(batch, message) {
  toast(message, {
    label: "Undo",
    run: async () => {
      try {
        toast(await revertBatch(batch));
      } catch (error) {
        toast(error.message);
      }
    },
  });
}
