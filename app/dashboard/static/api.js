// The JSON API with the session's CSRF token, visible errors, and the live stream.

export const csrf = document.querySelector('meta[name="csrf-token"]')?.content ?? "";

export class ApiError extends Error {
  constructor(status, message, data = null) {
    super(message);
    this.status = status;
    this.data = data; // the error's JSON body (a 409 on one field carries both versions)
  }
}

// Validation errors in the host's words: "YouTube link: not a YouTube URL", not
// "sources.0.youtube.video: Value error, …".
const FIELD_NAMES = {
  video: "YouTube link", chat_id: "Telegram chat", thread_id: "forum topic", title: "title",
  planned_end_at: "planned end", paid_boost: "paid boost", text: "question", note: "note",
  question_mode: "questions", q: "search", into: "merge target",
};
const PLUMBING = new Set(["body", "query", "path", "telegram", "youtube", "sources"]);

function describe(data, fallback) {
  const detail = data?.detail;
  if (typeof detail === "string") return detail;
  if (Array.isArray(detail)) {
    return detail.map((d) => {
      const field = (d.loc ?? []).filter((p) => typeof p === "string" && !PLUMBING.has(p)).at(-1);
      const name = FIELD_NAMES[field] ?? (field ? field.replaceAll("_", " ") : "");
      const message = String(d.msg ?? "").replace(/^(Value error|Assertion failed), /, "");
      return name ? `${name}: ${message}` : message;
    }).join("; ");
  }
  return fallback;
}

export async function api(method, url, body) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET") headers["X-CSRF-Token"] = csrf;
  let response;
  try {
    response = await fetch(url, {
      method, headers, credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (err) {
    throw new ApiError(0, `network error: ${err.message}`);
  }
  if (response.status === 401) {
    location.assign(`/signin?next=${encodeURIComponent(location.pathname + location.search)}`);
  }
  const json = (response.headers.get("content-type") ?? "").includes("json");
  const data = json ? await response.json() : null;
  if (!response.ok) throw new ApiError(response.status, describe(data, response.statusText), data);
  return data;
}

// Every failure is shown; nothing fails silently. Text only: never parsed as HTML.
export function toast(message, kind = "error") {
  const box = document.getElementById("toasts");
  const item = document.createElement("div");
  item.className = `toast ${kind}`;
  item.setAttribute("role", kind === "error" ? "alert" : "status");
  const text = document.createElement("span");
  text.textContent = message;
  const close = document.createElement("button");
  close.type = "button";
  close.className = "quiet";
  close.textContent = "×";
  close.setAttribute("aria-label", "dismiss");
  close.addEventListener("click", () => item.remove());
  item.append(text, close);
  box.append(item);
  setTimeout(() => item.remove(), kind === "error" ? 15000 : 6000);
}

// An EventSource that survives failures: the browser resumes with Last-Event-ID by itself;
// if the stream is refused outright, a new one resumes after the last id seen.
export function live(url, handlers, onState = () => {}) {
  let lastId = null;
  let source = null;
  const open = () => {
    const sep = url.includes("?") ? "&" : "?";
    source = new EventSource(lastId === null ? url : `${url}${sep}after=${lastId}`);
    for (const [name, handle] of Object.entries(handlers)) {
      source.addEventListener(name, (event) => {
        if (event.lastEventId) lastId = event.lastEventId;
        handle(JSON.parse(event.data));
      });
    }
    source.addEventListener("open", () => onState("live"));
    // The database is unavailable: the browser comes back by itself after the retry delay.
    source.addEventListener("reconnect", () => onState("reconnecting"));
    // Signed out elsewhere (or the token revoked): the page itself goes to the sign-in form.
    source.addEventListener("signedout", () => {
      source.close();
      window.location.reload();
    });
    source.addEventListener("error", () => {
      onState("reconnecting");
      if (source.readyState === EventSource.CLOSED) setTimeout(open, 3000);
    });
  };
  open();
  return { close: () => source.close() };
}

export function ago(iso, now = Date.now()) {
  const seconds = Math.max(0, (now - Date.parse(iso)) / 1000);
  if (seconds < 45) return "just now";
  if (seconds < 3600) return `${Math.max(1, Math.round(seconds / 60))} min ago`;
  if (seconds < 86400) return `${Math.round(seconds / 3600)} h ago`;
  return new Date(iso).toLocaleDateString();
}
