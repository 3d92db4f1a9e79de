// Recurring expenses: the templates (with their schedule in words), a form to add one, and the
// next 30 days' dates, each to skip or to post now.
import { api } from "./api.js";
import { confirmAction } from "./confirm.js";
import { $, categoryOptions, clearErrors, el, showFieldError } from "./dom.js";
import { amountError, parseAmount } from "./entry.js";
import { day, isoDay, money } from "./format.js";
import { categoryById, state } from "./state.js";

let onChanged = async () => {};
const UNITS = { daily: "day", weekly: "week", monthly: "month", yearly: "year" };
const weekdayFormat = new Intl.DateTimeFormat("en-US", { weekday: "long", timeZone: "UTC" });
const monthDayFormat = new Intl.DateTimeFormat("en-US", { month: "long", day: "numeric", timeZone: "UTC" });

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

function templateRow(rule) {
  return el("tr", { "data-id": String(rule.id) },
    el("td", { class: "description", text: rule.description }),
    el("td", { class: "num", text: money(rule.amount) }),
    el("td", { class: "nowrap" }, swatch(rule.category_id), rule.category_name),
    el("td", { class: "schedule", text: scheduleInWords(rule) }),
    el("td", { class: "nowrap", text: rule.next_date ? day(rule.next_date) : "Ended" }),
    el("td", { class: "row-actions" },
      el("button", { type: "button", class: "link danger", text: "Delete",
        "aria-label": `Delete recurring ${rule.description}`, onclick: () => remove(rule) })));
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
  $("#recurring-form").reset();
  categoryOptions($("#recurring-category"), state.categories);
  $("#recurring-start_date").value = isoDay(new Date());
  showFrequency();
}

async function add(event) {
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
  let rule;
  try {
    rule = await api("/recurring", { method: "POST", body });
  } catch (error) {
    showFieldError("recurring", error);
    return;
  }
  resetForm();
  say(`Added “${rule.description}”: ${lowerFirst(scheduleInWords(rule))}.`);
  // Dates already due are posted at once: the table and month may have changed.
  await Promise.all([load().catch((error) => say("", error.message)), onChanged()]);
  $("#recurring-amount").focus();
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
  $("#recurring-form").addEventListener("submit", add);
}
