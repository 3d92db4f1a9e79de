// Rules: "a description that contains REWE goes in Groceries", tried in order before what the app
// learned. The dialog lists, adds, edits, moves and deletes them; "Tidy categories…" runs the
// rules and the learning over the expenses already there (a preview, then one undoable edit); and
// after a person moves an expense to another category, a toast offers the rule that would do it.
import { api } from "./api.js";
import { confirmAction } from "./confirm.js";
import { $, categoryOptions, clearErrors, el, showFieldError, unlessFocusMoves } from "./dom.js";
import { parseAmount } from "./entry.js";
import { day, money, plural } from "./format.js";
import { categoryById, state } from "./state.js";
import { toast } from "./toast.js";

let onChanged = async () => {};
let editing = null; // the rule the form edits, or null: the form adds one
let rules = [];
let tidyRows = [];
let tidyNote = null; // why split expenses are left as they are, from the preview

function say(message, error = "") {
  $("#rules-status").textContent = message;
  $("#rules-list-error").textContent = error;
}

// "contains REWE, 10.00 to 50.00 → Groceries, as “REWE”"
function ruleInWords(rule) {
  const words = `${rule.kind} “${rule.pattern}”`;
  return `${words} → ${rule.category_name}`;
}

function amountsInWords(rule) {
  if (rule.amount_min !== null && rule.amount_max !== null) return `${money(rule.amount_min)} to ${money(rule.amount_max)}`;
  if (rule.amount_min !== null) return `${money(rule.amount_min)} or more`;
  if (rule.amount_max !== null) return `up to ${money(rule.amount_max)}`;
  return "any";
}

function ruleRow(rule, index) {
  const name = `rule ${rule.position}, ${rule.pattern}`;
  const button = (action, text, label, onclick, disabled = false) => el("button", {
    type: "button", class: `link${action === "delete" ? " danger" : ""}`, text, "data-action": action,
    "aria-label": label, disabled, onclick });
  return el("tr", { "data-id": String(rule.id) },
    el("td", { class: "num muted", text: String(rule.position) }),
    el("td", { class: "description" }, el("span", { class: "muted", text: `${rule.kind} ` }), rule.pattern),
    el("td", { class: "nowrap", text: amountsInWords(rule) }),
    el("td", { class: "nowrap", text: rule.category_name }),
    el("td", { class: "description", text: rule.description || "–" }),
    el("td", { class: "row-actions" },
      button("up", "↑", `Move ${name} up`, () => move(rule, -1), index === 0),
      button("down", "↓", `Move ${name} down`, () => move(rule, 1), index === rules.length - 1),
      button("edit", "Edit", `Edit ${name}`, () => startEdit(rule)),
      button("delete", "Delete", `Delete ${name}`, () => remove(rule))));
}

async function load() {
  rules = await api("/rules");
  $("#rules-table tbody").replaceChildren(...rules.map(ruleRow));
  $("#rules-table").hidden = !rules.length;
  $("#rules-empty").hidden = rules.length > 0;
}

function focusRow(id, action) {
  const row = document.querySelector(`#rules-table tr[data-id="${id}"]`);
  const button = row && row.querySelector(`button[data-action="${action}"]`);
  if (button && !button.disabled) button.focus();
  else if (row) row.querySelector('button[data-action="edit"]').focus();
  else $("#rule-pattern").focus();
}

async function move(rule, delta) {
  say("");
  try {
    await api(`/rules/${rule.id}`, { method: "PUT", body: { position: rule.position + delta } });
    await load();
  } catch (error) {
    say("", error.message);
    return;
  }
  say(`Moved “${rule.pattern}” ${delta < 0 ? "up" : "down"}: now rule ${rule.position + delta}.`);
  focusRow(rule.id, delta < 0 ? "up" : "down");
}

async function remove(rule) {
  const sure = await confirmAction({
    title: "Delete this rule?",
    message: `Stop putting descriptions that ${ruleInWords(rule)}? Expenses it already placed stay where they are.`,
    action: "Delete",
  });
  if (!sure) {
    focusRow(rule.id, "delete");
    return;
  }
  try {
    await api(`/rules/${rule.id}`, { method: "DELETE" });
    if (editing && editing.id === rule.id) resetForm();
    say(`Deleted the rule for “${rule.pattern}”.`);
    await load();
  } catch (error) {
    say("", error.message);
  }
  $("#rule-pattern").focus();
}

function resetForm() {
  editing = null;
  $("#rule-form").reset();
  clearErrors("rule");
  $("#rule-form").setAttribute("aria-label", "New rule");
  $("#rule-form-heading").textContent = "Add a rule";
  $("#rule-submit").textContent = "Add rule";
  $("#rule-cancel-edit").hidden = true;
  $("#rule-form").classList.remove("editing");
  categoryOptions($("#rule-category"), state.categories);
}

