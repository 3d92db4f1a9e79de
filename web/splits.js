// Split expenses: the list shows a split expense once, marked "split", its parts on demand (a
// toggle button); the edit dialog's "Split…" edits the parts (rows added and removed, amounts
// that must add up to the expense's, the remaining amount live). Keyboard: every control is a
// button or a field in Tab order; Enter saves, as in the rest of the dialog.
import { $, el } from "./dom.js";
import { amountError, parseAmount } from "./entry.js";
import { currencyDigits, money, moneyIn } from "./format.js";
import { categoryById, state } from "./state.js";

// The ids of the expenses whose parts are shown: they stay shown when the list is drawn again.
const shown = new Set();

function swatch(color) {
  return el("span", { class: "swatch", style: { background: color }, "aria-hidden": "true" });
}

function partsText(expense) {
  return expense.parts.map((part) => `${part.category_name} ${money(part.home_amount)}`).join(", ");
}

// The "split" marker of a row: a button that shows and hides the parts' row after it.
export function splitToggle(expense, redraw) {
  if (!expense.parts || !expense.parts.length) return null;
  const open = shown.has(expense.id);
  return el("button", {
    type: "button", class: "split-toggle", "aria-expanded": open ? "true" : "false",
    "aria-controls": `parts-${expense.id}`, "aria-label": `Split: show the parts of ${expense.description}`,
    title: partsText(expense), text: `split ${open ? "▾" : "▸"}`,
    onclick: (event) => {
      if (shown.has(expense.id)) shown.delete(expense.id); else shown.add(expense.id);
      redraw(expense, event.currentTarget);
    },
  });
}

// The parts' row under a split expense, when shown.
export function partsRow(expense, columns) {
  if (!expense.parts || !expense.parts.length || !shown.has(expense.id)) return null;
  return el("tr", { class: "parts-row", id: `parts-${expense.id}` },
    el("td"),
    el("td", { colspan: String(columns - 1) },
      el("ul", { class: "parts", "aria-label": `Parts of ${expense.description}` },
        ...expense.parts.map((part) => {
          const category = categoryById(part.category_id);
          return el("li", {},
            swatch(category ? category.color : "#6c757d"), `${part.category_name} `,
            el("span", { class: "num", text: money(part.home_amount) }),
            part.note ? el("span", { class: "muted", text: ` — ${part.note}` }) : null);
        }))));
}

// --- The parts editor: one for the edit dialog, one for an import row ---------------------------

// A parts editor over its own elements: `rows` (where the part rows go), `remaining` (the live
// "Remaining to split" line), `add` (the Add part button); `total()` is the text of the amount the
// parts must add up to, `code()` its currency. The rule is one: the parts add up exactly to the
// amount, in the currency's minor units.
export class PartsEditor {
  constructor({ rows, remaining, add, total, code }) {
    Object.assign(this, { box: rows, remaining, addButton: add, total, code });
    this.active = false;
    add.addEventListener("click", () => this.addRow().querySelector("select").focus());
  }

  rows() {
    return [...this.box.querySelectorAll(".split-part")];
  }

  // Each row's labels say its number: "Part 2 category".
  renumber() {
    this.rows().forEach((part, index) => {
      const number = index + 1;
      part.querySelector("[data-role=category]").setAttribute("aria-label", `Part ${number} category`);
      part.querySelector("[data-role=amount]").setAttribute("aria-label", `Part ${number} amount`);
      part.querySelector("[data-role=note]").setAttribute("aria-label", `Part ${number} note`);
      part.querySelector("[data-role=remove]").setAttribute("aria-label", `Remove part ${number}`);
    });
    this.showRemaining();
  }

  addRow(part = {}) {
    const amount = el("input", { "data-role": "amount", inputmode: "decimal", autocomplete: "off", class: "amount",
      value: part.amount === undefined ? "" : String(part.amount), oninput: () => this.showRemaining() });
    const line = el("div", { class: "split-part" },
      categorySelect(part.category_id), amount,
      el("input", { "data-role": "note", autocomplete: "off", maxlength: "200", placeholder: "Note", value: part.note || "" }),
      el("button", { type: "button", class: "link danger", "data-role": "remove", text: "Remove",
        onclick: (event) => this.removeRow(event.currentTarget.closest(".split-part")) }));
    this.box.append(line);
    this.renumber();
    return line;
  }

  removeRow(line) {
    const next = line.nextElementSibling || line.previousElementSibling;
    line.remove();
    this.renumber();
    (next ? next.querySelector("[data-role=amount]") : this.addButton).focus();
  }

