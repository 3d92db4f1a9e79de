// Importing a bank file: choose it, check how it is read (columns, formats, categories, which
// rows), then import it with a progress bar. Every change is previewed by the API again.
import { ApiError, api, stream } from "./api.js";
import { openBatches, setupBatches, undoImportToast } from "./batches.js";
import { $, el } from "./dom.js";
import { amountText, day, money, plural } from "./format.js";
import { PartsEditor } from "./splits.js";
import { categoryById, state } from "./state.js";

const FORMATS = ["YYYY-MM-DD", "DD.MM.YYYY", "DD/MM/YYYY", "MM/DD/YYYY", "DD.MM.YY", "DD/MM/YY", "MM/DD/YY",
  "YYYY/MM/DD", "YYYY.MM.DD", "DD-MM-YYYY", "MM-DD-YYYY", "YYYYMMDD", "M/D'YYYY", "M/D'YY", "DD MMM YYYY"];
const ROLES = ["date", "amount", "debit", "credit", "direction", "category"];
const DELIMITERS = { ",": "commas", ";": "semicolons", "\t": "tabs", "|": "bars" };
const DEBOUNCE_MS = 300;

let onImported = async () => {};
let timer = null;
let previewNumber = 0;
let controller = null;

const dialog = $("#import-dialog");
const form = $("#import-form");

function fresh(file) {
  return {
    file, preview: null, mapping: null, profile: null, dateChosen: true, defaultCategory: "",
    categoryMap: {}, unknown: [], include: new Set(), skip: new Set(), busy: false, importing: false,
    rowCategories: {}, // line -> the category the person chose for that row in the preview
    rowParts: {}, // line -> the parts the person split that row into, sent as row_parts
  };
}

function ambiguous(job) {
  return !job.dateChosen && job.preview.date_formats.length > 1;
}

// What the user chose so far, as the API's ImportOptions, with the file, as a form.
function upload(job, forImport) {
  const options = {};
  if (job.mapping) options.mapping = job.mapping;
  if (job.defaultCategory) options.default_category_id = Number(job.defaultCategory);
  if (job.unknown.length) options.category_map = job.categoryMap;
  if (job.include.size) options.include_lines = [...job.include];
  if (job.skip.size) options.skip_lines = [...job.skip];
  if (Object.keys(job.rowCategories).length) options.row_categories = job.rowCategories;
  if (forImport) { // the split rows that are imported (a row left out takes its parts with it)
    const split = Object.fromEntries(Object.entries(job.rowParts).filter(([line]) => {
      const row = job.preview.rows.find((r) => r.line === Number(line));
      return row && wanted(job, row) && row.status !== "problem";
    }));
    if (Object.keys(split).length) options.row_parts = split;
  }
  const saveAs = $("#import-save-as").value.trim();
  if (forImport && saveAs) options.save_profile = saveAs;
  const body = new FormData();
  body.append("file", job.file, job.file.name);
  body.append("options", JSON.stringify(options));
  return body;
}

// ---------------------------------------------------------------------------
// Preview
// ---------------------------------------------------------------------------

function setBusy(job, busy) {
  job.busy = busy;
  $("#import-rows").setAttribute("aria-busy", String(busy));
  updateButton();
}

function schedule() {
  const job = state.importing;
  clearTimeout(timer);
  setBusy(job, true);
  timer = setTimeout(preview, DEBOUNCE_MS);
}

async function preview() {
  const job = state.importing;
  const number = ++previewNumber;
  clearTimeout(timer);
  if (controller) controller.abort();
  controller = new AbortController();
  setBusy(job, true);
  let result;
  try {
    result = await api("/imports/preview", { method: "POST", body: upload(job, false), signal: controller.signal });
  } catch (error) {
    if (error.name === "AbortError" || number !== previewNumber || job !== state.importing) return;
    setBusy(job, false);
    if (job.preview) {
      $("#import-error").textContent = error.message;
    } else { // the file itself cannot be read: say why where it was chosen
      state.importing = null;
      $("#import-reading").textContent = "";
      $("#import-file-error").textContent = error.message;
      $("#import-file").focus();
    }
    return;
  }
  if (number !== previewNumber || job !== state.importing) return;
  setBusy(job, false);
  show(job, result);
}

