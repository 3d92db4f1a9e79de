// The month view: total, count, spending by category, and the last 12 months.
import { api, query } from "./api.js";
import { renderBudgets } from "./budgets.js";
import { $, el } from "./dom.js";
import { money, moneyIn, monthName, shiftMonth, shortMonth } from "./format.js";
import { monthRange, monthView, setView, state } from "./state.js";

export async function loadMonth() {
  const month = state.view.month;
  const [summary, trend] = await Promise.all([
    api(`/summary${query({ month })}`),
    api(`/summary/months${query({ from: shiftMonth(month, -11), to: month })}`),
  ]);
  if (month !== state.view.month) return;
  $("#month-label").textContent = monthName(month);
  $("#month-heading").textContent = monthName(month);
  $("#month-total").textContent = money(summary.total);
  $("#month-count").textContent = `${summary.count.toLocaleString()} expense${summary.count === 1 ? "" : "s"}`;
  renderChart(summary);
  renderCurrencies(summary);
  renderBudgets(summary);
  renderTrend(trend);
}

function renderChart(summary) {
  const largest = Math.max(...summary.by_category.map((c) => c.total), 0);
  const items = summary.by_category.map((entry) => {
    const category = state.categories.find((c) => c.name === entry.category_name);
    const share = largest ? (entry.total / largest) * 100 : 0;
    return el("li", {},
      el("button", {
        type: "button",
        class: "bar-button",
        "aria-label": `${entry.category_name}: ${money(entry.total)}, ${entry.count.toLocaleString()} expense${entry.count === 1 ? "" : "s"}. Show only ${entry.category_name}`,
        onclick: () => category && showCategoryInMonth(category.id),
      },
      el("span", { class: "bar-label", text: entry.category_name }),
      el("span", { class: "bar-track" },
        el("span", { class: "bar", style: { width: `${share}%`, background: category ? category.color : "#6c757d" } })),
      el("span", { class: "bar-value", text: money(entry.total) })));
  });
  $("#month-chart").replaceChildren(...(items.length ? items : [el("li", { class: "muted", text: "Nothing spent this month yet." })]));
}

// What was spent in each currency, when some of the month was in another than the home one.
function renderCurrencies(summary) {
  const list = $("#month-currencies");
  const spent = summary.by_currency || [];
  list.hidden = spent.length === 0;
  list.replaceChildren(...spent.map((entry) => el("li", {
    text: entry.currency === state.settings.currency
      ? `${money(entry.amount)} in ${entry.currency}`
      : `${moneyIn(entry.amount, entry.currency)} in ${entry.currency} (${money(entry.home_amount)})`,
  })));
}

function showCategoryInMonth(categoryId) {
  setView({ category: String(categoryId), ...monthRange(state.view.month) });
}

function renderTrend(months) {
  const largest = Math.max(...months.map((m) => m.total), 0);
  $("#trend").replaceChildren(...months.map((entry) => el("li", {},
    el("button", {
      type: "button",
      class: entry.month === state.view.month ? "trend-bar current" : "trend-bar",
      // The name contains the visible "Apr", so that it can be spoken to voice control too.
      "aria-label": `${shortMonth(entry.month)} ${entry.month.slice(0, 4)}: ${money(entry.total)}`,
      title: `${monthName(entry.month)}: ${money(entry.total)}`,
      onclick: () => setView(monthView(entry.month)),
    },
    el("span", { class: "column", style: { height: `${largest ? Math.max(2, (entry.total / largest) * 100) : 2}%` } }),
    el("span", { class: "trend-label", text: shortMonth(entry.month) })))));
}
