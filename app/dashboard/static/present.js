// The presenter view: the question on air, large, following changes live. Text only.
import { api, live, toast } from "./api.js";
import { plain } from "./bidi.js";

const stage = document.getElementById("stage");
const EVENT = Number(stage.dataset.eventId);
const NAMES = stage.dataset.names === "1";
const authors = NAMES ? "names" : "none";
const text = document.getElementById("p-text");
const MIN_PX = 14;
let current = null;

// The largest font (down to MIN_PX) at which the whole question fits above its "Asked by"
// line; below that, the question is cut after the lines that fit, with an ellipsis.
function fit() {
  text.style.removeProperty("--fit");
  text.classList.remove("clamped");
  if (!current) return;
  const fits = () => text.scrollHeight <= text.clientHeight + 1;
  if (fits()) return;
  let lo = MIN_PX;
  let hi = parseFloat(getComputedStyle(text).fontSize);
  const at = (px) => {
    text.style.setProperty("--fit", `${px}px`);
    return fits();
  };
  if (!at(lo)) {
    const line = parseFloat(getComputedStyle(text).lineHeight) || lo * 1.2;
    text.style.setProperty("--lines", String(Math.max(1, Math.floor(text.clientHeight / line))));
    text.classList.add("clamped");
    return;
  }
  while (hi - lo > 0.5) {
    const mid = (lo + hi) / 2;
    if (at(mid)) lo = mid;
    else hi = mid;
  }
  at(lo);
}

function show(q) {
  current = q;
  document.getElementById("on-air").hidden = !q;
  document.getElementById("p-idle").hidden = Boolean(q);
  stage.dataset.questionId = q ? q.id : "";
  if (!q) return;
  text.textContent = plain(q.text);
  document.getElementById("p-meta").textContent =
    q.ask_count === 1 ? "Asked by 1 person" : `Asked by ${q.ask_count} people`;
  const names = NAMES ? [...new Set(q.asks.map((a) => plain(a.author)).filter(Boolean))] : [];
  document.getElementById("p-names").replaceChildren(...names.map((name) => {
    const li = document.createElement("li");
    li.textContent = name;
    return li;
  }));
  fit();
  stage.dataset.fitted = String(q.id);
}

new ResizeObserver(() => fit()).observe(stage);

let changes = 0; // a change seen while a refresh was on its way is newer than its answer

async function refresh() {
  const before = changes;
  try {
    const page = await api("GET",
      `/api/v1/events/${EVENT}/questions?status=on_air&limit=1&authors=${authors}`);
    if (changes === before) show(page.items[0] ?? null);
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
    changes += 1;
    for (const q of data.questions) {
      if (q.status === "on_air") show(q);
      else if (current && q.id === current.id) show(null);
    }
  },
});
