// The quick-entry row: Enter saves, focus goes back to the amount for the next one.
import { api, query } from "./api.js";
import { $, categoryOptions, clearErrors, el, showFieldError } from "./dom.js";
import { isoDay } from "./format.js";
import { state } from "./state.js";

const form = $("#entry");
const amount = $("#entry-amount");
const description = $("#entry-description");
const category = $("#entry-category");
const date = $("#entry-date");
let suggestions = [];
let categoryTouched = false;
let suggestTimer = null;

export function renderEntryCategories() {
  categoryOptions(category, state.categories, { selected: category.value || state.categories[0]?.id || "" });
}

export function focusEntry() {
  amount.focus();
  amount.select();
}

// "12,50" is how many people type money; the API wants 12.5.
export function parseAmount(text) {
  const cleaned = text.trim().replace(/\s/g, "");
  const normalised = /^\d+,\d{1,2}$/.test(cleaned) ? cleaned.replace(",", ".") : cleaned.replace(/,/g, "");
  return normalised === "" ? NaN : Number(normalised);
}

export function amountError(text) {
  const value = parseAmount(text);
  if (Number.isNaN(value)) return "Enter an amount, like 12.50.";
  if (value <= 0) return "The amount must be more than zero.";
  if (Math.round(value * 100) / 100 !== value) return "Use at most 2 decimals.";
  return null;
}

function applySuggestion() {
  const typed = description.value.trim().toLocaleLowerCase();
  const match = suggestions.find((s) => s.description.toLocaleLowerCase() === typed);
  if (match && !categoryTouched && state.categories.some((c) => c.id === match.category_id)) {
    category.value = String(match.category_id);
  }
}

async function loadSuggestions() {
  const typed = description.value.trim();
  if (!typed) return;
  try {
    suggestions = await api(`/expenses/suggestions${query({ q: typed })}`);
  } catch {
    return;
  }
  $("#suggestions").replaceChildren(...suggestions.map((s) => el("option", { value: s.description })));
  applySuggestion();
}

export function setupEntry(onAdded) {
  date.value = isoDay(new Date());
  description.addEventListener("input", () => {
    applySuggestion();
    clearTimeout(suggestTimer);
    suggestTimer = setTimeout(loadSuggestions, 120);
  });
  description.addEventListener("change", applySuggestion);
  category.addEventListener("change", () => { categoryTouched = true; });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors("entry");
    const problem = amountError(amount.value);
    if (problem) {
      showFieldError("entry", { field: "amount", message: problem });
      return;
    }
    const body = {
      amount: parseAmount(amount.value),
      description: description.value,
      category_id: Number(category.value),
      date: date.value,
    };
    try {
      const created = await api("/expenses", { method: "POST", body });
      amount.value = "";
      description.value = "";
      categoryTouched = false;
      focusEntry();
      await onAdded(created);
    } catch (error) {
      showFieldError("entry", error);
    }
  });
}
