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
// its form names the consequence in data-confirm, and a cancelled dialog sends nothing. The form is checked
// first, as the browser checks it (required, pattern, min and max, a whole date) and by its own rules below: a
// form with an error shows it beside its field and in a summary, as a refused form comes back from the server,
// and asks nothing. The services check everything again; without this script the browser's own checks apply.
function confirmIrreversibleActions() {
  document.querySelectorAll("form[data-confirm]").forEach((form) => {
    form.noValidate = true; // the console's own messages, in Chinese beside each field, not the browser's bubbles
    form.addEventListener("submit", (event) => {
      const problems = formProblems(form);
      if (problems.length) {
        event.preventDefault();
        showFormProblems(form, problems);
      } else if (!window.confirm(form.dataset.confirm)) {
        event.preventDefault();
      }
    });
  });
}

// The form's own rules, stated on its inputs: data-required-if="result=mediated judicially_confirmed" (required
// while one of those choices is made: an agreement with 调解成功 or 司法确认), data-not-before="<id>" (a period's
// end not before its start).
function applyFormRules(form) {
  form.querySelectorAll("[data-required-if]").forEach((control) => {
    const [name, values] = control.dataset.requiredIf.split("=");
    const chosen = Array.from(form.elements).find((e) => e.name === name && e.checked);
    control.required = Boolean(chosen) && values.split(" ").includes(chosen.value);
  });
  form.querySelectorAll("[data-not-before]").forEach((control) => {
    const start = document.getElementById(control.dataset.notBefore);
    const early = start && start.value && control.value && control.value < start.value;
    control.setCustomValidity(early ? control.dataset.notBeforeText || "不能早于起始日期" : "");
  });
}

// Where a control's error is said: a choice's group (its fieldset marked data-field, or the nearest fieldset),
// otherwise the control itself. Its key is the server's name for the field, so both say it in the same place.
function holderOf(control) {
  if (control.type === "radio" || control.type === "checkbox") {
    return control.closest("fieldset[data-field]") || control.closest("fieldset") || control;
  }
  return control;
}

function messageOf(control, holder) {
  const v = control.validity;
  const choice = control.type === "radio" || control.type === "checkbox" || control.tagName === "SELECT";
  if (v.valueMissing) return holder.dataset.missing || control.dataset.missing || (choice ? "请选择一项" : "请填写此项");
  if (v.badInput) return control.type === "date" ? "请填写完整的日期，如2026-11-30" : "填写有误";
  if (v.rangeOverflow) return control.dataset.maxText || `不能大于${control.max}`;
  if (v.rangeUnderflow) return control.dataset.minText || `不能小于${control.min}`;
  if (v.patternMismatch) return control.dataset.patternText || control.title || "格式不正确";
  if (v.tooLong) return `不能超过${control.maxLength}个字`;
  if (v.tooShort) return `至少${control.minLength}个字`;
  if (v.customError) return control.validationMessage;
  return "填写有误";
}

// Each field with an error once, in the form's order: [holder, key, message, controls].
function formProblems(form) {
  applyFormRules(form);
  const problems = new Map();
  Array.from(form.elements).forEach((control) => {
    if (!control.willValidate || control.checkValidity()) return;
    const holder = holderOf(control);
    const key = holder.dataset.field || control.dataset.field || control.id || control.name;
    if (!problems.has(key)) problems.set(key, { holder, key, message: messageOf(control, holder), controls: [] });
    problems.get(key).controls.push(control);
  });
  return Array.from(problems.values());
}

