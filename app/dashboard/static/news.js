// The "N new — show" bar floats over the page instead of pushing the rows down, and moves
// to the bottom when it would cover the selected question.
const news = document.getElementById("news");
const list = document.getElementById("queue");

function place() {
  if (news.hidden) return;
  news.classList.remove("at-bottom");
  const selected = list.querySelector("li.q.selected");
  if (!selected) return;
  const bar = news.getBoundingClientRect();
  const row = selected.getBoundingClientRect();
  news.classList.toggle("at-bottom", bar.bottom > row.top && bar.top < row.bottom);
}

new MutationObserver(place).observe(news, { attributes: true, attributeFilter: ["hidden"] });
// The selection moves by class; only looked at while the bar shows.
new MutationObserver(place).observe(list, { attributes: true, attributeFilter: ["class"], subtree: true });
window.addEventListener("scroll", place, { passive: true });
