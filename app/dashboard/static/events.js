// The events page: create an event, end one (a second click confirms: no native dialogs).
import { api, toast } from "./api.js";

const form = document.getElementById("new-event");
form?.addEventListener("submit", async (event) => {
  event.preventDefault();
  const data = new FormData(form);
  const sources = [];
  if (data.get("chat")) sources.push({ platform: "telegram", chat_id: Number(data.get("chat")) });
  const video = String(data.get("youtube") ?? "").trim();
  if (video) sources.push({ platform: "youtube", video });
  const mailbox = String(data.get("mailbox") ?? "").trim();
  const tag = String(data.get("subject_tag") ?? "").trim();
  if (mailbox) sources.push({ platform: "email", mailbox, subject_tag: tag || null });
  if (data.get("web") === "on") sources.push({ platform: "web" });
  try {
    const made = await api("POST", "/api/v1/events", {
      title: String(data.get("title") ?? ""), question_mode: data.get("question_mode"),
      review: data.get("review") === "on", sources,
    });
    location.assign(`/events/${made.id}`);
  } catch (err) {
    toast(`Could not create the event: ${err.message}`);
  }
});

for (const button of document.querySelectorAll("[data-end]")) {
  button.addEventListener("click", async () => {
    if (button.dataset.armed !== "1") {
      button.dataset.armed = "1";
      button.textContent = "Really end?";
      setTimeout(() => {
        button.dataset.armed = "";
        button.textContent = "End";
      }, 4000);
      return;
    }
    try {
      await api("PATCH", `/api/v1/events/${button.dataset.end}`, { status: "ended" });
      location.reload();
    } catch (err) {
      toast(`Could not end the event: ${err.message}`);
    }
  });
}
