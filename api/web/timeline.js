// The level timeline a decision is taken on, as an inline SVG (no library,
// nothing from elsewhere): the blended rolling 24 h AQI of a region
// (observed part solid, forecast part dashed, daily forecast days and the
// persistence baseline as dashed steps), the plan's thresholds (read from
// its levels' conditions in GET /api/v1/plan), the level strip Level(τ) under it in the plan's
// colours, a "now" marker where observation ends, the next scheduled
// decision time and, for a proposal, its effective start and the runs it
// rests on. The data are one region of GET /api/v1/warnings/status.
//
// aqwarnTimeline.panel(region, plan, opts) returns the chart with its
// legend and the decision facts (next decision, what it waits for);
// aqwarnTimeline.chart(...) the SVG alone. opts: {runs, start, asOf,
// label}.
"use strict";

window.aqwarnTimeline = (function () {
  var D = aqwarnDOM, s = D.svgEl, h = D.el, pick = D.pick, fmtTime = D.fmtTime; // dom.js
  var H1 = 3600e3;
  var t = D.texts({
    zh: {
      title: "{region}：24 小时滑动 AQI（观测与预报）及预警级别时间线", titleRegion: "本区域",
      desc: "现在 {now}；下次研判 {next}。", empty: "无观测或预报窗口", strip: "级别",
      baseline: "基线", daily: "逐日预报", upstream: "上级提示", decided: "研判时", now: "现在", next: "下次研判",
      effective: "生效", restart: "恢复",
      scheduled: "定时研判时段", urgent: "非定时：仅紧急决定（升级、短时发布）",
      keyObserved: "观测", keyForecast: "预报", keyDaily: "逐日/基线", keyThreshold: "阈值", keyNow: "现在", keyDecision: "下次研判",
      factDecided: "研判时", factNow: "现在", factNext: "下次研判", factWaiting: "等待", factForecast: "预报"
    },
    en: {
      title: "{region}: rolling 24-hour AQI, observed and forecast, with the level timeline", titleRegion: "This region",
      desc: "Now {now}; next decision {next}.", empty: "no observed or forecast windows", strip: "Level",
      baseline: "baseline", daily: "daily forecast", upstream: "upstream prompt", decided: "decided", now: "now", next: "next decision",
      effective: "effective", restart: "restart",
      scheduled: "a scheduled decision hour", urgent: "urgent decisions only (upgrade, short-notice issue)",
      keyObserved: "observed", keyForecast: "forecast", keyDaily: "daily/baseline", keyThreshold: "thresholds", keyNow: "now", keyDecision: "next decision",
      factDecided: "As decided", factNow: "Now", factNext: "Next decision", factWaiting: "Waiting for", factForecast: "Forecast"
    }
  });
  function ms(x) { return new Date(x).getTime(); }
  function fmt(x, short) { return fmtTime(x, short ? "short" : undefined); }

  // thresholdsOf reads the plan's level thresholds from its "when" texts
  // ("AQI>200 for ≥24h"): the lines a duty officer reads the curve against.
  function thresholdsOf(plan) {
    var seen = {}, out = [];
    ((plan && plan.levels) || []).forEach(function (l) {
      (l.when || []).forEach(function (w) {
        var re = /AQI\s*>\s*(\d+)/g, m;
        while ((m = re.exec(w))) {
          var v = +m[1];
          if (!seen[v]) { seen[v] = true; out.push(v); }
        }
      });
    });
    return out.sort(function (a, b) { return a - b; });
  }
  function levelOf(plan, id) {
    var ls = (plan && plan.levels) || [];
    for (var i = 0; i < ls.length; i++) if (ls[i].id === id) return ls[i];
    return { id: id, name_zh: id, name_en: id, color: "#8a96a0" };
  }

  function chart(st, plan, opts) {
    opts = opts || {};
    var series = (st && st.series) || [];
    var W = 760, Hh = 290, L = 40, R = 14, T = 40, stripH = 14;
    var plotB = Hh - 52, stripY = plotB + 8, axisY = Hh - 14;
    var now = ms(st.evaluated_at || st.now);
    // Its text alternative, in the page's language: role img, a <title> and a <desc>.
    var svg = s("svg", { viewBox: "0 0 " + W + " " + Hh, class: "timeline", role: "img", "data-region": st.region || "" });
    var region = st.name_zh || st.name_en ? D.pair(st, "name") : st.region || t("titleRegion");
    svg.appendChild(s("title", null, t("title", { region: region })));
    svg.appendChild(s("desc", null, series.length ? t("desc", { now: fmt(now), next: fmt(st.next_decision) || "—" }) : t("empty")));
    if (!series.length) {
      svg.appendChild(s("text", { x: L, y: Hh / 2, class: "empty" }, t("empty")));
      return svg;
    }
    var firstEnd = ms(series[0].end), lastEnd = ms(series[series.length - 1].end);
    var t0 = Math.max(now - 48 * H1, Math.min(firstEnd, now - 12 * H1));
    var t1 = Math.max(now + 24 * H1, lastEnd);
    [st.next_decision, opts.start].forEach(function (x) { if (x) t1 = Math.max(t1, ms(x) + 3 * H1); });
    t1 = Math.min(t1, now + 144 * H1);
    var thr = thresholdsOf(plan);
    var top = 100;
    series.forEach(function (w) { var e = ms(w.end); if (e >= t0 && e <= t1) top = Math.max(top, w.aqi * 1.1); });
    thr.forEach(function (v) { top = Math.max(top, v + 30); });
    top = Math.ceil(top / 50) * 50;
    function x(t) { return L + (Math.min(Math.max(t, t0), t1) - t0) / (t1 - t0) * (W - L - R); }
    function y(v) { return T + (1 - Math.min(v, top) / top) * (plotB - T); }
    function f(n) { return n.toFixed(1); }

    // Grid: AQI every 50 (100 on a tall scale), days at China midnight.
    var step = top > 300 ? 100 : 50;
    for (var v = 0; v <= top; v += step) {
      svg.appendChild(s("line", { x1: L, x2: W - R, y1: f(y(v)), y2: f(y(v)), class: "grid" }));
      svg.appendChild(s("text", { x: L - 4, y: f(y(v) + 4), "text-anchor": "end" }, String(v)));
    }
    D.cstMidnights(t0, t1).forEach(function (d) {
      svg.appendChild(s("line", { x1: f(x(d)), x2: f(x(d)), y1: T, y2: stripY + stripH, class: "grid day" }));
      svg.appendChild(s("text", { x: f(x(d)), y: axisY, "text-anchor": "middle" }, fmtTime(d, "day")));
    });

    // The runs a proposal rests on, shaded.
    (opts.runs || []).forEach(function (r) {
      var a = x(ms(r.start)), b = x(ms(r.end));
      if (b > a) svg.appendChild(s("rect", { x: f(a), y: T, width: f(b - a), height: f(plotB - T), class: "run" }));
    });

    // The plan's thresholds.
    thr.forEach(function (v) {
      svg.appendChild(s("line", { x1: L, x2: W - R, y1: f(y(v)), y2: f(y(v)), class: "threshold", "data-threshold": v }));
      svg.appendChild(s("text", { x: W - R - 2, y: f(y(v) - 3), "text-anchor": "end", class: "threshold-label" }, "AQI " + v));
    });

    // The series: rolling windows as a line through their ends (observed
    // solid, forecast dashed, joined at now); whole days and baselines as steps.
    var obs = [], fc = [];
    series.forEach(function (w) {
      if (w.daily) return;
      var e = ms(w.end);
      if (e < t0 || e > t1) return;
      (w.source === "observed" ? obs : fc).push(w);
    });
    function path(list, cls, join) {
      var dd = "", prev = null;
      if (join) { dd = "M" + f(x(ms(join.end))) + " " + f(y(join.aqi)); prev = ms(join.end); }
      list.forEach(function (w) {
        var e = ms(w.end);
        // A gap of more than 3 h in the series is not drawn over.
        dd += (prev != null && e - prev <= 3 * H1 ? "L" : "M") + f(x(e)) + " " + f(y(w.aqi));
        prev = e;
      });
      if (dd) svg.appendChild(s("path", { d: dd, class: cls, "data-points": list.length }));
    }
    path(obs, "series-observed");
    path(fc, "series-forecast", obs.length ? obs[obs.length - 1] : null);
    series.forEach(function (w) {
      if (!w.daily) return;
      var a = ms(w.start), b = ms(w.end);
      if (b < t0 || a > t1) return;
      var seg = s("line", { x1: f(x(a)), x2: f(x(b)), y1: f(y(w.aqi)), y2: f(y(w.aqi)),
        class: w.source === "baseline" ? "series-baseline" : "series-daily" });
      seg.appendChild(s("title", null, t(w.source === "baseline" ? "baseline" : "daily") +
        (w.forecast_source ? " (" + w.forecast_source + ")" : "") + ": AQI " + w.aqi + " · " + fmt(a, true) + "–" + fmt(b, true)));
      svg.appendChild(seg);
    });

    // The level strip: Level(τ) in the plan's colours.
    svg.appendChild(s("rect", { x: L, y: stripY, width: W - L - R, height: stripH, class: "strip-bg" }));
    svg.appendChild(s("text", { x: L - 4, y: stripY + 11, "text-anchor": "end", class: "strip-label" }, t.short("strip")));
    (st.levels || []).forEach(function (sp) {
      var a = x(ms(sp.start)), b = x(ms(sp.end));
      if (b <= a) return;
      var lv = levelOf(plan, sp.level);
      var r = s("rect", { x: f(a), y: stripY, width: f(b - a), height: stripH, fill: lv.color || "#8a96a0",
        class: "level-span" + (sp.upstream ? " upstream" : ""), "data-level": sp.level });
      r.appendChild(s("title", null, (pick(lv, "name") || sp.level) + ": " + fmt(sp.start, true) + " – " + fmt(sp.end, true) +
        (sp.upstream ? " (" + t("upstream") + ")" : "")));
      svg.appendChild(r);
    });

    // Markers: now (where observation ends), the next decision time, the
    // proposal's effective start, a pause's restart.
    function marker(t, cls, label, row) {
      if (t == null || isNaN(t) || t < t0 || t > t1) return;
      var xx = x(t);
      svg.appendChild(s("line", { x1: f(xx), x2: f(xx), y1: T - 4, y2: stripY + stripH, class: cls, "data-time": new Date(t).toISOString() }));
      var right = xx > W - 170;
      svg.appendChild(s("text", { x: f(right ? xx - 3 : xx + 3), y: 11 + row * 12, "text-anchor": right ? "end" : "start", class: cls + "-label" }, label));
    }
    marker(now, "now-marker", t(opts.asOf ? "decided" : "now") + " " + fmt(now, true), 0);
    if (st.next_decision) marker(ms(st.next_decision), "decision-marker", t("next") + " " + fmt(st.next_decision, true), 1);
    if (opts.start) marker(ms(opts.start), "start-marker", t("effective") + " " + fmt(opts.start, true), 2);
    var w = st.warning;
    if (w && w.paused && w.restart_at) marker(ms(w.restart_at), "restart-marker", t("restart") + " " + fmt(w.restart_at, true), 2);
    return svg;
  }

  function panel(st, plan, opts) {
    opts = opts || {};
    var box = h("div", { class: "timeline-panel", "data-region": st.region || "" });
    if (opts.label) box.appendChild(h("p", { class: "timeline-label" }, opts.label));
    box.appendChild(chart(st, plan, opts));
    var leg = h("p", { class: "muted legend-timeline" });
    [["observed", "keyObserved"], ["forecast", "keyForecast"], ["daily", "keyDaily"], ["threshold", "keyThreshold"], ["now", "keyNow"], ["decision", "keyDecision"]].forEach(function (k) {
      leg.appendChild(h("span", { class: "key-" + k[0] }));
      leg.appendChild(document.createTextNode(t(k[1]) + " "));
    });
    var seen = {};
    (st.levels || []).forEach(function (sp) {
      if (seen[sp.level]) return;
      seen[sp.level] = true;
      var lv = levelOf(plan, sp.level), sw = h("span", { class: "key-level" });
      sw.style.background = lv.color || "#8a96a0";
      leg.appendChild(sw);
      leg.appendChild(document.createTextNode((pick(lv, "name") || sp.level) + " "));
    });
    box.appendChild(leg);
    var dl = h("dl", { class: "decision-facts" });
    function fact(label, text, cls) {
      dl.appendChild(h("dt", null, label));
      dl.appendChild(h("dd", { class: cls || "" }, text));
    }
    var kinds = { scheduled: t("scheduled"), urgent: t("urgent") };
    fact(t(opts.asOf ? "factDecided" : "factNow"), fmt(st.evaluated_at) + (st.decision ? " — " + (kinds[st.decision] || st.decision) : ""), "decision-now");
    fact(t("factNext"), fmt(st.next_decision), "decision-next");
    if (st.outlook) fact(t("factWaiting"), D.both(st.outlook.zh, st.outlook.en), "decision-waiting");
    if (st.need_forecast && !st.outlook) fact(t("factForecast"), D.both(st.need_forecast.message_zh, st.need_forecast.message), "error");
    box.appendChild(dl);
    return box;
  }

  return { chart: chart, panel: panel, thresholdsOf: thresholdsOf, levelOf: levelOf };
})();
