// Small helpers to build the DOM from data: text only, never HTML.
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === false || value === null || value === undefined) continue;
    if (name === "class") node.className = value;
    else if (name === "text") node.textContent = value;
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else if (name === "style") Object.assign(node.style, value);
    else node.setAttribute(name, value === true ? "" : value);
  }
  node.append(...children.filter((child) => child !== null && child !== undefined));
  return node;
}

export const $ = (selector) => document.querySelector(selector);

// Show each API error next to the field it names, or under the form.
export function showFieldError(prefix, error) {
  const target = (error.field && document.getElementById(`${prefix}-${error.field}-error`))
    || document.getElementById(`${prefix}-error`);
  target.textContent = error.message;
  const input = error.field && document.querySelector(`#${prefix}-${error.field.replace("category_id", "category")}`);
  if (input) {
    input.setAttribute("aria-invalid", "true");
    input.focus();
  }
}

export function clearErrors(prefix) {
  for (const node of document.querySelectorAll(`[id^="${prefix}-"][id$="error"]`)) node.textContent = "";
  for (const node of document.querySelectorAll(`[id^="${prefix}-"][aria-invalid]`)) node.removeAttribute("aria-invalid");
}

export function categoryOptions(select, categories, { all = null, selected = "" } = {}) {
  const options = categories.map((c) => el("option", { value: String(c.id), text: c.name }));
  if (all) options.unshift(el("option", { value: "", text: all }));
  select.replaceChildren(...options);
  select.value = String(selected);
  if (select.selectedIndex < 0 && select.options.length) select.selectedIndex = 0;
}

const FOCUSABLE = "a[href], button, input, select, textarea, [tabindex]";

// The Tab key, with or without Shift: WebKitGTK reports Shift+Tab as key "Unidentified", code "Tab".
export const isTab = (event) => event.key === "Tab" || event.code === "Tab";

// What Tab walks through in `scope` (an open dialog, else the page outside its dialogs), in order;
// `field` stays in the list even if it would not qualify.
function tabOrder(scope, field = null) {
  return [...scope.querySelectorAll(FOCUSABLE)].filter((node) => node === field || (
    !node.disabled && node.tabIndex >= 0 && node.getClientRects().length
    && !node.closest("[inert], dialog:not([open])") && (scope !== document || !node.closest("dialog"))));
}

// Chromium's date field takes Tab into its own calendar button after the year: Tab and Shift+Tab
// from a date field go to the next and previous field instead, as from any other field.
export function tabOutOfDateFields() {
  document.addEventListener("keydown", (event) => {
    const field = event.target;
    if (!isTab(event) || event.ctrlKey || event.metaKey || event.altKey) return;
    if (!(field instanceof HTMLInputElement) || field.type !== "date") return;
    const order = tabOrder(field.closest("dialog[open]") || document, field);
    const next = order[order.indexOf(field) + (event.shiftKey ? -1 : 1)];
    if (!next) return;
    event.preventDefault();
    next.focus();
  });
}

// In the app's window there is nothing outside the page to Tab to, and WebKitGTK (the Linux window)
// moved the focus out of the page past its last field, or from nowhere after a dialog opened by a
// shortcut closed, where Tab never brought it back. In the window Tab wraps to the first field and
// Shift+Tab to the last; in a browser, Tab still reaches the browser's own bar.
export function wrapTabInTheWindow() {
  document.addEventListener("keydown", (event) => {
    if (!isTab(event) || event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) return;
    if (!window.pywebview) return;
    const open = [...document.querySelectorAll("dialog[open]")];
    const order = tabOrder(open.length ? open[open.length - 1] : document);
    const active = document.activeElement;
    const atTheEnd = order.indexOf(active) === (event.shiftKey ? 0 : order.length - 1);
    // Nowhere: the page itself, or a dialog just closed (its field keeps the focus for a moment).
    const nowhere = !active || active === document.body || active.closest("dialog:not([open])");
    if (!order.length || !(atTheEnd || nowhere)) return;
    event.preventDefault();
    order[event.shiftKey ? order.length - 1 : 0].focus();
  });
}

// Waits for `reload` (a list coming back from the server), then runs `afterwards` only if focus
// has not moved meanwhile: a person who went on typing keeps the caret where they put it.
export async function unlessFocusMoves(reload, afterwards) {
  const focused = document.activeElement;
  await reload;
  if (document.activeElement === focused) afterwards();
}
