// The public list of the emission-reduction list's sources (/sources,
// plan 3.1): filterable by town, type and grade (?town=&type=&grade=, as
// GET /api/v1/sources takes them), each source with the warning it is
// under and what it must do now. ?warning=ID keeps the sources under that
// warning (the public page links here from an active warning).
"use strict";

(function () {
  var D = aqwarnDOM, R = aqwarnReduction, $ = D.$, el = D.el, pick = D.pick;
  var t = D.texts({
    zh: {
      title: "重污染天气应急减排清单企业名录", pageTitle: "减排清单企业名录", home: "← 空气质量实况", listName: "减排清单",
      town: "乡镇", type: "类型", grade: "绩效等级", all: "全部", count: "共 {n} 家企业", countWarn: "共 {n} 家企业，其中 {w} 家处于预警中",
      underWarning: "预警 #{id} 涉及的减排清单企业", showAll: "查看全部企业", supervisors: "监管单位", now: "现须执行 {n} 项措施",
      nowNone: "本级别无须采取措施", paused: "措施暂停", hotlineAsk: "发现企业未落实减排措施，请拨打环保举报热线", verify: "核验减排通知真伪",
      loading: "加载中…", empty: "没有符合条件的企业。"
    },
    en: {
      title: "Emergency emission-reduction list: listed sources", pageTitle: "Listed sources", home: "← Air quality now", listName: "Emission-reduction list",
      town: "Town", type: "Type", grade: "Grade", all: "all", count: "{n} sources", countWarn: "{n} sources, {w} of them under a warning now",
      underWarning: "Listed sources under warning #{id}", showAll: "show all sources", supervisors: "Supervised by", now: "measures in force now: {n}",
      nowNone: "nothing to do at this level", paused: "measures paused", hotlineAsk: "If a source does not apply its measures, call the environmental hotline",
      verify: "Check a notice", loading: "Loading…", empty: "No source matches."
    }
  });
  var q = new URLSearchParams(location.search);
  var filter = { town: q.get("town") || "", type: q.get("type") || "", grade: q.get("grade") || "" };
  var warning = q.get("warning") || "";
  var state = { data: null, error: null };

  function options(sel, facets, value) {
    sel.textContent = "";
    sel.appendChild(el("option", { value: "" }, t("all")));
    var known = false;
    (facets || []).forEach(function (f) {
      var o = el("option", { value: f.id }, pick(f, "name") + " (" + f.count + ")");
      if (f.id === value) { o.selected = true; known = true; }
      sel.appendChild(o);
    });
    if (value && !known) { var o = el("option", { value: value }, value); o.selected = true; sel.appendChild(o); }
  }

  function card(s) {
    var li = el("li", { class: "source-card", "data-source": s.id, "data-town": s.town, "data-type": s.source_type, "data-grade": s.grade || "" });
    var h = el("h3");
    h.appendChild(el("a", { href: D.fillPath("/sources/{id}", { id: s.id }) }, s.name_zh + (s.name_en && D.lang() !== "zh" ? " · " + s.name_en : "")));
    li.appendChild(h);
    var facts = [pick(s, "town_name"), pick(s, "source_type_name")];
    if (s.guide_industry_name_zh) facts.push(s.guide_industry_name_zh);
    if (s.grade) facts.push(t("grade") + " " + pick(s, "grade_name"));
    li.appendChild(el("p", { class: "muted" }, facts.join(" · ")));
    li.appendChild(el("p", { class: "muted" }, t("supervisors") + ": " + (s.supervising_units || []).map(function (u) { return pick(u, "name"); }).join("、")));
    if (s.exempt) li.appendChild(el("p", { class: "muted" }, pick(s.exempt, "reason")));
    var f = s.in_force;
    if (f) {
      R.levelColour(li, f.color);
      var p = el("p", { class: "in-force", "data-warning": f.warning_id });
      var tag = el("span", { class: "level-tag" }, D.both(f.name_zh, f.name_en));
      if (f.color) tag.style.borderColor = f.color;
      p.appendChild(tag);
      var n = (f.measures || []).length;
      p.appendChild(document.createTextNode(" " + (f.paused ? t("paused") : n ? t("now", { n: n }) : t("nowNone"))));
      li.appendChild(p);
      if (n) {
        var det = el("details");
        det.appendChild(el("summary", null, t("now", { n: n })));
        det.appendChild(R.measureList(f.measures));
        li.appendChild(det);
      }
    }
    return li;
  }

  function render() {
    D.applyTexts(t);
    var d = state.data;
    var status = $("count");
    if (state.error) { D.setText(status, state.error.message); status.className = "error"; }
    if (!d) return;
    $("list-name").textContent = d.list.name_zh;
    $("hotline").textContent = d.hotline;
    options($("f-town"), d.facets.towns, filter.town);
    options($("f-type"), d.facets.source_types, filter.type);
    options($("f-grade"), d.facets.grades, filter.grade);
    var shown = d.sources.filter(function (s) { return !warning || (s.in_force && String(s.in_force.warning_id) === warning); });
    var wf = $("warning-filter");
    wf.hidden = !warning;
    wf.textContent = "";
    if (warning) {
      wf.appendChild(document.createTextNode(t("underWarning", { id: warning }) + " · "));
      wf.appendChild(el("a", { href: "/sources", id: "show-all" }, t("showAll")));
    }
    var under = shown.filter(function (s) { return s.in_force; }).length;
    status.className = "muted";
    D.setText(status, shown.length ? (under && !warning ? t("countWarn", { n: shown.length, w: under }) : t("count", { n: shown.length })) : t("empty"));
    var ul = $("source-list");
    ul.textContent = "";
    shown.forEach(function (s) { ul.appendChild(card(s)); });
  }

  function query() {
    var p = new URLSearchParams();
    ["town", "type", "grade"].forEach(function (k) { if (filter[k]) p.set(k, filter[k]); });
    return p.toString();
  }

  function load() {
    var qs = query();
    return D.getJSON("/api/v1/sources" + (qs ? "?" + qs : "")).then(function (j) { state.data = j; state.error = null; render(); },
      function (e) { state.error = e; render(); });
  }

  [["f-town", "town"], ["f-type", "type"], ["f-grade", "grade"]].forEach(function (p) {
    $(p[0]).addEventListener("change", function (ev) {
      filter[p[1]] = ev.target.value;
      var qs = query();
      var keep = new URLSearchParams(qs);
      if (warning) keep.set("warning", warning);
      var s = keep.toString();
      history.replaceState(null, "", location.pathname + (s ? "?" + s : ""));
      load();
    });
  });
  $("filters").addEventListener("submit", function (ev) { ev.preventDefault(); });
  D.langButton($("lang"));
  D.onLang(render);
  D.setText($("count"), t("loading"));
  render();
  load();
  setInterval(load, 60000);
})();