function show(job, result) {
  const first = !job.preview;
  job.preview = result;
  $("#import-error").textContent = "";
  if (first) {
    job.profile = result.profile;
    job.dateChosen = result.date_formats.length <= 1 || result.profile !== null;
    $("#import-save-as").value = result.profile || "";
    $("#import-save-as").placeholder = result.file_name.replace(/\.[^.]*$/, "");
    renderForm(result);
  }
  // A category name the app does not know yet goes into a new category of that name, unless the
  // user picks another; the preview is asked again with that choice.
  const newNames = result.unknown_categories.filter((name) => !(name in job.categoryMap));
  for (const name of newNames) {
    job.categoryMap[name] = { new: name };
    job.unknown.push(name);
  }
  renderAbout(job, result);
  renderCategories(job, result);
  renderDateWarning(job);
  renderRows(job, result);
  renderCounts(result.counts);
  renderSources(result.category_sources);
  updateButton();
  if (first) {
    showStep(true);
    $("#import-reading").textContent = "";
    const needed = ambiguous(job) ? "#import-date-format"
      : result.needs_default_category ? "#import-default" : "#import-date";
    $(needed).focus();
  }
  if (newNames.length) preview();
}

function columnOptions(select, columns, value) {
  select.replaceChildren(el("option", { value: "", text: "(none)" }),
    ...columns.map((name, index) => el("option", { value: String(index), text: name || `Column ${index + 1}` })));
  select.value = value === null || value === undefined ? "" : String(value);
}

function renderForm(result) {
  const { columns, mapping } = result;
  for (const role of ROLES) columnOptions($(`#import-${role}`), columns, mapping[role]);
  $("#import-description").replaceChildren(el("legend", { text: "Description, from" }),
    ...columns.map((name, index) => el("label", { class: "check" },
      el("input", { type: "checkbox", value: String(index), checked: mapping.description.includes(index) }),
      name || `Column ${index + 1}`)));
  const fits = result.date_formats;
  const job = state.importing;
  const select = $("#import-date-format");
  const groups = [];
  if (!job.dateChosen) groups.push(el("option", { value: "", text: "Choose the date format…" }));
  else if (!mapping.date_format) groups.push(el("option", { value: "", text: "As written in the file" }));
  if (fits.length) {
    groups.push(el("optgroup", { label: fits.length > 1 ? "These fit the dates in the file" : "Fits the dates in the file" },
      ...fits.map((name) => el("option", { value: name, text: name }))));
  }
  groups.push(el("optgroup", { label: "Other formats" },
    ...FORMATS.filter((name) => !fits.includes(name)).map((name) => el("option", { value: name, text: name }))));
  select.replaceChildren(...groups);
  select.value = job.dateChosen ? mapping.date_format || "" : "";
  $("#import-decimal").value = mapping.decimal;
  $("#import-sign").value = mapping.money_out_is_negative ? "negative" : "positive";
}

function renderAbout(job, result) {
  let kind = `an ${result.kind.toUpperCase()} file`;
  if (result.kind === "csv") {
    const delimiter = DELIMITERS[result.delimiter] || `“${result.delimiter}”`;
    kind = `a CSV file in ${result.encoding}, columns separated by ${delimiter}, ${result.has_header ? "with" : "without"} a header row`;
  }
  const how = job.profile
    ? `Read with your saved settings “${job.profile}”${job.mapping ? ", changed below" : ""}.`
    : "The columns were guessed from the file; check them below.";
  $("#import-about").replaceChildren(el("strong", { text: result.file_name }), `: ${kind}. ${how}`);
}

function categorySelect(select, first, value) {
  select.replaceChildren(first, ...state.categories.map((c) => el("option", { value: String(c.id), text: c.name })));
  select.value = value;
}

function renderCategories(job, result) {
  const needsDefault = result.needs_default_category || job.defaultCategory !== "";
  const field = $("#import-default-field");
  if (needsDefault && field.hidden) {
    categorySelect($("#import-default"), el("option", { value: "", text: "Choose a category…" }), job.defaultCategory);
  }
  field.hidden = !needsDefault;
  const map = $("#import-category-map");
  const names = job.unknown.join("\n");
  if (map.dataset.names !== names) { // built again only when the names change, so the focus stays
    map.dataset.names = names;
    map.replaceChildren(...job.unknown.map((name, index) => {
      const select = el("select", { id: `import-map-${index}`, "data-unknown": name });
      const choice = job.categoryMap[name];
      categorySelect(select, el("option", { value: "new", text: `New category “${name}”` }), choice.new ? "new" : String(choice.id));
      return el("div", { class: "field" }, el("label", { for: select.id, text: `“${name}” in the file goes in` }), select);
    }));
  }
  $("#import-categories").hidden = !needsDefault && job.unknown.length === 0;
}

