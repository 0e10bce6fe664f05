// Information ITUM — the directory import's progress while its file is read. Without
// this file the page has a refresh button (and refreshes itself every 5 s).
"use strict";

function followProgress(box) {
  const bar = box.querySelector("progress");
  const text = box.querySelector("[data-progress-text]");
  const tick = async () => {
    const response = await fetch(box.dataset.progressUrl, { credentials: "same-origin" });
    const data = await response.json();
    if (data.state !== "reading") {
      window.location.reload();
      return;
    }
    bar.max = Math.max(data.lines_total, 1);
    bar.value = data.lines_read;
    text.textContent = data.text;
    setTimeout(tick, 1000);
  };
  setTimeout(tick, 500);
}

for (const box of document.querySelectorAll("[data-progress-url]")) followProgress(box);
