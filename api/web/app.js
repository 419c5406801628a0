// The public page: current AQI of the county and its stations, a 72-hour
// trend, and the active warning. Plain JavaScript, no framework, nothing
// loaded from elsewhere; it reads the public API of the same server.
"use strict";

(function () {
  var D = aqwarnDOM, $ = D.$, el = D.el, svgEl = D.svgEl, pick = D.pick, fmtTime = D.fmtTime, fill = D.fillPath, getJSON = D.getJSON; // dom.js
  var T = {
    zh: {
      title: "空气质量实况", pageTitle: "空气质量实况", county: "全县", aqiHourly: "实时 AQI", trend: "近 72 小时趋势",
      hourlyLine: "小时 AQI", rollingLine: "24 小时滑动 AQI", stripLine: "色带：各小时的类别", stations: "各监测站",
      footer: "数据按 HJ 633 计算，仅供参考；以生态环境部门发布为准。",
      stale: "数据延迟：最新数据已超过规定时间未更新。",
      dataTime: "数据时间", primary: "首要污染物", rolling: "24 小时 AQI", none: "无",
      na: "无数据", loadError: "暂时无法获取数据，稍后自动重试。", noHistory: "暂无历史数据",
      warnWhat: "公众须知", warnFrom: "生效时间", warnUntil: "预计持续至", warnRegions: "范围",
      warnPaused: "措施暂停至", warnPausedNote: "暂停期间下列措施暂不执行；污染再次来临时将恢复。", warnLift: "解除时间",
      adviceHead: "健康防护", suspended: "暂停执行的措施", more: "还有 {n} 条", sourcesLink: "本次预警涉及的减排清单企业",
      groups: { schools: "学校", traffic: "交通出行", events: "活动", other: "其他" },
      staleStation: "延迟", scaleLabel: "图中颜色：空气质量类别",
      live: "{name}：AQI {aqi}，{cat}", liveNA: "{name}：无数据",
      trendTitle: "近 72 小时 AQI 趋势图", trendDesc: "小时 AQI 最新 {last}（{cat}），72 小时内最高 {max}，最低 {min}。",
      trendHour: "{time}：小时 AQI {aqi}，{cat}", mapTitle: "各监测站位置图，标注小时 AQI",
      statsLink: "空气质量统计与年度目标"
    },
    en: {
      title: "Air quality now", pageTitle: "Air quality now", county: "County", aqiHourly: "Hourly AQI", trend: "Last 72 hours",
      hourlyLine: "Hourly AQI", rollingLine: "24-hour rolling AQI", stripLine: "Strip: each hour's category", stations: "Stations",
      footer: "Computed under HJ 633, for information; the environment authority's releases prevail.",
      stale: "Data delayed: the newest data is older than it should be.",
      dataTime: "Data time", primary: "Primary pollutant", rolling: "24-hour AQI", none: "none",
      na: "no data", loadError: "Data is not available right now; retrying shortly.", noHistory: "No history yet",
      warnWhat: "What it means for you", warnFrom: "Effective from", warnUntil: "Expected until", warnRegions: "Area",
      warnPaused: "Measures paused until", warnPausedNote: "While paused the measures below do not apply; they resume when the pollution returns.",
      warnLift: "Lifted from", adviceHead: "Health advice", suspended: "Suspended measures", more: "{n} more",
      sourcesLink: "Listed sources under this warning",
      groups: { schools: "Schools", traffic: "Traffic", events: "Events", other: "Other" },
      staleStation: "late", scaleLabel: "Colours on this page: AQI categories",
      live: "{name}: AQI {aqi}, {cat}", liveNA: "{name}: no data",
      trendTitle: "AQI over the last 72 hours", trendDesc: "Hourly AQI: latest {last} ({cat}); highest {max}, lowest {min} in 72 hours.",
      trendHour: "{time}: hourly AQI {aqi}, {cat}", mapTitle: "Map of the stations with their hourly AQI",
      statsLink: "Air-quality statistics and the year's targets"
    }
  };
  var t = D.texts(T);
  var POLLUTANT = {
    pm25: "PM2.5", pm10: "PM10", so2: "SO₂", no2: "NO₂", co: "CO", o3: "O₃",
    o3_8h: "O₃ (8h)", o3_1h: "O₃ (1h)", so2_1h: "SO₂ (1h)", so2_24h: "SO₂ (24h)",
    no2_24h: "NO₂ (24h)", pm10_24h: "PM10 (24h)", pm25_24h: "PM2.5 (24h)", co_24h: "CO (24h)"
  };

  var state = { current: null, stations: null, history: null, warnings: [], error: false };

  var textOn = D.textOn, paint = D.paint; // dom.js
  function primaryText(v) {
    if (!v || !v.primary || !v.primary.length) return t("none");
    return v.primary.map(function (p) { return POLLUTANT[p] || p; }).join(", ");
  }


  // ---- rendering -------------------------------------------------------

  function renderStatic() {
    D.applyTexts(t);
  }

  // categories are the AQI categories the page shows now, lowest level
  // first, each as the API sends it with its values (level, category_zh,
  // category_en, color): the legend needs no table of its own.
  function categories() {
    var seen = {}, out = [];
    function add(v) {
      if (!v || v.aqi == null || !v.level || !v.color) return;
      var key = v.level + "|" + v.color + "|" + v.category_zh + "|" + v.category_en;
      if (seen[key]) return;
      seen[key] = true;
      out.push(v);
    }
    var cur = state.current || {};
    [cur.county].concat(cur.regions || [], cur.stations || []).forEach(function (e) {
      if (e) { add(e.hourly); add(e.rolling_24h); }
    });
    ((state.history && state.history.points) || []).forEach(function (p) { add(p.hourly); add(p.rolling_24h); });
    return out.sort(function (a, b) { return a.level - b.level; });
  }

  function renderScale() {
    var scale = $("scale");
    scale.textContent = "";
    var cats = categories();
    scale.hidden = !cats.length;
    cats.forEach(function (v) {
      var li = el("li", { "data-level": v.level }, pick(v, "category"));
      paint(li, v.color);
      scale.appendChild(li);
    });
  }

  // announce says the county's AQI and category in the live region, only
  // when they (or the language) change: a refresh that brings the same
  // values is silent for a screen reader.
  var announced = null;
  function announce(c) {
    var h = c.hourly || {};
    var key = [D.lang(), c.id, h.aqi, h.level, h.category_zh, h.category_en].join("|");
    if (key === announced) return;
    announced = key;
    var name = pick(c, "name") || t("county");
    D.setText($("county-live"), h.aqi == null ? t("liveNA", { name: name }) : t("live", { name: name, aqi: h.aqi, cat: pick(h, "category") }));
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
    announce(c);
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

  // chartSVG is a chart's drawing with its text alternative, in the page's
  // language: role img, a <title> (its accessible name) and a <desc>.
  function chartSVG(W, H, id, title, desc) {
    var svg = svgEl("svg", { viewBox: "0 0 " + W + " " + H, xmlns: "http://www.w3.org/2000/svg", role: "img",
      "aria-labelledby": id + "-title", "aria-describedby": id + "-desc" });
    svg.appendChild(svgEl("title", { id: id + "-title" }, title));
    svg.appendChild(svgEl("desc", { id: id + "-desc" }, desc || ""));
    return svg;
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
    var svg = chartSVG(W, H, "map", t("mapTitle"), pts.map(function (s) {
      var h = s.hourly || {};
      return pick(meta[s.id], "name") + " " + (h.aqi == null ? t("na") : h.aqi + " " + pick(h, "category"));
    }).join("; "));
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
  // over a strip of each hour's category in the colour the API sends with
  // it (GET /api/v1/aqi/history); the axis is plain AQI.
  function renderTrend() {
    var box = $("trend");
    box.textContent = "";
    var pts = ((state.history && state.history.points) || []).map(function (p) {
      return { t: Date.parse(p.time), h: p.hourly && p.hourly.aqi, r: p.rolling_24h && p.rolling_24h.aqi, v: p.hourly };
    });
    if (!pts.length) { box.appendChild(el("p", { class: "muted" }, t("noHistory"))); return; }
    // One unit of the drawing is one CSS pixel, so the labels keep their size on any screen.
    var W = Math.max(300, Math.round(box.clientWidth || 640)), H = W < 500 ? 220 : 280, L = 36, R = 12, Tp = 8, B = 28, S = 8;
    var plotB = H - B - S - 4;
    var t1 = Date.parse(state.history.to), t0 = t1 - 72 * 3600e3;
    var shown = pts.filter(function (p) { return p.t >= t0 && p.h != null; });
    var max = 0, min = Infinity, last = null;
    pts.forEach(function (p) { max = Math.max(max, p.h || 0, p.r || 0); });
    shown.forEach(function (p) { min = Math.min(min, p.h); last = p; });
    var top = Math.max(100, Math.ceil(max * 1.1 / 50) * 50);
    function x(ms) { return L + (Math.min(Math.max(ms, t0), t1) - t0) / (t1 - t0) * (W - L - R); }
    function y(v) { return Tp + (1 - Math.min(v, top) / top) * (plotB - Tp); }
    var svg = chartSVG(W, H, "trend", t("trendTitle"), last ? t("trendDesc", { last: last.h, cat: pick(last.v, "category"),
      max: Math.max.apply(null, shown.map(function (p) { return p.h; })), min: min }) : t("noHistory"));
    var step = top > 300 ? 100 : 50;
    for (var v = 0; v <= top; v += step) {
      svg.appendChild(svgEl("line", { x1: L, x2: W - R, y1: y(v), y2: y(v), stroke: "#e3e7ea", "stroke-width": 1 }));
      svg.appendChild(svgEl("text", { x: L - 4, y: y(v) + 4, "text-anchor": "end" }, String(v)));
    }
    // Time labels: every 12 hours on a wide screen; on a phone, the days at China midnight.
    var ticks = [];
    if (W < 560) D.cstMidnights(t0, t1).forEach(function (ms) { ticks.push([ms, fmtTime(ms, "day"), "middle"]); });
    else for (var d = 0; d <= 72; d += 12) ticks.push([t0 + d * 3600e3, fmtTime(t0 + d * 3600e3, "short"), d === 0 ? "start" : d === 72 ? "end" : "middle"]);
    ticks.forEach(function (k) {
      svg.appendChild(svgEl("line", { x1: x(k[0]), x2: x(k[0]), y1: Tp, y2: plotB + 4 + S, stroke: "#c5ccd2", "stroke-width": 0.5 }));
      svg.appendChild(svgEl("text", { x: x(k[0]), y: H - B + 14, "text-anchor": k[2] }, k[1]));
    });
    // The category strip: each hour (it ends at the point's time) in its colour.
    pts.forEach(function (p) {
      var c = p.v || {};
      if (p.h == null || !c.color || p.t <= t0) return;
      var a = x(p.t - 3600e3), b = x(p.t);
      var r = svgEl("rect", { x: a.toFixed(1), y: plotB + 4, width: (Math.max(0, b - a) + 0.6).toFixed(1), height: S, fill: c.color, // a hair of overlap: no seams
        class: "category", "data-level": c.level });
      r.appendChild(svgEl("title", null, t("trendHour", { time: fmtTime(p.t), aqi: p.h, cat: pick(c, "category") })));
      svg.appendChild(r);
    });
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
    var lvl = w.level && typeof w.level === "object" ? w.level : w;
    var levelID = typeof w.level === "string" ? w.level : (lvl.id || "");
    var color = lvl.color || w.color || "#8a96a0"; // the plan's colour, as the API sends it
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
    if (!health.length && !changes.length && !(facts.paused && g.health.length)) return withSources(box, w);
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
    return withSources(box, w);
  }
  // withSources ends a warning in force with the link to the listed
  // sources it concerns (the emission-reduction list, /sources); a lift
  // announced ahead has released their measures already.
  function withSources(box, w) {
    if (w.id == null || w.lifting) return box;
    var p = el("p", { class: "sources-link" });
    p.appendChild(el("a", { href: "/sources?warning=" + encodeURIComponent(w.id) }, t("sourcesLink")));
    box.appendChild(p);
    return box;
  }
  // For the page's own checks (browser tests): the rules without the network.
  window.aqwarnPublic = { facts: warningFacts, groups: publicGroups, box: function (w, advice) { return warningBox(w, advice || "", 0); },
    setLang: function (l) { D.setLang(l); }, load: function () { return load(); } };

  // renderWarning draws the banner, a live region, only when what it says
  // changes: the same warnings, advice and language are not written (and
  // announced) again on every refresh.
  var bannerKey = null;
  function renderWarning() {
    var b = $("warning-banner");
    var ws = state.warnings || [];
    var advice = state.current && state.current.county && state.current.county.hourly ? pick(state.current.county.hourly, "advice") : "";
    var key = D.lang() + "|" + advice + "|" + JSON.stringify(ws);
    if (key === bannerKey) return;
    bannerKey = key;
    b.textContent = "";
    if (!ws.length) { b.hidden = true; return; }
    ws.forEach(function (w, i) {
      var box = warningBox(w, advice, i);
      if (i === 0) b.style.borderColor = box.style.borderLeftColor;
      b.appendChild(box);
    });
    b.hidden = false;
  }

  function renderAll() {
    renderStatic();
    renderScale();
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
      var to = new Date(c.time), from = new Date(to.getTime() - 72 * 3600e3); // instants, sent as UTC
      return getJSON("/api/v1/aqi/history?region=" + encodeURIComponent(c.id) +
        "&from=" + encodeURIComponent(from.toISOString()) + "&to=" + encodeURIComponent(to.toISOString()))
        .then(function (h) { state.history = h; }, function () { state.history = null; });
    }).catch(function () {
      state.error = true;
    }).then(renderAll);
  }

  D.langButton($("lang"));
  D.onLang(renderAll);

  var resizing;
  window.addEventListener("resize", function () {
    clearTimeout(resizing);
    resizing = setTimeout(renderTrend, 150);
  });

  renderStatic();
  load();
  setInterval(load, 60000);
})();
