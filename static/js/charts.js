// Draws every <div data-chart='{…}'> with Apache ECharts (static/vendor/echarts, loaded before
// this file). The data comes from contest/render/charts.py; the page already says in words what
// each chart shows (its aria-label and a table or list), so without this file nothing is lost.
// Canvas rendering sets sizes through the DOM, never through style attributes: the strict
// Content-Security-Policy holds. Tooltips are plain text (escaped here), never the page's HTML.
(function () {
  "use strict";
  if (!window.echarts || !document.querySelectorAll) return;

  var INK = "#1d1d1f", MUTED = "#5b5b66", LINE = "#e3e1dc", RED = "#c8102e", GREY = "#9e9e9e";
  // Ten curves told apart (the contest's red first); each at least 3:1 against white.
  var PALETTE = ["#c8102e", "#1f6feb", "#b7791f", "#1a7f37", "#8250df", "#d4570f", "#0b7a8a", "#b3246b",
                 "#4d5b1f", "#5b5b66"];
  var DAY = 24 * 3600 * 1000;
  var FONT = '"Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", system-ui, sans-serif';

  function esc(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  function pad(n) { return n < 10 ? "0" + n : String(n); }
  function local(ms, tz) { return new Date(ms + tz * 60000); }
  function dayLabel(ms, tz) { var d = local(ms, tz); return (d.getUTCMonth() + 1) + "/" + d.getUTCDate(); }
  function timeLabel(ms, tz) {
    var d = local(ms, tz);
    return (d.getUTCMonth() + 1) + "月" + d.getUTCDate() + "日 " + pad(d.getUTCHours()) + ":" + pad(d.getUTCMinutes());
  }
  function grouped(n) { return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ","); }
  function short(n) { return n >= 10000 ? (Math.round(n / 1000) / 10) + "万" : String(n); }
  var narrow = function () { return window.innerWidth < 600; };

  function base(spec) {
    return {
      animationDuration: 300,
      textStyle: { fontFamily: FONT, fontSize: 12, color: MUTED },
      grid: { left: 8, right: spec.kind === "race" ? 28 : 16, top: 28, bottom: 8, containLabel: true },
      tooltip: { confine: true, trigger: "item", textStyle: { fontSize: 13, color: INK } }
    };
  }

  function timeAxis(spec) {
    return {
      // At most one tick a day, labelled with its day: a few days of readings never repeat "6/25 6/25".
      type: "time", min: spec.start || "dataMin", max: spec.end || "dataMax", splitNumber: narrow() ? 4 : 7,
      minInterval: DAY,
      axisLabel: { fontSize: 12, color: MUTED, hideOverlap: true, formatter: function (v) { return dayLabel(v, spec.tz); } },
      axisLine: { lineStyle: { color: LINE } }, splitLine: { show: false }
    };
  }

  function valueAxis(unit) {
    return { type: "value", name: unit, nameTextStyle: { fontSize: 12, color: MUTED, align: "left" },
             axisLabel: { fontSize: 12, color: MUTED, formatter: short }, splitLine: { lineStyle: { color: LINE } } };
  }

  function cutoffLine(spec) {
    if (!spec.cutoff) return undefined;
    return { silent: true, symbol: "none", lineStyle: { color: INK, type: "dashed", width: 1 },
             label: { formatter: "截止", color: INK, fontSize: 12, position: "end" },
             data: [{ xAxis: spec.cutoff }] };
  }

  function linesOption(spec) {
    var option = base(spec);
    option.xAxis = timeAxis(spec);
    option.yAxis = valueAxis(spec.unit);
    option.tooltip.formatter = function (p) {
      var source = p.data[2] === "manual" ? "人工记录" : p.data[2] === "platform" ? "抖音平台" : "";
      return esc(timeLabel(p.data[0], spec.tz) + " · " + grouped(p.data[1]) + " " + spec.unit +
                 (source ? " · " + source : "") + (p.seriesIndex > 0 && spec.cutoff ? "（截止后，不计入）" : ""));
    };
    option.series = spec.series.map(function (s, i) {
      var colour = s.muted ? GREY : (spec.series.length > 2 ? PALETTE[i % PALETTE.length] : RED);
      return {
        type: "line", name: s.name, data: s.points, showSymbol: s.points.length <= 60, symbolSize: 7,
        symbol: function (value) { return value[2] === "manual" ? "rect" : "circle"; },
        itemStyle: { color: colour }, lineStyle: { color: colour, width: 2, type: s.muted ? "dashed" : "solid" },
        markLine: i === 0 ? cutoffLine(spec) : undefined
      };
    });
    if (spec.series.length > 2) option.legend = { top: 0, textStyle: { fontSize: 12, color: INK }, itemWidth: 14 };
    return option;
  }

  function raceOption(spec) {
    var option = base(spec);
    option.xAxis = timeAxis(spec);
    option.yAxis = valueAxis(spec.unit);
    option.tooltip.formatter = function (p) {
      var s = spec.series[p.seriesIndex];
      return "第 " + s.rank + " 名 " + esc(s.name) + "<br>" + esc(timeLabel(p.data[0], spec.tz)) + " · " +
             grouped(p.data[1]) + " " + spec.unit;
    };
    option.series = spec.series.map(function (s, i) {
      return {
        type: "line", name: s.name, data: s.points, showSymbol: false, symbolSize: 6, triggerLineEvent: true,
        lineStyle: { width: i < 3 ? 2.5 : 1.5 }, itemStyle: { color: PALETTE[i % PALETTE.length] },
        emphasis: { focus: "series", lineStyle: { width: 4 } },
        endLabel: { show: true, formatter: String(s.rank), fontWeight: "bold", fontSize: 12, color: PALETTE[i % PALETTE.length] },
        labelLayout: { moveOverlap: "shiftY" },
        markLine: i === 0 ? cutoffLine(spec) : undefined
      };
    });
    return option;
  }

  function barsOption(spec) {
    var option = base(spec);
    var category = { type: "category", data: spec.labels, axisTick: { show: false },
                     axisLabel: { fontSize: 12, color: INK, hideOverlap: true }, axisLine: { lineStyle: { color: LINE } } };
    var values = { type: "value", axisLabel: { fontSize: 12, color: MUTED, formatter: short },
                   splitLine: { lineStyle: { color: LINE } }, minInterval: 1 };
    if (spec.horizontal) { category.inverse = true; option.yAxis = category; option.xAxis = values; }
    else { option.xAxis = category; option.yAxis = values; }
    option.grid.right = spec.horizontal ? 48 : 16;
    option.tooltip.formatter = function (p) { return esc(p.name + "：" + grouped(p.value) + " " + spec.unit); };
    option.series = [{ type: "bar", data: spec.values, itemStyle: { color: RED, borderRadius: spec.horizontal ? [0, 4, 4, 0] : [4, 4, 0, 0] },
                       barMaxWidth: 28, label: { show: spec.horizontal, position: "right", color: INK, fontSize: 12 } }];
    return option;
  }

  // A tap on a race curve names the entry under the chart, with a link to it.
  function pickRegion(el) {
    var figure = el.closest ? el.closest("figure") : null;
    return figure ? figure.querySelector("[data-chart-pick]") : null;
  }
  function showPick(region, s, unit) {
    while (region.firstChild) region.removeChild(region.firstChild);
    var strong = document.createElement("strong");
    strong.textContent = "第 " + s.rank + " 名《" + s.name + "》";
    region.appendChild(strong);
    region.appendChild(document.createTextNode(" " + s.author + " · " + grouped(s.likes) + " " + unit + " "));
    var link = document.createElement("a");
    link.href = s.href;
    link.textContent = "查看作品";
    region.appendChild(link);
  }

  // The curve nearest to a tap (within a finger's width), whatever the line's own hit area: the
  // curve's height at the tap's time, between its readings, against the tap's height.
  function nearestCurve(chart, spec, region) {
    return function (event) {
      var best = null, bestGap = 28;
      for (var s = 0; s < spec.series.length; s++) {
        var points = spec.series[s].points;
        for (var p = 1; p < points.length; p++) {
          var a = chart.convertToPixel({ seriesIndex: s }, points[p - 1]);
          var b = chart.convertToPixel({ seriesIndex: s }, points[p]);
          if (event.offsetX < a[0] - 4 || event.offsetX > b[0] + 4) continue;
          var share = b[0] === a[0] ? 0 : Math.min(1, Math.max(0, (event.offsetX - a[0]) / (b[0] - a[0])));
          var gap = Math.abs(a[1] + (b[1] - a[1]) * share - event.offsetY);
          if (gap < bestGap) { bestGap = gap; best = s; }
        }
      }
      if (best === null) return;
      chart.dispatchAction({ type: "downplay" });
      chart.dispatchAction({ type: "highlight", seriesIndex: best });
      showPick(region, spec.series[best], spec.unit);
    };
  }

  var charts = [];
  var boxes = document.querySelectorAll("[data-chart]");
  for (var i = 0; i < boxes.length; i++) {
    var el = boxes[i], spec;
    try { spec = JSON.parse(el.getAttribute("data-chart")); } catch (e) { continue; }
    if (spec.kind === "bars" && spec.horizontal) el.style.height = (Math.max(spec.labels.length, 1) * 34 + 48) + "px";
    var empty = spec.kind === "bars" ? !spec.values.some(function (v) { return v > 0; })
                                     : !spec.series.some(function (s) { return s.points.length; });
    if (empty) continue;  // the page's own words ("没有数据") stay
    var chart = window.echarts.init(el, null, { renderer: "canvas" });
    chart.setOption(spec.kind === "race" ? raceOption(spec) : spec.kind === "bars" ? barsOption(spec) : linesOption(spec));
    el.setAttribute("data-chart-ready", "1");
    if (spec.kind === "race") {
      var region = pickRegion(el);
      if (region) {
        region.hidden = false;
        chart.getZr().on("click", nearestCurve(chart, spec, region));
      }
    }
    charts.push(chart);
  }
  var pending = null;
  window.addEventListener("resize", function () {
    clearTimeout(pending);
    pending = setTimeout(function () { for (var k = 0; k < charts.length; k++) charts[k].resize(); }, 150);
  });
})();
