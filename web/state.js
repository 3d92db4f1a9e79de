// The page's state, in one object; the filters, sort and month also live in the URL.
//
// The month drives the list: choosing a month sets the list's From/To to that month's first and
// last day ("month mode"). A From/To typed by hand leaves month mode; "All dates" empties both.
// In the URL, month mode is the month alone, all dates is `dates=all`, any other range is from/to.
const URL_KEYS = ["q", "from", "to", "category", "sort", "order", "month"];
// The tags the list is filtered by are `tag` in the URL, once for each: ?tag=holiday&tag=lisbon.
const listeners = new Set();

function thisMonth() {
  const today = new Date();
  return `${today.getFullYear()}-${String(today.getMonth() + 1).padStart(2, "0")}`;
}

// The first and last day of a month ("2025-02" → 2025-02-01, 2025-02-28).
export function monthRange(month) {
  const [year, number] = month.split("-").map(Number);
  const last = new Date(Date.UTC(year, number, 0)).getUTCDate();
  return { from: `${month}-01`, to: `${month}-${String(last).padStart(2, "0")}` };
}

// The view of a month: the month panel and the list both show it.
export function monthView(month) {
  return { month, ...monthRange(month) };
}

export function inMonthMode(view = state.view) {
  const range = monthRange(view.month);
  return view.from === range.from && view.to === range.to;
}

function fromUrl() {
  const params = new URLSearchParams(location.search);
  const value = (key) => params.get(key) || "";
  const sort = ["date", "amount", "created_at"].includes(value("sort")) ? value("sort") : "date";
  const order = value("order") === "asc" ? "asc" : "desc";
  const month = /^\d{4}-(0[1-9]|1[0-2])$/.test(value("month")) ? value("month") : thisMonth();
  const custom = value("from") || value("to") || value("dates") === "all";
  const range = custom ? { from: value("from"), to: value("to") } : monthRange(month);
  const tag = [...new Set(params.getAll("tag").map((name) => name.replace(/^#/, "").trim()).filter(Boolean))];
  return { q: value("q"), ...range, category: value("category"), tag, sort, order, month };
}

// Whether the URL the page was opened with chose a month or a date range (else: the current month).
export const openedOnChosenDates = ["month", "from", "to", "dates"].some((key) => new URLSearchParams(location.search).has(key));

export const state = {
  view: fromUrl(),
  categories: [],
  settings: { currency: "USD", week_start: 1 },
  page: { cursors: [null], index: 0, total: null, size: 50 },
  // The bank file being imported and the user's choices for it (import.js), or null.
  importing: null,
  // The ticked rows of the list (bulk.js): their ids, or `all` (every expense the list's filters
  // and search let through); `anchor` is the last one ticked, where a shift-click's range starts.
  selection: { ids: new Set(), all: false, anchor: null },
};

export function categoryById(id) {
  return state.categories.find((c) => c.id === Number(id));
}

function writeUrl() {
  const params = new URLSearchParams();
  const monthMode = inMonthMode();
  for (const key of URL_KEYS) {
    const value = state.view[key];
    const isDefault = (key === "sort" && value === "date") || (key === "order" && value === "desc")
      || (key === "month" && value === thisMonth()) || ((key === "from" || key === "to") && monthMode);
    if (value && !isDefault) params.set(key, value);
  }
  for (const name of state.view.tag) params.append("tag", name);
  if (!state.view.from && !state.view.to) params.set("dates", "all");
  const search = params.toString();
  history.replaceState(null, "", search ? `?${search}` : location.pathname);
}

// Change the view (filters, sort, month) without redrawing: for the first view, before anything is drawn.
export function presetView(changes) {
  Object.assign(state.view, changes);
  writeUrl();
}

// Change the view (filters, sort, month); the URL follows, and listeners redraw.
export function setView(changes) {
  Object.assign(state.view, changes);
  writeUrl();
  for (const listener of listeners) listener(changes);
}

export function onViewChange(listener) {
  listeners.add(listener);
}

export { thisMonth };