function startEdit(rule) {
  resetForm();
  editing = rule;
  $("#rule-form").setAttribute("aria-label", `Edit rule ${rule.position}`);
  $("#rule-form-heading").textContent = `Edit rule ${rule.position}`;
  $("#rule-submit").textContent = "Save rule";
  $("#rule-cancel-edit").hidden = false;
  $("#rule-form").classList.add("editing");
  $("#rule-kind").value = rule.kind;
  $("#rule-pattern").value = rule.pattern;
  $("#rule-amount_min").value = rule.amount_min ?? "";
  $("#rule-amount_max").value = rule.amount_max ?? "";
  categoryOptions($("#rule-category"), state.categories, { selected: rule.category_id });
  $("#rule-description").value = rule.description ?? "";
  say("");
  $("#rule-pattern").focus();
}

function cancelEdit() {
  const rule = editing;
  resetForm();
  say("");
  if (rule) focusRow(rule.id, "edit");
}

function bound(id) {
  const text = $(`#${id}`).value.trim();
  if (!text) return { value: null };
  const value = parseAmount(text);
  if (value === null || Number.isNaN(value) || value < 0) {
    return { problem: "Write the amount as a number, such as 12.50, or leave it empty." };
  }
  return { value };
}

async function save(event) {
  event.preventDefault();
  clearErrors("rule");
  const body = {
    kind: $("#rule-kind").value,
    pattern: $("#rule-pattern").value,
    category_id: Number($("#rule-category").value),
    description: $("#rule-description").value.trim() || null,
  };
  for (const field of ["amount_min", "amount_max"]) {
    const { value, problem } = bound(`rule-${field}`);
    if (problem) {
      showFieldError("rule", { field, message: problem });
      return;
    }
    body[field] = value;
  }
  if (!body.pattern.trim()) {
    showFieldError("rule", { field: "pattern", message: "Write the words the description should contain." });
    return;
  }
  const edited = editing;
  if (!edited) for (const key of ["amount_min", "amount_max", "description"]) if (body[key] === null) delete body[key];
  let rule;
  try {
    rule = edited
      ? await api(`/rules/${edited.id}`, { method: "PUT", body })
      : await api("/rules", { method: "POST", body });
  } catch (error) {
    if (!error.field && /^The pattern /.test(error.message)) error.field = "pattern"; // a regular expression that cannot be read
    showFieldError("rule", error);
    return;
  }
  resetForm();
  say(`${edited ? "Saved" : "Added"} rule ${rule.position}: ${ruleInWords(rule)}.`);
  // Focus moves at once: a late reload used to pull the caret out of a field the person was typing in.
  if (!edited) $("#rule-pattern").focus();
  await unlessFocusMoves(load().catch((error) => say("", error.message)), () => edited && focusRow(edited.id, "edit"));
}

// In the form, Enter saves from every field (a select too), and Esc while editing cancels the edit.
function onFormKey(event) {
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  if (event.key === "Enter" && event.target instanceof HTMLSelectElement) {
    event.preventDefault();
    $("#rule-form").requestSubmit();
  } else if (event.key === "Escape" && editing) {
    event.preventDefault();
    event.stopPropagation();
    cancelEdit();
  }
}

async function openRules() {
  say("");
  resetForm();
  $("#rules-empty").hidden = true;
  $("#rules-dialog").showModal();
  $("#rule-pattern").focus();
  await load().catch((error) => say("", error.message));
}

// ---------------------------------------------------------------------------
// Tidy: the rules and the learning over the expenses already there
// ---------------------------------------------------------------------------

function listFilter() {
  const { q, from, to, category } = state.view;
  const filter = {};
  if (q.trim()) filter.q = q.trim();
  if (from) filter.date_from = from;
  if (to) filter.date_to = to;
  if (category) filter.category_id = Number(category);
  return filter;
}

function tidySay(message, error = "") {
  $("#tidy-status").textContent = message;
  $("#tidy-error").textContent = error;
}

function tidyRow(row, index) {
  const label = `Change ${row.description} (${day(row.date)}) to ${row.new_category_name}`;
  const described = row.new_description && row.new_description !== row.description ? ` as “${row.new_description}”` : "";
  return el("tr", {},
    el("td", { class: "check" }, el("input", { type: "checkbox", checked: true, "data-index": String(index), "aria-label": label })),
    el("td", { class: "nowrap", text: day(row.date) }),
    el("td", { class: "description", text: row.description, title: row.description }),
    el("td", { class: "num", text: money(row.amount) }),
    el("td", { class: "nowrap muted", text: row.category_name }),
    el("td", { class: "nowrap" }, el("strong", { text: row.new_category_name }), described),
    el("td", { class: "reason muted", text: row.reason }));
}

function ticked() {
  return [...document.querySelectorAll("#tidy-table tbody input:checked")].map((box) => tidyRows[Number(box.dataset.index)]);
}

function updateTidyButton() {
  const count = ticked().length;
  $("#tidy-apply").textContent = `Change ${plural(count, "expense")}`;
  $("#tidy-apply").disabled = count === 0;
}

