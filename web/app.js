import { api } from "./api.js";

const money = new Intl.NumberFormat(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 2 });

function showBanner(message) {
  const banner = document.getElementById("banner");
  banner.textContent = message;
  banner.hidden = false;
}

function cell(text, className) {
  const td = document.createElement("td");
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

function renderExpenses(expenses, colors) {
  const body = document.querySelector("#expenses tbody");
  body.replaceChildren(
    ...expenses.map((expense) => {
      const row = document.createElement("tr");
      const category = cell(expense.category_name);
      const swatch = document.createElement("span");
      swatch.className = "swatch";
      swatch.style.background = colors.get(expense.category_id) || "#6c757d";
      category.prepend(swatch);
      row.append(
        cell(expense.date),
        cell(expense.description),
        category,
        cell(money.format(expense.amount), "num"),
      );
      return row;
    }),
  );
  document.getElementById("empty").hidden = expenses.length > 0;
}

async function load() {
  document.getElementById("footer").textContent = `API on ${location.origin} · docs at ${location.origin}/docs`;
  try {
    await api("/health");
    const [expenses, categories] = await Promise.all([api("/expenses?limit=100"), api("/categories")]);
    const colors = new Map(categories.map((c) => [c.id, c.color]));
    renderExpenses(expenses, colors);
    const today = new Date();
    const month = `${today.getFullYear()}-${String(today.getMonth() + 1).padStart(2, "0")}`;
    const summary = await api(`/summary?month=${month}`);
    document.getElementById("month-total").textContent =
      `This month: ${money.format(summary.total)} in ${summary.count} expense${summary.count === 1 ? "" : "s"}`;
    document.body.dataset.loaded = "true";
  } catch (error) {
    showBanner(error.message);
    document.body.dataset.loaded = "error";
  }
}

load();
