// Amounts and dates as the user's settings and locale want them.
import { state } from "./state.js";

let moneyFormat = null;
let moneyCurrency = null;

export function money(amount) {
  if (moneyCurrency !== state.settings.currency) {
    moneyCurrency = state.settings.currency;
    try {
      moneyFormat = new Intl.NumberFormat(undefined, { style: "currency", currency: moneyCurrency });
    } catch {
      moneyFormat = new Intl.NumberFormat(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
    }
  }
  return moneyFormat.format(amount);
}

const dayFormat = new Intl.DateTimeFormat(undefined, { year: "numeric", month: "short", day: "numeric", timeZone: "UTC" });
const monthFormat = new Intl.DateTimeFormat(undefined, { year: "numeric", month: "long", timeZone: "UTC" });
const shortMonthFormat = new Intl.DateTimeFormat(undefined, { month: "short", timeZone: "UTC" });

function utc(isoDate) {
  const [year, month, day] = isoDate.split("-").map(Number);
  return new Date(Date.UTC(year, month - 1, day || 1));
}

export const day = (isoDate) => dayFormat.format(utc(isoDate));
export const monthName = (month) => monthFormat.format(utc(`${month}-01`));
export const shortMonth = (month) => shortMonthFormat.format(utc(`${month}-01`));

export function isoDay(date) {
  return `${date.getFullYear()}-${String(date.getMonth() + 1).padStart(2, "0")}-${String(date.getDate()).padStart(2, "0")}`;
}

// A date written as the person's date fields show it ("03/20/2025" in the US, "20/03/2025" in the UK).
const fieldDateFormat = new Intl.DateTimeFormat(undefined, { year: "numeric", month: "2-digit", day: "2-digit" });
export const dateExample = (date = new Date()) => fieldDateFormat.format(date);

export function shiftMonth(month, delta) {
  const [year, number] = month.split("-").map(Number);
  const index = year * 12 + (number - 1) + delta;
  return `${String(Math.floor(index / 12)).padStart(4, "0")}-${String((index % 12) + 1).padStart(2, "0")}`;
}

// The first day of the current week, by the user's first-day-of-week setting (1 = Monday … 7 = Sunday).
export function weekStart(today = new Date()) {
  const weekday = today.getDay() === 0 ? 7 : today.getDay();
  const back = (weekday - state.settings.week_start + 7) % 7;
  const start = new Date(today);
  start.setDate(today.getDate() - back);
  return start;
}

const dateTimeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

// SQLite's datetime('now'), "2025-03-20 10:00:00", is UTC; shown in the computer's time zone.
export const whenUtc = (text) => dateTimeFormat.format(new Date(`${text.replace(" ", "T")}Z`));
// The backups list gives the computer's local time, "2025-03-20T10:00:00".
export const whenLocal = (text) => dateTimeFormat.format(new Date(text));

export function plural(count, word, words = `${word}s`) {
  return `${count.toLocaleString()} ${count === 1 ? word : words}`;
}

export function fileSize(bytes) {
  if (bytes < 1024 * 1024) return `${Math.max(1, Math.round(bytes / 1024)).toLocaleString()} KB`;
  return `${(bytes / (1024 * 1024)).toLocaleString(undefined, { maximumFractionDigits: 1 })} MB`;
}

// An amount as a field shows it for editing: plain digits with the currency's decimals ("8.50" in
// euros, "850" in yen); 2 decimals when the currency is unknown or the amount has cents it lacks.
export function amountText(amount, currency = state.settings.currency) {
  let digits = 2;
  try {
    digits = new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions().maximumFractionDigits;
  } catch { /* not a currency Intl knows: 2 */ }
  if (Math.round(amount * 10 ** digits) / 10 ** digits !== amount) digits = 2;
  return amount.toFixed(digits);
}

// An amount in a currency of its own: "¥1,200", "€7.32".
const currencyFormats = new Map();
export function moneyIn(amount, currency) {
  if (!currencyFormats.has(currency)) {
    try {
      currencyFormats.set(currency, new Intl.NumberFormat(undefined, { style: "currency", currency }));
    } catch {
      currencyFormats.set(currency, { format: (value) => `${currency} ${value.toFixed(2)}` });
    }
  }
  return currencyFormats.get(currency).format(amount);
}

// How many decimals a currency has (JPY 0, EUR 2, BHD 3), as Intl knows it; 2 when unknown.
export function currencyDigits(currency) {
  try {
    return new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions().maximumFractionDigits;
  } catch {
    return 2;
  }
}

const COMMON_CURRENCIES = ["USD", "EUR", "GBP", "JPY", "CHF", "CAD", "AUD", "CNY", "INR", "BRL", "SEK", "NOK", "DKK",
  "PLN", "CZK", "MXN", "THB", "KRW", "SGD", "HKD", "NZD", "ZAR", "TRY", "HUF", "ILS", "BHD"];

// The codes a currency select offers: the home currency first, then the common ones, then every other.
export function currencyCodes(first = []) {
  const all = typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("currency") : [];
  return [...new Set([...first, state.settings.currency, ...COMMON_CURRENCIES, ...all].filter(Boolean))];
}
