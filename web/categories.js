// The categories dialog: list, add with a colour, delete (the API may refuse, and says why).
import { api } from "./api.js";
import { $, el } from "./dom.js";
import { state } from "./state.js";

let onChanged = async () => {};

export async function loadCategories() {
  state.categories = await api("/categories");
}

function renderList() {
  $("#category-list").replaceChildren(...state.categories.map((category) => el("li", {},
    el("span", { class: "swatch", style: { background: category.color }, "aria-hidden": "true" }),
    el("span", { class: "grow", text: category.name }),
    el("button", {
      type: "button", class: "link danger", text: "Delete", "aria-label": `Delete category ${category.name}`,
      onclick: () => remove(category),
    }))));
}

async function remove(category) {
  $("#category-error").textContent = "";
  try {
    await api(`/categories/${category.id}`, { method: "DELETE" });
  } catch (error) {
    $("#category-error").textContent = `${category.name}: ${error.message}.`.replace("..", ".");
    return;
  }
  await loadCategories();
  renderList();
  await onChanged();
}

async function add(event) {
  event.preventDefault();
  $("#category-error").textContent = "";
  const name = $("#category-name");
  try {
    await api("/categories", { method: "POST", body: { name: name.value, color: $("#category-color").value } });
  } catch (error) {
    $("#category-error").textContent = error.message;
    name.focus();
    return;
  }
  name.value = "";
  await loadCategories();
  renderList();
  await onChanged();
}

export function setupCategories(changed) {
  onChanged = changed;
  $("#open-categories").addEventListener("click", () => {
    renderList();
    $("#category-error").textContent = "";
    $("#categories-dialog").showModal();
    $("#category-name").focus();
  });
  $("#category-form").addEventListener("submit", add);
}
