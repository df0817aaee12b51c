// The queue page: the API's order, live changes over SSE, actions by click and by key.
// Chat text is hostile: it only ever reaches the page through textContent.
import { ago, api, live, toast } from "./api.js";
import { fillMark, refreshMarks, setupSuggestions } from "./suggestions.js";
import { plain } from "./bidi.js";
import { chooseMergeTarget } from "./merge.js";
import { dropUndo, expectUndo, offerUndo } from "./undo.js";

const $ = (selector, root = document) => root.querySelector(selector);
const page = $("#queue-page");
const EVENT = Number(page.dataset.eventId);
const CAN_ACT = page.dataset.canAct === "1";
// Hosts and admins (moderators if the event allows) may show askers' names; the API refuses others.
const CAN_SEE_NAMES = page.dataset.canSeeNames === "1";
const TABS = {
  pending: ["pending"], open: ["on_air", "open"], on_air: ["on_air"],
  answered: ["answered"], dismissed: ["dismissed"], hidden: ["hidden"],
  suggested: ["pending", "open", "on_air"], // the review lane: with a suggestion (suggestions.js)
};
const KEYS = {
  o: "on_air", a: "answered", d: "dismissed", h: "hidden", r: "open",
  p: "pin", u: "upvote", e: "edit", n: "note", m: "merge",
};
const list = $("#queue");
const news = $("#news");
const actions = $("#actions");
const rowTemplate = $("#row-tpl").content.firstElementChild;
const askTemplate = $("#ask-tpl").content.firstElementChild;

const state = {
  tab: "open", platform: "", q: "", sort: "score",
  names: CAN_SEE_NAMES && new URLSearchParams(location.search).get("names") === "1",
  items: new Map(), // id → question, as last seen
  order: [], // ids shown, in the API's order
  rows: new Map(), // id → <li>
  selected: null,
  incoming: new Map(), // arrivals held back while the host is busy with the list
  stale: false, // a row's place changed while the list was held still
  hovering: false,
  loading: true,
  early: [], // changes that arrived while the list was loading
  expanded: new Set(),
  loads: 0,
  onAirByMe: null, // the question this page put on air, to say when someone else replaces it
};

const authors = () => (state.names ? "names" : "none");
// Kept from scroll events: reading scrollY per arrival would force a layout of every row.
let scrolledDown = false;
const frozen = () => state.hovering || scrolledDown;
const matches = (q) => TABS[state.tab].includes(q.status)
  && (state.tab !== "suggested" || Boolean(q.suggestion))
  && (!state.platform || q.platforms.includes(state.platform));

// The repository's order: on air, pinned, then score (or not), first asked, id.
function compare(a, b) {
  const air = (q) => (q.status === "on_air" ? 0 : 1);
  if (air(a) !== air(b)) return air(a) - air(b);
  if (a.pinned !== b.pinned) return a.pinned ? -1 : 1;
  if (state.sort === "score" && a.score !== b.score) return b.score - a.score;
  const at = Date.parse(a.first_asked_at) - Date.parse(b.first_asked_at);
  return at !== 0 ? at : a.id - b.id;
}

async function load() {
  const mine = ++state.loads;
  state.loading = true;
  const query = new URLSearchParams({
    status: TABS[state.tab].join(","), sort: state.sort, limit: "500", authors: authors(),
  });
  if (state.platform) query.set("platform", state.platform);
  if (state.q) query.set("q", state.q);
  if (state.tab === "suggested") query.set("suggested", "true");
  const items = [];
  try {
    let cursor = null;
    do {
      if (cursor) query.set("cursor", cursor);
      const got = await api("GET", `/api/v1/events/${EVENT}/questions?${query}`);
      items.push(...got.items);
      cursor = got.next_cursor;
    } while (cursor && items.length < 20000);
    counts(await api("GET", `/api/v1/events/${EVENT}/counts`));
  } catch (err) {
    toast(`Could not load the questions: ${err.message}`);
  }
  if (mine !== state.loads) return; // a newer load replaced this one
  state.items = new Map(items.map((q) => [q.id, q]));
  state.order = items.map((q) => q.id);
  state.incoming.clear();
  state.stale = false;
  render();
  state.loading = false;
  const early = state.early;
  state.early = [];
  early.forEach((q) => apply(q));
}

