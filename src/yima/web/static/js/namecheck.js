// 名称自主申报 on /apply: as the founder types the enterprise name, ask POST /api/v1/names/check
// (same origin) and show its findings under the field. Without JavaScript the form still works:
// the same rules answer when it is submitted.
(function () {
  var box = document.getElementById("name-check");
  var input = document.getElementById("name");
  var zone = document.getElementById("zone");
  var kind = document.getElementById("entity_type");
  if (!box || !input || !zone || !window.fetch) return;
  var english = (document.documentElement.lang || "").indexOf("en") === 0;
  var timer = null, asked = 0;
  function show(findings, ok) {
    box.textContent = "";
    box.dataset.state = ok ? "ok" : "findings";
    if (ok) { box.textContent = box.dataset.ok; return; }
    var list = document.createElement("ul");
    list.className = "findings";
    findings.forEach(function (f) {
      var item = document.createElement("li");
      item.textContent = (english ? f.message_en : f.message_zh) + " ";
      var rule = document.createElement("span");
      rule.className = "rule";
      rule.lang = "en";  // a rule id is English words on a Chinese page
      rule.translate = false;
      rule.textContent = f.rule;
      item.appendChild(rule);
      list.appendChild(item);
    });
    box.appendChild(list);
  }
  function check() {
    var name = input.value.trim();
    if (!name) { box.textContent = ""; box.dataset.state = ""; return; }
    var mine = ++asked;
    fetch(box.dataset.url, {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRF-Token": box.dataset.csrf},
      body: JSON.stringify({name: name.slice(0, 100), zone: zone.value, entity_type: kind ? kind.value : null})
    }).then(function (r) { return r.json().then(function (j) { return [r.status, j]; }); })
      .then(function (answer) {
        if (mine !== asked) return;  // a later keystroke has asked again
        var status = answer[0], j = answer[1];
        if (status === 200) show(j.findings, j.ok);
        else if (j && j.detail) show(j.detail, false);
      })
      .catch(function () { box.textContent = ""; });
  }
  function later() { clearTimeout(timer); timer = setTimeout(check, 300); }
  input.addEventListener("input", later);
  zone.addEventListener("change", later);
  if (kind) kind.addEventListener("change", later);
  if (input.value) later();
})();
