// Display currency and first day of the week, kept in the database through /settings.
import { ApiError, api, stream } from "./api.js";
import { $, el } from "./dom.js";
import { plural } from "./format.js";
import { toast } from "./toast.js";
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
  $("#settings-convert").checked = true;
  $("#settings-progress-box").hidden = true;
  $("#settings-dialog").showModal();
}

// The home amounts recomputed so far, as the API streams them (a million expenses take seconds).
function progress(event) {
  const bar = $("#settings-progress");
  let text = `${event.phase}…`;
  if (event.total > 1 && event.done < event.total) {
    bar.max = event.total;
    bar.value = event.done;
    text = `${event.phase}: ${event.done.toLocaleString()} of ${plural(event.total, "expense")}`;
  } else {
    bar.removeAttribute("value");
  }
  $("#settings-progress-text").textContent = text;
}

// While it runs, the dialog stays as it is: nothing to change, nothing to close.
function lock(locked) {
  for (const control of $("#settings-form").querySelectorAll("select, input, button")) control.disabled = locked;
  $("#settings-progress-box").hidden = !locked;
}

let saving = false;

async function changeHome(home) {
  lock(true);
  progress({ phase: "Starting", done: 0, total: 0 });
  try {
    const last = await stream("/settings/home-currency", { method: "POST", body: { currency: home } },
      (line) => line.phase && progress(line));
    if (last && last.error) throw new ApiError(last.error, last.status);
    if (!last || !last.result) throw new ApiError("The change ended without an answer; open the settings again to see the home currency.", 0);
    return last.result;
  } finally {
    lock(false);
  }
}

async function save(event) {
  event.preventDefault();
  if (saving) return;
  const home = $("#settings-currency").value;
  let changed = null;
  saving = true;
  try {
    // A new home currency keeps every expense's money and recomputes the home amounts: one undoable step.
    const convert = $("#settings-convert").checked;
    if (home !== state.settings.currency && convert) changed = await changeHome(home);
    state.settings = await api("/settings", {
      method: "PUT",
      body: convert ? { week_start: Number($("#settings-week-start").value) }
        : { currency: home, week_start: Number($("#settings-week-start").value) },
    });
  } catch (error) {
    $("#settings-error").textContent = error.message;
    return;
  } finally {
    saving = false;
  }
  $("#settings-dialog").close();
  if (changed && changed.change_id) {
    toast(`The home currency is now ${changed.currency}: ${plural(changed.expenses, "expense")} recomputed at the ECB rate of their date.`, {
      label: "Undo",
      run: async () => {
        await api("/settings/home-currency/undo", { method: "POST" });
        await loadSettings();
        await onChanged();
      },
    });
  }
  await onChanged();
}

export function setupSettings(changed) {
  onChanged = changed;
  $("#open-settings").addEventListener("click", open);
  $("#settings-form").addEventListener("submit", save);
  // Escape would close the dialog while the change runs: it finishes, and says so, first.
  $("#settings-dialog").addEventListener("cancel", (event) => {
    if (saving) event.preventDefault();
  });
}

// Which file this window shows (from /health), in the title and the footer, so that two windows on
// two files can be told apart.
export function showDatabase(health) {
  if (!health || !health.file) return;
  document.title = `Expense Tracker — ${health.file}`;
  const where = health.folder ? `${health.file} in the folder ${health.folder}` : health.file;
  $("#footer").prepend(`File: ${where} · `);
}