let reloadTimer = null;
function reloadSoon() {
  clearTimeout(reloadTimer);
  reloadTimer = setTimeout(load, 300);
}

function render() {
  parkActions();
  state.rows = new Map();
  const fragment = document.createDocumentFragment();
  for (const id of state.order) fragment.append(makeRow(state.items.get(id)));
  list.replaceChildren(fragment);
  select(state.rows.has(state.selected) ? state.selected : (state.order[0] ?? null), false);
  afterChange();
}

function makeRow(q) {
  const li = rowTemplate.cloneNode(true);
  li.dataset.id = q.id;
  state.rows.set(q.id, li);
  fill(li, q);
  return li;
}

function badge(platform) {
  const span = document.createElement("span");
  span.className = `badge p-${/^[a-z]+$/.test(platform) ? platform : "other"}`;
  span.textContent = platform;
  return span;
}

function languageBadge(code) {
  const span = document.createElement("span");
  span.className = "badge lang";
  span.title = "language (detected)";
  span.textContent = code.toUpperCase();
  return span;
}

function fill(li, q) {
  li.dataset.status = q.status;
  li.classList.toggle("on-air", q.status === "on_air");
  li.classList.toggle("pending", q.status === "pending");
  li.classList.toggle("pinned", q.pinned);
  li.classList.toggle("paid", q.paid);
  $(".q-text", li).textContent = plain(q.text);
  $(".asked", li).textContent = `${q.ask_count} asked ▾`;
  // A non-English question shows its detected language, so translations can be merged by hand.
  const language = q.language && q.language !== "en" ? [languageBadge(q.language)] : [];
  $(".platforms", li).replaceChildren(...q.platforms.map(badge), ...language);
  $(".votes", li).textContent = q.upvotes ? `▲ ${q.upvotes}` : "";
  const age = $(".age", li);
  age.dataset.at = q.first_asked_at;
  age.textContent = ago(q.first_asked_at);
  $(".again", li).textContent = q.asked_again ? `asked again ×${q.asked_again}` : "";
  $(".qid", li).textContent = `#${q.id}`;
  const note = $(".note", li);
  note.textContent = plain(q.note);
  note.hidden = !q.note;
  fillMark(li, q, state.items);
  // A re-render (a reload, the names switch) keeps a row open that the host opened.
  const open = state.expanded.has(q.id);
  if (open) fillAsks(li, q);
  $(".asks", li).hidden = !open;
  $(".asked", li).setAttribute("aria-expanded", String(open));
  if (state.selected === q.id) labelActions(q);
}

function fillAsks(li, q) {
  const asks = q.asks.map((a) => {
    const item = askTemplate.cloneNode(true);
    $(".badge", item).replaceWith(badge(a.platform));
    const author = $(".author", item);
    author.textContent = plain(a.author);
    author.hidden = !a.author;
    $(".ask-text", item).textContent = plain(a.text);
    const time = $(".ask-time", item);
    time.dateTime = a.asked_at;
    time.dataset.at = a.asked_at;
    time.textContent = ago(a.asked_at);
    const split = $(".split", item);
    split.hidden = !CAN_ACT || q.asks.length < 2;
    split.dataset.ask = a.id;
    return item;
  });
  $(".asks", li).replaceChildren(...asks);
}

function toggleAsks(id) {
  const li = state.rows.get(id);
  if (!li) return;
  const open = !state.expanded.has(id);
  if (open) state.expanded.add(id);
  else state.expanded.delete(id);
  if (open) fillAsks(li, state.items.get(id));
  $(".asks", li).hidden = !open;
  $(".asked", li).setAttribute("aria-expanded", String(open));
}

