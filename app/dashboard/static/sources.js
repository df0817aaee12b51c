// The sources panel: each source's state, why it stopped and how to fix it, refreshed live.
import { ago, api } from "./api.js";

const panel = document.getElementById("sources");
const EVENT = Number(panel.dataset.eventId);
const template = document.getElementById("source-tpl").content.firstElementChild;
const EVERY_MS = 5000;

function name(src) {
  if (src.platform === "youtube") return `video ${src.video}`;
  if (src.platform === "telegram") return `chat ${src.chat_id}${src.thread_id ? ` · topic ${src.thread_id}` : ""}`;
  return src.platform;
}

function time(iso) {
  return iso ? new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }) : "";
}

function facts(health) {
  const out = [];
  const quota = health.quota;
  if (quota?.units_left != null) {
    const of = quota.daily_quota ? ` of ${quota.daily_quota.toLocaleString()}` : "";
    out.push(`quota left ${quota.units_left.toLocaleString()}${of} units`);
  }
  if (quota?.interval_seconds) out.push(`reading every ${Math.round(quota.interval_seconds * 10) / 10} s`);
  if (quota?.lasts_until) out.push(`at this pace the quota lasts until ${time(quota.lasts_until)}`);
  if (health.last_read_at) out.push(`last read ${ago(health.last_read_at)}`);
  out.push(health.last_question_at ? `last question ${ago(health.last_question_at)}` : "no question yet");
  return out.join(" · ");
}

function render(sources) {
  const items = sources.filter((s) => s.health).map((src) => {
    const li = template.cloneNode(true);
    const health = src.health;
    li.dataset.level = health.level;
    li.dataset.platform = src.platform;
    const platform = li.querySelector(".source-platform");
    platform.textContent = src.platform === "youtube" ? "YouTube" : "Telegram";
    platform.classList.add(`p-${src.platform === "youtube" ? "youtube" : "telegram"}`);
    li.querySelector(".source-name").textContent = name(src);
    li.querySelector(".source-summary").textContent = health.summary;
    li.querySelector(".source-facts").textContent = facts(health);
    const reason = li.querySelector(".source-reason");
    reason.textContent = health.reason ? `Why: ${health.reason}` : "";
    reason.hidden = !health.reason;
    const fix = li.querySelector(".source-fix");
    fix.textContent = health.fix ? `Fix: ${health.fix}` : "";
    fix.hidden = !health.fix;
    return li;
  });
  panel.querySelector(".source-list").replaceChildren(...items);
  panel.querySelector(".sources-none").hidden = sources.length > 0;
  panel.dataset.loaded = "1";
}

let failures = 0;
async function refresh() {
  try {
    render(await api("GET", `/api/v1/events/${EVENT}/sources`));
    failures = 0;
    panel.dataset.stale = "";
  } catch (err) {
    failures += 1;
    panel.dataset.stale = "1";
    panel.title = `Could not refresh the sources: ${err.message}`;
  }
  setTimeout(refresh, EVERY_MS * Math.min(6, 1 + failures));
}

refresh();