  // Rows for these parts (none: empty).
  fill(parts) {
    this.box.replaceChildren();
    for (const part of parts || []) this.addRow(part);
  }

  // Two rows to start: the whole amount in `category`, and an empty second part in another one.
  begin(category) {
    const other = state.categories.find((c) => c.id !== category);
    this.addRow({ category_id: category, amount: this.total().trim() });
    this.addRow({ category_id: other ? other.id : category });
  }

  // In the currency's minor units, so that the comparison is exact.
  minor(value) {
    return Math.round(value * 10 ** currencyDigits(this.code()));
  }

  showRemaining() {
    const note = this.remaining;
    if (!this.active) {
      note.textContent = "";
      return;
    }
    const total = parseAmount(this.total());
    const parts = this.rows().map((line) => parseAmount(line.querySelector("[data-role=amount]").value));
    if (Number.isNaN(total)) {
      note.textContent = "Type the amount first.";
      return;
    }
    const code = this.code();
    const left = this.minor(total) - parts.reduce((sum, value) => sum + (Number.isNaN(value) ? 0 : this.minor(value)), 0);
    const shownAmount = (units) => moneyIn(units / 10 ** currencyDigits(code), code);
    note.textContent = left === 0 ? `The parts add up to ${shownAmount(this.minor(total))}.`
      : left > 0 ? `Remaining to split: ${shownAmount(left)}.` : `The parts are ${shownAmount(-left)} more than the amount.`;
    note.classList.toggle("error", left !== 0);
  }

  // The parts: null when not split; throws {field: "split", message} when they are wrong.
  parts() {
    if (!this.active) return null;
    const parts = [];
    for (const [index, line] of this.rows().entries()) {
      const text = line.querySelector("[data-role=amount]").value;
      const problem = amountError(text, this.code());
      if (problem) {
        line.querySelector("[data-role=amount]").focus();
        throw { field: "split", message: `Part ${index + 1}: ${problem}` };
      }
      parts.push({ category_id: Number(line.querySelector("[data-role=category]").value), amount: parseAmount(text),
        note: line.querySelector("[data-role=note]").value.trim() || null });
    }
    if (parts.length < 2) throw { field: "split", message: "A split has at least 2 parts; add one, or Unsplit." };
    if (this.minor(parseAmount(this.total())) !== parts.reduce((sum, part) => sum + this.minor(part.amount), 0)) {
      throw { field: "split", message: "The parts must add up exactly to the amount: " + this.remaining.textContent };
    }
    return parts;
  }
}

function categorySelect(selected) {
  const select = el("select", { "data-role": "category" },
    ...state.categories.map((c) => el("option", { value: String(c.id), text: c.name })));
  select.value = String(selected ?? "");
  if (select.selectedIndex < 0 && select.options.length) select.selectedIndex = 0;
  return select;
}

// --- The edit dialog's parts ----------------------------------------------------------------

let editor = null;
let currency = null;

function setSplitting(on) {
  editor.active = on;
  $("#edit-split").hidden = !on;
  $("#edit-split-open").setAttribute("aria-expanded", on ? "true" : "false");
  $("#edit-split-open").textContent = on ? "Split into parts" : "Split…";
  // A split expense's category is its largest part's.
  $("#edit-category").disabled = on;
  $("#edit-split-error").textContent = "";
  editor.showRemaining();
}

export function openSplit(expense) {
  currency = expense.currency;
  editor.fill(expense.parts);
  setSplitting(Boolean(expense.parts && expense.parts.length));
}

function startSplit() {
  if (editor.active) {
    editor.rows()[0]?.querySelector("[data-role=amount]").focus();
    return;
  }
  if (!editor.rows().length) editor.begin(Number($("#edit-category").value));
  setSplitting(true);
  editor.rows()[1]?.querySelector("[data-role=amount]").focus();
}

function unsplit() {
  editor.fill([]);
  setSplitting(false);
  $("#edit-split-open").focus();
}

// The parts to save: null when not split; throws {field: "split", message} when they are wrong.
export function splitParts() {
  return editor.parts();
}

export function setupSplitEditor() {
  editor = new PartsEditor({
    rows: $("#edit-split-rows"), remaining: $("#edit-split-remaining"), add: $("#edit-split-add"),
    total: () => $("#edit-amount").value, code: () => $("#edit-currency").value || currency || state.settings.currency,
  });
  $("#edit-split-open").addEventListener("click", startSplit);
  $("#edit-split-undo").addEventListener("click", unsplit);
  $("#edit-amount").addEventListener("input", () => editor.showRemaining());
  $("#edit-currency").addEventListener("change", () => editor.showRemaining());
}