function indexFor(q) {
  let lo = 0;
  let hi = state.order.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (compare(state.items.get(state.order[mid]), q) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function insert(q) {
  const at = indexFor(q);
  state.order.splice(at, 0, q.id);
  const li = state.rows.get(q.id) ?? makeRow(q);
  list.insertBefore(li, state.rows.get(state.order[at + 1]) ?? null);
}

function inPlace(id) {
  const at = state.order.indexOf(id);
  const q = state.items.get(id);
  const before = state.items.get(state.order[at - 1]);
  const after = state.items.get(state.order[at + 1]);
  return (!before || compare(before, q) < 0) && (!after || compare(q, after) < 0);
}

function removeRow(id) {
  const at = state.order.indexOf(id);
  if (at >= 0) state.order.splice(at, 1);
  const li = state.rows.get(id);
  if (li) {
    if (actions && li.contains(actions)) parkActions();
    li.remove();
    state.rows.delete(id);
  }
  if (state.selected === id) {
    state.selected = null;
    select(state.order[Math.min(at, state.order.length - 1)] ?? null, false);
  }
}

// One change, from the stream, a refetch or our own action (`mine`): full state, versioned.
function apply(q, mine = false) {
  if (state.loading) {
    state.early.push(q);
    return;
  }
  const old = state.items.get(q.id);
  if (old && old.version > q.version) return;
  const mineOnAir = state.items.get(state.onAirByMe);
  if (!mine && q.status === "on_air" && mineOnAir?.status === "on_air" && q.id !== mineOnAir.id) {
    toast(`#${mineOnAir.id}, which you put on air, went back to the queue: someone else put `
      + `#${q.id} on air.`, "warn");
    state.onAirByMe = null;
  }
  if (q.status === "on_air") {
    // The server put the previous one back to open (and bumped its version).
    for (const other of state.items.values()) {
      if (other.id !== q.id && other.status === "on_air") refetch(other.id);
    }
  }
  state.items.set(q.id, q);
  refreshMarks(list, q, state.items);
  if (state.q) {
    reloadSoon(); // the server decides what a search matches
    return;
  }
  const li = state.rows.get(q.id);
  if (!matches(q)) {
    state.incoming.delete(q.id);
    if (li) removeRow(q.id);
  } else if (li) {
    fill(li, q);
    if (!inPlace(q.id)) {
      if (mine || !frozen() || q.status === "on_air") { // on air goes to the top, always
        state.order.splice(state.order.indexOf(q.id), 1);
        insert(q);
      } else {
        state.stale = true;
      }
    }
  } else if (!mine && frozen() && q.status !== "on_air") {
    state.incoming.set(q.id, q);
  } else {
    state.incoming.delete(q.id); // it may have been held back before our own answer came
    flush();
    insert(q);
  }
  afterChange();
}

function flush() {
  const waiting = [...state.incoming.keys()];
  state.incoming.clear();
  for (const id of waiting) {
    const q = state.items.get(id);
    if (q && !state.rows.has(id) && matches(q)) insert(q);
  }
  if (state.stale) {
    state.stale = false;
    state.order.sort((a, b) => compare(state.items.get(a), state.items.get(b)));
    list.append(...state.order.map((id) => state.rows.get(id)));
  }
  afterChange();
}

function afterChange() {
  const n = state.incoming.size;
  news.hidden = n === 0;
  news.textContent = `${n} new — show`;
  $("#empty").hidden = state.order.length > 0;
}

// Counts come from the stream and from refetches, in either order: keep the later position.
let countsAsOf = -1;
function counts(byStatus) {
  if (byStatus.as_of < countsAsOf) return;
  countsAsOf = byStatus.as_of;
  for (const el of document.querySelectorAll("[data-count]")) {
    const tab = el.dataset.count;
    if (tab === "suggested") { // the review lane is counted by the server, not by status
      el.textContent = byStatus.suggested ?? 0;
      continue;
    }
    // A tab counts what it shows: the Open tab holds the question on air too.
    const shown = TABS[tab] ?? [tab];
    el.textContent = shown.reduce((n, status) => n + (byStatus[status] ?? 0), 0);
  }
}

function parkActions() {
  if (!actions) return;
  actions.hidden = true;
  page.append(actions);
}

function labelActions(q) {
  if (!actions) return;
  const button = (act) => $(`[data-act="${act}"]`, actions);
  button("on_air").textContent = q.status === "on_air" ? "Off air" : "On air";
  button("pin").textContent = q.pinned ? "Unpin" : "Pin";
  button("open").textContent = q.status === "pending" ? "Approve" : "Back to queue";
  button("open").hidden = q.status === "open";
}

function select(id, scroll = true) {
  state.rows.get(state.selected)?.classList.remove("selected");
  state.selected = id;
  const li = state.rows.get(id);
  if (!li) {
    parkActions();
    return;
  }
  li.classList.add("selected");
  if (actions) {
    li.insertBefore(actions, $(".asks", li));
    labelActions(state.items.get(id));
    actions.hidden = false;
  }
  if (scroll) {
    li.focus({ preventScroll: true });
    li.scrollIntoView({ block: "nearest" });
  }
}

async function refetch(id) {
  try {
    apply(await api("GET", `/api/v1/questions/${id}?authors=${authors()}`), true);
  } catch (err) {
    if (err.status === 404) removeRow(id);
    else toast(`Could not refresh #${id}: ${err.message}`);
  }
}

function failed(id, err) {
  if (err.status === 409) {
    toast(err.data?.conflict || err.data?.repeated ? err.message
      : `#${id} was changed by someone else first; showing the latest. ${err.message}`, "warn");
    refetch(id);
  } else if (err.status === 404) {
    toast(`#${id} no longer exists (merged away?).`);
    removeRow(id);
  } else {
    toast(`Could not change #${id}: ${err.message}`);
  }
}

async function call(id, method, url, body) {
  try {
    apply(await api(method, url, body), true);
    return true;
  } catch (err) {
    failed(id, err);
    return false;
  }
}

// Each change says what it saw of the fields it changes: only a change to the same field
// conflicts (a pin or a new ask elsewhere does not).
const seenOf = (q, change) => Object.fromEntries(Object.keys(change).map((k) => [k, q[k] ?? null]));
const patch = async (q, change, undoable = true) => {
  const url = `/api/v1/questions/${q.id}`;
  const expected = undoable ? expectUndo() : null;
  const done = await call(q.id, "PATCH", url, { ...change, seen: seenOf(q, change) });
  if (done && undoable) {
    const before = seenOf(q, change);
    offerUndo(undoMessage(q, change), () => patch(state.items.get(q.id) ?? q, before, false),
      expected);
  } else if (expected) {
    dropUndo(expected);
  }
  return done;
};
const undoMessage = (q, change) => {
  if ("status" in change) return `#${q.id} is now ${change.status.replace("_", " ")}.`;
  if ("pinned" in change) return `#${q.id} ${change.pinned ? "pinned" : "unpinned"}.`;
  return `#${q.id}: ${Object.keys(change).join(", ")} changed.`;
};

// Edit a text field; if someone else changed it first, the draft stays and both are shown.
async function editField(q, field, title) {
  let seen = q[field] ?? null;
  let draft = q[field] ?? "";
  let theirs = null;
  for (;;) {
    const value = await ask(title, draft, null, theirs);
    if (value === null || (field === "text" && !value.trim())) return;
    const expected = expectUndo();
    try {
      const body = { [field]: value, seen: { [field]: seen } };
      const saved = await api("PATCH", `/api/v1/questions/${q.id}`, body);
      apply(saved, true);
      const before = { [field]: seen ?? (field === "note" ? "" : seen) };
      offerUndo(`#${q.id}: ${field === "text" ? "text edited" : "note saved"}.`,
        () => patch(state.items.get(q.id) ?? saved, before, false), expected);
      return;
    } catch (err) {
      dropUndo(expected);
      const conflict = err.data?.conflict;
      if (err.status !== 409 || conflict?.field !== field) {
        failed(q.id, err);
        return;
      }
      toast(err.message, "warn");
      [draft, seen, theirs] = [value, conflict.theirs, conflict.theirs ?? ""];
      refetch(q.id);
    }
  }
}

async function run(action, id = state.selected) {
  const q = state.items.get(id);
  if (!q || !CAN_ACT) return;
  if (["on_air", "answered", "dismissed", "hidden"].includes(action)) {
    const status = q.status === action ? "open" : action;
    if (status === "on_air") state.onAirByMe = q.id;
    await patch(q, { status });
  } else if (action === "open") {
    await patch(q, { status: "open" });
  } else if (action === "pin") {
    await patch(q, { pinned: !q.pinned });
  } else if (action === "upvote") {
    await call(q.id, "POST", `/api/v1/questions/${q.id}/upvote?once=true`);
  } else if (action === "edit") {
    await editField(q, "text", `Edit #${q.id}`);
  } else if (action === "note") {
    await editField(q, "note", `Note on #${q.id} (for the host)`);
  } else if (action === "merge") {
    await merge(q);
  }
}

async function merge(q) {
  const clip = (text) => (text.length > 90 ? `${text.slice(0, 89)}…` : text);
  const label = (other) => `#${other.id} · ${clip(plain(other.text))}`;
  const others = state.order.filter((id) => id !== q.id)
    .map((id) => [id, label(state.items.get(id))]);
  // The questions that read most alike come first: the likely duplicates, for a moderator to judge.
  let alike = [];
  try {
    alike = (await api("GET", `/api/v1/questions/${q.id}/similar`)).items
      .map((s) => [
        s.question.id,
        `${label(s.question)}${lang(s.question)}${s.by === "meaning" ? " · alike in meaning" : ""}`,
      ]);
  } catch {
    // Suggestions are a help, not a need: merge from the whole list.
  }
  const shown = new Set(alike.map(([id]) => id));
  const rest = others.filter(([id]) => !shown.has(id));
  if (!alike.length && !rest.length) {
    toast("There is no other question here to merge into.", "warn");
    return;
  }
  const groups = [["Reads most alike", alike], ["All questions", rest]].filter(([, o]) => o.length);
  const into = await chooseMergeTarget(`Merge #${q.id} into…`, groups);
  if (!into) return;
  try {
    const target = await api("POST", `/api/v1/questions/${q.id}/merge`, { into: Number(into) });
    apply({ ...q, status: "hidden", version: q.version + 1 }, true);
    apply(target, true);
    toast(`Merged #${q.id} into #${target.id}.`, "info");
  } catch (err) {
    failed(q.id, err);
  }
}

function lang(q) {
  return q.language && q.language !== "en" ? ` (${q.language})` : "";
}

async function splitAsk(askId, fromId) {
  try {
    const made = await api("POST", `/api/v1/asks/${askId}/split`);
    apply(made, true);
    await refetch(fromId);
    toast(`Split off as #${made.id}.`, "info");
  } catch (err) {
    failed(fromId, err);
  }
}

// A small modal form: free text, or a choice among options in groups ([name, [value, label]
// pairs] each).
function ask(title, value, groups = null, theirs = null) {
  const dialog = $("#form-dialog");
  $("#dialog-theirs").hidden = theirs === null;
  $("#dialog-theirs-text").textContent = plain(theirs);
  const text = $("#dialog-text");
  const choice = $("#dialog-select");
  $("#dialog-title").textContent = title;
  const options = Boolean(groups);
  text.hidden = options;
  choice.hidden = !options;
  if (options) {
    choice.replaceChildren(...groups.map(([name, pairs]) => {
      const group = document.createElement("optgroup");
      group.label = name;
      group.append(...pairs.map(([v, label]) => {
        const option = document.createElement("option");
        option.value = v;
        option.textContent = label;
        return option;
      }));
      return group;
    }));
  } else {
    text.value = value;
  }
  dialog.returnValue = "";
  dialog.showModal();
  (options ? choice : text).focus();
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => {
      const ok = dialog.returnValue === "ok";
      resolve(ok ? (options ? choice.value : text.value) : null);
      state.rows.get(state.selected)?.focus({ preventScroll: true });
    }, { once: true });
  });
}

