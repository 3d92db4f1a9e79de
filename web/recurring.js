// Recurring expenses: the templates (with their schedule in words), each to edit, pause or resume;
// a form to add one (the same form edits one); and the next 30 days' dates, each to skip or to post now.
import { api } from "./api.js";
import { confirmAction } from "./confirm.js";
import { $, categoryOptions, clearErrors, el, showFieldError, unlessFocusMoves } from "./dom.js";
import { amountError, parseAmount } from "./entry.js";
import { day, isoDay, money, plural } from "./format.js";
import { categoryById, state } from "./state.js";

let onChanged = async () => {};
let editing = null; // the template the form edits, or null: the form adds one
const UNITS = { daily: "day", weekly: "week", monthly: "month", yearly: "year" };
const weekdayFormat = new Intl.DateTimeFormat("en-US", { weekday: "long", timeZone: "UTC" });
const monthDayFormat = new Intl.DateTimeFormat("en-US", { month: "long", day: "numeric", timeZone: "UTC" });

const monthDayShort = new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric", timeZone: "UTC" });

const utc = (iso) => new Date(`${iso}T00:00:00Z`);

export function ordinal(number) {
  const tens = number % 100;
  const suffix = tens >= 11 && tens <= 13 ? "th" : { 1: "st", 2: "nd", 3: "rd" }[number % 10] || "th";
  return `${number}${suffix}`;
}

// "Monthly on the 31st (last day in shorter months)", "Every 2 weeks on Monday", ….
export function scheduleInWords(rule) {
  const unit = UNITS[rule.frequency];
  const every = rule.interval === 1
    ? { daily: "Daily", weekly: "Weekly", monthly: "Monthly", yearly: "Yearly" }[rule.frequency]
    : `Every ${rule.interval} ${unit}s`;
  let when = "";
  if (rule.frequency === "weekly") when = ` on ${weekdayFormat.format(utc(rule.start_date))}`;
  if (rule.frequency === "monthly") {
    const dayOfMonth = rule.day_of_month || Number(rule.start_date.slice(8, 10));
    when = ` on the ${ordinal(dayOfMonth)}${dayOfMonth >= 29 ? " (last day in shorter months)" : ""}`;
  }
  if (rule.frequency === "yearly") when = ` on ${monthDayFormat.format(utc(rule.start_date))}`;
  const until = rule.end_date ? `, until ${day(rule.end_date)}` : "";
  return `${every}${when}${until}`;
}

const lowerFirst = (text) => text.charAt(0).toLowerCase() + text.slice(1);

function say(message, error = "") {
  $("#recurring-status").textContent = message;
  $("#recurring-list-error").textContent = error;
}

function swatch(categoryId) {
  const category = categoryById(categoryId);
  return el("span", { class: "swatch", style: { background: category ? category.color : "#6c757d" }, "aria-hidden": "true" });
}

// "Posted 3 past expenses (Oct 1, Nov 1, Dec 1, 2025), €30.00 in all." or "" when nothing was posted.
export function postedInWords(posted) {
  if (!posted || !posted.length) return "";
  const oneYear = posted.every((item) => item.date.slice(0, 4) === posted[0].date.slice(0, 4));
  // One year: "Oct 1, Nov 1, Dec 1, 2025"; across years each date says its year ("Dec 1, 2025; Jan 1, 2026").
  let days = posted.map((item) => (oneYear ? monthDayShort.format(utc(item.date)) : day(item.date)));
  if (days.length > 6) days = [...days.slice(0, 3), "…", ...days.slice(-2)];
  if (oneYear) days[days.length - 1] += `, ${posted[0].date.slice(0, 4)}`;
  const cents = posted.reduce((sum, item) => sum + Math.round(item.amount * 100), 0);
  return `Posted ${plural(posted.length, "past expense")} (${days.join(oneYear ? ", " : "; ")}), ${money(cents / 100)} in all.`;
}

function templateRow(rule) {
  const next = rule.paused ? `Paused since ${day(rule.paused_on)}` : rule.next_date ? day(rule.next_date) : "Ended";
  return el("tr", { "data-id": String(rule.id), class: rule.paused ? "paused" : "" },
    el("td", { class: "description", text: rule.description }),
    el("td", { class: "num", text: money(rule.amount) }),
    el("td", { class: "nowrap" }, swatch(rule.category_id), rule.category_name),
    el("td", { class: "schedule", text: scheduleInWords(rule) }),
    el("td", { class: "nowrap next", text: next }),
    el("td", { class: "row-actions" },
      el("button", { type: "button", class: "link", text: "Edit", "data-action": "edit",
        "aria-label": `Edit recurring ${rule.description}`, onclick: () => startEdit(rule) }),
      el("button", { type: "button", class: "link", text: rule.paused ? "Resume" : "Pause",
        "data-action": "pause",
        "aria-label": `${rule.paused ? "Resume" : "Pause"} recurring ${rule.description}`,
        onclick: () => (rule.paused ? resume(rule) : pause(rule)) }),
      el("button", { type: "button", class: "link danger", text: "Delete",
        "aria-label": `Delete recurring ${rule.description}`, onclick: () => remove(rule) })));
}

