// The events page: end an event (a second click confirms: no native dialogs).
import { api, toast } from "./api.js";

// Creating and editing events: event_form.js.

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
