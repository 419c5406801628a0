// The evidence of a proposal as a small inline SVG chart: the 24-hour AQI
// windows (observed as a line, forecast and baseline as day steps) against
// the thresholds of the runs that hold, the runs shaded, and the warning's
// start against the time it was proposed (the lead time). Plain SVG, no
// library; console.js calls aqwarnEvidenceChart(summary, detail, levelName).
"use strict";

window.aqwarnEvidenceChart = (function () {
  var D = aqwarnDOM, s = D.svgEl; // dom.js
  var t = D.texts({
    zh: {
      title: "提议的证据：24 小时 AQI 窗口与阈值", desc: "{wins} 个窗口，{runs} 段持续超过阈值；最高 AQI {max}。",
      none: "无窗口证据（{reason}）", manual: "人工 / 上级", run: "> {thr}，≥ {min} 小时（{level}，{hours} 小时）",
      window: "{source}{from}：AQI {aqi}", observed: "观测", forecast: "预报", baseline: "基线",
      proposed: "提出", start: "开始", lead: "提前 {h} 小时"
    },
    en: {
      title: "The proposal's evidence: 24-hour AQI windows against the thresholds", desc: "{wins} windows, {runs} runs above a threshold; highest AQI {max}.",
      none: "no window evidence ({reason})", manual: "manual / upstream", run: "> {thr} for ≥ {min} h ({level}, {hours} h)",
      window: "{source}{from}: AQI {aqi}", observed: "observed", forecast: "forecast", baseline: "baseline",
      proposed: "proposed", start: "start", lead: "lead {h} h"
    }
  });
  function ms(x) { return new Date(x).getTime(); }

  // levelName (optional) names a plan level id.
  return function (summary, detail, levelName) {
    levelName = levelName || function (id) { return id; };
    var ev = (detail && detail.evidence) || {};
    var wins = (ev.windows || []).filter(function (w) { return w.start && w.end; });
    var runs = ev.runs || [];
    var W = 720, H = 230, L = 40, R = 12, T = 16, B = 30;
    // Its text alternative, in the page's language: role img, a <title> and a <desc>.
    var svg = s("svg", { viewBox: "0 0 " + W + " " + H, class: "evidence", role: "img" });
    svg.appendChild(s("title", null, t("title")));
    var desc = svg.appendChild(s("desc"));
    if (!wins.length && !runs.length) {
      var none = t("none", { reason: (detail && detail.reason) || t("manual") });
      desc.textContent = none;
      svg.appendChild(s("text", { x: L, y: H / 2 }, none));
      return svg;
    }
    var times = [];
    wins.forEach(function (w) { times.push(ms(w.start), ms(w.end)); });
    runs.forEach(function (r) { times.push(ms(r.start), ms(r.end)); });
    if (summary && summary.created) times.push(ms(summary.created));
    if (detail.start) times.push(ms(detail.start));
    var t0 = Math.min.apply(null, times), t1 = Math.max.apply(null, times);
    if (t1 <= t0) t1 = t0 + 3600e3;
    var top = 0;
    wins.forEach(function (w) { top = Math.max(top, w.aqi); });
    runs.forEach(function (r) { top = Math.max(top, r.threshold); });
    desc.textContent = t("desc", { wins: wins.length, runs: runs.length, max: Math.max.apply(null, wins.map(function (w) { return w.aqi; }).concat([0])) });
    top = Math.ceil(Math.max(top * 1.15, 100) / 50) * 50;
    function x(t) { return L + (t - t0) / (t1 - t0) * (W - L - R); }
    function y(v) { return T + (1 - v / top) * (H - T - B); }

    // Axes: AQI every 50 (or 100), days at CST midnight.
    var step = top > 300 ? 100 : 50;
    for (var v = 0; v <= top; v += step) {
      svg.appendChild(s("line", { x1: L, x2: W - R, y1: y(v), y2: y(v), class: "grid" }));
      svg.appendChild(s("text", { x: L - 4, y: y(v) + 4, "text-anchor": "end" }, String(v)));
    }
    D.cstMidnights(t0, t1).forEach(function (d) {
      svg.appendChild(s("line", { x1: x(d), x2: x(d), y1: T, y2: H - B, class: "grid" }));
      svg.appendChild(s("text", { x: x(d), y: H - B + 14, "text-anchor": "middle" }, D.fmtTime(d, "day")));
    });

    // Runs: shaded spans under their threshold line.
    runs.forEach(function (r) {
      svg.appendChild(s("rect", { x: x(ms(r.start)), y: T, width: Math.max(1, x(ms(r.end)) - x(ms(r.start))), height: H - T - B, class: "run" }));
    });
    var seen = {};
    runs.forEach(function (r) {
      if (seen[r.threshold]) return;
      seen[r.threshold] = true;
      svg.appendChild(s("line", { x1: L, x2: W - R, y1: y(r.threshold), y2: y(r.threshold), class: "threshold", "data-threshold": r.threshold }));
      svg.appendChild(s("text", { x: W - R - 2, y: y(r.threshold) + 13, "text-anchor": "end", class: "threshold-label" },
        t("run", { thr: r.threshold, min: r.min_hours, level: levelName(r.level), hours: Math.round(r.hours) })));
    });

    // Windows: observed as a line through the window ends; forecast and
    // baseline as steps over their windows.
    var obs = wins.filter(function (w) { return w.source === "observed"; }).sort(function (a, b) { return ms(a.end) - ms(b.end); });
    if (obs.length) {
      svg.appendChild(s("polyline", { class: "win-observed", points: obs.map(function (w) { return x(ms(w.end)) + "," + y(w.aqi); }).join(" ") }));
    }
    wins.forEach(function (w) {
      if (w.source === "observed") return;
      var seg = s("line", { x1: x(ms(w.start)), x2: x(ms(w.end)), y1: y(w.aqi), y2: y(w.aqi), class: "win-" + w.source });
      seg.appendChild(s("title", null, t("window", { source: t(w.source) || w.source, from: w.forecast_source ? " (" + w.forecast_source + ")" : "", aqi: w.aqi })));
      svg.appendChild(seg);
    });

    // Proposed (now) and the warning's start: the lead time between them.
    if (summary && summary.created) {
      var xc = x(ms(summary.created));
      svg.appendChild(s("line", { x1: xc, x2: xc, y1: T, y2: H - B, class: "now" }));
      svg.appendChild(s("text", { x: xc + 3, y: T + 10 }, t("proposed")));
    }
    if (detail.start) {
      var xs = x(ms(detail.start));
      svg.appendChild(s("line", { x1: xs, x2: xs, y1: T, y2: H - B, class: "start" }));
      var lead = summary && summary.lead_hours != null ? t("lead", { h: Math.round(summary.lead_hours) }) : "";
      svg.appendChild(s("text", { x: xs + 3, y: T + 22, class: "start-label" }, t("start") + (lead ? " · " + lead : "")));
    }
    return svg;
  };
})();
