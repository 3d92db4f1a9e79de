// The page's state, in one object; the filters, sort and month also live in the URL.
const URL_KEYS = ["q", "from", "to", "category", "sort", "order", "month"];
const listeners = new Set();

function thisMonth() {
  const today = new Date();
  return `${today.getFullYear()}-${String(today.getMonth() + 1).padStart(2, "0")}`;
}

function fromUrl() {
  const params = new URLSearchParams(location.search);
  const value = (key) => params.get(key) || "";
  const sort = ["date", "amount", "created_at"].includes(value("sort")) ? value("sort") : "date";
  const order = value("order") === "asc" ? "asc" : "desc";
  const month = /^\d{4}-(0[1-9]|1[0-2])$/.test(value("month")) ? value("month") : thisMonth();
  return { q: value("q"), from: value("from"), to: value("to"), category: value("category"), sort, order, month };
}

export const state = {
  view: fromUrl(),
  categories: [],
  settings: { currency: "USD", week_start: 1 },
  page: { cursors: [null], index: 0, total: null, size: 50 },
  // The bank file being imported and the user's choices for it (import.js), or null.
  importing: null,
};

export function categoryById(id) {
  return state.categories.find((c) => c.id === Number(id));
}

// Change the view (filters, sort, month); the URL follows, and listeners redraw.
export function setView(changes) {
  Object.assign(state.view, changes);
  const params = new URLSearchParams();
  for (const key of URL_KEYS) {
    const value = state.view[key];
    const isDefault = (key === "sort" && value === "date") || (key === "order" && value === "desc")
      || (key === "month" && value === thisMonth());
    if (value && !isDefault) params.set(key, value);
  }
  const search = params.toString();
  history.replaceState(null, "", search ? `?${search}` : location.pathname);
  for (const listener of listeners) listener(changes);
}

export function onViewChange(listener) {
  listeners.add(listener);
}

export { thisMonth };
