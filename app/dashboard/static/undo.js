// Undo for the last action: a toast with an "Undo" button for a few seconds (or the z key).
const SECONDS = 8;
let current = null; // { item, undo }

function clear() {
  current?.item.remove();
  current = null;
}

export function offerUndo(message, undo) {
  clear();
  const item = document.createElement("div");
  item.className = "toast info undo";
  item.setAttribute("role", "status");
  const text = document.createElement("span");
  text.textContent = message;
  const button = document.createElement("button");
  button.type = "button";
  button.className = "undo-button";
  button.textContent = "Undo (z)";
  const mine = { item, undo };
  button.addEventListener("click", () => run(mine));
  item.append(text, button);
  document.getElementById("toasts").append(item);
  current = mine;
  setTimeout(() => current === mine && clear(), SECONDS * 1000);
}

async function run(offer) {
  if (current !== offer) return;
  clear();
  await offer.undo();
}

document.addEventListener("keydown", (event) => {
  if (event.key !== "z" || event.ctrlKey || event.metaKey || event.altKey || !current) return;
  if (event.target.closest("input, textarea, select, dialog")) return;
  event.preventDefault();
  run(current);
});
