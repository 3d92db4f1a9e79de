// The quick-entry row: Enter saves, focus goes back to the amount for the next one.
import { api, query } from "./api.js";
import { $, categoryOptions, clearErrors, el, isTab, showFieldError } from "./dom.js";
import { currencyCodes, currencyDigits, dateExample, isoDay } from "./format.js";
import { state } from "./state.js";
import { loadTagChoices, parseTags } from "./tags.js";

const form = $("#entry");
const amount = $("#entry-amount");
const description = $("#entry-description");
const category = $("#entry-category");
const date = $("#entry-date");
const tags = $("#entry-tags");
const currency = $("#entry-currency");
const LAST_CURRENCY = "expense-tracker.entry-currency";

// The entry row's currencies: the last one used stays chosen (the home currency at first).
export function renderEntryCurrencies() {
  let remembered = null;
  try { remembered = localStorage.getItem(LAST_CURRENCY); } catch { /* storage off: the home currency */ }
  const chosen = currency.value || remembered || state.settings.currency;
  currency.replaceChildren(...currencyCodes([chosen]).map((code) => el("option", { value: code, text: code })));
  currency.value = chosen;
}
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

export function amountError(text, code = null) {
  const value = parseAmount(text);
  if (Number.isNaN(value)) return "Enter an amount, like 12.50.";
  if (value <= 0) return "The amount must be more than zero.";
  // The home currency keeps the seed's rule, two decimals at most, whatever it is.
  const digits = code && code !== state.settings.currency ? currencyDigits(code) : 2;
  if (Math.round(value * 10 ** digits) / 10 ** digits !== value) {
    return digits === 0 ? `${code} has no decimals: enter a whole amount.` : `Use at most ${digits} decimals.`;
  }
  return null;
}

function applySuggestion() {
  const typed = description.value.trim().toLocaleLowerCase();
  const match = suggestions.find((s) => s.description.toLocaleLowerCase() === typed);
  if (match && !categoryTouched && state.categories.some((c) => c.id === match.category_id)) {
    category.value = String(match.category_id);
  }
}

// The suggestion list: shown while the person types; it never takes Tab or Enter unless the person
// moved into it with the arrow keys (then Enter picks the marked suggestion).
const list = $("#suggestions");
let active = -1;

function closeSuggestions() {
  list.hidden = true;
  active = -1;
  description.setAttribute("aria-expanded", "false");
  description.removeAttribute("aria-activedescendant");
}

function markActive() {
  [...list.children].forEach((item, index) => item.setAttribute("aria-selected", String(index === active)));
  if (active >= 0) {
    description.setAttribute("aria-activedescendant", list.children[active].id);
    list.children[active].scrollIntoView({ block: "nearest" });
  } else {
    description.removeAttribute("aria-activedescendant");
  }
}

function pick(index) {
  description.value = suggestions[index].description;
  closeSuggestions();
  applySuggestion();
  description.focus();
}

function showSuggestions() {
  const name = (id) => state.categories.find((c) => c.id === id)?.name || "";
  list.replaceChildren(...suggestions.map((s, index) => el("li", {
    id: `suggestion-${index}`,
    role: "option",
    "aria-selected": "false",
    onmousedown: (event) => { event.preventDefault(); pick(index); },
    "data-category": name(s.category_id),
    text: s.description,
  })));
  active = -1;
  list.hidden = suggestions.length === 0;
  description.setAttribute("aria-expanded", String(!list.hidden));
  description.removeAttribute("aria-activedescendant");
}

async function loadSuggestions() {
  const typed = description.value.trim();
  if (!typed) {
    suggestions = [];
    closeSuggestions();
    return;
  }
  let found;
  try {
    found = await api(`/expenses/suggestions${query({ q: typed })}`);
  } catch {
    return;
  }
  // An answer that comes after the person moved on or typed more is not shown.
  if (description.value.trim() !== typed || document.activeElement !== description) return;
  suggestions = found;
  showSuggestions();
  applySuggestion();
}