for (const field of [$("#dialog-text"), $("#dialog-select")]) {
  field.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      $("#dialog-ok").click();
    }
  });
}

list.addEventListener("click", (event) => {
  const li = event.target.closest("li.q");
  if (!li) return;
  const id = Number(li.dataset.id);
  const split = event.target.closest(".split");
  const act = event.target.closest("[data-act]");
  if (event.target.closest(".asked")) toggleAsks(id);
  else if (split) splitAsk(Number(split.dataset.ask), id);
  else if (act) run(act.dataset.act, id);
  if (state.selected !== id && state.rows.has(id)) select(id, false);
});
list.addEventListener("mouseenter", () => { state.hovering = true; });
list.addEventListener("mouseleave", () => {
  state.hovering = false;
  if (state.stale && !frozen()) flush();
});
window.addEventListener("scroll", () => {
  scrolledDown = window.scrollY > 40;
  if (state.stale && !frozen()) flush();
}, { passive: true });
news.addEventListener("click", () => {
  flush();
  window.scrollTo({ top: 0, behavior: "instant" });
});

document.addEventListener("keydown", (event) => {
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  if (event.key === "Enter" && event.target.closest("button, a")) return; // a click already
  if (event.target.closest("input, textarea, select, dialog")) {
    if (event.key === "Escape" && event.target.id === "search") {
      event.target.value = ""; // an empty box means no filter, at once
      searchNow();
      event.target.blur();
    }
    return;
  }
  const at = state.order.indexOf(state.selected);
  const key = event.key;
  if (key === "j") select(state.order[Math.min(at + 1, state.order.length - 1)] ?? null);
  else if (key === "k") select(state.order[Math.max(at - 1, 0)] ?? null);
  else if (key === "/") $("#search").focus();
  else if (key === "?") $("#help").showModal();
  else if ((key === "x" || key === "Enter") && state.selected !== null) toggleAsks(state.selected);
  else if (KEYS[key] && CAN_ACT && state.selected !== null) run(KEYS[key]);
  else return;
  event.preventDefault();
});

