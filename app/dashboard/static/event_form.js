// The event form on the events page: create an event, or edit one in place.
import { api, toast } from "./api.js";

const form = document.getElementById("new-event");
const $ = (id) => document.getElementById(id);
let editing = null; // the event being edited, as the API gave it

// <input type="datetime-local"> speaks local time without an offset; the API wants one.
const toLocalInput = (iso) => {
  if (!iso) return "";
  const at = new Date(iso);
  return new Date(at.getTime() - at.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
};
const fromLocalInput = (value) => (value ? new Date(value).toISOString() : null);

function sourcesFrom(data) {
  const sources = [];
  const chat = String(data.get("chat") ?? "");
  if (chat) {
    const source = { platform: "telegram", chat_id: Number(chat) };
    const topic = String(data.get("topic") ?? "").trim();
    if (topic) source.thread_id = Number(topic);
    sources.push(source);
  }
  const video = String(data.get("youtube") ?? "").trim();
  if (video) sources.push({ platform: "youtube", video });
  const mailbox = String(data.get("mailbox") ?? "").trim();
  const tag = String(data.get("subject_tag") ?? "").trim();
  if (mailbox) sources.push({ platform: "email", mailbox, subject_tag: tag || null });
  if (data.get("web") === "on") sources.push({ platform: "web" });
  return sources;
}

function body() {
  const data = new FormData(form);
  const out = {
    title: String(data.get("title") ?? ""),
    question_mode: data.get("question_mode"),
    review: data.get("review") === "on",
    acknowledge: data.get("acknowledge") === "on",
    paid_boost: Number(data.get("paid_boost") || 0),
  };
  const end = fromLocalInput(String(data.get("planned_end") ?? ""));
  if (end) out.planned_end_at = end;
  const sources = sourcesFrom(data);
  // An edit sends the sources only when they changed: an event may have more than this form shows.
  if (!editing || JSON.stringify(sources) !== JSON.stringify(sourcesFrom(loaded))) out.sources = sources;
  return out;
}

let loaded = new FormData();

function ensureChat(id) {
  const select = $("ev-chat");
  if (![...select.options].some((o) => o.value === String(id))) {
    const option = document.createElement("option");
    option.value = String(id);
    option.textContent = `chat ${id}`;
    select.append(option);
  }
}

async function edit(id) {
  try {
    editing = await api("GET", `/api/v1/events/${id}`);
  } catch (err) {
    toast(`Could not load the event: ${err.message}`);
    return;
  }
  const telegram = editing.sources.find((s) => s.platform === "telegram");
  const youtube = editing.sources.find((s) => s.platform === "youtube");
  $("ev-title").value = editing.title;
  if (telegram) ensureChat(telegram.chat_id);
  $("ev-chat").value = telegram ? String(telegram.chat_id) : "";
  $("ev-topic").value = telegram?.thread_id ?? "";
  $("ev-youtube").value = youtube?.video ?? "";
  const email = editing.sources.find((s) => s.platform === "email");
  $("ev-mailbox").value = email?.mailbox ?? "";
  $("ev-tag").value = email?.subject_tag ?? "";
  $("ev-web").checked = editing.sources.some((s) => s.platform === "web");
  $("ev-mode").value = editing.question_mode;
  $("ev-end").value = toLocalInput(editing.planned_end_at);
  $("ev-boost").value = editing.paid_boost;
  $("ev-review").checked = editing.review;
  $("ev-ack").checked = editing.acknowledge;
  loaded = new FormData(form);
  form.dataset.mode = "edit";
  $("ev-heading").textContent = `Edit “${editing.title}”`;
  $("ev-submit").textContent = "Save changes";
  $("ev-cancel").hidden = false;
  form.scrollIntoView({ block: "start" });
  $("ev-title").focus();
}

form?.addEventListener("submit", async (event) => {
  event.preventDefault();
  try {
    if (editing) {
      await api("PATCH", `/api/v1/events/${editing.id}`, body());
      location.reload();
    } else {
      const made = await api("POST", "/api/v1/events", body());
      location.assign(`/events/${made.id}`);
    }
  } catch (err) {
    toast(`Could not ${editing ? "save" : "create"} the event: ${err.message}`);
  }
});
$("ev-cancel")?.addEventListener("click", () => location.reload());
for (const button of document.querySelectorAll("[data-edit]")) {
  button.addEventListener("click", () => edit(Number(button.dataset.edit)));
}
