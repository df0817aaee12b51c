// Undo for the last action: a toast with an "Undo" button for a few seconds (or the z key).
const SECONDS = 8;
let current = null; // { item, undo }
// The last undoable action still waiting for the server's answer. Its effect can show before
// that answer (the live stream often brings it first): z pressed meanwhile undoes it once it
// has landed, never the action before it.
let awaited = null; // { wanted }

function clear() {
  current?.item.remove();
  current = null;
}

// An undoable action is under way: it is the last action now.
export function expectUndo() {
  clear();
  awaited = { wanted: false };
  return awaited;
}

// The action of `expectUndo` failed: there is nothing to undo.
export function dropUndo(expected) {
  if (awaited === expected) awaited = null;
}

// The action of `expectUndo` has landed: undo it now if z asked for it, else offer it.
export function offerUndo(message, undo, expected) {
  if (awaited !== expected) return; // a later action is the last one now
  awaited = null;
  clear();
  if (expected.wanted) {
    undo();
    return;
  }
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
  if (event.key !== "z" || event.ctrlKey || event.metaKey || event.altKey) return;
  if (!current && !awaited) return;
  if (event.target.closest("input, textarea, select, dialog")) return;
  event.preventDefault();
  if (awaited) awaited.wanted = true;
  else run(current);
});