function renderDateWarning(job) {
  const fits = job.preview.date_formats;
  $("#import-date-warning").textContent = ambiguous(job)
    ? `The dates fit more than one format (${fits.join(" or ")}): 01/02 could be the 1st of February or the 2nd of January. `
      + "Choose the format your bank uses; the rows below follow your choice."
    : "";
}

function wanted(job, row) {
  if (job.skip.has(row.line)) return false;
  return row.status === "ready" || job.include.has(row.line);
}

function categoryName(job, row) {
  if (row.category_id) return categoryById(row.category_id)?.name ?? "";
  const choice = row.category && (job.categoryMap[row.category]
    || Object.entries(job.categoryMap).find(([name]) => name.toLocaleLowerCase() === row.category.toLocaleLowerCase())?.[1]);
  if (choice && choice.new) return `${choice.new} (new)`;
  return "";
}

function statusCell(job, row) {
  const lines = [];
  let title = { ready: "Ready", duplicate: "Duplicate", income: "Money in", problem: "Problem" }[row.status];
  if (row.status === "ready" && !wanted(job, row)) title = "Skipped by you";
  else if (wanted(job, row) && row.status !== "problem" && !row.selected && !categoryName(job, row)) {
    lines.push("Needs a category: choose one above.");
  }
  if (row.match) {
    const { date, description, amount } = row.match;
    const what = `${day(date)}, ${description}, ${money(amount)}`;
    lines.push(row.match.id !== null ? `Looks like: ${what}` : `Same as line ${row.match.line}: ${what}`);
  }
  if (row.reason) { // without what the title and the match line already say
    const reason = row.reason.replace(/^Looks like expense \d+: /, "").replace(/^Money in: /, "");
    lines.push(reason.charAt(0).toUpperCase() + reason.slice(1));
  }
  return el("td", { class: "row-status" }, el("strong", { text: title }),
    ...lines.map((text) => el("span", { class: "detail", text })));
}

// Where a row's category comes from, shortly ("rule: REWE", "like 14 earlier", "default"); the
// preview's reason in full is the tooltip.
const SOURCES = { chosen: "by you", file: "from the file", rule: "by your rules", learned: "learned", default: "default" };

function because(row) {
  const reason = row.category_reason || "";
  if (row.category_source === "rule") {
    const pattern = /^rule \d+: (?:contains|matches) (.*)$/.exec(reason);
    return pattern ? `rule: ${pattern[1]}` : "rule";
  }
  if (row.category_source === "learned") {
    const like = /^like (\d[\d,]*) earlier/.exec(reason);
    return like ? `like ${like[1]} earlier` : "learned";
  }
  return { chosen: "your choice", file: "from the file", default: "default" }[row.category_source] || "";
}

// "12 by your rules · 30 learned · 8 default"
function renderSources(sources) {
  const parts = Object.keys(SOURCES).filter((source) => sources?.[source])
    .map((source) => `${sources[source].toLocaleString()} ${SOURCES[source]}`);
  $("#import-sources").textContent = parts.join(" · ");
}

// The row's "Split…" button: the parts editor, for this row, before importing.
function splitButton(row) {
  return el("button", { type: "button", class: "link split-row", "data-split-line": String(row.line),
    "aria-label": `Split line ${row.line}: ${row.description}`, text: "Split…" });
}

