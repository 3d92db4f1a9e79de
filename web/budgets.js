// Budgets: how each budgeted category (and the whole month) stands against its limit, in the
// month view; and the dialog that sets, changes and clears the limits.
import { api } from "./api.js";
import { $, el } from "./dom.js";
import { amountError, parseAmount } from "./entry.js";
import { money } from "./format.js";
import { categoryById, state } from "./state.js";

let onChanged = async () => {};
let current = { overall: null, categories: [] };

// Below 80%: fine; from 80%: getting close; from 100%: over (or just at) the limit.
function level(percent) {
  if (percent >= 100) return "danger";
  if (percent >= 80) return "warning";
  return "ok";
}

function budgetItem(tag, name, status, color) {
  const over = status.remaining < 0;
  const kind = level(status.percent);
  const left = over ? `${money(-status.remaining)} over` : `${money(status.remaining)} left`;
  return el(tag, { class: `budget budget-${kind}${over ? " over" : ""}` },
    el("div", { class: "budget-line" },
      color ? el("span", { class: "swatch", style: { background: color }, "aria-hidden": "true" }) : null,
      el("span", { class: "budget-name", text: name }),
      el("span", { class: "budget-left", text: over ? `⚠ ${left}` : left })),
    el("span", { class: "budget-track", "aria-hidden": "true" },
      el("span", { class: "budget-bar", style: { width: `${Math.min(100, status.percent)}%` } })),
    el("span", { class: "budget-of muted", text: `${money(status.spent)} of ${money(status.limit)} (${status.percent}%)` }));
}

// Called by month.js with the month's summary.
export function renderBudgets(summary) {
  const overall = summary.overall_budget;
  $("#overall-budget").replaceChildren(...(overall ? [budgetItem("div", "All spending", overall, null)] : []));
  const budgets = summary.budgets || [];
  $("#budget-list").replaceChildren(...budgets.map((b) => {
    const category = categoryById(b.category_id);
    return budgetItem("li", b.category_name, b, category ? category.color : "#6c757d");
  }));
  const none = !overall && !budgets.length;
  $("#budget-list").hidden = !budgets.length;
  $("#open-budgets").textContent = none ? "Set budgets" : "Change budgets";
  $("#open-budgets").setAttribute("aria-label", none ? "Set budgets" : "Change budgets");
}

function fieldRow(key, label, amount) {
  const id = `budget-${key}`;
  return el("div", { class: "field budget-field", "data-key": key },
    el("label", { for: id, text: label }),
    el("input", { id, inputmode: "decimal", autocomplete: "off", placeholder: "No budget",
      value: amount === null || amount === undefined ? "" : String(amount), "aria-describedby": `${id}-error` }),
    el("span", { class: "error", id: `${id}-error` }));
}

async function load({ render = true } = {}) {
  current = await api("/budgets");
  if (!render) return;
  const byCategory = new Map(current.categories.map((b) => [b.category_id, b.amount]));
  $("#budget-fields").replaceChildren(
    fieldRow("overall", "All spending (overall)", current.overall),
    ...state.categories.map((c) => fieldRow(String(c.id), c.name, byCategory.get(c.id))));
}

function say(message, error = "") {
  $("#budgets-status").textContent = message;
  $("#budgets-error").textContent = error;
}

async function save(event) {
  event.preventDefault();
  say("");
  const before = new Map([["overall", current.overall],
    ...current.categories.map((b) => [String(b.category_id), b.amount])]);
  let changed = 0;
  let failed = null;
  for (const row of document.querySelectorAll("#budget-fields .budget-field")) {
    const key = row.dataset.key;
    const input = row.querySelector("input");
    const error = row.querySelector(".error");
    error.textContent = "";
    input.removeAttribute("aria-invalid");
    const text = input.value.trim();
    const old = before.get(key) ?? null;
    const path = `/budgets/${key}`;
    try {
      if (!text) {
        if (old === null) continue;
        await api(path, { method: "DELETE" });
      } else {
        const problem = amountError(text);
        if (problem) throw new Error(problem);
        if (parseAmount(text) === old) continue;
        await api(path, { method: "PUT", body: { amount: parseAmount(text) } });
      }
      changed += 1;
    } catch (problem) {
      error.textContent = problem.message;
      input.setAttribute("aria-invalid", "true");
      failed = failed || input;
    }
  }
  // After a mistake, the fields stay as typed, with the errors next to them, to be corrected.
  await load({ render: !failed }).catch((error) => say("", error.message));
  if (failed) {
    failed.focus();
  } else {
    say(changed ? "Budgets saved." : "Nothing changed.");
  }
  if (changed) await onChanged();
}

export function setupBudgets(changed) {
  onChanged = changed;
  $("#open-budgets").addEventListener("click", async () => {
    say("");
    // The fields are filled in before the dialog shows: typed into earlier, they were
    // overwritten when the budgets arrived a moment later.
    try {
      await load();
    } catch (error) {
      say("", error.message);
    }
    $("#budgets-dialog").showModal();
    const first = $("#budget-fields input");
    if (first) first.focus();
  });
  $("#budgets-form").addEventListener("submit", save);
}
