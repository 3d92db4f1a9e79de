// A copy elsewhere: where the continuous replica goes (Litestream runs it), how it stands, taking
// over on a second computer and restoring from it. The footer says how the copy stands.
import { api } from "./api.js";
import { confirmAction } from "./confirm.js";
import { $, el } from "./dom.js";
import { toast } from "./toast.js";

const POLL_MS = 10000;
// The fields each kind of place asks for, in order: [field, label, type, hint].
const FIELDS = {
  folder: [["path", "Folder", "text", "A NAS share, a USB disk or a cloud-synced folder, e.g. /media/usb/expenses"]],
  sftp: [
    ["host", "Server", "text", "e.g. nas.local"],
    ["port", "Port", "number", "22 if empty"],
    ["user", "User", "text", ""],
    ["key_path", "Private key file", "text", "e.g. ~/.ssh/id_ed25519"],
    ["path", "Folder on the server", "text", "e.g. backups/expenses"],
  ],
  s3: [
    ["endpoint", "Server address", "text", "Empty for Amazon S3; e.g. https://s3.example.com"],
    ["bucket", "Bucket", "text", ""],
    ["path", "Folder in the bucket", "text", "e.g. expenses"],
    ["region", "Region", "text", "e.g. us-east-1"],
    ["access_key_id", "Access key", "text", ""],
    ["secret_access_key", "Secret key", "password", "Kept in a file only you can read, never shown again"],
  ],
};

let status = null;
let onRestored = async () => {};
let polling = null;

function ago(moment) {
  if (!moment) return "";
  const seconds = Math.max(0, Math.round((Date.now() - Date.parse(moment)) / 1000));
  if (seconds < 60) return `${seconds} s ago`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`;
  return new Date(moment).toLocaleString();
}

// One short phrase for the footer; the dialog shows the whole message.
export function footerText(replica) {
  if (!replica || replica.state === "off") return "";
  const where = replica.destinations[0] ? replica.destinations[0].url : "the replica";
  if (replica.state === "replicating") {
    return replica.last_replicated_at ? `Copied to ${where}, ${ago(replica.last_replicated_at)}` : `Copying to ${where}`;
  }
  if (replica.state === "behind") return `Copying to ${where}: ${Math.round(replica.lag_seconds || 0)} s behind`;
  return replica.message;
}

async function refresh() {
  try {
    status = await api("/replica");
  } catch {
    status = null; // an API without replication, or one that is restarting: say nothing
  }
  const footer = $("#replica-footer");
  const text = footerText(status);
  footer.textContent = text ? ` · ${text}` : "";
  footer.classList.toggle("warning", Boolean(status && ["unreachable", "moved-on", "failed"].includes(status.state)));
  if ($("#replica-dialog").open) render();
  return status;
}

function kindFields(kind) {
  return FIELDS[kind].map(([name, label, type, hint]) => el("div", { class: "field" },
    el("label", { for: `replica-${name}`, text: label }),
    el("input", { id: `replica-${name}`, name, type, placeholder: hint, autocomplete: "off",
                  ...(type === "number" ? { min: "1", max: "65535" } : {}) })));
}

function render() {
  $("#replica-status").textContent = status ? status.message : "Replication cannot be set up here.";
  const current = status && status.destinations[0];
  $("#replica-current").replaceChildren(...(current ? [
    status.last_replicated_at ? el("p", { text: `Last copied ${ago(status.last_replicated_at)}.` }) : null,
    el("div", { class: "actions" },
      status.can_take_over ? el("button", { type: "button", id: "replica-take-over", text: "Make this computer the one that writes", onclick: takeOver }) : null,
      el("button", { type: "button", id: "replica-remove", class: "danger", text: "Stop copying", onclick: () => remove(current.name) })),
  ] : []));
  $("#replica-add").hidden = Boolean(current);
  $("#replica-restore").hidden = !status;
  $("#replica-error").textContent = "";
}

function open({ restoring = false } = {}) {
  $("#replica-kind").value = "folder";
  $("#replica-fields").replaceChildren(...kindFields("folder"));
  $("#replica-dialog").showModal();
  render();
  if (restoring) $("#replica-add-heading").textContent = "Where is the copy to restore from?";
  else $("#replica-add-heading").textContent = "Keep a continuous copy in";
  $("#replica-kind").focus();
  refresh();
}

function chosenDestination() {
  const kind = $("#replica-kind").value;
  const destination = { kind };
  for (const [name, , type] of FIELDS[kind]) {
    const value = $(`#replica-${name}`).value.trim();
    if (value) destination[name] = type === "number" ? Number(value) : value;
  }
  return destination;
}

async function add(event) {
  event.preventDefault();
  try {
    await api("/replica", { method: "POST", body: chosenDestination() });
  } catch (error) {
    $("#replica-error").textContent = error.message;
    return;
  }
  await refresh();
  toast(status ? status.message : "The copy is set.");
  // Litestream takes a moment to make the first copy: say so as soon as it has.
  for (let tries = 0; tries < 20 && status && ["configured", "starting"].includes(status.state); tries += 1) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await refresh();
  }
}

async function remove(name) {
  const sure = await confirmAction({
    title: "Stop copying?",
    message: "The copy already made stays where it is; new expenses are no longer copied there.",
    action: "Stop copying",
  });
  if (!sure) return;
  try {
    await api(`/replica/${encodeURIComponent(name)}`, { method: "DELETE" });
  } catch (error) {
    $("#replica-error").textContent = error.message;
    return;
  }
  await refresh();
}

async function takeOver() {
  const sure = await confirmAction({
    title: "Make this computer the one that writes?",
    message: "The copy then follows this computer's expenses. Changes made on the other computer since it last copied are kept in its own backups, not in the copy.",
    action: "Take over",
  });
  if (!sure) return;
  try {
    await api("/replica/take-over", { method: "POST" });
  } catch (error) {
    $("#replica-error").textContent = error.message;
    return;
  }
  await refresh();
}

async function restore(event) {
  event.preventDefault();
  const at = $("#replica-at").value.trim();
  const sure = await confirmAction({
    title: "Restore from the copy?",
    message: `The expenses here are replaced by the copy's${at ? ` as it was at ${at}` : ""}. What is here now is kept as a backup first.`,
    action: "Restore",
  });
  if (!sure) return;
  try {
    if (!(status && status.destinations.length)) await api("/replica", { method: "POST", body: chosenDestination() });
    const result = await api("/replica/restore", { method: "POST", body: at ? { at: at.replace("T", " ") } : {} });
    $("#replica-dialog").close();
    toast(result.safety_backup ? `Restored. What was here is kept in the backup ${result.safety_backup}.` : "Restored.");
  } catch (error) {
    $("#replica-error").textContent = error.message;
    return;
  }
  await refresh();
  await onRestored();
}

// The welcome of an empty file offers the restore: a new computer's first step.
export function restoreOffer() {
  return el("button", { type: "button", id: "welcome-restore", text: "Restore from a copy elsewhere…", onclick: () => open({ restoring: true }) });
}

export function setupReplica(restored) {
  onRestored = restored;
  $("#open-replica").addEventListener("click", () => {
    $("#settings-dialog").close();
    open();
  });
  $("#replica-kind").addEventListener("change", () => {
    $("#replica-fields").replaceChildren(...kindFields($("#replica-kind").value));
  });
  $("#replica-add-form").addEventListener("submit", add);
  $("#replica-restore").addEventListener("submit", restore);
  refresh();
  clearInterval(polling);
  polling = setInterval(refresh, POLL_MS);
}
