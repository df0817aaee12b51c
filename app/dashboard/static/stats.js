// The statistics page follows a live event: when the queue changes (the same live stream the
// queue page reads), the figures and the chart are replaced by a fresh rendering of this page.
import { live } from "./api.js";

const box = document.getElementById("stats-live");
const EVENT = Number(box.dataset.eventId);
let timer = null;

async function refresh() {
  const response = await fetch(location.href, { credentials: "same-origin" });
  if (!response.ok) return;
  const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
  const next = fresh.getElementById("stats-live");
  if (next) box.replaceChildren(...next.childNodes);
  box.dataset.refreshed = String(Number(box.dataset.refreshed ?? 0) + 1);
}

// Changes come in bursts: one refresh per second at most.
const soon = () => {
  if (timer === null) timer = setTimeout(() => { timer = null; refresh(); }, 1000);
};

if (box.dataset.live === "1") {
  live(`/api/v1/events/${EVENT}/stream?authors=none`, { change: soon, reset: soon });
}
