// The search box: every word must occur in the description, whatever its case and accents;
// the matches are marked in the table.
import { $, el } from "./dom.js";
import { setView, state } from "./state.js";

const DELAY_MS = 200;
let timer = null;

// One character without its accents, in lower case ("É" → "e").
const foldChar = (char) => char.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase();

export function fold(text) {
  return [...text].map(foldChar).join("");
}

// The description as text and <mark> nodes: the folded copy is searched, and each of its
// positions maps back to the original character it came from.
export function highlight(text, q) {
  const words = fold(q || "").split(/\s+/).filter(Boolean);
  if (!words.length) return [text];
  let folded = "";
  const origin = []; // origin[i]: where folded[i] starts in text
  let position = 0;
  for (const char of text) {
    const part = foldChar(char);
    for (let i = 0; i < part.length; i += 1) origin.push(position);
    folded += part;
    position += char.length;
  }
  origin.push(text.length);
  const marked = new Array(text.length + 1).fill(false);
  for (const word of words) {
    for (let at = folded.indexOf(word); at >= 0; at = folded.indexOf(word, at + 1)) {
      const end = at + word.length < origin.length ? origin[at + word.length] : text.length;
      for (let i = origin[at]; i < Math.max(end, origin[at] + 1); i += 1) marked[i] = true;
    }
  }
  const nodes = [];
  let start = 0;
  for (let i = 1; i <= text.length; i += 1) {
    if (i === text.length || marked[i] !== marked[start]) {
      const piece = text.slice(start, i);
      if (piece) nodes.push(marked[start] ? el("mark", { text: piece }) : piece);
      start = i;
    }
  }
  return nodes;
}

export function renderSearch() {
  const box = $("#search");
  if (document.activeElement !== box || box.value.trim() !== state.view.q.trim()) box.value = state.view.q;
}

export function setupSearch() {
  const box = $("#search");
  box.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => setView({ q: box.value }), DELAY_MS);
  });
  box.addEventListener("keydown", (event) => {
    if (event.key !== "Escape" || !box.value) return;
    event.preventDefault();
    event.stopPropagation();
    clearTimeout(timer);
    box.value = "";
    setView({ q: "" });
  });
}
