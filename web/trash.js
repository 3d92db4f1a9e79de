// The trash: what was deleted in the last 30 days, to restore (under its own id) or delete for good.
import { api, query } from "./api.js";
import { runBulk } from "./bulk.js";
import { confirmAction } from "./confirm.js";
import { $, el } from "./dom.js";
import { day, money, plural, whenUtc } from "./format.js";
import { categoryById } from "./state.js";

const PAGE = 100;
let onChanged = async () => {};
let items = [];
let total = 0;
const ticked = new Set(); // the ids ticked for "Restore selected"

export function restoreExpense(id) {
  return api(`/trash/${id}/restore`, { method: "POST" });
}

function say(message, error = "") {
  $("#trash-status").textContent = message;
  $("#trash-error").textContent = error;
  $("#trash-undo").hidden = true;
}

async function load(more = false) {
  const [page, count] = await Promise.all([
    api(`/trash${query({ limit: PAGE, offset: more ? items.length : 0 })}`),
    api("/trash/count"),
  ]);
  items = more ? [...items, ...page] : page;
  total = count.count;
  render();
}

function row(item) {
  const category = categoryById(item.category_id);
  const deleted = `Deleted ${whenUtc(item.deleted_at)}, ${plural(item.days_left, "day")} left`;
  return el("tr", { "data-id": String(item.id) },
    el("td", { class: "nowrap" },
      el("input", { type: "checkbox", class: "select-row", "aria-label": `Select ${item.description}`, checked: ticked.has(item.id),
        onchange: (event) => { if (event.target.checked) ticked.add(item.id); else ticked.delete(item.id); renderTicked(); } }),
      day(item.date)),
    el("td", { class: "description", text: item.description }),
    el("td", { class: "nowrap" },
      el("span", { class: "swatch", style: { background: category ? category.color : "#6c757d" }, "aria-hidden": "true" }),
      item.category_name),
    el("td", { class: "num", text: money(item.amount) }),
    el("td", { class: "muted", text: item.reverted_batch_id ? `${deleted} (a reverted import)` : deleted }),
    el("td", { class: "row-actions" },
      el("button", { type: "button", class: "link", text: "Restore", "aria-label": `Restore ${item.description}`,
        onclick: () => restore(item) }),
      el("button", { type: "button", class: "link danger", text: "Delete forever",
        "aria-label": `Delete forever: ${item.description}`, onclick: () => destroy(item) })));
}

function renderTicked() {
  const button = $("#trash-restore-selected");
  button.disabled = ticked.size === 0;
  button.textContent = ticked.size ? `Restore ${ticked.size.toLocaleString()} selected` : "Restore selected";
}

// The ticked expenses back from the trash in one edit; its Undo (here, or the toast's) sends them back.
async function restoreTicked() {
  const ids = [...ticked];
  const after = async () => {
    await Promise.all([load().catch((error) => say("", error.message)), onChanged()]);
  };
  const done = await runBulk({ action: "restore", ids }, after);
  if (!done) {
    say("", $("#toast-text").textContent);
    return;
  }
  ticked.clear();
  renderTicked();
  say(`${done.result.summary[0].toUpperCase()}${done.result.summary.slice(1)}.`);
  const undo = $("#trash-undo");
  undo.hidden = false;
  undo.onclick = async () => {
    undo.hidden = true;
    await done.undo.run();
    say($("#toast-text").textContent);
  };
  undo.focus();
}

function render() {
  for (const id of [...ticked]) if (!items.some((item) => item.id === id)) ticked.delete(id);
  renderTicked();
  $("#trash-table tbody").replaceChildren(...items.map(row));
  $("#trash-table").hidden = items.length === 0;
  $("#trash-empty").hidden = items.length > 0;
  $("#trash-shown").textContent = items.length < total ? `Showing ${items.length.toLocaleString()} of ${total.toLocaleString()}.` : "";
  $("#trash-more").hidden = items.length >= total;
  $("#trash-empty-all").disabled = total === 0;
}

// After a row leaves the list, the focus goes to the row that took its place (or to Close).
function refocus(index) {
  const next = $("#trash-table tbody").rows[Math.min(index, items.length - 1)];
  (next ? next.querySelector("button") : $("#trash-dialog .close-dialog")).focus();
}

async function restore(item) {
  const index = items.indexOf(item);
  try {
    await restoreExpense(item.id);
  } catch (error) {
    say("", error.message);
    return;
  }
  say(`Restored “${item.description}”.`);
  await Promise.all([load().catch((error) => say("", error.message)), onChanged()]);
  refocus(index);
}

async function destroy(item) {
  const index = items.indexOf(item);
  const sure = await confirmAction({
    title: "Delete forever?",
    message: `Delete “${item.description}” (${money(item.amount)}, ${day(item.date)}) forever? It cannot be brought back.`,
    action: "Delete forever",
  });
  if (!sure) return;
  try {
    await api(`/trash/${item.id}`, { method: "DELETE" });
    await load();
    say(`Deleted “${item.description}” forever.`);
  } catch (error) {
    say("", error.message);
  }
  refocus(index);
}

async function emptyTrash() {
  const sure = await confirmAction({
    title: "Empty the trash?",
    message: `Delete ${total === 1 ? "the expense" : `all ${plural(total, "expense")}`} in the trash forever? They cannot be brought back.`,
    action: "Empty trash",
  });
  if (!sure) return;
  try {
    await api("/trash", { method: "DELETE" });
    await load();
    say("Emptied the trash.");
  } catch (error) {
    say("", error.message);
  }
  $("#trash-dialog .close-dialog").focus();
}

export function setupTrash(changed) {
  onChanged = changed;
  $("#open-trash").addEventListener("click", async () => {
    say("");
    $("#trash-empty").hidden = true; // until the list has come
    $("#trash-dialog").showModal();
    await load().catch((error) => say("", error.message));
  });
  $("#trash-more").addEventListener("click", () => load(true).catch((error) => say("", error.message)));
  $("#trash-empty-all").addEventListener("click", emptyTrash);
  $("#trash-restore-selected").addEventListener("click", restoreTicked);
}
