// Tags: typed as "#holiday #work-trip" (or "holiday, work-trip"), shown as chips in the list;
// a chip or the Show tag menu filters the list by it (kept in the URL as ?tag=holiday), and the
// bulk bar's Tag… and Untag… put tags on the ticked expenses or take them off.
import { api } from "./api.js";
import { $, el } from "./dom.js";
import { plural } from "./format.js";
import { setView, state } from "./state.js";

// The tags of one field, each once: "#Holiday, work-trip" → ["Holiday", "work-trip"] (the API
// stores them in lower case and says in words what is wrong with a bad one).
export function parseTags(text) {
  const names = text.split(/[\s,]+/).map((part) => part.replace(/^#/, "")).filter(Boolean);
  return [...new Set(names)];
}

export const tagsText = (tags) => tags.map((name) => `#${name}`).join(" ");

// Show only the expenses with this tag too (the other filters stay).
export function filterByTag(name) {
  if (!state.view.tag.includes(name)) setView({ tag: [...state.view.tag, name] });
}

export function tagChip(name) {
  return el("button", {
    type: "button", class: "tag-chip", text: `#${name}`, title: `Show only expenses tagged #${name}`,
    "aria-label": `Show only #${name}`, onclick: () => filterByTag(name),
  });
}

// The Show tag menu: every tag in use, and the tags the list is filtered by as chips that take them away.
export async function loadTagChoices() {
  let tags;
  try {
    tags = await api("/tags");
  } catch {
    return;
  }
  renderTagChoices(tags.map((tag) => tag.name));
}

let known = [];

function renderTagChoices(names = known) {
  known = names;
  const select = $("#filter-tag");
  const options = names.filter((name) => !state.view.tag.includes(name))
    .map((name) => el("option", { value: name, text: `#${name}` }));
  select.replaceChildren(el("option", { value: "", text: names.length ? "Any tag" : "No tags yet" }), ...options);
  select.value = "";
}

export function renderTagFilters() {
  renderTagChoices();
  $("#filter-tags").replaceChildren(...state.view.tag.map((name) => el("button", {
    type: "button", class: "tag-chip active", text: `#${name} ×`, "aria-label": `Stop filtering by #${name}`,
    onclick: () => {
      setView({ tag: state.view.tag.filter((other) => other !== name) });
      $("#filter-tag").focus();
    },
  })));
}

export function setupTagFilters() {
  const select = $("#filter-tag");
  select.addEventListener("change", () => {
    if (select.value) filterByTag(select.value);
  });
  loadTagChoices();
}

// The bulk bar's Tag… and Untag…: one dialog, the tags typed as in the entry row.
export function setupBulkTags(count, chosen, clearSelection, runBulk) {
  const dialog = $("#bulk-tag-dialog");
  const input = $("#bulk-tag-input");
  let adding = true;
  const open = (add) => {
    adding = add;
    $("#bulk-tag-heading").textContent = `${add ? "Tag" : "Untag"} ${plural(count(), "expense")}`;
    $("#bulk-tag-label").textContent = add ? "Tags to put on them" : "Tags to take off them";
    $("#bulk-tag-submit").textContent = add ? "Tag" : "Untag";
    $("#bulk-tag-error").textContent = "";
    input.value = "";
    dialog.showModal();
    input.focus();
  };
  $("#bulk-tag").addEventListener("click", () => open(true));
  $("#bulk-untag").addEventListener("click", () => open(false));
  $("#bulk-tag-cancel").addEventListener("click", () => dialog.close());
  $("#bulk-tag-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const tags = parseTags(input.value);
    if (!tags.length) {
      $("#bulk-tag-error").textContent = "Type at least one tag, like #holiday.";
      input.focus();
      return;
    }
    const body = { action: adding ? "add_tags" : "remove_tags", tags, ...chosen() };
    dialog.close();
    clearSelection();
    await runBulk(body);
    loadTagChoices();
  });
}