$("#tabs").addEventListener("click", (event) => {
  const tab = event.target.closest("[data-tab]");
  if (!tab) return;
  state.tab = tab.dataset.tab;
  for (const other of document.querySelectorAll("[data-tab]")) {
    other.classList.toggle("active", other === tab);
  }
  load();
});
$("#platform").addEventListener("change", (event) => {
  state.platform = event.target.value;
  load();
});
$("#sort").addEventListener("change", (event) => {
  state.sort = event.target.value;
  load();
});
let searchTimer = null;
function searchNow() {
  clearTimeout(searchTimer);
  const q = $("#search").value.trim();
  if (q === state.q) return;
  state.q = q;
  load();
}
$("#search").addEventListener("input", () => {
  clearTimeout(searchTimer);
  searchTimer = setTimeout(searchNow, 250);
});
$("#search").addEventListener("search", searchNow); // the box's own clear button
$("#help-open").addEventListener("click", () => $("#help").showModal());
if ($("#names")) $("#names").checked = state.names;
$("#names")?.addEventListener("change", (event) => {
  state.names = event.target.checked;
  const url = new URL(location.href);
  if (state.names) url.searchParams.set("names", "1");
  else url.searchParams.delete("names");
  history.replaceState(null, "", url);
  connect();
});
$("#add-form")?.addEventListener("submit", async (event) => {
  event.preventDefault();
  const input = $("#add-text");
  if (!input.value.trim()) return;
  try {
    const made = await api("POST", `/api/v1/events/${EVENT}/questions`, { text: input.value });
    input.value = "";
    apply(made.question, true);
    const where = made.question.status === "pending"
      ? " It waits in Pending: this event reviews new questions first (approve it with r)."
      : "";
    toast(made.outcome === "merged" ? `Merged into #${made.question.id}.${where}`
      : `Added as #${made.question.id}.${where}`, "info");
  } catch (err) {
    toast(`Could not add the question: ${err.message}`);
  }
});

let stream = null;
let greeted = false;
function connect() {
  stream?.close();
  const conn = $("#conn");
  stream = live(`/api/v1/events/${EVENT}/stream?authors=${authors()}`, {
    hello: (data) => {
      greeted = true;
      if (!("resumed" in data)) load(); // from now on nothing is missed: load what is there
    },
    reset: () => load(),
    change: (data) => data.questions.forEach((q) => apply(q)),
    counts,
  }, (now) => {
    conn.textContent = now === "live" ? "● live" : "reconnecting…";
    conn.dataset.state = now;
  });
}
connect();
setupSuggestions({
  list, canAct: CAN_ACT, items: () => state.items, selected: () => state.selected, apply, failed,
});
setTimeout(() => {
  if (!greeted) {
    toast("Live updates are not connected yet; showing the queue as it is now.", "warn");
    load();
  }
}, 4000);
setInterval(() => {
  for (const el of list.querySelectorAll("[data-at]")) {
    const text = ago(el.dataset.at);
    if (el.textContent !== text) el.textContent = text;
  }
}, 20000);
