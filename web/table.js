// The expenses table: filters, sorting, paging by cursor, edit in a dialog, delete with Undo.
import { restoreOffer } from "./replica.js";
import { api, query, request } from "./api.js";
import { $, categoryOptions, clearErrors, el, showFieldError } from "./dom.js";
import { amountError, parseAmount } from "./entry.js";
import { amountText, currencyCodes, day, money, moneyIn, monthName, plural } from "./format.js";
import { categoryById, inMonthMode, setView, state } from "./state.js";
import { toast } from "./toast.js";
import { highlight } from "./search.js";
import { restoreExpense } from "./trash.js";
import { renderSelection, selectBox } from "./bulk.js";
import { offerRule } from "./rules.js";
import { loadTagChoices, parseTags, tagChip, tagsText } from "./tags.js";
import { openSplit, partsRow, setupSplitEditor, splitParts, splitToggle } from "./splits.js";

let onChanged = async () => {};
let runGuarded = (work) => work();
let loadNumber = 0;
let drawn = []; // the expenses of the page shown
const COLUMNS = 6;

function filterParams() {
  const { q, from, to, category, tag } = state.view;
  return { q: q.trim(), date_from: from, date_to: to, category_id: category, tag };
}

export function resetPaging() {
  state.page.cursors = [null];
  state.page.index = 0;
  state.page.total = null;
  state.page.sum = null;
}

// What the list is of, in words: "December 2026", "Café · All dates", "“coffee” · Mar 1 – Mar 9, 2025",
// "#holiday · July 2025" (with the count and total after it: a tag's total for the period).
function listName() {
  const { q, category, from, to, month, tag } = state.view;
  const parts = [];
  if (tag.length) parts.push(tagsText(tag));
  if (q.trim()) parts.push(`“${q.trim()}”`);
  const chosen = category && categoryById(category);
  if (chosen) parts.push(chosen.name);
  if (inMonthMode()) parts.push(monthName(month));
  else if (!from && !to) parts.push("All dates");
  else if (!to) parts.push(`From ${day(from)}`);
  else if (!from) parts.push(`Until ${day(to)}`);
  else parts.push(from === to ? day(from) : `${day(from)} – ${day(to)}`);
  return parts.join(" · ");
}

export async function loadExpenses({ recount = true } = {}) {
  const number = ++loadNumber;
  const { sort, order } = state.view;
  const cursor = state.page.cursors[state.page.index];
  const pageQuery = query({ ...filterParams(), sort, order, limit: state.page.size, cursor });
  const [page, totals] = await Promise.all([
    request(`/expenses${pageQuery}`),
    recount || state.page.total === null ? api(`/expenses/totals${query(filterParams())}`) : null,
  ]);
  // An empty month or range: is the whole file empty (a welcome), or only this part of it?
  const searched = Boolean(state.view.q.trim() || state.view.category || state.view.tag.length);
  const nothingAtAll = page.data.length === 0 && !searched && (!state.view.from && !state.view.to
    ? true : (await api("/expenses/count")).count === 0);
  if (number !== loadNumber) return; // a newer load has started
  if (totals) {
    state.page.total = totals.count;
    state.page.sum = totals.total;
  }
  state.page.nothingAtAll = nothingAtAll;
  state.page.cursors[state.page.index + 1] = page.headers.get("X-Next-Cursor");
  render(page.data);
}

function sortHeaders() {
  for (const th of document.querySelectorAll("#expenses th[data-sort]")) {
    const active = th.dataset.sort === state.view.sort;
    th.setAttribute("aria-sort", active ? (state.view.order === "asc" ? "ascending" : "descending") : "none");
    th.querySelector("button").dataset.arrow = active ? (state.view.order === "asc" ? "▲" : "▼") : "";
  }
}

function swatch(color) {
  return el("span", { class: "swatch", style: { background: color }, "aria-hidden": "true" });
}

function row(expense) {
  const category = categoryById(expense.category_id);
  return el("tr", { "data-id": String(expense.id) },
    el("td", { class: "nowrap" }, selectBox(expense), day(expense.date)),
    el("td", { class: "description" }, ...highlight(expense.description, state.view.q),
      ...(expense.tags || []).map(tagChip), splitToggle(expense, redrawParts)),
    el("td", { class: "nowrap" }, swatch(category ? category.color : "#6c757d"), expense.category_name),
    el("td", { class: "num", text: expense.rate_source
      ? `${moneyIn(expense.amount, expense.currency)} (${money(expense.home_amount)})` : money(expense.amount) }),
    el("td", { class: "muted nowrap added", text: expense.created_at.slice(0, 16) }),
    el("td", { class: "row-actions" },
      el("button", { type: "button", class: "link", "aria-label": `Edit ${expense.description}`, text: "Edit",
        onclick: () => openEdit(expense) }),
      el("button", { type: "button", class: "link danger", "aria-label": `Delete ${expense.description}`, text: "Delete",
        onclick: () => remove(expense) }),
    ),
  );
}