function onDescriptionKey(event) {
  const open = !list.hidden;
  if (event.key === "ArrowDown" || event.key === "ArrowUp") {
    if (!suggestions.length) return;
    event.preventDefault();
    if (!open) showSuggestions();
    const step = event.key === "ArrowDown" ? 1 : -1;
    // Up from the first suggestion goes back to what was typed.
    active = Math.max(-1, Math.min(suggestions.length - 1, active + step));
    markActive();
  } else if (event.key === "Enter") {
    if (open && active >= 0) {
      event.preventDefault();
      pick(active);
    } else {
      closeSuggestions();
    }
  } else if (isTab(event)) {
    closeSuggestions();
  } else if (event.key === "Escape" && open) {
    event.preventDefault();
    event.stopPropagation();
    closeSuggestions();
  }
}

// A letter on the category picks the category whose name starts with it (again: the next one);
// quick letters spell the start of a name. Enter saves, as from every other field.
let typedLetters = "";
let typedAt = 0;

function onCategoryKey(event) {
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  if (event.key === "Enter") {
    event.preventDefault();
    form.requestSubmit();
    return;
  }
  if (event.key.length !== 1 || event.key === " ") return;
  const now = Date.now();
  const letter = event.key.toLocaleLowerCase();
  const again = now - typedAt > 800 || typedLetters === letter;
  typedLetters = again ? letter : typedLetters + letter;
  typedAt = now;
  const options = [...category.options];
  const matches = options.filter((o) => o.text.toLocaleLowerCase().startsWith(typedLetters));
  if (!matches.length) return;
  event.preventDefault();
  const current = matches.indexOf(category.selectedOptions[0]);
  const next = again && current >= 0 ? matches[(current + 1) % matches.length] : matches[0];
  if (next.value !== category.value) {
    category.value = next.value;
    category.dispatchEvent(new Event("change", { bubbles: true }));
  }
}

const dateError = () => `Enter a date like ${dateExample()}.`;

export function setupEntry(onAdded) {
  date.value = isoDay(new Date());
  description.addEventListener("input", () => {
    applySuggestion();
    clearTimeout(suggestTimer);
    if (!description.value.trim()) closeSuggestions();
    suggestTimer = setTimeout(loadSuggestions, 120);
  });
  description.addEventListener("change", applySuggestion);
  description.addEventListener("keydown", onDescriptionKey);
  description.addEventListener("blur", closeSuggestions);
  category.addEventListener("keydown", onCategoryKey);
  currency.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  category.addEventListener("focus", () => { typedLetters = ""; });
  category.addEventListener("change", () => { categoryTouched = true; });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors("entry");
    closeSuggestions();
    clearTimeout(suggestTimer);
    const code = currency.value || state.settings.currency;
    const problem = amountError(amount.value, code);
    if (problem) {
      showFieldError("entry", { field: "amount", message: problem });
      return;
    }
    if (!date.value) {
      showFieldError("entry", { field: "date", message: dateError() });
      return;
    }
    const body = {
      amount: parseAmount(amount.value),
      description: description.value,
      category_id: Number(category.value),
      date: date.value,
    };
    const typedTags = parseTags(tags.value);
    if (typedTags.length) body.tags = typedTags;
    // The home currency is sent as nothing at all, as a script that knows no currencies sends it.
    if (code !== state.settings.currency) body.currency = code;
    try {
      const created = await api("/expenses", { method: "POST", body });
      try { localStorage.setItem(LAST_CURRENCY, code); } catch { /* not remembered */ }
      amount.value = "";
      description.value = "";
      categoryTouched = false;
      // The tags stay, as the category and date do: the next expense of the trip is likely tagged alike.
      focusEntry();
      if (typedTags.length) loadTagChoices();
      await onAdded(created);
    } catch (error) {
      // The API speaks of YYYY-MM-DD; the person sees the date as their field shows it.
      showFieldError("entry", error.field === "date" ? { field: "date", message: dateError() } : error);
    }
  });
}
