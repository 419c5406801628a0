// The public page: current AQI of the county and its stations, a 72-hour
// trend, and the active warning. Plain JavaScript, no framework, nothing
// loaded from elsewhere; it reads the public API of the same server.
"use strict";

(function () {
  var $ = aqwarnDOM.$, el = aqwarnDOM.el, pickLang = aqwarnDOM.pickLang; // dom.js
  var T = {
    zh: {
      title: "空气质量实况", county: "全县", aqiHourly: "实时 AQI", trend: "近 72 小时趋势",
      hourlyLine: "小时 AQI", rollingLine: "24 小时滑动 AQI", stations: "各监测站",
      footer: "数据按 HJ 633 计算，仅供参考；以生态环境部门发布为准。",
      stale: "数据延迟：最新数据已超过规定时间未更新。", langButton: "English",
      dataTime: "数据时间", primary: "首要污染物", rolling: "24 小时 AQI", none: "无",
      na: "无数据", loadError: "暂时无法获取数据，稍后自动重试。", noHistory: "暂无历史数据",
      warnWhat: "公众须知", warnFrom: "生效时间", warnUntil: "预计持续至", warnRegions: "范围",
      warnPaused: "措施暂停至", warnPausedNote: "暂停期间下列措施暂不执行；污染再次来临时将恢复。", warnLift: "解除时间",
      adviceHead: "健康防护", suspended: "暂停执行的措施", more: "还有 {n} 条",
      groups: { schools: "学校", traffic: "交通出行", events: "活动", other: "其他" },
      scale: ["优", "良", "轻度污染", "中度污染", "重度污染", "严重污染"],
      staleStation: "延迟"
    },
    en: {
      title: "Air quality now", county: "County", aqiHourly: "Hourly AQI", trend: "Last 72 hours",
      hourlyLine: "Hourly AQI", rollingLine: "24-hour rolling AQI", stations: "Stations",
      footer: "Computed under HJ 633, for information; the environment authority's releases prevail.",
      stale: "Data delayed: the newest data is older than it should be.", langButton: "中文",
      dataTime: "Data time", primary: "Primary pollutant", rolling: "24-hour AQI", none: "none",
      na: "no data", loadError: "Data is not available right now; retrying shortly.", noHistory: "No history yet",
      warnWhat: "What it means for you", warnFrom: "Effective from", warnUntil: "Expected until", warnRegions: "Area",
      warnPaused: "Measures paused until", warnPausedNote: "While paused the measures below do not apply; they resume when the pollution returns.",
      warnLift: "Lifted from", adviceHead: "Health advice", suspended: "Suspended measures", more: "{n} more",
      groups: { schools: "Schools", traffic: "Traffic", events: "Events", other: "Other" },
      scale: ["Excellent", "Good", "Lightly polluted", "Moderately polluted", "Heavily polluted", "Severely polluted"],
      staleStation: "late"
    }
  };
  // The official colours of HJ 633 levels 1–6 (for the legend and the
  // chart's bands; cards use the colour the API sends).
  var LEVELS = [
    { max: 50, color: "#00E400" }, { max: 100, color: "#FFFF00" }, { max: 150, color: "#FF7E00" },
    { max: 200, color: "#FF0000" }, { max: 300, color: "#99004C" }, { max: 500, color: "#7E0023" }
  ];
  var POLLUTANT = {
    pm25: "PM2.5", pm10: "PM10", so2: "SO₂", no2: "NO₂", co: "CO", o3: "O₃",
    o3_8h: "O₃ (8h)", o3_1h: "O₃ (1h)", so2_1h: "SO₂ (1h)", so2_24h: "SO₂ (24h)",
    no2_24h: "NO₂ (24h)", pm10_24h: "PM10 (24h)", pm25_24h: "PM2.5 (24h)", co_24h: "CO (24h)"
  };

  var state = { lang: pickLang(), current: null, stations: null, history: null, warnings: [], error: false };


  function t(key) { return T[state.lang][key]; }
  function svgEl(tag, attrs, text) {
    var e = document.createElementNS("http://www.w3.org/2000/svg", tag);
    for (var k in attrs || {}) e.setAttribute(k, attrs[k]);
    if (text != null) e.textContent = text;
    return e;
  }
  function pick(obj, base) { // name_zh / name_en style fields
    if (!obj) return "";
    var v = obj[base + "_" + state.lang];
    return v != null && v !== "" ? v : (obj[base + "_zh"] || obj[base + "_en"] || obj[base] || "");
  }
  // Dark text on light colours (yellow, green), light text on dark ones.
  function textOn(hex) {
    var m = /^#?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex || "");
    if (!m) return "#1d2329";
    var l = 0.299 * parseInt(m[1], 16) + 0.587 * parseInt(m[2], 16) + 0.114 * parseInt(m[3], 16);
    return l > 150 ? "#1d2329" : "#fff";
  }
  function paint(node, color) {
    node.style.background = color || "#e3e7ea";
    node.style.color = textOn(color);
  }
  function fmtTime(s) {
    if (!s) return "";
    var d = new Date(s);
    if (isNaN(d)) return s;
    // Always in China Standard Time, whatever the browser's zone.
    var cst = new Date(d.getTime() + 8 * 3600e3);
    function p(n) { return (n < 10 ? "0" : "") + n; }
    return cst.getUTCFullYear() + "-" + p(cst.getUTCMonth() + 1) + "-" + p(cst.getUTCDate()) + " " +
      p(cst.getUTCHours()) + ":" + p(cst.getUTCMinutes());
  }
  function primaryText(v) {
    if (!v || !v.primary || !v.primary.length) return t("none");
    return v.primary.map(function (p) { return POLLUTANT[p] || p; }).join(", ");
  }

  // fill puts values into a documented path template ("/api/v1/warnings/{id}").
  function fill(tpl, v) { return tpl.replace(/\{(\w+)\}/g, function (_, k) { return encodeURIComponent(v[k]); }); }
  function getJSON(url) {
    return fetch(url, { headers: { Accept: "application/json" } }).then(function (r) {
      if (!r.ok) { var e = new Error(url + ": " + r.status); e.status = r.status; throw e; }
      return r.json();
    });
  }

  // ---- rendering -------------------------------------------------------

  function renderStatic() {
    document.documentElement.lang = state.lang === "zh" ? "zh-CN" : "en";
    var nodes = document.querySelectorAll("[data-i18n]");
    for (var i = 0; i < nodes.length; i++) nodes[i].textContent = t(nodes[i].getAttribute("data-i18n"));
    $("lang").textContent = t("langButton");
    document.title = t("title");
    var scale = $("scale");
    scale.textContent = "";
    LEVELS.forEach(function (lv, i) {
      var li = el("li", null, (i === 0 ? 0 : LEVELS[i - 1].max + 1) + "–" + lv.max + " " + t("scale")[i]);
      paint(li, lv.color);
      scale.appendChild(li);
    });
  }

  function renderCounty() {
    var c = state.current && state.current.county;
    $("load-error").hidden = !state.error;
    $("load-error").textContent = t("loadError");
    if (!c) return;
    $("county-name").textContent = pick(c, "name") || t("county");
    $("data-time").textContent = t("dataTime") + " " + fmtTime(c.time) + (c.edition ? " · " + c.edition : "");
    var h = c.hourly || {};
    $("county-aqi").textContent = h.aqi == null ? "—" : String(h.aqi);
    $("county-category").textContent = h.aqi == null ? t("na") : pick(h, "category");
    $("county-primary").textContent = t("primary") + ": " + primaryText(h);
    var r = c.rolling_24h || {};
    $("county-24h").textContent = t("rolling") + ": " + (r.aqi == null ? "—" : r.aqi + " " + pick(r, "category"));
    $("county-advice").textContent = pick(h, "advice");
    paint($("county-card"), h.color);
    $("stale").hidden = !c.stale;
    $("county-card").setAttribute("data-level", h.level || 0);
  }

  function renderStations() {
    var list = $("stations");
    list.textContent = "";
    var cur = (state.current && state.current.stations) || [];
    cur.forEach(function (s) {
      var h = s.hourly || {};
      var li = el("li", { "data-station": s.id });
      li.appendChild(el("span", { class: "name" }, pick(s, "name") || s.id));
      li.appendChild(el("span", { class: "num" }, h.aqi == null ? "—" : String(h.aqi)));
      li.appendChild(el("span", { class: "cat" },
        (h.aqi == null ? t("na") : pick(h, "category")) + (s.stale ? " · " + t("staleStation") : "")));
      paint(li, h.color);
      list.appendChild(li);
    });
    renderMap(cur);
  }

  // A simple map: stations placed by longitude and latitude (equirectangular,
  // corrected for latitude), coloured by their hourly AQI.
  function renderMap(cur) {
    var box = $("map");
    box.textContent = "";
    var meta = {};
    ((state.stations && state.stations.stations) || []).forEach(function (s) { meta[s.id] = s; });
    var pts = cur.filter(function (s) { return meta[s.id] && (meta[s.id].lat || meta[s.id].lon); });
    box.hidden = !pts.length; // no coordinates configured: the grid alone
    if (!pts.length) return;
    var W = 400, H = 260, pad = 40;
    var lats = pts.map(function (s) { return meta[s.id].lat; }), lons = pts.map(function (s) { return meta[s.id].lon; });
    var minLat = Math.min.apply(null, lats), maxLat = Math.max.apply(null, lats);
    var minLon = Math.min.apply(null, lons), maxLon = Math.max.apply(null, lons);
    var k = Math.cos((minLat + maxLat) / 2 * Math.PI / 180);
    var spanX = Math.max((maxLon - minLon) * k, 1e-3), spanY = Math.max(maxLat - minLat, 1e-3);
    var scale = Math.min((W - 2 * pad) / spanX, (H - 2 * pad) / spanY);
    var ox = (W - spanX * scale) / 2, oy = (H - spanY * scale) / 2;
    var svg = svgEl("svg", { viewBox: "0 0 " + W + " " + H, xmlns: "http://www.w3.org/2000/svg" });
    pts.forEach(function (s) {
      var m = meta[s.id], h = s.hourly || {};
      var x = ox + (m.lon - minLon) * k * scale, y = H - (oy + (m.lat - minLat) * scale);
      var g = svgEl("g", { "data-station": s.id });
      g.appendChild(svgEl("circle", { cx: x, cy: y, r: 16, fill: h.color || "#bbb", stroke: "#1d2329", "stroke-width": 1 }));
      g.appendChild(svgEl("text", { x: x, y: y + 4, "text-anchor": "middle", "font-weight": 700, class: "num", fill: textOn(h.color) },
        h.aqi == null ? "—" : String(h.aqi)));
      g.appendChild(svgEl("text", { x: x, y: y + 30, "text-anchor": "middle" }, pick(m, "name").replace(/（.*$|\s*\(.*$/, "")));
      svg.appendChild(g);
    });
    box.appendChild(svg);
  }

  // The 72-hour trend: hourly AQI (solid) and 24-hour rolling AQI (dashed)
  // over bands in the official colours.
  function renderTrend() {
    var box = $("trend");
    box.textContent = "";
    var pts = ((state.history && state.history.points) || []).map(function (p) {
      return { t: new Date(p.time).getTime(), h: p.hourly && p.hourly.aqi, r: p.rolling_24h && p.rolling_24h.aqi };
    });
    if (!pts.length) { box.appendChild(el("p", { class: "muted" }, t("noHistory"))); return; }
    // One unit of the drawing is one CSS pixel, so the labels keep their size on any screen.
    var W = Math.max(300, Math.round(box.clientWidth || 640)), H = W < 500 ? 220 : 280, L = 36, R = 12, Tp = 8, B = 28;
    var t1 = new Date(state.history.to).getTime(), t0 = t1 - 72 * 3600e3;
    var top = 50;
    pts.forEach(function (p) { top = Math.max(top, p.h || 0, p.r || 0); });
    var lv = LEVELS.filter(function (l, i) { return i === 0 || LEVELS[i - 1].max < top; });
    top = Math.min(500, lv[lv.length - 1].max);
    function x(ms) { return L + (ms - t0) / (t1 - t0) * (W - L - R); }
    function y(v) { return Tp + (1 - Math.min(v, top) / top) * (H - Tp - B); }
    var svg = svgEl("svg", { viewBox: "0 0 " + W + " " + H, xmlns: "http://www.w3.org/2000/svg" });
    var lo = 0;
    lv.forEach(function (l) {
      var hi = Math.min(l.max, top);
      svg.appendChild(svgEl("rect", { x: L, y: y(hi), width: W - L - R, height: y(lo) - y(hi), fill: l.color, "fill-opacity": 0.22 }));
      svg.appendChild(svgEl("text", { x: L - 4, y: y(hi) + 4, "text-anchor": "end" }, String(hi)));
      lo = hi;
    });
    var step = W < 560 ? 24 : 12; // hours between labels: fewer on a phone
    for (var d = 0; d <= 72; d += step) {
      var ms = t0 + d * 3600e3;
      svg.appendChild(svgEl("line", { x1: x(ms), x2: x(ms), y1: Tp, y2: H - B, stroke: "#c5ccd2", "stroke-width": 0.5 }));
      svg.appendChild(svgEl("text", { x: x(ms), y: H - B + 14, "text-anchor": d === 0 ? "start" : d === 72 ? "end" : "middle" },
        fmtTime(new Date(ms).toISOString()).slice(5)));
    }
    function line(key, attrs) {
      var dpath = "", pen = false;
      pts.forEach(function (p) {
        var v = p[key];
        if (v == null || p.t < t0) { pen = false; return; }
        dpath += (pen ? "L" : "M") + x(p.t).toFixed(1) + " " + y(v).toFixed(1);
        pen = true;
      });
      if (dpath) svg.appendChild(svgEl("path", Object.assign({ d: dpath, fill: "none" }, attrs)));
    }
    line("r", { stroke: "#1f4e79", "stroke-width": 2, "stroke-dasharray": "5 4", class: "rolling" });
    line("h", { stroke: "#1d2329", "stroke-width": 2, class: "hourly" });
    box.appendChild(svg);
  }

  // The active warnings as a banner. GET /api/v1/warnings/active answers
  // {warnings: [...]}; a bare warning or {warning: ...} is read too. Absent,
  // failing or empty means no warning and no banner.
  function activeWarnings(body) {
    if (!body) return [];
    if (Array.isArray(body.warnings)) return body.warnings;
    if (body.warning) return [body.warning];
    return body.level || body.id ? [body] : [];
  }

  function regionName(id) {
    var rs = (state.stations && state.stations.regions) || [];
    for (var i = 0; i < rs.length; i++) if (rs[i].id === id) return pick(rs[i], "name");
    return id;
  }

  // warningFacts reads a warning's lifecycle: when its response starts,
  // when it is expected to end, whether its measures are paused and until
  // when, and when a lift takes effect. Fields the API sends win; otherwise
  // they follow from the transitions of GET /api/v1/warnings/{id} (the
  // issue's start is the effective start; a pause's expected end is its
  // planned restart; a resume, upgrade or downgrade ends a pause).
  function warningFacts(w) {
    var ts = (w.transitions || []).slice().sort(function (a, b) { return new Date(a.at) - new Date(b.at); });
    var issue = null, lift = null, paused = false, restart = null;
    ts.forEach(function (tr) {
      if (tr.kind === "issue" && !issue) issue = tr;
      if (tr.kind === "lift") lift = tr;
      if (tr.kind === "pause") { paused = true; restart = tr.expected_end; }
      if (tr.kind === "resume" || tr.kind === "upgrade" || tr.kind === "downgrade" || tr.kind === "issue") { paused = false; restart = null; }
    });
    var isPaused = w.paused != null ? !!w.paused : paused;
    return {
      effectiveStart: w.effective_start || (issue && issue.start) || w.episode_start || w.since || w.start || "",
      expectedEnd: w.expected_end || w.end || "",
      paused: isPaused,
      restartAt: isPaused ? (w.restart_at || restart || "") : "",
      liftEffective: w.lift_effective || (lift && lift.start) || ""
    };
  }

  // groupOf sorts a public measure under a short heading. The plan marks
  // measures public or not and gives their kind (health, advisory,
  // mandatory), not the public's headings: schools, traffic and events
  // are read from the measure's id and texts; other health measures are the
  // health advice; the rest is "other".
  function groupOf(m) {
    var txt = typeof m === "string" ? m : [m.id, m.text_en, m.text_zh].join(" ");
    if (/school|kindergarten|学校|中小学|幼儿园|停课/i.test(txt)) return "schools";
    if (/\bevents?\b|\bcompetitions?\b|大型.*活动|群众性|赛事|比赛/i.test(txt)) return "events";
    if (/\btraffic\b|\btrucks?\b|\bvehicles?\b|\btransport\b|\btravel\b|\bdiesel\b|\broads?\b|\bdetour\b|交通|车辆|货车|机动车|出行|通行|绕行/i.test(txt)) return "traffic";
    if (typeof m !== "string" && m.kind === "health") return "health";
    return "other";
  }
  // publicGroups keeps what concerns the public (internal duties and
  // measures marked not public are left out), grouped, strictest first
  // (the plan lists them from the lowest level up).
  function publicGroups(measures) {
    var g = { health: [], schools: [], traffic: [], events: [], other: [] };
    (measures || []).forEach(function (m) {
      if (typeof m !== "string" && (m.public === false || m.kind === "duty" || m.internal)) return;
      var text = typeof m === "string" ? m : pick(m, "text");
      if (text) g[groupOf(m)].unshift(text);
    });
    return g;
  }
  // foldList shows the first items of a long list and folds the rest.
  function foldList(items, keep) {
    var frag = document.createDocumentFragment();
    var ul = el("ul");
    items.slice(0, keep).forEach(function (x) { ul.appendChild(el("li", null, x)); });
    frag.appendChild(ul);
    if (items.length > keep) {
      var det = el("details", { class: "more" });
      det.appendChild(el("summary", null, t("more").replace("{n}", items.length - keep)));
      var rest = el("ul");
      items.slice(keep).forEach(function (x) { rest.appendChild(el("li", null, x)); });
      det.appendChild(rest);
      frag.appendChild(det);
    }
    return frag;
  }

  // warningBox is one warning of the banner: level, when (effective from,
  // expected until, paused until, lifted from), then what it means for the
  // public: the health advice first, then what changes under short headings.
  function warningBox(w, advice, i) {
    var fallback = { yellow: "#FFFF00", orange: "#FF7E00", red: "#FF0000" };
    var lvl = w.level && typeof w.level === "object" ? w.level : w;
    var levelID = typeof w.level === "string" ? w.level : (lvl.id || "");
    var color = lvl.color || w.color || fallback[levelID] || "#FF7E00";
    var facts = warningFacts(w);
    var box = el("div", { class: "warning" + (facts.paused ? " paused" : ""), "data-level": levelID });
    box.style.borderLeft = "0.6rem solid " + color;
    var title = pick(lvl, "name") || pick(w, "title") || levelID;
    var resp = pick(lvl, "response") || pick(w, "response");
    box.appendChild(el("h2", null, title + (resp ? " · " + resp : "")));
    var when = el("p", { class: "when" });
    function part(cls, text) {
      if (when.childNodes.length) when.appendChild(document.createTextNode(" · "));
      when.appendChild(el("span", { class: cls }, text));
    }
    if (facts.effectiveStart) part("eff-from", t("warnFrom") + " " + fmtTime(facts.effectiveStart));
    if (facts.expectedEnd) part("eff-until", t("warnUntil") + " " + fmtTime(facts.expectedEnd));
    var regions = w.regions || (w.region ? [w.region] : []);
    if (regions.length) {
      part("area", t("warnRegions") + ": " + regions.map(function (r) { return typeof r === "string" ? regionName(r) : pick(r, "name"); }).join("、"));
    }
    if (when.childNodes.length) box.appendChild(when);
    if (facts.paused) {
      var pz = el("p", { class: "paused-until" });
      pz.appendChild(el("strong", null, t("warnPaused") + " " + (facts.restartAt ? fmtTime(facts.restartAt) : "—")));
      pz.appendChild(document.createTextNode(" " + t("warnPausedNote")));
      box.appendChild(pz);
    }
    if (facts.liftEffective) box.appendChild(el("p", { class: "lift-at" }, t("warnLift") + " " + fmtTime(facts.liftEffective)));
    var text = pick(w, "public_text") || pick(w, "text");
    if (text) box.appendChild(el("p", null, text));

    var g = publicGroups(w.measures || w.public_measures);
    var health = (advice ? [advice] : []).concat(facts.paused ? [] : g.health);
    var changes = ["schools", "traffic", "events", "other"].filter(function (k) { return g[k].length; });
    if (!health.length && !changes.length && !(facts.paused && g.health.length)) return box;
    box.appendChild(el("h3", { class: "what" }, t("warnWhat")));
    if (health.length) {
      var hs = el("section", { class: "advice-health" });
      hs.appendChild(el("h4", null, t("adviceHead")));
      hs.appendChild(foldList(health, 3));
      box.appendChild(hs);
    }
    var target = box;
    if (facts.paused && (changes.length || g.health.length)) {
      // The measures are suspended: kept at hand, folded.
      target = el("details", { class: "suspended" });
      if (g.health.length) changes.unshift("health");
      var n = 0;
      changes.forEach(function (k) { n += g[k].length; });
      target.appendChild(el("summary", null, t("suspended") + " (" + n + ")"));
      box.appendChild(target);
    }
    changes.forEach(function (k) {
      var sec = el("section", { class: "changes", "data-group": k });
      sec.appendChild(el("h4", null, k === "health" ? t("adviceHead") : t("groups")[k]));
      sec.appendChild(foldList(g[k], 3));
      target.appendChild(sec);
    });
    return box;
  }
  // For the page's own checks (browser tests): the rules without the network.
  window.aqwarnPublic = { facts: warningFacts, groups: publicGroups, box: function (w, advice) { return warningBox(w, advice || "", 0); },
    setLang: function (l) { state.lang = l; } };

  function renderWarning() {
    var b = $("warning-banner");
    var ws = state.warnings || [];
    b.textContent = "";
    if (!ws.length) { b.hidden = true; return; }
    var advice = state.current && state.current.county && state.current.county.hourly ? pick(state.current.county.hourly, "advice") : "";
    ws.forEach(function (w, i) {
      var box = warningBox(w, advice, i);
      if (i === 0) b.style.borderColor = box.style.borderLeftColor;
      b.appendChild(box);
    });
    b.hidden = false;
  }

  function renderAll() {
    renderStatic();
    renderCounty();
    renderStations();
    renderTrend();
    renderWarning();
  }

  // ---- loading ----------------------------------------------------------

  function load() {
    var stations = state.stations ? Promise.resolve(state.stations) : getJSON("/api/v1/stations");
    var current = getJSON("/api/v1/aqi/current");
    // Each warning with its transitions (GET /api/v1/warnings/{id}): its
    // effective start and a pause follow from them.
    var warning = getJSON("/api/v1/warnings/active").then(activeWarnings, function () { return []; }).then(function (ws) {
      return Promise.all(ws.map(function (w) {
        if (!w.id) return w;
        return getJSON(fill("/api/v1/warnings/{id}", { id: w.id })).then(function (d) { return Object.assign({}, w, d); }, function () { return w; });
      }));
    });
    return Promise.all([stations, current, warning]).then(function (r) {
      state.stations = r[0];
      state.current = r[1];
      state.warnings = r[2];
      state.error = false;
      var c = state.current.county;
      if (!c) return null;
      // The trend ends at the newest hour of the data (in the demo the
      // data's clock is not the wall clock).
      var to = new Date(c.time), from = new Date(to.getTime() - 72 * 3600e3);
      return getJSON("/api/v1/aqi/history?region=" + encodeURIComponent(c.id) +
        "&from=" + encodeURIComponent(from.toISOString()) + "&to=" + encodeURIComponent(to.toISOString()))
        .then(function (h) { state.history = h; }, function () { state.history = null; });
    }).catch(function () {
      state.error = true;
    }).then(renderAll);
  }

  $("lang").addEventListener("click", function () {
    state.lang = state.lang === "zh" ? "en" : "zh";
    try { localStorage.setItem("aqwarn.lang", state.lang); } catch (e) { /* private mode */ }
    renderAll();
  });

  var resizing;
  window.addEventListener("resize", function () {
    clearTimeout(resizing);
    resizing = setTimeout(renderTrend, 150);
  });

  renderStatic();
  load();
  setInterval(load, 60000);
})();