// Focus the row's button for `action` after the table was drawn again, else the dialog's Close.
function focusRow(id, action) {
  const button = document.querySelector(`#recurring-table tr[data-id="${id}"] button[data-action="${action}"]`);
  (button || $("#recurring-dialog .close-dialog")).focus();
}

async function pause(rule) {
  say("");
  try {
    await api(`/recurring/${rule.id}/pause`, { method: "POST" });
  } catch (error) {
    say("", error.message);
    return;
  }
  say(`Paused “${rule.description}”: nothing is posted until you resume it.`);
  await load().catch((error) => say("", error.message));
  focusRow(rule.id, "pause");
}

async function resume(rule) {
  say("");
  let resumed;
  try {
    resumed = await api(`/recurring/${rule.id}/resume`, { method: "POST" });
  } catch (error) {
    say("", error.message);
    return;
  }
  const skipped = resumed.skipped.length
    ? ` ${plural(resumed.skipped.length, "date")} that fell due while paused ${resumed.skipped.length === 1 ? "was" : "were"} skipped (${resumed.skipped.map(day).join("; ")}).`
    : "";
  const posted = postedInWords(resumed.posted);
  say(`Resumed “${rule.description}”${resumed.next_date ? `; next on ${day(resumed.next_date)}` : ""}.${skipped}${posted ? ` ${posted}` : ""}`);
  await Promise.all([load().catch((error) => say("", error.message)), resumed.posted.length ? onChanged() : null]);
  focusRow(rule.id, "pause");
}

function upcomingRow(item) {
  const skipped = item.status === "skipped";
  const name = `${item.description} on ${day(item.date)}`;
  return el("tr", { class: skipped ? "skipped" : "", "data-date": item.date },
    el("td", { class: "nowrap", text: day(item.date) }),
    el("td", { class: "description" }, swatch(item.category_id), item.description),
    el("td", { class: "num", text: money(item.amount) }),
    el("td", { class: "nowrap", text: skipped ? "Skipped" : "Scheduled" }),
    el("td", { class: "row-actions" },
      skipped ? null : el("button", { type: "button", class: "link", text: "Skip", "aria-label": `Skip ${name}`,
        onclick: () => occurrence(item, "skip") }),
      el("button", { type: "button", class: "link", text: "Post now", "aria-label": `Post now: ${name}`,
        onclick: () => occurrence(item, "post") })));
}

async function load() {
  const [rules, upcoming] = await Promise.all([api("/recurring"), api("/recurring/upcoming?days=30")]);
  $("#recurring-table tbody").replaceChildren(...rules.map(templateRow));
  $("#recurring-table").hidden = !rules.length;
  $("#recurring-empty").hidden = rules.length > 0;
  $("#upcoming-table tbody").replaceChildren(...upcoming.map(upcomingRow));
  $("#upcoming-table").hidden = !upcoming.length;
  $("#upcoming-empty").hidden = upcoming.length > 0;
}

async function occurrence(item, action) {
  say("");
  try {
    await api(`/recurring/${item.recurring_id}/${action}`, { method: "POST", body: { date: item.date } });
  } catch (error) {
    say("", error.message);
    return;
  }
  say(action === "skip"
    ? `Skipped “${item.description}” on ${day(item.date)}.`
    : `Posted “${item.description}” (${money(item.amount)}) for ${day(item.date)}.`);
  await Promise.all([load().catch((error) => say("", error.message)), action === "post" ? onChanged() : null]);
  $("#recurring-dialog .close-dialog").focus();
}

async function remove(rule) {
  const sure = await confirmAction({
    title: "Delete this recurring expense?",
    message: `Stop “${rule.description}” (${money(rule.amount)}, ${lowerFirst(scheduleInWords(rule))})? The expenses it already added stay.`,
    action: "Delete",
  });
  if (!sure) return;
  try {
    await api(`/recurring/${rule.id}`, { method: "DELETE" });
    if (editing && editing.id === rule.id) resetForm();
    say(`Deleted the recurring “${rule.description}”.`);
    await load();
  } catch (error) {
    say("", error.message);
  }
  $("#recurring-dialog .close-dialog").focus();
}

function showFrequency() {
  const frequency = $("#recurring-frequency").value;
  $("#recurring-day-field").hidden = frequency !== "monthly";
  const interval = Number($("#recurring-interval").value) || 1;
  $("#recurring-interval-unit").textContent = `${UNITS[frequency]}${interval === 1 ? "" : "s"}`;
}

