// Display currency and first day of the week, kept in the database through /settings.
import { api } from "./api.js";
import { $, el } from "./dom.js";
import { state } from "./state.js";

const COMMON = ["USD", "EUR", "GBP", "JPY", "CHF", "CAD", "AUD", "CNY", "INR", "BRL", "SEK", "NOK", "DKK", "PLN", "CZK", "MXN"];
const WEEKDAYS = [[1, "Monday"], [6, "Saturday"], [7, "Sunday"]];

let onChanged = async () => {};

export async function loadSettings() {
  state.settings = await api("/settings");
}

function currencies() {
  const all = typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("currency") : [];
  return [...new Set([...COMMON, ...all, state.settings.currency])];
}

function open() {
  const names = typeof Intl.DisplayNames === "function" ? new Intl.DisplayNames(undefined, { type: "currency" }) : null;
  $("#settings-currency").replaceChildren(...currencies().map((code) =>
    el("option", { value: code, text: names ? `${code} — ${names.of(code)}` : code })));
  $("#settings-currency").value = state.settings.currency;
  $("#settings-week-start").replaceChildren(...WEEKDAYS.map(([number, name]) => el("option", { value: String(number), text: name })));
  $("#settings-week-start").value = String(state.settings.week_start);
  $("#settings-error").textContent = "";
  $("#settings-dialog").showModal();
}

async function save(event) {
  event.preventDefault();
  try {
    state.settings = await api("/settings", {
      method: "PUT",
      body: { currency: $("#settings-currency").value, week_start: Number($("#settings-week-start").value) },
    });
  } catch (error) {
    $("#settings-error").textContent = error.message;
    return;
  }
  $("#settings-dialog").close();
  await onChanged();
}

export function setupSettings(changed) {
  onChanged = changed;
  $("#open-settings").addEventListener("click", open);
  $("#settings-form").addEventListener("submit", save);
}

// Which file this window shows (from /health), in the title and the footer, so that two windows on
// two files can be told apart.
export function showDatabase(health) {
  if (!health || !health.file) return;
  document.title = `Expense Tracker — ${health.file}`;
  const where = health.folder ? `${health.file} in the folder ${health.folder}` : health.file;
  $("#footer").prepend(`File: ${where} · `);
}
