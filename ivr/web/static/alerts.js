// Information ITUM — the alert pages' live parts. Everything works without this file:
// the counts refresh with the page, the audience is counted by a button, the SMS size
// is shown after saving.
"use strict";

function liveCounts(table) {
  const source = new EventSource(table.dataset.liveUrl);
  const alertId = table.dataset.liveAlert;
  source.onmessage = (event) => {
    const data = JSON.parse(event.data);
    for (const [channel, fields] of Object.entries(data.counts)) {
      for (const [field, value] of Object.entries(fields)) {
        const cell = table.querySelector(`[data-count="${channel}.${field}"]`);
        if (cell) cell.textContent = String(value);
      }
    }
    const state = document.querySelector(`[data-live-state="${alertId}"]`);
    if (state && state.dataset.state !== data.state) {
      state.dataset.state = data.state;
      state.className = `state state-${data.state}`;
      state.textContent = state.dataset[`label${data.state[0].toUpperCase()}${data.state.slice(1)}`] || data.state;
    }
    if (data.state === "completed" || data.state === "cancelled") source.close();
  };
}

function debounce(action, wait) {
  let timer = null;
  return () => {
    clearTimeout(timer);
    timer = setTimeout(action, wait);
  };
}

function audienceCounter(form) {
  const output = document.getElementById("audience");
  const update = debounce(async () => {
    const query = new URLSearchParams();
    for (const name of ["category", "target"]) {
      const field = form.querySelector(`[name="${name}"]:checked, select[name="${name}"]`);
      if (field) query.set(name, field.value);
    }
    for (const box of form.querySelectorAll('input[name="sector"]:checked')) query.append("sector", box.value);
    const response = await fetch(`${form.dataset.audienceUrl}?${query}`, { credentials: "same-origin" });
    const data = await response.json();
    output.textContent = data.text || data.error || "";
  }, 300);
  form.addEventListener("change", update);
  update();
}

function smsCounter(area) {
  const output = document.getElementById(area.dataset.smsCounter);
  const update = debounce(async () => {
    const query = new URLSearchParams({ text: area.value });
    const response = await fetch(`/admin/sms-info?${query}`, { credentials: "same-origin" });
    output.textContent = (await response.json()).text;
  }, 300);
  area.addEventListener("input", update);
}

document.addEventListener("DOMContentLoaded", () => {
  for (const table of document.querySelectorAll("[data-live-alert]")) liveCounts(table);
  for (const form of document.querySelectorAll("form[data-audience-url]")) audienceCounter(form);
  for (const area of document.querySelectorAll("textarea[data-sms-counter]")) smsCounter(area);
});
