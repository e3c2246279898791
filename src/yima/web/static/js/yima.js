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
