// Behaviour shared by every page (no inline scripts: the Content-Security-Policy forbids them).
// A form with data-confirm asks before it is sent; data-confirm-reason names a field that must
// be filled in first (the confirmation repeats it).
document.addEventListener("submit", function (event) {
  var form = event.target;
  var question = form.dataset ? form.dataset.confirm : null;
  if (!question) return;
  var reasonField = form.dataset.confirmReason ? form.elements[form.dataset.confirmReason] : null;
  var reason = reasonField ? reasonField.value.trim() : "";
  if (!window.confirm(reason ? question + "\n\n" + reason : question)) event.preventDefault();
});

// A form sent back with errors: its error summary takes the focus, so a screen reader reads what
// to correct (the summary is not role=alert — present at load, an alert is usually not announced).
// The summary's links move the focus to their field, not just the scroll position.
document.addEventListener("DOMContentLoaded", function () {
  var summary = document.querySelector("[data-focus-on-load]");
  if (summary) summary.focus();
});
document.addEventListener("click", function (event) {
  var link = event.target.closest ? event.target.closest(".error-summary a[href^='#']") : null;
  if (!link) return;
  var target = document.getElementById(link.getAttribute("href").slice(1));
  if (!target) return;
  event.preventDefault();
  var field = target.matches("input, select, textarea, button") ? target : target.querySelector("input:not([disabled]), select, textarea") || target;
  field.focus();
  field.scrollIntoView({block: "center"});
});
