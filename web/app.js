// Wires the views together: load, redraw on change, keep the banner honest.
import { api, query } from "./api.js";
import { setupBackups } from "./backups.js";
import { setupBudgets } from "./budgets.js";
import { setupBulk } from "./bulk.js";
import { loadCategories, setupCategories } from "./categories.js";
import { $, categoryOptions, tabOutOfDateFields, wrapTabInTheWindow } from "./dom.js";
import { focusEntry, renderEntryCategories, renderEntryCurrencies, setupEntry } from "./entry.js";
import { isoDay, shiftMonth, weekStart } from "./format.js";
import { setupImport } from "./import.js";
import { loadMonth } from "./month.js";
import { setupRecurring } from "./recurring.js";
import { setupReplica } from "./replica.js";
import { openReport, setupReport } from "./report.js";
import { setupRules } from "./rules.js";
import { renderSearch, setupSearch } from "./search.js";
import { loadSettings, setupSettings, showDatabase } from "./settings.js";
import { setupShortcuts } from "./shortcuts.js";
import { renderTagFilters, setupTagFilters } from "./tags.js";
import { inMonthMode, monthRange, monthView, onViewChange, openedOnChosenDates, presetView, setView, state, thisMonth } from "./state.js";
import { loadExpenses, resetPaging, setupTable } from "./table.js";
import { setupTrash } from "./trash.js";
import { runToastUndo, toast } from "./toast.js";
import { waitForUpgrade } from "./upgrade.js";

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
  const allDates = !state.view.from && !state.view.to;
  $("#filter-all").setAttribute("aria-pressed", String(allDates));
  $("#filter-month").setAttribute("aria-pressed", String(inMonthMode() && state.view.month === thisMonth()));
  renderTagFilters();
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
  const { q, from, to, category, tag } = state.view;
  // The window's export carries the currency columns (currency, home_amount, rate).
  const params = query({ q: q.trim(), date_from: from, date_to: to, category_id: category, tag, columns: "currency" });
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
  const apply = () => {
    let from = $("#filter-from").value;
    let to = $("#filter-to").value;
    // In month mode the other end of the range is the month's, not the person's: a date typed
    // past it leaves it open rather than making an impossible range.
    if (inMonthMode() && from && to && from > to) {
      if (from !== state.view.from) to = "";
      else from = "";
    }
    setView({ from, to, category: $("#filter-category").value });
  };
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
  // Back to the list as it opens: the month shown, no search, every category.
  $("#filter-clear").addEventListener("click", () => setView({ q: "", category: "", tag: [], ...monthRange(state.view.month) }));
  $("#filter-all").addEventListener("click", () => setView({ from: "", to: "" }));
  $("#filter-week").addEventListener("click", () => setView({ from: isoDay(weekStart()), to: isoDay(new Date()) }));
  $("#filter-month").addEventListener("click", () => setView(monthView(thisMonth())));
}

// A file whose current month is empty opens on the latest month with expenses (up to this one;
// else the latest of all), unless the address chose the month or the dates.
async function openOnLatestMonth() {
  if (openedOnChosenDates) return;
  const month = thisMonth();
  const { to } = monthRange(month);
  let [latest] = await api(`/expenses${query({ date_to: to, limit: 1 })}`);
  if (!latest) [latest] = await api(`/expenses${query({ limit: 1 })}`);
  if (latest && latest.date.slice(0, 7) !== month) presetView(monthView(latest.date.slice(0, 7)));
}

async function start() {
  // An older or large file: its upgrade's progress, until the data can be read.
  const health = await waitForUpgrade();
  $("#footer").textContent = `API on ${location.origin} · docs at ${location.origin}/docs`;
  for (const button of document.querySelectorAll("dialog .close-dialog")) {
    button.addEventListener("click", () => button.closest("dialog").close());
  }
  const ready = await guarded(async () => {
    showDatabase(health && health.status !== "upgrading" ? health : await api("/health"));
    await Promise.all([loadCategories(), loadSettings(), openOnLatestMonth()]);
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
  setupBulk(async () => { resetPaging(); await refreshAll(); });
  setupCategories(afterCategoriesChanged);
  setupSettings(async () => { renderEntryCurrencies(); await refreshAll(); });
  setupTrash(reloadEverything);
  setupBackups(reloadEverything);
  setupImport(reloadEverything);
  setupFilters();
  setupSearch();
  setupTagFilters();
  setupBudgets(() => guarded(loadMonth));
  setupRecurring(refreshAll);
  setupRules(refreshAll);
  setupReport();
  setupReplica(reloadEverything);
  tabOutOfDateFields();
  wrapTabInTheWindow();
  setupShortcuts({
    newExpense: focusEntry,
    focusFilters: () => $("#filter-from").focus(),
    focusSearch: () => $("#search").focus(),
    previousMonth: () => setView(monthView(shiftMonth(state.view.month, -1))),
    nextMonth: () => setView(monthView(shiftMonth(state.view.month, 1))),
    undo: runToastUndo,
    openReport,
  });
  $("#prev-month").addEventListener("click", () => setView(monthView(shiftMonth(state.view.month, -1))));
  $("#next-month").addEventListener("click", () => setView(monthView(shiftMonth(state.view.month, 1))));
  $("#export").addEventListener("click", exportCsv);
  $("#open-shortcuts").addEventListener("click", () => $("#shortcuts-dialog").showModal());
  onViewChange(async (changes) => {
    renderFilters();
    // The list's summary names the month in month mode, so a new month redraws it too.
    const listChanged = ["q", "from", "to", "category", "tag", "sort", "order", "month"].some((key) => key in changes);
    if (listChanged) resetPaging();
    await guarded(async () => {
      await Promise.all([listChanged ? loadExpenses() : null, "month" in changes ? loadMonth() : null]);
    });
  });
  renderEntryCategories();
  renderEntryCurrencies();
  renderFilters();
  const loaded = await refreshAll();
  document.body.dataset.loaded = loaded ? "true" : "error";
  focusEntry();
}

start();
