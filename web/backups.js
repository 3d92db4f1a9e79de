// Backups: where they are, which there are, one more now, and putting one back.
import { api } from "./api.js";
import { confirmAction } from "./confirm.js";
import { $, el } from "./dom.js";
import { fileSize, whenLocal } from "./format.js";
import { toast } from "./toast.js";

const KINDS = { daily: "Daily", manual: "Made by you", "before-restore": "Before a restore", damaged: "Damaged copy" };
let onRestored = async () => {};

function say(message, error = "") {
  $("#backups-status").textContent = message;
  $("#backups-error").textContent = error;
}

async function load() {
  const { folder, backups } = await api("/backups");
  $("#backups-folder").textContent = folder;
  $("#backups-table tbody").replaceChildren(...backups.map(row));
  $("#backups-table").hidden = backups.length === 0;
  $("#backups-empty").hidden = backups.length > 0;
}

function row(backup) {
  const when = whenLocal(backup.created_at);
  // A damaged copy is what was left of a broken database: kept for the record, never put back.
  const action = backup.kind === "damaged"
    ? el("span", { class: "muted", text: "Cannot be restored" })
    : el("button", { type: "button", class: "link", text: "Restore", "aria-label": `Restore the backup of ${when} (${(KINDS[backup.kind] || backup.kind).toLowerCase()})`,
      onclick: () => restore(backup, when) });
  return el("tr", { "data-name": backup.name, title: backup.name },
    el("td", { class: "nowrap", text: when }),
    el("td", { text: KINDS[backup.kind] || backup.kind }),
    el("td", { class: "num", text: fileSize(backup.size) }),
    el("td", { class: "row-actions" }, action));
}

async function backUpNow() {
  const button = $("#backup-now");
  button.disabled = true;
  say("Backing up…");
  try {
    const made = await api("/backups", { method: "POST" });
    await load();
    say(`Backed up: ${made.name}, ${fileSize(made.size)}.`);
  } catch (error) {
    say("", error.message);
  } finally {
    button.disabled = false;
    button.focus();
  }
}

async function restore(backup, when) {
  const sure = await confirmAction({
    title: "Restore this backup?",
    message: `Replace all current data with the backup of ${when}? A backup of the current data is made first.`,
    action: "Replace my data",
  });
  if (!sure) return;
  say("Restoring…");
  let result;
  try {
    result = await api("/backups/restore", { method: "POST", body: { name: backup.name } });
  } catch (error) {
    say("", error.message);
    return;
  }
  $("#backups-dialog").close();
  await onRestored();
  toast(result.safety_backup
    ? `Restored the backup of ${when}. Your data from before is kept as ${result.safety_backup}.`
    : `Restored the backup of ${when}.`, null, 15);
}

export function setupBackups(restored) {
  onRestored = restored;
  $("#open-backups").addEventListener("click", async () => {
    say("");
    $("#backups-empty").hidden = true;
    $("#backups-dialog").showModal();
    await load().catch((error) => say("", error.message));
  });
  $("#backup-now").addEventListener("click", backUpNow);
}