function categoryCell(job, row) {
  if (row.status === "problem") return el("td", { class: "category", text: categoryName(job, row) || "–" });
  const parts = job.rowParts[row.line];
  if (parts) { // its categories are its parts'
    const names = parts.map((part) => `${categoryById(part.category_id)?.name ?? ""} ${money(part.amount)}`).join(", ");
    return el("td", { class: "category" },
      el("span", { class: "split-marker", text: `Split: ${parts.length} parts`, title: names }), " ", splitButton(row));
  }
  const select = el("select", { "data-row-category": String(row.line), title: row.category_reason || null,
    "aria-label": `Category of line ${row.line}: ${row.description}` });
  const none = el("option", { value: "", text: categoryName(job, row) || "–" });
  categorySelect(select, none, row.category_id ? String(row.category_id) : "");
  if (row.category_id) none.remove();
  const short = because(row);
  return el("td", { class: "category" }, select,
    short ? el("span", { class: "because muted", text: short, title: row.category_reason || short }) : null,
    row.amount === null ? null : splitButton(row));
}

// ---------------------------------------------------------------------------
// Splitting a row before importing: the same parts editor as an expense's
// ---------------------------------------------------------------------------

let splitEditor = null;
let splitRow = null;
const splitDialog = $("#import-split-dialog");

function openRowSplit(line) {
  const job = state.importing;
  if (!job || !job.preview || job.importing) return;
  splitRow = job.preview.rows.find((r) => r.line === line);
  if (!splitRow) return;
  $("#import-split-heading").textContent = `Split line ${line}`;
  $("#import-split-about").textContent = `${splitRow.description}, ${money(splitRow.amount)}`;
  $("#import-split-error").textContent = "";
  const parts = job.rowParts[line];
  splitEditor.active = true;
  if (parts) splitEditor.fill(parts);
  else {
    splitEditor.fill([]);
    const chosen = job.rowCategories[line] || splitRow.category_id || Number(job.defaultCategory) || state.categories[0]?.id;
    splitEditor.begin(chosen);
  }
  splitDialog.showModal();
  splitEditor.rows()[parts ? 0 : 1]?.querySelector("[data-role=amount]").focus();
}

function keepRowSplit(event) {
  event.preventDefault();
  const job = state.importing;
  let parts;
  try {
    parts = splitEditor.parts();
  } catch (error) {
    $("#import-split-error").textContent = error.message;
    return;
  }
  if (job && splitRow) job.rowParts[splitRow.line] = parts;
  splitDialog.close();
}

function unsplitRow() {
  const job = state.importing;
  if (job && splitRow) delete job.rowParts[splitRow.line];
  splitDialog.close();
}

// Closed (kept, unsplit, Cancel or Escape): the row shows what it is now; the focus is back on its button.
function rowSplitClosed() {
  const job = state.importing;
  splitEditor.active = false;
  if (!job || !job.preview || !splitRow) return;
  const line = splitRow.line;
  splitRow = null;
  renderRows(job, job.preview);
  $(`#import-rows button[data-split-line="${line}"]`)?.focus();
}

function setupRowSplit() {
  splitEditor = new PartsEditor({
    rows: $("#import-split-rows"), remaining: $("#import-split-remaining"), add: $("#import-split-add"),
    total: () => (splitRow && splitRow.amount !== null ? amountText(splitRow.amount) : ""),
    code: () => state.settings.currency,
  });
  $("#import-split-form").addEventListener("submit", keepRowSplit);
  $("#import-split-undo").addEventListener("click", unsplitRow);
  $("#import-split-cancel").addEventListener("click", () => splitDialog.close());
  splitDialog.addEventListener("close", rowSplitClosed);
  $("#import-rows").addEventListener("click", (event) => {
    const button = event.target.closest("button[data-split-line]");
    if (button) openRowSplit(Number(button.dataset.splitLine));
  });
}

function renderRows(job, result) {
  const active = document.activeElement;
  const key = active && active.closest("#import-rows")
    && [["line", "line"], ["rowCategory", "row-category"], ["splitLine", "split-line"]].find(([name]) => active.dataset[name] !== undefined);
  const focused = key ? `${active.tagName.toLowerCase()}[data-${key[1]}="${active.dataset[key[0]]}"]` : null;
  $("#import-rows tbody").replaceChildren(...result.rows.map((row) => {
    const take = wanted(job, row);
    const box = row.status === "problem"
      ? el("span", { class: "muted", text: "–", title: "Rows with a problem cannot be imported" })
      : el("input", { type: "checkbox", "data-line": String(row.line), checked: take,
        "aria-label": `Import line ${row.line}: ${row.description}` });
    return el("tr", { class: `status-${row.status}${take && row.status !== "problem" ? "" : " left-out"}` },
      el("td", { class: "check" }, box),
      el("td", { class: "num muted", text: String(row.line) }),
      el("td", { class: "nowrap", text: row.date ? day(row.date) : "–" }),
      el("td", { class: "description", text: row.description, title: row.description }),
      categoryCell(job, row),
      el("td", { class: "num", text: row.amount === null ? "–" : money(row.amount) }),
      statusCell(job, row));
  }));
  if (focused) $(`#import-rows ${focused}`)?.focus();
  const unlisted = result.counts.rows - result.rows.length;
  $("#import-unlisted").textContent = result.all_rows_listed ? ""
    : `Shown: the first rows and every row that needs a look. The other ${plural(unlisted, "row")} are imported as they are.`;
}

