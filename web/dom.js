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

// Chromium's date field takes Tab into its own calendar button after the year: Tab and Shift+Tab
// from a date field go to the next and previous field instead, as from any other field.
export function tabOutOfDateFields() {
  document.addEventListener("keydown", (event) => {
    const field = event.target;
    if (event.key !== "Tab" || event.ctrlKey || event.metaKey || event.altKey) return;
    if (!(field instanceof HTMLInputElement) || field.type !== "date") return;
    const scope = field.closest("dialog[open]") || document;
    const order = [...scope.querySelectorAll(FOCUSABLE)].filter((node) => node === field || (
      !node.disabled && node.tabIndex >= 0 && node.getClientRects().length
      && !node.closest("[inert], dialog:not([open])") && (scope !== document || !node.closest("dialog"))));
    const next = order[order.indexOf(field) + (event.shiftKey ? -1 : 1)];
    if (!next) return;
    event.preventDefault();
    next.focus();
  });
}

// Waits for `reload` (a list coming back from the server), then runs `afterwards` only if focus
// has not moved meanwhile: a person who went on typing keeps the caret where they put it.
export async function unlessFocusMoves(reload, afterwards) {
  const focused = document.activeElement;
  await reload;
  if (document.activeElement === focused) afterwards();
}
