// Compact density for long queues: smaller rows, remembered in this browser.
const button = document.getElementById("density");
const KEY = "liveq.density";

function set(compact) {
  document.body.classList.toggle("compact", compact);
  button.setAttribute("aria-pressed", String(compact));
  try {
    localStorage.setItem(KEY, compact ? "compact" : "comfortable");
  } catch {
    // Storage may be off (private windows): the choice then lasts for this page only.
  }
}

let saved = null;
try {
  saved = localStorage.getItem(KEY);
} catch {
  saved = null;
}
set(saved === "compact");
button.addEventListener("click", () => set(!document.body.classList.contains("compact")));
