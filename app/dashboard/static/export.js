// The export dialog: format, which questions, names (hosts only), a preview, download, copy.
import { toast } from "./api.js";

const $ = (id) => document.getElementById(id);
const dialog = $("export-dialog");
const EVENT = Number(dialog.dataset.eventId);
const PREVIEW_CHARS = 20000;
const COPYABLE = new Set(["md", "wikitext"]);
let latest = "";
let asked = 0;

function url() {
  const query = new URLSearchParams({ format: $("ex-format").value, status: $("ex-status").value });
  if ($("ex-names")?.checked) query.set("authors", "names");
  if ($("ex-format").value === "csv") query.set("bom", $("ex-bom").checked ? "true" : "false");
  return `/api/v1/events/${EVENT}/export?${query}`;
}

async function preview() {
  const format = $("ex-format").value;
  $("ex-bom-label").hidden = format !== "csv";
  $("ex-copy").hidden = !COPYABLE.has(format);
  const href = url();
  $("ex-download").href = href;
  const mine = ++asked;
  $("ex-summary").textContent = "Loading…";
  try {
    const response = await fetch(href, { credentials: "same-origin" });
    if (!response.ok) throw new Error(`the server answered ${response.status}`);
    const text = (await response.text()).replace(/^\ufeff/, "");
    if (mine !== asked) return;
    latest = text;
    const cut = text.length > PREVIEW_CHARS;
    $("ex-preview").textContent = cut ? `${text.slice(0, PREVIEW_CHARS)}\n…` : text;
    const lines = text.split("\n").length;
    $("ex-summary").textContent = `${lines} lines, ${text.length.toLocaleString()} characters${cut ? " (preview cut)" : ""}.`;
  } catch (err) {
    if (mine !== asked) return;
    latest = "";
    $("ex-preview").textContent = "";
    $("ex-summary").textContent = `Could not make the export: ${err.message}.`;
  }
}

async function copy() {
  try {
    await navigator.clipboard.writeText(latest);
  } catch {
    // Without clipboard permission (plain http on another host): select the preview instead.
    const range = document.createRange();
    range.selectNodeContents($("ex-preview"));
    getSelection().removeAllRanges();
    getSelection().addRange(range);
    if (!document.execCommand("copy")) {
      toast("Copying was refused by the browser: the preview is selected, press Ctrl+C.", "warn");
      return;
    }
  }
  toast("Copied to the clipboard.", "info");
}

for (const id of ["ex-format", "ex-status", "ex-names", "ex-bom"]) {
  $(id)?.addEventListener("change", preview);
}
$("export-open").addEventListener("click", () => {
  dialog.showModal();
  preview();
});
$("ex-close").addEventListener("click", () => dialog.close());
$("ex-copy").addEventListener("click", copy);
