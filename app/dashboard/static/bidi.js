// Bidirectional controls (embeddings, overrides, isolates) reorder what is shown: "safe\u202egpj.exe"
// reads as "safeexe.jpg". Right-to-left text needs none of them, so chat text drops them here
// (kit/bidi.py does the same for exports); the elements also isolate their text in CSS.
const CONTROLS = /[\u202a-\u202e\u2066-\u2069]/g;

export function plain(text) {
  return text == null ? "" : String(text).replace(CONTROLS, "");
}