function renderCounts(counts) {
  $("#import-counts").textContent = `${plural(counts.rows, "row")}: ${counts.selected.toLocaleString()} to import, `
    + `${plural(counts.duplicate, "duplicate")}, ${counts.income.toLocaleString()} money in, `
    + `${counts.problem.toLocaleString()} with a problem`;
}

function updateButton() {
  const job = state.importing;
  if (!job || !job.preview) return;
  const { counts } = job.preview;
  let hint = "";
  if (job.importing) hint = "Importing…";
  else if (job.busy) hint = "Checking…";
  else if (ambiguous(job)) hint = "Choose the date format first.";
  else if (job.preview.needs_default_category) hint = "Choose a category for the rows without one.";
  else if (counts.selected === 0) hint = "Nothing to import: tick the rows you want.";
  $("#import-hint").textContent = hint;
  $("#import-go").disabled = hint !== "";
  $("#import-go").textContent = `Import ${plural(counts.selected, "expense")}`;
}

// ---------------------------------------------------------------------------
// The user's changes
// ---------------------------------------------------------------------------

function readMapping(job) {
  const column = (role) => ($(`#import-${role}`).value === "" ? null : Number($(`#import-${role}`).value));
  const mapping = { ...job.preview.mapping };
  for (const role of ROLES) mapping[role] = column(role);
  mapping.description = [...$("#import-description").querySelectorAll("input:checked")].map((box) => Number(box.value));
  mapping.date_format = $("#import-date-format").value || job.preview.mapping.date_format;
  mapping.decimal = $("#import-decimal").value;
  mapping.money_out_is_negative = $("#import-sign").value === "negative";
  return mapping;
}

function tick(job, box) {
  const line = Number(box.dataset.line);
  (box.checked ? job.include : job.skip).add(line);
  (box.checked ? job.skip : job.include).delete(line);
  const row = job.preview.rows.find((r) => r.line === line);
  if (row && row.selected !== box.checked) { // counted at once; the preview then says exactly
    row.selected = box.checked;
    job.preview.counts.selected += box.checked ? 1 : -1;
    renderCounts(job.preview.counts);
  }
}

function changed(event) {
  const job = state.importing;
  const target = event.target;
  if (!job || !job.preview || job.importing || target.id === "import-save-as") return;
  if (target.dataset.rowCategory !== undefined) {
    // The person's choice for this row wins over the file, the rules and the learning.
    if (target.value) job.rowCategories[target.dataset.rowCategory] = Number(target.value);
    else delete job.rowCategories[target.dataset.rowCategory];
  } else if (target.closest("#import-rows")) tick(job, target);
  else if (target.id === "import-default") job.defaultCategory = target.value;
  else if (target.dataset.unknown !== undefined) {
    job.categoryMap[target.dataset.unknown] = target.value === "new" ? { new: target.dataset.unknown } : { id: Number(target.value) };
  } else {
    // One amount column, or two (money out and money in): choosing one kind clears the other.
    if (target.id === "import-amount" && target.value !== "") $("#import-debit").value = $("#import-credit").value = "";
    if (["import-debit", "import-credit"].includes(target.id) && target.value !== "") $("#import-amount").value = "";
    if (target.id === "import-date-format" && target.value) {
      job.dateChosen = true;
      target.querySelector('option[value=""]')?.remove();
      renderDateWarning(job);
    }
    if (target.id === "import-category") { // other names, other choices
      job.categoryMap = {};
      job.unknown = [];
    }
    job.mapping = readMapping(job);
  }
  schedule();
}

// ---------------------------------------------------------------------------
// Import, with progress
// ---------------------------------------------------------------------------

