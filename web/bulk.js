// Many expenses at once: tick rows (a click, shift-click for a range, Space on a focused box) or
// every one that matches the list; then move them to a category or delete them, with one Undo.
import { api } from "./api.js";
import { confirmAction } from "./confirm.js";
import { $, categoryOptions, el } from "./dom.js";
import { plural } from "./format.js";
import { onViewChange, state } from "./state.js";
import { setupBulkTags } from "./tags.js";
import { toast } from "./toast.js";

let onChanged = async () => {};
let shiftSpace = false; // Space pressed with Shift on a box: its click ticks a range too
const selection = () => state.selection;

export function isSelected(id) {
  return selection().all || selection().ids.has(id);
}

function pageBoxes() {
  return [...document.querySelectorAll("#expenses tbody input.select-row")];
}

// Leaving "all that match" for ticks of one's own: the rows in view stay ticked.
function toIds() {
  if (!selection().all) return;
  selection().all = false;
  selection().ids = new Set(pageBoxes().map((box) => Number(box.dataset.id)));
}

function tick(id, on) {
  if (on) selection().ids.add(id);
  else selection().ids.delete(id);
}

function clicked(box, event) {
  const id = Number(box.dataset.id);
  const range = (event.shiftKey || shiftSpace) && selection().anchor !== null;
  shiftSpace = false;
  toIds();
  const boxes = pageBoxes();
  const from = boxes.findIndex((other) => Number(other.dataset.id) === selection().anchor);
  if (range && from >= 0) {
    const to = boxes.indexOf(box);
    for (const other of boxes.slice(Math.min(from, to), Math.max(from, to) + 1)) tick(Number(other.dataset.id), box.checked);
  } else {
    tick(id, box.checked);
  }
  selection().anchor = id;
  renderSelection();
}

// A row's tick box (in its first cell, before the date).
export function selectBox(expense) {
  return el("input", {
    type: "checkbox", class: "select-row", "data-id": String(expense.id), "aria-label": `Select ${expense.description}`,
    checked: isSelected(expense.id),
    onkeydown: (event) => { shiftSpace = event.key === " " && event.shiftKey; },
    onclick: (event) => clicked(event.currentTarget, event),
  });
}

export function clearSelection() {
  state.selection = { ids: new Set(), all: false, anchor: null };
  renderSelection();
}

function count() {
  return selection().all ? state.page.total ?? 0 : selection().ids.size;
}

// The boxes, the header's box and the bar say what is ticked.
export function renderSelection() {
  const boxes = pageBoxes();
  for (const box of boxes) box.checked = isSelected(Number(box.dataset.id));
  const ticked = boxes.filter((box) => box.checked).length;
  const header = $("#select-page");
  header.checked = boxes.length > 0 && ticked === boxes.length;
  header.indeterminate = ticked > 0 && ticked < boxes.length;
  const bar = $("#bulk-bar");
  const shown = count() > 0;
  if (shown && bar.hidden) categoryOptions($("#bulk-category"), state.categories);
  bar.hidden = !shown;
  if (!shown) return;
  const total = state.page.total ?? 0;
  $("#bulk-count").textContent = selection().all
    ? `All ${plural(total, "expense")} that match selected` : `${count().toLocaleString()} selected`;
  const all = $("#bulk-all");
  all.hidden = selection().all || total <= count();
  all.textContent = `Select all ${total.toLocaleString()} that match`;
}

// What the API is to act on: the ticked ids, or the list's own filters and search.
function chosen() {
  if (!selection().all) return { ids: [...selection().ids] };
  const { q, from, to, category, tag } = state.view;
  const filter = { q: q.trim(), date_from: from, date_to: to, category_id: category ? Number(category) : "" };
  const chosenFilter = Object.fromEntries(Object.entries(filter).filter(([, value]) => value !== ""));
  if (tag.length) chosenFilter.tag = tag;
  return { filter: chosenFilter };
}

// Run one bulk edit; the toast says what it did and offers its Undo (the `u` key too).
export async function runBulk(body, after = onChanged) {
  let result;
  try {
    result = await api("/expenses/bulk", { method: "POST", body });
  } catch (error) {
    toast(error.message);
    return null;
  }
  let undone = false;
  const undo = {
    label: "Undo",
    run: async () => {
      if (undone) return;
      try {
        const back = await api(`/edits/${result.edit_id}/undo`, { method: "POST" });
        undone = true;
        toast(`Undone: ${back.summary.replace(/^Undid: /, "")}.`);
      } catch (error) {
        toast(error.message, undo); // say why, and keep the Undo for another try
        return;
      }
      await after();
    },
  };
  // A split expense's category is its parts': the note says how many were left as they are.
  toast(`${result.summary[0].toUpperCase()}${result.summary.slice(1)}.${result.note ? ` ${result.note}` : ""}`, undo);
  await after();
  return { result, undo };
}

async function move() {
  const body = { action: "category", category_id: Number($("#bulk-category").value), ...chosen() };
  clearSelection();
  await runBulk(body);
}

async function remove() {
  const how = count();
  if (how > 1) {
    const sure = await confirmAction({
      title: `Delete ${plural(how, "expense")}?`,
      message: `Move the ${plural(how, "selected expense")} to the trash? Undo or the trash brings them back.`,
      action: `Delete ${plural(how, "expense")}`,
    });
    if (!sure) return;
  }
  const body = { action: "delete", ...chosen() };
  clearSelection();
  await runBulk(body);
}

export function setupBulk(changed) {
  onChanged = changed;
  $("#select-page").addEventListener("click", (event) => {
    toIds();
    for (const box of pageBoxes()) tick(Number(box.dataset.id), event.currentTarget.checked);
    selection().anchor = null;
    renderSelection();
  });
  $("#bulk-all").addEventListener("click", () => {
    selection().all = true;
    renderSelection();
  });
  $("#bulk-move").addEventListener("click", move);
  $("#bulk-delete").addEventListener("click", remove);
  $("#bulk-clear").addEventListener("click", clearSelection);
  setupBulkTags(count, chosen, clearSelection, (body) => runBulk(body));
  // Another month, filter or search is another list: what was ticked in the last one is let go.
  onViewChange((changes) => {
    if (["q", "from", "to", "category", "tag", "month"].some((key) => key in changes)) clearSelection();
  });
}
