// A year at a glance: spending by category × month for a period of months (default the last 12),
// as a stacked bar chart (SVG drawn here) and a table, exportable as CSV.
import { api, query } from "./api.js";
import { $, el } from "./dom.js";
import { money, monthName, shiftMonth, shortMonth } from "./format.js";
import { state, thisMonth } from "./state.js";
import { toast } from "./toast.js";

const SVG = "http://www.w3.org/2000/svg";
const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;
let period = null; // {from, to} of the report shown

function svg(tag, attributes = {}, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

const monthTitle = (month) => `${shortMonth(month)} ${month.slice(0, 4)}`;

// The table's amounts without the currency sign (the summary line names the currency), so that
// 12 months and the totals fit across; with the currency's decimals.
function plain(amount) {
  let digits = 2;
  try {
    digits = new Intl.NumberFormat("en", { style: "currency", currency: state.settings.currency }).resolvedOptions().maximumFractionDigits;
  } catch { /* not a currency Intl knows: 2 */ }
  return amount.toLocaleString(undefined, { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function monthsBetween(from, to) {
  const [a, b] = [from, to].map((month) => Number(month.slice(0, 4)) * 12 + Number(month.slice(5, 7)));
  return b - a + 1;
}

function renderChart(report) {
  const width = 1000;
  const height = 240;
  const top = 18;
  const bottom = 34;
  const left = 8;
  const plot = height - top - bottom;
  const slot = (width - left * 2) / report.months.length;
  const bar = Math.max(2, Math.min(44, slot * 0.7));
  const largest = Math.max(...report.month_totals, 0);
  const step = [1, 2, 3, 6, 12].find((months) => slot * months >= 40) || 12;
  const chart = svg("svg", {
    viewBox: `0 0 ${width} ${height}`, class: "report-chart", role: "img",
    "aria-label": `Spending by month and category, ${monthTitle(report.from)} to ${monthTitle(report.to)}; the table below has the numbers.`,
  });
  chart.append(svg("line", { x1: left, x2: width - left, y1: top + plot, y2: top + plot, class: "axis" }));
  report.months.forEach((month, index) => {
    const x = left + index * slot + (slot - bar) / 2;
    let y = top + plot;
    // Largest row at the bottom of each bar, as the rows are ordered in the table.
    report.rows.forEach((row) => {
      const amount = row.totals[index];
      if (!amount) return;
      const size = (amount / largest) * plot;
      y -= size;
      chart.append(svg("rect", { x, y, width: bar, height: Math.max(size, 0.5), fill: row.color || "#6c757d" },
        svg("title", {}, `${row.name}, ${monthName(month)}: ${money(amount)}`)));
    });
    // Every month's name when there is room; else every 2nd, 3rd, 6th month, or each January.
    const number = Number(month.slice(5, 7));
    if ((number - 1) % step) return;
    const center = left + index * slot + slot / 2;
    const year = month.slice(0, 4);
    const label = step === 12 ? [year] : number === 1 || index === 0 ? [shortMonth(month), year] : [shortMonth(month)];
    label.forEach((line, row) => chart.append(
      svg("text", { x: center, y: top + plot + 13 + row * 12, class: "month-label" }, line)));
  });
  if (largest) {
    const peak = report.month_totals.indexOf(largest);
    const x = Math.min(Math.max(left + peak * slot + slot / 2, left + 40), width - left - 40);
    chart.append(svg("text", { x, y: top - 5, class: "peak-label" }, money(largest)));
  }
  return chart;
}

function renderLegend(report) {
  return el("ul", { class: "report-legend", "aria-hidden": "true" }, ...report.rows.map((row) =>
    el("li", {}, el("span", { class: "swatch", style: { background: row.color || "#6c757d" } }), row.name)));
}

function renderTable(report) {
  const amountCells = (amounts) => amounts.map((amount) => el("td", { class: amount ? "num" : "num zero", text: plain(amount) }));
  const head = el("tr", {},
    el("th", { scope: "col", text: report.by === "tag" ? "Tag" : "Category" }),
    ...report.months.map((month) => el("th", { scope: "col", class: "num" },
      el("abbr", { title: monthName(month) }, shortMonth(month), " ", el("span", { class: "year", text: month.slice(0, 4) })))),
    el("th", { scope: "col", class: "num", text: "Total" }));
  const rows = report.rows.map((row) => el("tr", {},
    el("th", { scope: "row" }, el("span", { class: "swatch", style: { background: row.color || "#6c757d" } }), row.name),
    ...amountCells(row.totals),
    el("td", { class: "num total", text: plain(row.total) })));
  const foot = el("tr", {},
    el("th", { scope: "row", text: "Total" }),
    ...amountCells(report.month_totals),
    el("td", { class: "num total", text: plain(report.total) }));
  return el("table", { id: "report-table", "aria-labelledby": "report-caption" },
    el("caption", { id: "report-caption", class: "visually-hidden",
      text: `Spending by ${report.by} and month, ${monthName(report.from)} to ${monthName(report.to)}` }),
    el("thead", {}, head), el("tbody", {}, ...rows), el("tfoot", {}, foot));
}

// Loads in the order asked: one answering after a later one was shown must not replace it.
let loading = 0;
let shown = 0;

async function load(from, to) {
  $("#report-error").textContent = "";
  // The fields show the period asked for at once: typing a new one while a report loads is not undone.
  $("#report-from").value = from;
  $("#report-to").value = to;
  $("#report-from").removeAttribute("aria-invalid");
  $("#report-to").removeAttribute("aria-invalid");
  const mine = ++loading;
  let report;
  try {
    report = await api(`/report${query({ from, to, by: $("#report-by").value })}`);
  } catch (error) {
    if (mine === loading) $("#report-error").textContent = error.message;
    return;
  }
  if (mine < shown) return;
  shown = mine;
  period = { from: report.from, to: report.to, by: report.by };
  const count = report.months.length;
  $("#report-summary").textContent = `${money(report.total)} from ${monthName(report.from)} to ${monthName(report.to)}`
    + ` (${count} month${count === 1 ? "" : "s"}); amounts in ${state.settings.currency}`
    + (report.by === "tag" ? "; an expense with two tags is in both rows" : "");
  $("#report-chart").replaceChildren(report.rows.length
    ? renderChart(report)
    : el("p", { class: "muted", text: "Nothing was spent in these months." }), renderLegend(report));
  $("#report-table-wrap").replaceChildren(renderTable(report));
}

function chosenPeriod() {
  const from = $("#report-from").value.trim();
  const to = $("#report-to").value.trim();
  for (const [field, value, name] of [["#report-from", from, "From"], ["#report-to", to, "To"]]) {
    if (!MONTH.test(value)) {
      $("#report-error").textContent = `${name} must be a month written as YYYY-MM, for example ${thisMonth()}.`;
      $(field).setAttribute("aria-invalid", "true");
      $(field).focus();
      return null;
    }
  }
  return { from, to };
}

function shift(direction) {
  if (!period) return;
  const length = monthsBetween(period.from, period.to);
  load(shiftMonth(period.from, direction * length), shiftMonth(period.to, direction * length));
}

async function exportCsv() {
  if (!period) return;
  const params = query(period);
  const desktop = window.pywebview && window.pywebview.api && window.pywebview.api.save_report;
  if (desktop) {
    // In the app window the file is written by the app itself, after a native save dialog.
    const result = await window.pywebview.api.save_report(params);
    if (result && result.error) toast(result.error);
    else if (result && result.path) toast(`Saved the report to ${result.path}`);
    return;
  }
  const link = document.createElement("a");
  link.href = `/report/export${params}`;
  link.download = `report-${period.from}-to-${period.to}.csv`;
  document.body.append(link);
  link.click();
  link.remove();
}

export async function openReport() {
  const dialog = $("#report-dialog");
  if (dialog.open) return;
  $("#report-error").textContent = "";
  dialog.showModal();
  await load(shiftMonth(thisMonth(), -11), thisMonth());
}

export function setupReport() {
  $("#open-report").addEventListener("click", openReport);
  $("#report-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const chosen = chosenPeriod();
    if (chosen) load(chosen.from, chosen.to);
  });
  $("#report-earlier").addEventListener("click", () => shift(-1));
  $("#report-later").addEventListener("click", () => shift(1));
  $("#report-last-12").addEventListener("click", () => load(shiftMonth(thisMonth(), -11), thisMonth()));
  $("#report-export").addEventListener("click", exportCsv);
  $("#report-by").addEventListener("change", () => {
    if (period) load(period.from, period.to);
  });
}
