// The guided application form: materials for the chosen entity type, the industry from the first
// scope item, more business sites and shareholders. Rows a 422 answer brought back are already in
// the page; this only adds to them.
(function () {
  var data = JSON.parse(document.getElementById("apply-data").textContent);
  var materialsByType = data.materials_by_type, scopeClasses = data.scope_classes;
  function byId(id) { return document.getElementById(id); }
  function showMaterials() {
    var t = byId("entity_type").value;
    var wanted = materialsByType[t] || materialsByType["*"] || [];
    document.querySelectorAll("#materials [data-material]").forEach(function (el) {
      el.style.display = wanted.indexOf(el.dataset.material) >= 0 ? "" : "none";
    });
  }
  byId("entity_type").addEventListener("change", showMaterials);
  showMaterials();
  document.querySelectorAll("input[name=scope]").forEach(function (box) {
    box.addEventListener("change", function () {
      var code = byId("industry_code");
      if (box.checked && !code.value) code.value = scopeClasses[box.value] || box.dataset.class;
    });
  });
  var sites = byId("sites");
  byId("add-site").addEventListener("click", function () {
    var n = sites.querySelectorAll("input[name=site_text]").length;
    var div = document.createElement("div");
    div.className = "site";
    var label = document.createElement("label");
    label.htmlFor = "site_" + n;
    label.textContent = sites.dataset.label + " " + (n + 1);
    var input = document.createElement("input");
    input.type = "text"; input.name = "site_text"; input.id = "site_" + n;
    var proof = document.createElement("input");
    proof.type = "hidden"; proof.name = "site_proof"; proof.value = "commitment";
    div.append(label, input, proof);
    sites.appendChild(div);
    input.focus();
  });
  byId("add-holder").addEventListener("click", function () {
    var body = document.querySelector("#shareholders tbody");
    var row = body.querySelector("tr").cloneNode(true);
    var n = body.querySelectorAll("input[name=sh_name]").length;
    row.classList.remove("invalid");
    row.querySelectorAll("input").forEach(function (i) { i.value = ""; i.id = i.id.replace(/_\d+$/, "_" + n); });
    body.appendChild(row);
  });
  byId("same-as-lr").addEventListener("click", function () {
    byId("sh_name_0").value = byId("lr_name").value;
    byId("sh_id_0").value = byId("lr_id_number").value;
    if (byId("sh_id_type_0") && byId("lr_id_type")) byId("sh_id_type_0").value = byId("lr_id_type").value;
    byId("sh_share_0").value = "100";
  });
})();