function drawRows() {
  $("#expenses tbody").replaceChildren(...drawn.flatMap((expense) => [row(expense), partsRow(expense, COLUMNS)])
    .filter(Boolean));
}

// A split expense's parts shown or hidden: the rows drawn again, the focus kept on its toggle.
function redrawParts(expense) {
  drawRows();
  renderSelection();
  document.querySelector(`#expenses tr[data-id="${expense.id}"] .split-toggle`)?.focus();
}

function render(expenses) {
  sortHeaders();
  drawn = expenses;
  drawRows();
  const { total, index, size, cursors } = state.page;
  const filtered = Boolean(state.view.q.trim() || state.view.category || state.view.tag.length) || !(inMonthMode() || (!state.view.from && !state.view.to));
  const empty = $("#empty");
  empty.hidden = expenses.length > 0;
  $("#expenses").hidden = expenses.length === 0;
  if (!expenses.length) {
    if (state.page.nothingAtAll) {
      empty.textContent = "Welcome! Add your first expense above: type the amount, what it was, pick a category, and press Enter. ";
      // A new computer's first step may be getting the expenses back from the copy kept elsewhere.
      empty.append(el("br"), "Or, on a new computer: ", restoreOffer());
    } else {
      empty.textContent = filtered ? "No expenses match these filters." : `No expenses in ${monthName(state.view.month)}.`;
    }
  }
  // How many expenses the list holds and what they add up to: all of them, not just this page.
  $("#list-summary").textContent = state.page.nothingAtAll
    ? "" : `${listName()}: ${plural(total ?? 0, "expense")}, ${money(state.page.sum ?? 0)}`;
  const first = index * size + 1;
  $("#page-info").textContent = expenses.length
    ? `${first.toLocaleString()}–${(first + expenses.length - 1).toLocaleString()} of ${(total ?? 0).toLocaleString()}`
    : "";
  $("#page-prev").disabled = index === 0;
  $("#page-next").disabled = !cursors[index + 1];
  renderSelection();
}

async function remove(expense) {
  try {
    await api(`/expenses/${expense.id}`, { method: "DELETE" });
  } catch (error) {
    toast(error.message);
    return;
  }
  const undo = {
    label: "Undo",
    run: async () => {
      try {
        await restoreExpense(expense.id); // from the trash, under its own id
      } catch (error) {
        toast(error.message, undo); // say why, and keep the Undo for another try
        return;
      }
      toast(`Restored “${expense.description}”.`);
      await onChanged();
    },
  };
  toast(`Deleted “${expense.description}”.`, undo);
  await onChanged();
}

let editing = null;

function openEdit(expense) {
  editing = expense;
  clearErrors("edit");
  $("#edit-amount").value = amountText(expense.amount, expense.currency);
  $("#edit-currency").replaceChildren(...currencyCodes([expense.currency]).map((code) => el("option", { value: code, text: code })));
  $("#edit-currency").value = expense.currency;
  $("#edit-rate").value = expense.rate_source === "typed" ? String(expense.rate) : "";
  // The ECB's rate shows as the placeholder: an empty field keeps it.
  $("#edit-rate").placeholder = expense.rate_source && expense.rate_source !== "typed" ? String(expense.rate) : "";
  $("#edit-rate-note").textContent = expense.rate_source && expense.rate_source !== "typed"
    ? `${expense.rate_source}; type a rate (a card statement's) to use it instead.` : "";
  showEcbRate();
  $("#edit-description").value = expense.description;
  categoryOptions($("#edit-category"), state.categories, { selected: expense.category_id });
  $("#edit-date").value = expense.date;
  $("#edit-tags").value = tagsText(expense.tags || []);
  openSplit(expense);
  $("#edit-dialog").showModal();
  $("#edit-amount").focus();
}

