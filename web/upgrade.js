// While an older or large file is upgraded to this version, the page shows how far it is and waits.
const POLL_MS = 250;

export function describeUpgrade(health) {
  const percent = Math.round((health.progress || 0) * 100);
  const step = health.step ? ` — ${health.step.charAt(0).toLowerCase()}${health.step.slice(1)}` : "";
  return `Upgrading your expenses to this version: ${percent}%${step}`;
}

async function readHealth() {
  try {
    const response = await fetch("/health", { cache: "no-store" });
    return await response.json();
  } catch {
    return null; // start() then says the API cannot be reached
  }
}

// Resolves when the database can be used (or /health says something else is wrong), with what
// /health said last.
export async function waitForUpgrade() {
  let health = await readHealth();
  if (!health || health.status !== "upgrading") return health;
  const box = document.getElementById("upgrade");
  const text = document.createElement("p");
  const bar = document.createElement("progress");
  bar.max = 1;
  bar.setAttribute("aria-label", "Upgrade progress");
  const note = document.createElement("p");
  note.className = "muted";
  note.textContent = "This happens once; nothing is lost if the window is closed meanwhile.";
  box.replaceChildren(text, bar, note);
  box.hidden = false;
  document.body.dataset.loaded = "upgrading";
  while (health && health.status === "upgrading") {
    text.textContent = describeUpgrade(health);
    bar.value = health.progress || 0;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    health = await readHealth();
  }
  box.hidden = true;
  box.replaceChildren();
  delete document.body.dataset.loaded; // start() sets it again once the data is shown
  return health;
}