function showFormProblems(form, problems) {
  // What the server or an earlier try said is stale now: the form is said afresh.
  form.querySelectorAll("p.error").forEach((old) => old.remove());
  const summary = document.getElementById("form-errors");
  if (summary) summary.remove();
  form.querySelectorAll("[aria-invalid]").forEach((e) => e.removeAttribute("aria-invalid"));
  form.querySelectorAll("[aria-describedby$='-error']").forEach((e) => e.removeAttribute("aria-describedby"));
  problems.forEach(({ holder, key, message, controls }) => {
    const error = document.createElement("p");
    error.className = "error";
    error.id = `${key}-error`;
    const same = document.getElementById(error.id); // another form's earlier try on the page (回访抽查 has many)
    if (same) same.remove();
    error.setAttribute("role", "alert");
    error.textContent = message;
    if (holder.tagName === "FIELDSET") holder.append(error);
    else holder.after(error);
    holder.setAttribute("aria-describedby", error.id);
    controls.forEach((control) => control.setAttribute("aria-invalid", "true"));
  });
  const said = document.createElement("p");
  said.className = "error";
  said.id = "form-errors";
  said.setAttribute("role", "alert");
  said.textContent = `${form.dataset.summary || "未能办理"}：有 ${problems.length} 处需要修改，已在对应栏目旁标出。`;
  const heading = form.querySelector("h2"); // under the form's own title, where the eye and the keyboard land
  if (heading) heading.after(said);
  else form.prepend(said);
  focusFormErrors();
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

// A form sent again from a page reached by 后退 (back) is the same action, not a second one. Each rendering of a form
// carries a fresh action key, and the page is fetched anew on the way back (no-store), so the key it was first sent
// with is kept in this tab (sessionStorage: the key and a digest of what was sent, never the fields themselves) and
// sent again when the page came from the history and the form holds what was sent: the service answers with what it
// did then. A form changed after 后退 is a new action, under its own key. Browsers restore what a person typed on
// such a page, but not a hidden field.
const SENT_PREFIX = "wuyuan.sent ";
const ACTION_FIELD = "action_key";

function fromHistory() {
  const [entry] = performance.getEntriesByType("navigation");
  return Boolean(entry) && entry.type === "back_forward";
}

function digestOf(form, submitter) {
  const pairs = [];
  let data;
  try {
    data = new FormData(form, submitter || undefined);
  } catch (error) {
    data = new FormData(form);
  }
  data.forEach((value, name) => {
    if (name !== ACTION_FIELD && name !== "csrf") pairs.push([name, typeof value === "string" ? value : value.name]);
  });
  const text = JSON.stringify(pairs);
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57; // cyrb53: a short digest to compare by, not a secret
  for (let i = 0; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ code, 2654435761);
    h2 = Math.imul(h2 ^ code, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(36);
}

function keepActionKeys() {
  const revisited = fromHistory();
  // After the forms' own listeners: a form they stopped (an error, a cancelled confirmation) was not sent.
  document.addEventListener("submit", (event) => {
    if (event.defaultPrevented) return;
    const form = event.target;
    const key = form.elements[ACTION_FIELD];
    if (!key || !key.value) return;
    const slot = `${SENT_PREFIX}${location.pathname} ${form.getAttribute("action") || ""}`;
    const digest = digestOf(form, event.submitter);
    try {
      const sent = JSON.parse(sessionStorage.getItem(slot) || "null");
      if (revisited && sent && sent.digest === digest && typeof sent.key === "string") {
        key.value = sent.key;
      } else {
        sessionStorage.setItem(slot, JSON.stringify({ key: key.value, digest }));
      }
    } catch (error) {
      // No storage (a private window's quota, say): the form goes as it is.
    }
  });
}

// The receipt's print button: shown only where the script runs; without it the page says Ctrl+P.
function enablePrintButtons() {
  document.querySelectorAll("button[data-print]").forEach((button) => {
    button.hidden = false;
    button.addEventListener("click", () => window.print());
  });
}

document.addEventListener("DOMContentLoaded", () => {
  keepActionKeys();
  enablePrintButtons();
  focusFormErrors();
  enableSpareParties();
  confirmIrreversibleActions();
  setInterval(refreshCountdowns, 30000);
});
