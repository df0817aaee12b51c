// The presenter view: the question on air, large, following changes live. Text only.
import { api, live, toast } from "./api.js";

const stage = document.getElementById("stage");
const EVENT = Number(stage.dataset.eventId);
const NAMES = stage.dataset.names === "1";
const authors = NAMES ? "names" : "none";
let current = null;

function show(q) {
  current = q;
  document.getElementById("on-air").hidden = !q;
  document.getElementById("p-idle").hidden = Boolean(q);
  stage.dataset.questionId = q ? q.id : "";
  if (!q) return;
  document.getElementById("p-text").textContent = q.text;
  document.getElementById("p-meta").textContent =
    q.ask_count === 1 ? "Asked by 1 person" : `Asked by ${q.ask_count} people`;
  const names = NAMES ? [...new Set(q.asks.map((a) => a.author).filter(Boolean))] : [];
  document.getElementById("p-names").replaceChildren(...names.map((name) => {
    const li = document.createElement("li");
    li.textContent = name;
    return li;
  }));
}

async function refresh() {
  try {
    const page = await api("GET",
      `/api/v1/events/${EVENT}/questions?status=on_air&limit=1&authors=${authors}`);
    show(page.items[0] ?? null);
  } catch (err) {
    toast(`Could not load the question on air: ${err.message}`);
  }
}

live(`/api/v1/events/${EVENT}/stream?authors=${authors}`, {
  hello: (data) => {
    if (!("resumed" in data)) refresh();
  },
  reset: refresh,
  change: (data) => {
    for (const q of data.questions) {
      if (q.status === "on_air") show(q);
      else if (current && q.id === current.id) show(null);
    }
  },
});