// The ECB's rate for the chosen currency and date, as the rate field's placeholder.
async function showEcbRate() {
  const code = $("#edit-currency").value;
  const date = $("#edit-date").value;
  const rate = $("#edit-rate");
  if (!code || !date || code === state.settings.currency) {
    rate.placeholder = "";
    $("#edit-rate-note").textContent = "";
    return;
  }
  try {
    const found = await api(`/rates${query({ currency: code, date })}`);
    if ($("#edit-currency").value !== code || $("#edit-date").value !== date) return;
    rate.placeholder = String(found.rate);
    $("#edit-rate-note").textContent = `${found.rate_source}; type a rate (a card statement's) to use it instead.`;
  } catch (error) {
    rate.placeholder = "";
    $("#edit-rate-note").textContent = error.message;
  }
}

async function saveEdit(event) {
  event.preventDefault();
  clearErrors("edit");
  const code = $("#edit-currency").value || editing.currency;
  const problem = amountError($("#edit-amount").value, code);
  if (problem) {
    showFieldError("edit", { field: "amount", message: problem });
    return;
  }
  const rateText = $("#edit-rate").value.trim().replace(",", ".");
  const rate = rateText === "" ? null : Number(rateText);
  if (rate !== null && !(rate > 0)) {
    showFieldError("edit", { field: "rate", message: "A rate is a number above zero, like 0.0061." });
    return;
  }
  let parts;
  try {
    parts = splitParts();
  } catch (error) {
    showFieldError("edit", error);
    return;
  }
  const values = {
    amount: parseAmount($("#edit-amount").value),
    description: $("#edit-description").value,
    category_id: Number($("#edit-category").value),
    date: $("#edit-date").value,
    currency: code,
  };
  // A partial update: only what changed is sent (a new currency with the amount, for its decimals).
  const changes = Object.fromEntries(Object.entries(values).filter(([key, value]) => value !== editing[key]));
  const tags = parseTags($("#edit-tags").value);
  if (tagsText(tags.map((name) => name.toLowerCase())) !== tagsText(editing.tags || [])) changes.tags = tags;
  if ("amount" in changes && code !== state.settings.currency) changes.currency = code;
  if (rate !== null && (editing.rate_source !== "typed" || rate !== editing.rate)) changes.rate = rate;
  // Split: the category follows the largest part. A split expense's amount changes with its parts:
  // the old parts go first, then the expense changes, then the new parts are saved.
  if (parts) delete changes.category_id;
  const wasSplit = Boolean(editing.parts && editing.parts.length);
  const partsChanged = parts && JSON.stringify(parts) !== JSON.stringify((editing.parts || []).map((part) => (
    { category_id: part.category_id, amount: part.amount, note: part.note || null })));
  try {
    if (wasSplit && (!parts || "amount" in changes || "currency" in changes)) {
      await api(`/expenses/${editing.id}/parts`, { method: "DELETE" });
    }
    if (Object.keys(changes).length) {
      await api(`/expenses/${editing.id}`, { method: "PUT", body: changes });
    }
    if (parts && (partsChanged || !wasSplit || "amount" in changes || "currency" in changes)) {
      await api(`/expenses/${editing.id}/parts`, { method: "PUT", body: parts });
    }
    $("#edit-dialog").close();
    if ("category_id" in changes) offerRule(editing.id); // "Always put REWE in Groceries?"
    if ("tags" in changes) loadTagChoices();
    await onChanged();
  } catch (error) {
    showFieldError("edit", error);
  }
}

// Another page of the same list; if it cannot be loaded, the page shown stays the current one.
async function turnPage(delta) {
  const before = state.page.index;
  state.page.index = Math.max(0, before + delta);
  try {
    await loadExpenses({ recount: false });
  } catch (error) {
    state.page.index = before;
    throw error;
  }
  // The new page is read from its top: bring the top of the list into view.
  $("#list-summary").scrollIntoView({ block: "nearest" });
}

export function setupTable(changed, guarded) {
  onChanged = changed;
  runGuarded = guarded;
  for (const th of document.querySelectorAll("#expenses th[data-sort]")) {
    th.querySelector("button").addEventListener("click", () => {
      const sort = th.dataset.sort;
      const order = state.view.sort === sort && state.view.order === "desc" ? "asc" : "desc";
      setView({ sort, order });
    });
  }
  $("#page-next").addEventListener("click", () => runGuarded(() => turnPage(1)));
  $("#page-prev").addEventListener("click", () => runGuarded(() => turnPage(-1)));
  $("#edit-form").addEventListener("submit", saveEdit);
  $("#edit-currency").addEventListener("change", showEcbRate);
  $("#edit-date").addEventListener("change", showEcbRate);
  $("#edit-cancel").addEventListener("click", () => $("#edit-dialog").close());
  setupSplitEditor();
}