function resetForm() {
  editing = null;
  $("#recurring-form").reset();
  $("#recurring-form").setAttribute("aria-label", "New recurring expense");
  $("#recurring-form-heading").textContent = "Add a recurring expense";
  $("#recurring-submit").textContent = "Add recurring expense";
  $("#recurring-cancel-edit").hidden = true;
  $("#recurring-form").classList.remove("editing");
  categoryOptions($("#recurring-category"), state.categories);
  $("#recurring-start_date").value = isoDay(new Date());
  showFrequency();
}

function startEdit(rule) {
  say("");
  clearErrors("recurring");
  resetForm();
  editing = rule;
  const form = $("#recurring-form");
  form.setAttribute("aria-label", "Edit recurring expense");
  form.classList.add("editing");
  $("#recurring-form-heading").textContent = `Edit “${rule.description}”`;
  $("#recurring-submit").textContent = "Save changes";
  $("#recurring-cancel-edit").hidden = false;
  $("#recurring-amount").value = rule.amount.toFixed(2);
  $("#recurring-description").value = rule.description;
  categoryOptions($("#recurring-category"), state.categories, { selected: rule.category_id });
  $("#recurring-frequency").value = rule.frequency;
  $("#recurring-interval").value = String(rule.interval);
  $("#recurring-day_of_month").value = rule.day_of_month ? String(rule.day_of_month) : "";
  $("#recurring-start_date").value = rule.start_date;
  $("#recurring-end_date").value = rule.end_date || "";
  showFrequency();
  form.scrollIntoView({ block: "nearest" });
  $("#recurring-amount").focus();
  $("#recurring-amount").select();
}

function cancelEdit() {
  const rule = editing;
  clearErrors("recurring");
  resetForm();
  say("");
  if (rule) focusRow(rule.id, "edit");
}

async function save(event) {
  event.preventDefault();
  clearErrors("recurring");
  const amount = $("#recurring-amount").value;
  const problem = amountError(amount);
  if (problem) {
    showFieldError("recurring", { field: "amount", message: problem });
    return;
  }
  const frequency = $("#recurring-frequency").value;
  const dayOfMonth = $("#recurring-day_of_month").value;
  const body = {
    amount: parseAmount(amount),
    description: $("#recurring-description").value,
    category_id: Number($("#recurring-category").value),
    frequency,
    interval: Number($("#recurring-interval").value || 1),
    start_date: $("#recurring-start_date").value,
    end_date: $("#recurring-end_date").value || null,
  };
  if (frequency === "monthly" && dayOfMonth) body.day_of_month = Number(dayOfMonth);
  const edited = editing;
  if (edited && frequency === "monthly" && !dayOfMonth) body.day_of_month = null; // the start date's day
  let rule;
  try {
    rule = edited
      ? await api(`/recurring/${edited.id}`, { method: "PUT", body })
      : await api("/recurring", { method: "POST", body });
  } catch (error) {
    showFieldError("recurring", error);
    return;
  }
  resetForm();
  const posted = postedInWords(rule.posted);
  say(`${edited ? "Saved" : "Added"} “${rule.description}”: ${lowerFirst(scheduleInWords(rule))}.${posted ? ` ${posted}` : ""}`);
  // Dates already due are posted at once: the table and month may have changed.
  // Focus moves at once; the reloaded list takes it only if the person has not moved it meanwhile.
  if (!edited) $("#recurring-amount").focus();
  await unlessFocusMoves(
    Promise.all([load().catch((error) => say("", error.message)), rule.posted.length ? onChanged() : null]),
    () => edited && focusRow(edited.id, "edit"));
}

// In the form, Enter saves from every field (a select too, instead of opening its list), and Esc
// while editing cancels the edit instead of closing the dialog.
function onFormKey(event) {
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  if (event.key === "Enter" && event.target instanceof HTMLSelectElement) {
    event.preventDefault();
    $("#recurring-form").requestSubmit();
  } else if (event.key === "Escape" && editing) {
    event.preventDefault();
    event.stopPropagation();
    cancelEdit();
  }
}

export function setupRecurring(changed) {
  onChanged = changed;
  $("#open-recurring").addEventListener("click", async () => {
    say("");
    clearErrors("recurring");
    resetForm();
    $("#recurring-empty").hidden = true;
    $("#upcoming-empty").hidden = true;
    $("#recurring-dialog").showModal();
    await load().catch((error) => say("", error.message));
  });
  $("#recurring-frequency").addEventListener("change", showFrequency);
  $("#recurring-interval").addEventListener("input", showFrequency);
  $("#recurring-form").addEventListener("submit", save);
  $("#recurring-form").addEventListener("keydown", onFormKey);
  $("#recurring-cancel-edit").addEventListener("click", cancelEdit);
  // Esc elsewhere in the dialog while editing: cancel the edit first, close the dialog next time.
  $("#recurring-dialog").addEventListener("cancel", (event) => {
    if (!editing) return;
    event.preventDefault();
    cancelEdit();
  });
}
