// The statistics page (/stats): a calendar of the year's daily AQI, the
// month's and the year's figures, and where the county's targets stand.
// Categories, colours and AQI ranges come from the API (its bands), like
// everything else; the year is the service's (its clock, also in the demo),
// not the browser's.
"use strict";

(function () {
  var D = aqwarnDOM, $ = D.$, el = D.el, pick = D.pick, getJSON = D.getJSON; // dom.js
  var t = D.texts({
    zh: {
      title: "空气质量统计", pageTitle: "空气质量统计", home: "← 空气质量实况", region: "区域", year: "年份",
      yearHead: "{y}年", monthHead: "{m}", calendar: "逐日空气质量（日 AQI）", targets: "年度目标进展", bandsLabel: "图中颜色：空气质量类别",
      footer: "按 HJ 633 与 HJ 663—2013 计算，仅供参考；以生态环境部门发布为准。",
      loading: "加载中…", loadError: "暂时无法获取统计数据，稍后自动重试。", asOf: "统计至 {d}", noDays: "尚无完整的自然日",
      validDays: "有效天数", goodDays: "优良天数", goodRatio: "优良天数比例", heavyDays: "重污染天数", pm25: "PM2.5 平均浓度",
      notValid: "（数据不足，均值无效）", vsLast: "比上年同期 {d}",
      month: "{y}年{m}月", dows: ["一", "二", "三", "四", "五", "六", "日"], noData: "无数据", future: "未到",
      day: "{date}：AQI {aqi}，{cat}", dayNA: "{date}：{what}", invalidDay: "（数据不完整）",
      heavyNone: "本月无重污染天。", heavyDay: "{date} AQI {aqi}，首要污染物 {p}", noWarning: "未发布预警",
      warned: "{level}（{when}）", ahead: "提前发布", sameDay: "当日发布", primaryNone: "无",
      status: { on_track: "进度正常", at_risk: "有风险", out_of_reach: "已无法实现", unknown: "无法评估" },
      soFar: "目前 {v}", projection: "预计全年 {v}", illustrative: "示意",
      pp: "个百分点"
    },
    en: {
      title: "Air-quality statistics", pageTitle: "Air-quality statistics", home: "← Air quality now", region: "Area", year: "Year",
      yearHead: "{y}", monthHead: "{m}", calendar: "Daily air quality (daily AQI)", targets: "Progress against the year's targets",
      bandsLabel: "Colours on this page: AQI categories",
      footer: "Computed under HJ 633 and HJ 663—2013, for information; the environment authority's releases prevail.",
      loading: "Loading…", loadError: "Statistics are not available right now; retrying shortly.", asOf: "counted to {d}", noDays: "no complete day yet",
      validDays: "Valid days", goodDays: "Good days", goodRatio: "Good-day ratio", heavyDays: "Heavy-pollution days", pm25: "PM2.5 mean",
      notValid: " (too few days: not a valid mean)", vsLast: "{d} on last year",
      month: "{m}/{y}", dows: ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"], noData: "no data", future: "not yet",
      day: "{date}: AQI {aqi}, {cat}", dayNA: "{date}: {what}", invalidDay: " (incomplete data)",
      heavyNone: "No heavy-pollution day this month.", heavyDay: "{date} AQI {aqi}, primary {p}", noWarning: "no warning issued",
      warned: "{level} ({when})", ahead: "issued ahead", sameDay: "issued that day", primaryNone: "none",
      status: { on_track: "on track", at_risk: "at risk", out_of_reach: "out of reach", unknown: "cannot be evaluated" },
      soFar: "so far {v}", projection: "projected {v}", illustrative: "illustrative",
      pp: " points"
    }
  });
  // Names of the evaluated terms as the API sends them.
  var TERM = { pm25: "PM2.5", pm10: "PM10", o3_8h: "O₃-8h", o3: "O₃", no2: "NO₂", so2: "SO₂", co: "CO" };

  var q = new URLSearchParams(location.search);
  var sel = { region: q.get("region") || "", year: q.get("year") || "", month: q.get("month") || "" };
  var state = { regions: [], year: null, month: null, targets: null, error: false };

  function fmt(v, d) { return v == null ? "—" : Number(v).toFixed(d); }

  // ---- calendar arithmetic (dates only; no clock) -------------------------
  function ymd(s) { var p = s.split("-"); return { y: +p[0], m: +p[1], d: +p[2] }; }
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function leap(y) { return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0; }
  function daysIn(y, m) { return [31, leap(y) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]; }
  // weekday of y-m-d, Monday 0 … Sunday 6 (Sakamoto's method).
  function weekday(y, m, d) {
    var k = [0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4];
    if (m < 3) y -= 1;
    var sun0 = (y + Math.floor(y / 4) - Math.floor(y / 100) + Math.floor(y / 400) + k[m - 1] + d) % 7;
    return (sun0 + 6) % 7;
  }

  function band(level) {
    var bs = (state.year && state.year.bands) || [];
    for (var i = 0; i < bs.length; i++) if (bs[i].level === level) return bs[i];
    return null;
  }
  function primaryText(list) {
    if (!list || !list.length) return t("primaryNone");
    return list.map(function (p) { return TERM[p] || p; }).join(", ");
  }

  // ---- rendering ----------------------------------------------------------

  function figure(dl, label, value, note) {
    var div = el("div");
    div.appendChild(el("dt", null, label));
    var dd = el("dd", null, value);
    if (note) dd.appendChild(el("small", null, " " + note));
    div.appendChild(dd);
    dl.appendChild(div);
  }

  function renderFigures(dl, s) {
    dl.textContent = "";
    if (!s) return;
    var sum = s.summary, c = s.last_year || {}, pm = sum.pollutants.pm25;
    // A change on last year only where both periods' data allow comparing.
    function vs(ch, unit) {
      if (!ch || !ch.valid || ch.diff == null) return "";
      return t("vsLast", { d: (ch.diff > 0 ? "+" : "") + ch.diff + (unit || "") });
    }
    figure(dl, t("validDays"), String(sum.valid_days), "/ " + sum.days);
    figure(dl, t("goodDays"), String(sum.good_days), vs(c.good_days));
    figure(dl, t("goodRatio"), fmt(sum.good_ratio_pct, 1) + " %", vs(c.good_ratio_pct, t("pp")));
    figure(dl, t("heavyDays"), String(sum.heavy_days), vs(c.heavy_days));
    figure(dl, t("pm25"), fmt(pm.mean, 1) + " µg/m³", pm.mean != null && !pm.valid ? t("notValid") : vs((c.means || {}).pm25));
  }

  function cell(y, m, d, day, asOf) {
    var date = y + "-" + pad(m) + "-" + pad(d);
    var c = el("span", { class: "day", "data-date": date }, String(d));
    if (!day) {
      var future = !asOf || date > asOf;
      c.className += future ? " future" : " nodata";
      c.setAttribute("title", t("dayNA", { date: date, what: future ? t("future") : t("noData") }));
      return c;
    }
    if (day.aqi == null) {
      c.className += " nodata";
      c.setAttribute("title", t("dayNA", { date: date, what: t("noData") }));
      c.setAttribute("data-level", "0");
      return c;
    }
    var b = band(day.level);
    c.setAttribute("data-aqi", String(day.aqi));
    c.setAttribute("data-level", String(day.level));
    if (b) D.paint(c, b.color);
    if (!day.valid) c.className += " invalid";
    c.setAttribute("title", t("day", { date: date, aqi: day.aqi, cat: b ? pick(b, "category") : "" }) + (day.valid ? "" : t("invalidDay")));
    return c;
  }

  function renderCalendar() {
    var box = $("calendar");
    box.textContent = "";
    var s = state.year;
    if (!s) return;
    var byDate = {};
    (s.days || []).forEach(function (d) { byDate[d.date] = d; });
    var from = ymd(s.period.from), n = s.period.days;
    // The period's days, month by month.
    var y = from.y, m = from.m, d = from.d, month = null, grid = null;
    for (var i = 0; i < n; i++) {
      if (!month || d === 1) {
        month = el("div", { class: "month", "data-month": y + "-" + pad(m) });
        var h = el("h3");
        var btn = el("button", { type: "button", "data-month": y + "-" + pad(m) }, t("month", { y: y, m: m }));
        btn.addEventListener("click", function (ev) { selectMonth(ev.target.getAttribute("data-month")); });
        h.appendChild(btn);
        month.appendChild(h);
        grid = el("div", { class: "days" });
        t("dows").forEach(function (w) { grid.appendChild(el("span", { class: "dow", "aria-hidden": "true" }, w)); });
        for (var k = weekday(y, m, d); k > 0; k--) grid.appendChild(el("span", { "aria-hidden": "true" }));
        month.appendChild(grid);
        box.appendChild(month);
      }
      grid.appendChild(cell(y, m, d, byDate[y + "-" + pad(m) + "-" + pad(d)], s.as_of));
      d++;
      if (d > daysIn(y, m)) { d = 1; m++; if (m > 12) { m = 1; y++; } }
    }
    var ol = $("bands");
    ol.textContent = "";
    (s.bands || []).forEach(function (b) {
      var li = el("li", { "data-level": b.level }, pick(b, "category") + " " + b.aqi_min + (b.aqi_max != null ? "–" + b.aqi_max : "+"));
      D.paint(li, b.color);
      ol.appendChild(li);
    });
  }

  function renderMonth() {
    var s = state.month, ul = $("heavy");
    ul.textContent = "";
    renderFigures($("month-figures"), s);
    if (!s) { D.setText($("month-head"), ""); return; }
    var p = ymd(s.period.from);
    D.setText($("month-head"), t("month", { y: p.y, m: p.m }));
    if (!s.heavy.length) ul.appendChild(el("li", null, t("heavyNone")));
    s.heavy.forEach(function (h) {
      var li = el("li", { "data-date": h.date });
      var b = band(h.level);
      if (b) li.style.borderLeftColor = b.color;
      var text = t("heavyDay", { date: h.date, aqi: h.aqi, p: primaryText(h.primary) }) + " · ";
      text += h.warnings.length ? h.warnings.map(function (w) {
        return t("warned", { level: pick(w.level, "name"), when: w.issued_before_day ? t("ahead") : t("sameDay") });
      }).join("; ") : t("noWarning");
      li.appendChild(document.createTextNode(text));
      ul.appendChild(li);
    });
  }

  function renderTargets() {
    var ul = $("targets"), r = state.targets;
    ul.textContent = "";
    D.setText($("targets-note"), r ? (r.configured ? r.note || "" : pick(r, "message")) : "");
    if (!r || !r.configured) return;
    r.targets.forEach(function (p) {
      var li = el("li", { "data-kind": p.target.kind, "data-status": p.status, "data-scope": p.target.scope.id });
      var head = el("p");
      head.appendChild(el("span", { class: "status " + p.status }, t("status")[p.status] || p.status));
      head.appendChild(document.createTextNode(pick(p.target, "text")));
      if (p.illustrative) head.appendChild(el("span", { class: "badge" }, t("illustrative")));
      li.appendChild(head);
      li.appendChild(el("p", { class: "left" }, pick(p, "text")));
      var facts = [];
      if (p.so_far != null) facts.push(t("soFar", { v: p.so_far }));
      if (p.projection) facts.push(t("projection", { v: p.projection.value }));
      if (p.as_of) facts.push(t("asOf", { d: p.as_of }));
      li.appendChild(el("p", { class: "muted" }, facts.join(" · ")));
      ul.appendChild(li);
    });
  }

  function renderFilters() {
    var rs = $("f-region");
    rs.textContent = "";
    state.regions.forEach(function (r) {
      var o = el("option", { value: r.id }, pick(r, "name"));
      if (state.year && r.id === state.year.scope.id) o.selected = true;
      rs.appendChild(o);
    });
    var ys = $("f-year");
    ys.textContent = "";
    if (!state.year) return;
    var y = ymd(state.year.period.from).y;
    for (var k = y + 1; k >= y - 2; k--) {
      var o = el("option", { value: String(k) }, String(k));
      if (k === y) o.selected = true;
      ys.appendChild(o);
    }
  }

  function render() {
    D.applyTexts(t);
    var st = $("status");
    if (state.error) { D.setText(st, t("loadError")); st.className = "stale"; }
    else if (state.year) {
      st.className = "muted";
      D.setText(st, pick(state.year, "name") + " · " + (state.year.as_of ? t("asOf", { d: state.year.as_of }) : t("noDays")));
    }
    if (state.year) D.setText($("year-head"), t("yearHead", { y: ymd(state.year.period.from).y }));
    renderFilters();
    renderFigures($("year-figures"), state.year);
    var ed = state.year ? state.year.summary.editions.map(function (e) { return e.name + " " + e.from + " … " + e.to; }).join(" · ") : "";
    var note = state.year ? pick(state.year, "data_note") : "";
    D.setText($("year-notes"), note ? note + " " + ed : ed);
    renderCalendar();
    renderMonth();
    renderTargets();
  }

  function statsURL(period) {
    var p = new URLSearchParams({ scope: "region" });
    if (sel.region) p.set("id", sel.region);
    if (period) p.set("period", period);
    return "/api/v1/stats?" + p.toString();
  }

  function selectMonth(month) {
    sel.month = month;
    return getJSON(statsURL(month)).then(function (j) { state.month = j; render(); }, function () { state.error = true; render(); });
  }

  function load() {
    return getJSON(statsURL(sel.year)).then(function (y) {
      state.year = y;
      state.error = false;
      if (!sel.region) sel.region = y.scope.id;
      // The month shown: the one asked for, else the last one counted.
      var month = sel.month && sel.month.indexOf(y.period.label) === 0 ? sel.month : (y.as_of || y.period.from).slice(0, 7);
      return selectMonth(month);
    }, function () { state.error = true; render(); });
  }

  function replaceURL() {
    var p = new URLSearchParams();
    if (sel.region) p.set("region", sel.region);
    if (sel.year) p.set("year", sel.year);
    if (D.lang() && q.get("lang")) p.set("lang", D.lang());
    var s = p.toString();
    history.replaceState(null, "", location.pathname + (s ? "?" + s : ""));
  }

  $("f-region").addEventListener("change", function (ev) { sel.region = ev.target.value; sel.month = ""; replaceURL(); load(); });
  $("f-year").addEventListener("change", function (ev) { sel.year = ev.target.value; sel.month = ""; replaceURL(); load(); });
  $("filters").addEventListener("submit", function (ev) { ev.preventDefault(); });
  D.langButton($("lang"));
  D.onLang(render);
  D.setText($("status"), t("loading"));
  render();
  getJSON("/api/v1/stations").then(function (j) { state.regions = j.regions || []; render(); }, function () { /* the selector stays empty */ });
  getJSON("/api/v1/targets").then(function (j) { state.targets = j; render(); }, function () { state.targets = null; render(); });
  load();
  setInterval(load, 300000);
})();
