// Suggestions on the queue's rows: "maybe the same as #12 — asked 4×", found as the question
// arrived. `s` (or the button) merges the row into that earlier question, which keeps its place,
// text and status; `i` dismisses the suggestion, and the pair is never offered again.
// Chat text is hostile: it only ever reaches the page through textContent.
import { api, toast } from "./api.js";

export const SUGGESTION_KEYS = { s: "merge", i: "dismiss" };

// The mark on one row; `items` (id → question) gives the earlier question's count as seen now.
export function fillMark(li, q, items) {
  const mark = li.querySelector(".mark");
  if (!mark) return;
  const s = q.suggestion;
  mark.hidden = !s;
  li.classList.toggle("suggested", Boolean(s));
  if (!s) {
    delete mark.dataset.into;
    return;
  }
  const into = items.get(s.into);
  const count = into ? into.ask_count : s.into_ask_count;
  const text = mark.querySelector(".mark-text");
  text.textContent = `maybe the same as #${s.into} — asked ${count}×`;
  text.title = `${into ? into.text : s.into_text}\n(alike in ${s.by}, ${Math.round(s.score)}/100)`;
  mark.dataset.suggestion = s.id;
  mark.dataset.into = s.into;
}

// The stream delivered `q`: the marks on other rows that point at it follow its count and text
// (their own rows are not re-sent when only the earlier question changed).
export function refreshMarks(list, q, items) {
  for (const mark of list.querySelectorAll(`.mark[data-into="${Number(q.id)}"]`)) {
    const li = mark.closest("li.q");
    const marked = li && items.get(Number(li.dataset.id));
    if (marked) fillMark(li, marked, items);
  }
}

// Keys and clicks; `queue` gives the page's state and its ways to show a change.
export function setupSuggestions(queue) {
  async function act(action, id) {
    const q = queue.items().get(id);
    if (!q || !queue.canAct) return;
    const s = q.suggestion;
    if (!s) {
      toast(`#${q.id} has no suggestion to ${action}.`, "warn");
      return;
    }
    try {
      const got = await api("POST", `/api/v1/suggestions/${s.id}/${action}`);
      if (action === "merge") {
        queue.apply({ ...q, status: "hidden", suggestion: null, version: q.version + 1 }, true);
        queue.apply(got, true);
        toast(`Merged #${q.id} into #${got.id}.`, "info");
      } else {
        queue.apply(got, true);
      }
    } catch (err) {
      queue.failed(q.id, err);
    }
  }

  queue.list.addEventListener("click", (event) => {
    const button = event.target.closest(".mark-merge, .mark-dismiss");
    const li = event.target.closest("li.q");
    if (!button || !li) return;
    act(button.classList.contains("mark-merge") ? "merge" : "dismiss", Number(li.dataset.id));
  });
  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.target.closest("input, textarea, select, dialog")) return;
    const action = SUGGESTION_KEYS[event.key];
    const id = queue.selected();
    if (!action || id === null) return;
    event.preventDefault();
    act(action, id);
  });
}
