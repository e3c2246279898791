/* The investment office's charts (yima.projects): signed amount by month, the funnel signed →
   landed → started → completed, and the signed amount by industry. Reads the numbers from the
   page's JSON element #projects-section-data; drawn with the vendored ECharts. */
(function () {
  "use strict";
  if (window.yimaProjectsCharts) { return; }
  window.yimaProjectsCharts = true;
  var red = "#c8161d", grey = "#9ca3af";
  var palette = [red, "#2563eb", "#4d7c0f", "#b45309", "#7c3aed", "#0e7490", "#db2777", "#4b5563"];

  function yi(yuan) { return Math.round(yuan / 1e6) / 100; }

  function draw(id, option, charts) {
    var element = document.getElementById(id);
    if (!element) { return; }
    var chart = window.echarts.init(element, null, {renderer: "canvas"});
    chart.setOption(Object.assign({color: palette, animation: false, aria: {enabled: true}, textStyle: {fontFamily: "inherit"}}, option));
    charts.push(chart);
  }

  function start() {
    var holder = document.getElementById("projects-section-data");
    if (!holder || !window.echarts) { return; }
    var data = JSON.parse(holder.textContent), n = data.numbers, L = data.labels, charts = [];
    draw("projects-monthly", {
      tooltip: {trigger: "axis"}, legend: {top: 0},
      grid: {left: 60, right: 20, top: 40, bottom: 30},
      xAxis: {type: "category", data: n.monthly.map(function (m) { return m.month; })},
      yAxis: {type: "value", name: L.unit},
      series: [
        {name: L.this_period, type: "bar", itemStyle: {color: red},
         data: n.monthly.map(function (m) { return yi(m.amount_yuan); })},
        {name: L.year_earlier, type: "bar", itemStyle: {color: grey},
         data: n.monthly.map(function (m) { return yi(m.amount_year_earlier_yuan); })}]
    }, charts);
    var f = n.funnel;
    draw("projects-funnel", {
      tooltip: {trigger: "item", formatter: "{b}: {c}"},
      series: [{type: "funnel", sort: "none", left: "10%", width: "80%", top: 10, bottom: 10, minSize: "20%",
                gap: 2, label: {position: "inside", formatter: "{b}  {c}", color: "#fff", fontWeight: "bold"},
                data: [{name: L.signed, value: f.signed}, {name: L.landed, value: f.landed},
                       {name: L.started, value: f.started, label: {color: "#1f2937"}},
                       {name: L.completed, value: f.completed, label: {color: "#1f2937"}}],
                color: [red, "#e0474d", "#ee8a8d", "#f5b8ba"]}]
    }, charts);
    draw("projects-industry", {
      tooltip: {trigger: "item", formatter: function (p) {
        var row = n.by_industry[p.dataIndex];
        return p.name + "<br>" + yi(row.amount_yuan) + " " + L.unit + " · " + row.count + " " + L.projects;
      }},
      legend: {type: "scroll", bottom: 0},
      series: [{type: "pie", radius: ["35%", "65%"], center: ["50%", "45%"],
                label: {formatter: "{b}\n{d}%"},
                data: n.by_industry.map(function (i) {
                  return {name: L.en ? i.section : i.section + " " + i.name_zh, value: yi(i.amount_yuan)};
                })}]
    }, charts);
    window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
    document.documentElement.dataset.projectsCharts = String(charts.length);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
