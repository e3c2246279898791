// The dashboard's charts (ECharts), drawn from the figures the page carries as JSON.
(function () {
  var data = JSON.parse(document.getElementById("stats-data").textContent);
  var c = data.charts, L = c.labels;
  // every colour at least 3:1 against the white card (WCAG 1.4.11); ECharts' aria option describes each chart
  var red = "#c8161d", grey = "#6b7280", palette = [red, "#2563eb", "#4d7c0f", "#b45309", "#7c3aed", "#0e7490"];
  var charts = [];
  function draw(id, option) {
    var chart = echarts.init(document.getElementById(id), null, {renderer: "canvas"});
    chart.setOption(Object.assign({color: palette, animation: false, aria: {enabled: true}, textStyle: {fontFamily: "inherit"}}, option));
    charts.push(chart);
  }
  draw("chart-trend", {
    tooltip: {trigger: "axis"}, legend: {top: 0},
    grid: {left: 50, right: 60, top: 40, bottom: 30},
    xAxis: {type: "category", data: c.months},
    yAxis: [{type: "value", name: L.new_domestic, nameTextStyle: {align: "left"}},
            {type: "value", name: L.capital_axis, splitLine: {show: false}, nameTextStyle: {align: "right"}}],
    series: [
      {name: L.this_period, type: "bar", data: c.new_domestic, itemStyle: {color: red}},
      {name: L.year_earlier, type: "bar", data: c.new_domestic_year_earlier, itemStyle: {color: grey}},
      {name: L.capital_axis, type: "line", yAxisIndex: 1, data: c.capital_100m, smooth: true,
       itemStyle: {color: "#b45309"}}]
  });
  draw("chart-sectors", {
    tooltip: {trigger: "item", formatter: "{b}: {c} ({d}%)"}, legend: {bottom: 0},
    series: [{type: "pie", radius: ["38%", "68%"], center: ["50%", "45%"], data: c.sectors,
              label: {formatter: "{b}\n{d}%"}, color: [red, "#2563eb", "#4d7c0f"]}]
  });
  draw("chart-sections", {
    tooltip: {trigger: "axis", axisPointer: {type: "shadow"}},
    grid: {left: 140, right: 30, top: 10, bottom: 20},
    xAxis: {type: "value"},
    yAxis: {type: "category", inverse: true, data: c.sections.map(function (s) { return s.name; }),
            axisLabel: {width: 130, overflow: "truncate"}},
    series: [{type: "bar", data: c.sections.map(function (s) { return s.value; }), itemStyle: {color: red}}]
  });
  draw("chart-approval", {
    tooltip: {trigger: "axis", formatter: function (items) {
      var a = c.approval[items[0].dataIndex];
      return a.matter + "<br>" + L.median + ": " + a.median_hours + " h<br>" + L.mean + ": " + a.mean_hours +
             " h<br>" + a.limit_days + " d · " + a.approved;
    }},
    legend: {top: 0}, grid: {left: 50, right: 20, top: 40, bottom: 30},
    xAxis: {type: "category", data: c.approval.map(function (a) { return a.matter; })},
    yAxis: {type: "value", max: 100, axisLabel: {formatter: "{value}%"}},
    series: [
      {name: L.median, type: "bar", data: c.approval.map(function (a) { return a.median_pct; }), itemStyle: {color: red}},
      {name: L.mean, type: "bar", data: c.approval.map(function (a) { return a.mean_pct; }), itemStyle: {color: grey}}]
  });
  draw("chart-channel", {
    tooltip: {trigger: "item", formatter: "{b}: {c} ({d}%)"}, legend: {bottom: 0},
    series: [{type: "pie", radius: ["38%", "68%"], center: ["50%", "45%"], data: c.channel,
              label: {formatter: "{b}\n{d}%"}, color: [red, grey]}]
  });
  window.addEventListener("resize", function () { charts.forEach(function (ch) { ch.resize(); }); });
  document.documentElement.dataset.chartsReady = String(charts.length);
})();
