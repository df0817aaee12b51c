// The merge dialog: a searchable list, the likely duplicates first, nothing chosen until the
// moderator chooses, and an explicit "Merge into #N".
const $ = (id) => document.getElementById(id);
const dialog = $("merge-dialog");
const filter = $("merge-filter");
const list = $("merge-list");
const ok = $("merge-ok");
let chosen = null;
let settle = null;

function choose(li) {
  for (const other of list.querySelectorAll("[aria-selected=true]")) other.setAttribute("aria-selected", "false");
  chosen = li ? Number(li.dataset.id) : null;
  li?.setAttribute("aria-selected", "true");
  li?.scrollIntoView({ block: "nearest" });
  ok.disabled = chosen === null;
  ok.textContent = chosen === null ? "Merge into …" : `Merge into #${chosen}`;
}

function visibleOptions() {
  return [...list.querySelectorAll("li[role=option]:not([hidden])")];
}

function applyFilter() {
  const words = filter.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
  for (const li of list.querySelectorAll("li[role=option]")) {
    li.hidden = !words.every((w) => li.dataset.search.includes(w));
  }
  for (const head of list.querySelectorAll("li.merge-group")) {
    let next = head.nextElementSibling;
    let any = false;
    while (next && !next.classList.contains("merge-group")) {
      any ||= !next.hidden;
      next = next.nextElementSibling;
    }
    head.hidden = !any;
  }
  const shown = visibleOptions();
  $("merge-none").hidden = shown.length > 0;
  if (chosen !== null && !shown.some((li) => Number(li.dataset.id) === chosen)) choose(null);
}

function step(by) {
  const shown = visibleOptions();
  if (!shown.length) return;
  const at = shown.findIndex((li) => Number(li.dataset.id) === chosen);
  choose(shown[at < 0 ? (by > 0 ? 0 : shown.length - 1) : Math.min(shown.length - 1, Math.max(0, at + by))]);
}

function finish(value) {
  const done = settle;
  settle = null;
  if (dialog.open) dialog.close();
  done?.(value);
}

// groups: [[heading, [[id, label], …]], …]. Resolves to the chosen id, or null.
export function chooseMergeTarget(title, groups) {
  $("merge-title").textContent = title;
  const items = [];
  for (const [heading, pairs] of groups) {
    if (!pairs.length) continue;
    const head = document.createElement("li");
    head.className = "merge-group";
    head.textContent = heading;
    items.push(head);
    for (const [id, label] of pairs) {
      const li = document.createElement("li");
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", "false");
      li.dataset.id = String(id);
      li.dataset.search = `#${id} ${label}`.toLowerCase();
      li.textContent = label;
      items.push(li);
    }
  }
  list.replaceChildren(...items);
  filter.value = "";
  choose(null);
  applyFilter();
  dialog.showModal();
  filter.focus();
  return new Promise((resolve) => {
    settle = resolve;
  });
}

filter.addEventListener("input", applyFilter);
filter.addEventListener("keydown", (event) => {
  if (event.key === "ArrowDown" || event.key === "ArrowUp") {
    event.preventDefault();
    step(event.key === "ArrowDown" ? 1 : -1);
  } else if (event.key === "Enter") {
    event.preventDefault();
    if (chosen !== null) finish(chosen);
  } else if (event.key === "Escape" && filter.value) {
    event.preventDefault(); // the first Esc clears the filter, the second closes
    filter.value = "";
    applyFilter();
  }
});
list.addEventListener("click", (event) => {
  const li = event.target.closest("li[role=option]");
  if (li) choose(li);
});
list.addEventListener("dblclick", (event) => {
  const li = event.target.closest("li[role=option]");
  if (li) finish(Number(li.dataset.id));
});
ok.addEventListener("click", () => chosen !== null && finish(chosen));
$("merge-cancel").addEventListener("click", () => finish(null));
dialog.addEventListener("close", () => finish(null));
