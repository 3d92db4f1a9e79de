// Wires the views together: load, redraw on change, keep the banner honest.
import { api, query } from "./api.js";
import { setupBackups } from "./backups.js";
import { setupBudgets } from "./budgets.js";
import { loadCategories, setupCategories } from "./categories.js";
import { $, categoryOptions, tabOutOfDateFields } from "./dom.js";
import { focusEntry, renderEntryCategories, setupEntry } from "./entry.js";
import { isoDay, shiftMonth, weekStart } from "./format.js";
import { setupImport } from "./import.js";
import { loadMonth } from "./month.js";
import { setupRecurring } from "./recurring.js";
import { renderSearch, setupSearch } from "./search.js";
import { loadSettings, setupSettings } from "./settings.js";
import { setupShortcuts } from "./shortcuts.js";
import { onViewChange, setView, state, thisMonth } from "./state.js";
import { loadExpenses, resetPaging, setupTable } from "./table.js";
import { setupTrash } from "./trash.js";
import { runToastAction, toast } from "./toast.js";

function showBanner(message) {
  $("#banner").textContent = message;
  $("#banner").hidden = !message;
}

async function guarded(work) {
  try {
    await work();
    showBanner("");
    return true;
  } catch (error) {
    showBanner(error.message);
    return false;
  }
}

function renderFilters() {
  renderSearch();
  // A date field being typed in keeps what the person typed (rewriting it would reset its parts).
  for (const [id, value] of [["#filter-from", state.view.from], ["#filter-to", state.view.to]]) {
    if (document.activeElement !== $(id)) $(id).value = value;
  }
  categoryOptions($("#filter-category"), state.categories, { all: "All categories", selected: state.view.category });
}

async function refreshAll() {
  return guarded(async () => {
    await Promise.all([loadExpenses(), loadMonth()]);
  });
}

async function afterCategoriesChanged() {
  await guarded(loadCategories);
  renderEntryCategories();
  renderFilters();
  await refreshAll();
}

// After a restore or an import, anything may have changed: categories and settings too.
async function reloadEverything() {
  await guarded(() => Promise.all([loadCategories(), loadSettings()]));
  renderEntryCategories();
  renderFilters();
  resetPaging();
  await refreshAll();
}

async function exportCsv() {
  const { q, from, to, category } = state.view;
  const params = query({ q: q.trim(), date_from: from, date_to: to, category_id: category });
  const desktop = window.pywebview && window.pywebview.api && window.pywebview.api.save_export;
  if (desktop) {
    // In the app window the file is written by the app itself, after a native save dialog.
    const result = await window.pywebview.api.save_export(params);
    if (result && result.error) toast(result.error);
    else if (result && result.path) {
      toast(`Saved ${result.rows.toLocaleString()} expense${result.rows === 1 ? "" : "s"} to ${result.path}`);
    }
    return;
  }
  const link = document.createElement("a");
  link.href = `/expenses/export${params}`;
  link.download = "expenses.csv";
  document.body.append(link);
  link.click();
  link.remove();
}

function setupFilters() {
  const apply = () => setView({
    from: $("#filter-from").value,
    to: $("#filter-to").value,
    category: $("#filter-category").value,
  });
  // A typed date passes through 0002, 0020, 0202 on its way to 2025: the list follows once typing
  // pauses, or at once when the field is left.
  let dateTimer = null;
  const applyDates = () => {
    if (dateTimer === null) return;
    clearTimeout(dateTimer);
    dateTimer = null;
    apply();
  };
  for (const id of ["#filter-from", "#filter-to"]) {
    $(id).addEventListener("change", () => {
      clearTimeout(dateTimer);
      dateTimer = setTimeout(applyDates, 400);
    });
    $(id).addEventListener("blur", applyDates);
  }
  $("#filter-category").addEventListener("change", apply);
  $("#filter-clear").addEventListener("click", () => setView({ q: "", from: "", to: "", category: "" }));
  $("#filter-week").addEventListener("click", () => setView({ from: isoDay(weekStart()), to: isoDay(new Date()) }));
  $("#filter-month").addEventListener("click", () => {
    const today = new Date();
    setView({ from: isoDay(new Date(today.getFullYear(), today.getMonth(), 1)), to: isoDay(today), month: thisMonth() });
  });
}

async function start() {
  const { waitForUpgrade } = await import("./upgrade.js");
  await waitForUpgrade(); // an older or large file: its upgrade's progress, until the data can be read
  $("#footer").textContent = `API on ${location.origin} · docs at ${location.origin}/docs`;
  for (const button of document.querySelectorAll("dialog .close-dialog")) {
    button.addEventListener("click", () => button.closest("dialog").close());
  }
  const ready = await guarded(async () => {
    await api("/health");
    await Promise.all([loadCategories(), loadSettings()]);
  });
  if (!ready) {
    document.body.dataset.loaded = "error";
    setTimeout(() => location.reload(), 5000);
    return;
  }
  setupEntry(async () => {
    resetPaging();
    await refreshAll();
  });
  setupTable(async () => {
    await refreshAll();
  }, guarded);
  setupCategories(afterCategoriesChanged);
  setupSettings(refreshAll);
  setupTrash(reloadEverything);
  setupBackups(reloadEverything);
  setupImport(reloadEverything);
  setupFilters();
  setupSearch();
  setupBudgets(() => guarded(loadMonth));
  setupRecurring(refreshAll);
  tabOutOfDateFields();
  setupShortcuts({
    newExpense: focusEntry,
    focusFilters: () => $("#filter-from").focus(),
    focusSearch: () => $("#search").focus(),
    previousMonth: () => setView({ month: shiftMonth(state.view.month, -1) }),
    nextMonth: () => setView({ month: shiftMonth(state.view.month, 1) }),
    undo: runToastAction,
  });
  $("#prev-month").addEventListener("click", () => setView({ month: shiftMonth(state.view.month, -1) }));
  $("#next-month").addEventListener("click", () => setView({ month: shiftMonth(state.view.month, 1) }));
  $("#export").addEventListener("click", exportCsv);
  $("#open-shortcuts").addEventListener("click", () => $("#shortcuts-dialog").showModal());
  onViewChange(async (changes) => {
    renderFilters();
    const listChanged = ["q", "from", "to", "category", "sort", "order"].some((key) => key in changes);
    if (listChanged) resetPaging();
    await guarded(async () => {
      await Promise.all([listChanged ? loadExpenses() : null, "month" in changes ? loadMonth() : null]);
    });
  });
  renderEntryCategories();
  renderFilters();
  const loaded = await refreshAll();
  document.body.dataset.loaded = loaded ? "true" : "error";
  focusEntry();
}

start();
