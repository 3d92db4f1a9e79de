// The categories dialog: list, add with a colour, rename, recolour, delete (the API may refuse,
// and says why). Renaming: the Rename button turns the name into a field; Enter saves, Esc cancels.
import { api } from "./api.js";
import { $, el } from "./dom.js";
import { state } from "./state.js";

let onChanged = async () => {};
let renaming = null; // the id of the category whose name is being edited

export async function loadCategories() {
  state.categories = await api("/categories");
}

function say(text) {
  $("#category-error").textContent = text;
}

// The API's words, said for this dialog.
function wording(error, name) {
  if (error.status === 409) return `There is already a category called “${name}”; choose another name.`;
  if (error.field === "name" && !name) return "A category needs a name.";
  return error.message;
}

function nameCell(category) {
  if (renaming !== category.id) return el("span", { class: "grow category-name", text: category.name });
  const input = el("input", {
    class: "grow", value: category.name, maxlength: "50", autocomplete: "off", "data-rename": String(category.id),
    "aria-label": `New name for ${category.name}`, "aria-describedby": "category-error",
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      event.preventDefault();
      rename(category, input.value.trim());
    } else if (event.key === "Escape") {
      event.preventDefault(); // leaves the name as it was; the dialog stays open
      event.stopPropagation();
      stopRenaming(category);
    }
  });
  return input;
}

function renderList() {
  $("#category-list").replaceChildren(...state.categories.map((category) => el("li", { "data-id": String(category.id) },
    el("span", { class: "swatch", style: { background: category.color }, "aria-hidden": "true" }),
    nameCell(category),
    renaming === category.id
      ? el("button", { type: "button", class: "link", text: "Save", "aria-label": `Save the new name of ${category.name}`,
        onclick: () => rename(category, $(`input[data-rename="${category.id}"]`).value.trim()) })
      : el("button", { type: "button", class: "link", text: "Rename", "aria-label": `Rename category ${category.name}`,
        "data-action": "rename", onclick: () => startRenaming(category) }),
    el("input", { type: "color", value: category.color, "aria-label": `Colour of ${category.name}`,
      onchange: (event) => recolour(category, event.target.value) }),
    el("button", {
      type: "button", class: "link danger", text: "Delete", "aria-label": `Delete category ${category.name}`,
      onclick: () => remove(category),
    }))));
}

function focusInRow(id, selector) {
  $(`#category-list li[data-id="${id}"] ${selector}`)?.focus();
}

function startRenaming(category) {
  say("");
  renaming = category.id;
  renderList();
  const input = $(`input[data-rename="${category.id}"]`);
  input.focus();
  input.select();
}

function stopRenaming(category) {
  renaming = null;
  say("");
  renderList();
  focusInRow(category.id, '[data-action="rename"]');
}

async function changed() {
  await loadCategories();
  renderList();
  await onChanged();
}

async function rename(category, name) {
  if (name === category.name) {
    stopRenaming(category);
    return;
  }
  const input = $(`input[data-rename="${category.id}"]`);
  try {
    await api(`/categories/${category.id}`, { method: "PUT", body: { name } });
  } catch (error) {
    say(wording(error, name));
    input.setAttribute("aria-invalid", "true");
    input.focus();
    return;
  }
  renaming = null;
  say("");
  await changed();
  focusInRow(category.id, '[data-action="rename"]');
}

async function recolour(category, color) {
  say("");
  try {
    await api(`/categories/${category.id}`, { method: "PUT", body: { color } });
  } catch (error) {
    say(`${category.name}: ${error.message}`);
    return;
  }
  await changed();
  focusInRow(category.id, 'input[type="color"]');
}

async function remove(category) {
  say("");
  try {
    await api(`/categories/${category.id}`, { method: "DELETE" });
  } catch (error) {
    say(`${category.name}: ${error.message}.`.replace("..", "."));
    return;
  }
  await changed();
}

async function add(event) {
  event.preventDefault();
  say("");
  const name = $("#category-name");
  try {
    await api("/categories", { method: "POST", body: { name: name.value, color: $("#category-color").value } });
  } catch (error) {
    say(wording(error, name.value.trim()));
    name.focus();
    return;
  }
  name.value = "";
  await changed();
}

export function setupCategories(changedCallback) {
  onChanged = changedCallback;
  $("#open-categories").addEventListener("click", () => {
    renaming = null;
    renderList();
    say("");
    $("#categories-dialog").showModal();
    $("#category-name").focus();
  });
  $("#category-form").addEventListener("submit", add);
  // Esc while renaming cancels the renaming, not the dialog.
  $("#categories-dialog").addEventListener("cancel", (event) => {
    if (renaming === null) return;
    event.preventDefault();
    stopRenaming(state.categories.find((category) => category.id === renaming) || { id: renaming });
  });
}