async function previewTidy() {
  const scope = $("#tidy-scope").value;
  tidySay("Looking through your expenses…");
  $("#tidy-apply").disabled = true;
  let result;
  try {
    result = await api("/expenses/tidy/preview", { method: "POST", body: { filter: scope === "list" ? listFilter() : {} } });
  } catch (error) {
    tidySay("", error.message);
    return;
  }
  tidyRows = result.rows;
  tidyNote = result.note;
  $("#tidy-table tbody").replaceChildren(...tidyRows.map(tidyRow));
  $("#tidy-table").hidden = !tidyRows.length;
  const listed = result.changes > tidyRows.length ? ` (the first ${tidyRows.length.toLocaleString()} are listed)` : "";
  tidySay(result.changes
    ? `Of ${plural(result.examined, "expense")}, the rules and what was learned would change ${result.changes.toLocaleString()}${listed}. Untick any to leave as they are.${result.note ? ` ${result.note}` : ""}`
    : `Nothing to change in the ${plural(result.examined, "expense")} looked through.${result.note ? ` ${result.note}` : ""}`);
  updateTidyButton();
}

export async function openTidy() {
  tidyRows = [];
  $("#tidy-table tbody").replaceChildren();
  $("#tidy-table").hidden = true;
  $("#tidy-dialog").showModal();
  $("#tidy-scope").focus();
  await previewTidy();
}

async function undoTidy(edit) {
  try {
    const undone = await api(`/edits/${edit.edit_id}/undo`, { method: "POST" });
    toast(`Undone: ${plural(undone.rows, "expense")} back as they were.`);
  } catch (error) {
    toast(error.message, { label: "Undo", run: () => undoTidy(edit) });
    return;
  }
  await onChanged();
}

async function applyTidy() {
  const changes = ticked().map((row) => ({ id: row.id, category_id: row.new_category_id,
    ...(row.new_description ? { description: row.new_description } : {}) }));
  if (!changes.length) return;
  $("#tidy-apply").disabled = true;
  let edit;
  try {
    edit = await api("/expenses/tidy", { method: "POST", body: { changes } });
  } catch (error) {
    tidySay("", error.message);
    updateTidyButton();
    return;
  }
  $("#tidy-dialog").close();
  // Back to the list, where the Undo is (a modal dialog would leave the toast out of reach).
  if ($("#rules-dialog").open) $("#rules-dialog").close();
  const note = edit.note || tidyNote;
  toast(`Tidied ${plural(edit.rows, "expense")}.${note ? ` ${note}` : ""}`, { label: "Undo", run: () => undoTidy(edit) });
  await onChanged();
}

// ---------------------------------------------------------------------------
// "Always put REWE in Groceries?" after a person moved an expense
// ---------------------------------------------------------------------------

async function createSuggested(suggestion, name) {
  let rule;
  try {
    rule = await api("/rules", { method: "POST", body: {
      kind: suggestion.kind, pattern: suggestion.pattern, category_id: suggestion.category_id } });
  } catch (error) {
    toast(error.message);
    return;
  }
  const added = `Added rule ${rule.position}: “${suggestion.pattern}” goes in ${name}.`;
  if (suggestion.elsewhere > 0) {
    const others = `${plural(suggestion.elsewhere, "other expense")} with “${suggestion.pattern}” ${suggestion.elsewhere === 1 ? "is" : "are"} in another category.`;
    toast(`${added} ${others}`, { label: "Tidy them…", run: openTidy });
  } else {
    toast(added);
  }
}

// Called by the edit dialog once an expense's category was changed.
export async function offerRule(expenseId) {
  let suggestion;
  let existing;
  try {
    [suggestion, existing] = await Promise.all([api(`/rules/suggestion?expense_id=${expenseId}`), api("/rules")]);
  } catch {
    return; // only an offer: the edit itself was saved
  }
  if (!suggestion) return;
  const same = (rule) => rule.kind === suggestion.kind && rule.category_id === suggestion.category_id
    && rule.pattern.toLocaleLowerCase() === suggestion.pattern.toLocaleLowerCase();
  if (existing.some(same)) return; // that rule is there already
  const name = categoryById(suggestion.category_id)?.name ?? "that category";
  const elsewhere = suggestion.elsewhere ? ` (${plural(suggestion.elsewhere, "other expense")} would move too)` : "";
  toast(`Moved to ${name}.${elsewhere}`, {
    label: `Always put ${suggestion.pattern} in ${name}`,
    run: () => createSuggested(suggestion, name),
  }, 15);
}

export function setupRules(changed) {
  onChanged = changed;
  $("#open-rules").addEventListener("click", openRules);
  $("#rule-form").addEventListener("submit", save);
  $("#rule-form").addEventListener("keydown", onFormKey);
  $("#rule-cancel-edit").addEventListener("click", cancelEdit);
  $("#rules-dialog").addEventListener("cancel", (event) => {
    if (!editing) return;
    event.preventDefault();
    cancelEdit();
  });
  $("#open-tidy").addEventListener("click", openTidy);
  $("#tidy-scope").addEventListener("change", previewTidy);
  $("#tidy-table").addEventListener("change", updateTidyButton);
  $("#tidy-apply").addEventListener("click", applyTidy);
}
