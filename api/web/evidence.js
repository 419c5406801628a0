// The evidence of a proposal as a small inline SVG chart: the 24-hour AQI
// windows (observed as a line, forecast and baseline as day steps) against
// the thresholds of the runs that hold, the runs shaded, and the warning's
// start against the time it was proposed (the lead time). Plain SVG, no
// library; console.js calls aqwarnEvidenceChart(summary, detail).
"use strict";

window.aqwarnEvidenceChart = (function () {
  var NS = "http://www.w3.org/2000/svg";
  function s(tag, attrs, text) {
    var e = document.createElementNS(NS, tag);
    for (var k in attrs || {}) e.setAttribute(k, attrs[k]);
    if (text != null) e.textContent = text;
    return e;
  }
  function ms(x) { return new Date(x).getTime(); }
  function cstLabel(t) {
    var d = new Date(t + 8 * 3600e3);
    return (d.getUTCMonth() + 1) + "-" + d.getUTCDate();
  }

  return function (summary, detail) {
    var ev = (detail && detail.evidence) || {};
    var wins = (ev.windows || []).filter(function (w) { return w.start && w.end; });
    var runs = ev.runs || [];
    var W = 720, H = 230, L = 40, R = 12, T = 16, B = 30;
    var svg = s("svg", { viewBox: "0 0 " + W + " " + H, class: "evidence", role: "img",
      "aria-label": "evidence: 24-hour AQI windows against the thresholds" });
    if (!wins.length && !runs.length) {
      svg.appendChild(s("text", { x: L, y: H / 2 }, "无窗口证据 · no window evidence (" + (detail && detail.reason || "manual / upstream") + ")"));
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
    top = Math.ceil(Math.max(top * 1.15, 100) / 50) * 50;
    function x(t) { return L + (t - t0) / (t1 - t0) * (W - L - R); }
    function y(v) { return T + (1 - v / top) * (H - T - B); }

    // Axes: AQI every 50 (or 100), days at CST midnight.
    var step = top > 300 ? 100 : 50;
    for (var v = 0; v <= top; v += step) {
      svg.appendChild(s("line", { x1: L, x2: W - R, y1: y(v), y2: y(v), class: "grid" }));
      svg.appendChild(s("text", { x: L - 4, y: y(v) + 4, "text-anchor": "end" }, String(v)));
    }
    var day = 86400e3, first = Math.ceil((t0 + 8 * 3600e3) / day) * day - 8 * 3600e3;
    for (var d = first; d <= t1; d += day) {
      svg.appendChild(s("line", { x1: x(d), x2: x(d), y1: T, y2: H - B, class: "grid" }));
      svg.appendChild(s("text", { x: x(d), y: H - B + 14, "text-anchor": "middle" }, cstLabel(d)));
    }

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
        "> " + r.threshold + " ≥ " + r.min_hours + " h (" + r.level + ", " + Math.round(r.hours) + " h)"));
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
      seg.appendChild(s("title", null, w.source + (w.forecast_source ? " (" + w.forecast_source + ")" : "") + ": AQI " + w.aqi));
      svg.appendChild(seg);
    });

    // Proposed (now) and the warning's start: the lead time between them.
    if (summary && summary.created) {
      var xc = x(ms(summary.created));
      svg.appendChild(s("line", { x1: xc, x2: xc, y1: T, y2: H - B, class: "now" }));
      svg.appendChild(s("text", { x: xc + 3, y: T + 10 }, "提出 proposed"));
    }
    if (detail.start) {
      var xs = x(ms(detail.start));
      svg.appendChild(s("line", { x1: xs, x2: xs, y1: T, y2: H - B, class: "start" }));
      var lead = summary && summary.lead_hours != null ? Math.round(summary.lead_hours) + " h" : "";
      svg.appendChild(s("text", { x: xs + 3, y: T + 22, class: "start-label" }, "开始 start" + (lead ? " · 提前 lead " + lead : "")));
    }
    return svg;
  };
})();
