// The chat panel: what detection set aside as chatter (last 15 minutes, in the server's memory
// only), live over SSE, per platform; one click or key makes a message a question.
// Chat text is hostile: it only ever reaches the page through textContent.
import { ago, api, live, toast } from "./api.js";

const panel = document.getElementById("chat-panel");
if (panel) init(panel);

function init(panel) {
  const $ = (selector, root = panel) => root.querySelector(selector);
  const EVENT = Number(panel.dataset.eventId);
  const list = $("#chat-list");
  const template = $("#chat-tpl").content.firstElementChild;
  const names = document.getElementById("names");
  const state = { items: new Map(), rows: new Map(), platform: "", busy: new Set() };

  const authors = () => (names?.checked ? "names" : "none");
  const visible = () => [...list.children].filter((li) => !li.hidden);

  function badge(platform) {
    const span = document.createElement("span");
    span.className = `badge p-${/^[a-z]+$/.test(platform) ? platform : "other"}`;
    span.textContent = platform;
    return span;
  }

  function makeRow(item) {
    const li = template.cloneNode(true);
    li.dataset.id = item.id;
    li.dataset.platform = item.platform;
    $(".badge", li).replaceWith(badge(item.platform));
    const author = $(".chat-author", li);
    author.textContent = item.author ?? "";
    author.hidden = !item.author;
    $(".chat-text", li).textContent = item.text;
    const time = $(".chat-time", li);
    time.dateTime = item.asked_at;
    time.dataset.at = item.asked_at;
    time.textContent = ago(item.asked_at);
    return li;
  }

  function shown(li) {
    return !state.platform || li.dataset.platform === state.platform;
  }

  function refresh() {
    const all = [...state.items.values()];
    $("#chat-count").textContent = all.length;
    for (const el of panel.querySelectorAll("[data-chat-count]")) {
      const p = el.dataset.chatCount;
      el.textContent = p ? all.filter((i) => i.platform === p).length : all.length;
    }
    for (const li of list.children) li.hidden = !shown(li);
    $("#chat-empty").hidden = visible().length > 0;
  }

  // Newest first: what just arrived is at the top, where the eye is.
  function add(items) {
    for (const item of items) {
      if (state.items.has(item.id)) continue;
      state.items.set(item.id, item);
      const li = makeRow(item);
      state.rows.set(item.id, li);
      list.prepend(li);
    }
    refresh();
  }

  function remove(ids) {
    for (const id of ids) {
      const li = state.rows.get(id);
      if (li && li === document.activeElement) {
        const next = li.nextElementSibling ?? li.previousElementSibling;
        next?.focus();
      }
      li?.remove();
      state.rows.delete(id);
      state.items.delete(id);
    }
    refresh();
  }

  function snapshot(data) {
    state.items.clear();
    state.rows.clear();
    list.replaceChildren();
    add(data.items);
  }

  async function promote(li) {
    const id = Number(li.dataset.id);
    if (state.busy.has(id)) return;
    state.busy.add(id);
    li.querySelector(".promote").disabled = true;
    try {
      const made = await api("POST", `/api/v1/events/${EVENT}/chatter/${id}/promote`);
      remove([id]);
      const verb = made.outcome === "merged" ? "Merged into" : "Now question";
      toast(`${verb} #${made.question.id}.`, "info");
    } catch (err) {
      if (err.status === 404) {
        remove([id]);
        toast(`That message is no longer in the chat: ${err.message}`, "warn");
      } else {
        li.querySelector(".promote").disabled = false;
        toast(`Could not make it a question: ${err.message}`);
      }
    } finally {
      state.busy.delete(id);
    }
  }

  list.addEventListener("click", (event) => {
    const li = event.target.closest("li.chat-msg");
    if (!li) return;
    if (event.target.closest(".promote")) promote(li);
    else li.focus();
  });

  // Keys inside the panel are the panel's: the queue's keys must not act on its own selection.
  panel.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || event.key === "Tab") return;
    if (event.target.closest("input, textarea, select")) return;
    // A button's own Enter and Space click it (the promote button promotes).
    if ((event.key === "Enter" || event.key === " ") && event.target.closest("button")) {
      event.stopPropagation();
      return;
    }
    const li = event.target.closest("li.chat-msg");
    const rows = visible();
    const at = rows.indexOf(li);
    const key = event.key;
    if ((key === "j" || key === "ArrowDown") && rows.length) rows[Math.min(at + 1, rows.length - 1)].focus();
    else if ((key === "k" || key === "ArrowUp") && rows.length) rows[Math.max(at - 1, 0)].focus();
    else if ((key === "Enter" || key === "q") && li) promote(li);
    else if (key === "Escape") {
      const selected = document.querySelector("#queue li.selected");
      if (selected) selected.focus({ preventScroll: true });
      else document.activeElement?.blur();
    } else if (key === "?" || key === "/") {
      return; // the page's help and search
    }
    event.stopPropagation();
    event.preventDefault();
  });

  document.addEventListener("keydown", (event) => {
    if (event.key !== "c" || event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.target.closest("input, textarea, select, dialog")) return;
    if (panel.classList.contains("collapsed")) collapse(false);
    (visible()[0] ?? list).focus?.();
    event.preventDefault();
  });

  $(".chat-filters").addEventListener("click", (event) => {
    const button = event.target.closest("[data-chat-platform]");
    if (!button) return;
    state.platform = button.dataset.chatPlatform;
    for (const other of panel.querySelectorAll("[data-chat-platform]")) {
      other.classList.toggle("active", other === button);
    }
    refresh();
  });

  function collapse(on) {
    panel.classList.toggle("collapsed", on);
    const button = $("#chat-collapse");
    button.textContent = on ? "Show" : "Hide";
    button.setAttribute("aria-expanded", String(!on));
    try {
      localStorage.setItem("liveq.chat.collapsed", on ? "1" : "0");
    } catch {
      // Private windows may refuse storage: the choice then lasts for this page only.
    }
  }
  $("#chat-collapse").addEventListener("click", () => collapse(!panel.classList.contains("collapsed")));
  try {
    if (localStorage.getItem("liveq.chat.collapsed") === "1") collapse(true);
  } catch {
    // as above
  }

  // The page's help lists the panel's keys too.
  const help = document.querySelector("#help .keys");
  if (help) {
    const dt = document.createElement("dt");
    dt.textContent = "c";
    const dd = document.createElement("dd");
    dd.textContent = "the chat panel (there: j / k move, Enter or q make a question, Esc back)";
    help.append(dt, dd);
  }

  let stream = null;
  function connect() {
    stream?.close();
    const conn = $("#chat-conn");
    stream = live(`/api/v1/events/${EVENT}/chatter/stream?authors=${authors()}`, {
      snapshot,
      add: (data) => add(data.items),
      remove: (data) => remove(data.ids),
    }, (now) => {
      conn.textContent = now === "live" ? "● live" : "reconnecting…";
      conn.dataset.state = now;
    });
  }
  names?.addEventListener("change", connect);
  connect();
  setInterval(() => {
    for (const el of list.querySelectorAll("[data-at]")) {
      const text = ago(el.dataset.at);
      if (el.textContent !== text) el.textContent = text;
    }
  }, 20000);
}
