// The licence check form: the text of a licence QR code (its URL or the YM1: form) opens /v/….
(function () {
  var form = document.getElementById("verify-form");
  if (!form) return;
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var q = document.getElementById("qr").value.trim();
    var i = q.toUpperCase().lastIndexOf("/V/");
    location.href = "/v/" + (i >= 0 ? q.slice(i + 3) : q);
  });
})();