function progress(event) {
  const bar = $("#import-progress");
  let text = `${event.phase}…`;
  if (event.total > 1) {
    bar.max = event.total;
    bar.value = event.done;
    text = `${event.phase} ${event.done.toLocaleString()} of ${event.total.toLocaleString()}`;
  } else {
    bar.removeAttribute("value");
  }
  $("#import-progress-text").textContent = text;
}

function lockForm(locked) {
  for (const control of form.querySelectorAll("fieldset, #import-rows input, #import-rows select, #import-rows button, #import-save-as")) control.disabled = locked;
  $("#import-back").disabled = locked;
  $("#import-progress-box").hidden = !locked;
}

async function runImport(event) {
  event.preventDefault();
  const job = state.importing;
  if (!job || !job.preview || job.busy || job.importing || $("#import-go").disabled) return;
  job.importing = true;
  const body = upload(job, true);
  $("#import-error").textContent = "";
  lockForm(true);
  progress({ phase: "Starting", done: 0, total: 0 });
  updateButton();
  let last;
  try {
    last = await stream("/imports", { method: "POST", body }, (line) => line.phase && progress(line));
    if (last && last.error) throw new ApiError(last.error, last.status);
    if (!last || !last.batch) throw new ApiError("The import ended without an answer; see Past imports before trying again.", 0);
  } catch (error) {
    job.importing = false;
    lockForm(false);
    $("#import-error").textContent = error.message;
    updateButton();
    return;
  }
  const { batch } = last;
  if (state.importing === job) state.importing = null;
  lockForm(false);
  if (dialog.open) dialog.close();
  await onImported();
  const skipped = batch.skipped ? `; ${batch.skipped.toLocaleString()} skipped` : "";
  undoImportToast(batch, `Imported ${plural(batch.imported, "expense")} from ${batch.file_name}${skipped}.`);
}

// ---------------------------------------------------------------------------
// Steps: choose a file, then check and import it
// ---------------------------------------------------------------------------

function showStep(checking) {
  $("#import-choose").hidden = checking;
  form.hidden = !checking;
  $("#import-back").hidden = !checking;
  $("#import-go").hidden = !checking;
  $("#import-hint").hidden = !checking;
}

function stop() {
  clearTimeout(timer);
  if (controller) controller.abort();
  previewNumber += 1;
  if (!state.importing || !state.importing.importing) state.importing = null;
}

function open() {
  stop();
  showStep(false);
  $("#import-reading").textContent = "";
  $("#import-file-error").textContent = "";
  if (!dialog.open) dialog.showModal();
  $("#import-file").focus();
  openBatches();
}

function choose(file) {
  if (!file || (state.importing && state.importing.importing)) return;
  if (!dialog.open || state.importing) open();
  state.importing = fresh(file);
  $("#import-file").value = ""; // so that the same file can be chosen again
  $("#import-file-error").textContent = "";
  $("#import-reading").textContent = `Reading ${file.name}…`;
  $("#import-category-map").dataset.names = "";
  $("#import-default-field").hidden = true;
  preview();
}

const hasFiles = (event) => event.dataTransfer && [...event.dataTransfer.types].includes("Files");

function setupDrop() {
  const zone = $("#import-drop");
  window.addEventListener("dragover", (event) => {
    if (!hasFiles(event)) return;
    event.preventDefault(); // a file dropped on the window is imported, not opened by the browser
    zone.classList.add("dragging");
  });
  window.addEventListener("dragleave", (event) => {
    if (!event.relatedTarget) zone.classList.remove("dragging");
  });
  window.addEventListener("drop", (event) => {
    if (!hasFiles(event)) return;
    event.preventDefault();
    zone.classList.remove("dragging");
    if (document.querySelector("dialog[open]:not(#import-dialog)")) return; // busy with something else
    choose(event.dataTransfer.files[0]);
  });
}

export function setupImport(imported) {
  onImported = imported;
  setupBatches(imported);
  setupDrop();
  setupRowSplit();
  $("#open-import").addEventListener("click", open);
  $("#import-file").addEventListener("change", (event) => choose(event.target.files[0]));
  $("#import-back").addEventListener("click", open);
  form.addEventListener("change", changed);
  form.addEventListener("submit", runImport);
  dialog.addEventListener("close", stop);
}
