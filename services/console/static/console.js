// Progressive enhancement only: every page works without this script.
"use strict";

// The registration form: spare party rows stay hidden until "增加当事人" asks for one.
function enableSpareParties() {
  const button = document.getElementById("add-party");
  if (!button) return;
  const spares = Array.from(document.querySelectorAll(".party.spare"));
  if (!spares.length) return;
  spares.forEach((row) => { row.hidden = true; });
  button.hidden = false;
  button.addEventListener("click", () => {
    const next = spares.shift();
    if (!next) return;
    next.hidden = false;
    const first = next.querySelector("input, select");
    if (first) first.focus();
    if (!spares.length) button.hidden = true;
  });
}

// An action that cannot be taken back (a result, a decline, a rating, a ruling …) asks once more:
// its form names the consequence in data-confirm, and a cancelled dialog sends nothing.
function confirmIrreversibleActions() {
  document.querySelectorAll("form[data-confirm]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  });
}

// Countdowns keep counting while the page is open, as the server renders them (shared/wording.py countdown): in
// Beijing calendar days while the deadline falls on another day, in hours and minutes on the day itself.
const BEIJING_OFFSET_MS = 8 * 3600 * 1000; // China keeps no daylight saving time
const DAY_MS = 86400 * 1000;

function beijingDay(ms) {
  return Math.floor((ms + BEIJING_OFFSET_MS) / DAY_MS);
}

function hoursAndMinutes(seconds) {
  const hours = Math.floor(seconds / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  return hours ? `${hours}小时${minutes}分` : `${Math.max(minutes, 1)}分钟`;
}

function refreshCountdowns() {
  const now = Date.now();
  document.querySelectorAll(".due[data-due]").forEach((element) => {
    if (element.closest("#watches")) return; // the board's states come from supervision's own rule
    const due = Date.parse(element.dataset.due);
    if (Number.isNaN(due)) return;
    const left = (due - now) / 1000;
    const days = beijingDay(due) - beijingDay(now);
    let level = "ok";
    if (left < 0) {
      level = "overdue";
      element.textContent = days < 0 ? `已超期${-days}天` : `已超期${hoursAndMinutes(-left)}`;
    } else {
      const issued = Date.parse(element.dataset.issued || "");
      const near = left < 86400 || (!Number.isNaN(issued) && due > issued && now - issued >= 0.8 * (due - issued));
      level = near ? "near" : "ok";
      element.textContent = days > 0 ? `剩余${days}天` : `剩余${hoursAndMinutes(left)}`;
    }
    element.classList.remove("due-ok", "due-near", "due-overdue");
    element.classList.add(`due-${level}`);
  });
}

// A form sent back with errors says so at the top of the page; the keyboard and a screen reader start there, not at
// the top of a page whose form may be far below.
function focusFormErrors() {
  const summary = document.getElementById("form-errors");
  if (!summary) return;
  summary.setAttribute("tabindex", "-1");
  summary.focus();
}

document.addEventListener("DOMContentLoaded", () => {
  focusFormErrors();
  enableSpareParties();
  confirmIrreversibleActions();
  setInterval(refreshCountdowns, 30000);
});
