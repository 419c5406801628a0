// A listed source's public page (/sources/{id}): who it is, its grade,
// town and supervising units, what it must do at each warning level and
// now, where to report a violation (12369), its signboard. Only what
// GET /api/v1/sources/{id} discloses (reduction.PublicSource).
"use strict";

(function () {
  var D = aqwarnDOM, R = aqwarnReduction, $ = D.$, el = D.el, pick = D.pick, fmtTime = D.fmtTime;
  var t = D.texts({
    zh: {
      title: "重污染天气应急减排清单企业", pageTitle: "减排清单企业", back: "← 减排清单企业名录",
      levelsTitle: "各级预警减排措施（逐级累加）", hotlineAsk: "发现企业未落实减排措施，请拨打环保举报热线",
      signboard: "打印公示牌", verify: "核验减排通知真伪",
      uscc: "统一社会信用代码", town: "所在乡镇", type: "类型", industry: "行业", grade: "绩效等级", gradeTo: "有效期至",
      status: "生产状态", supervisors: "监管单位", planDoc: "一厂一策", list: "所属清单", loading: "加载中…",
      notListed: "减排清单中没有该企业（可能已调出清单）。", nowTitle: "当前预警：{level}", nowAsk: "本企业现在须执行：",
      paused: "措施暂停至 {time}", watch: "加强监管：", noWarning: "当前没有涉及本企业的预警。"
    },
    en: {
      title: "Emergency emission-reduction list: listed source", pageTitle: "Listed source", back: "← All listed sources",
      levelsTitle: "Measures at each warning level (cumulative)", hotlineAsk: "If a source does not apply its measures, call the environmental hotline",
      signboard: "Print the signboard", verify: "Check a notice",
      uscc: "Credit code", town: "Town", type: "Type", industry: "Industry", grade: "Performance grade", gradeTo: "valid through",
      status: "Status", supervisors: "Supervised by", planDoc: "Operating plan", list: "List", loading: "Loading…",
      notListed: "This source is not in the emission-reduction list (it may have been removed).", nowTitle: "Warning in force: {level}",
      nowAsk: "This source must now:", paused: "Measures paused until {time}", watch: "Closer oversight:", noWarning: "No warning concerns this source now."
    }
  });
  var id = decodeURIComponent(location.pathname.split("/")[2] || "");
  var state = { src: null, error: null };

  function fact(dl, key, value) {
    if (!value) return;
    dl.appendChild(el("dt", null, t(key)));
    dl.appendChild(el("dd", { "data-fact": key }, value));
  }

  function render() {
    D.applyTexts(t);
    var s = state.src;
    $("source").hidden = $("levels-panel").hidden = $("now").hidden = !s;
    if (state.error) { D.setText($("status"), state.error.status === 404 ? t("notListed") : state.error.message); $("status").className = "error"; }
    if (!s) return;
    D.setText($("status"), "");
    document.title = s.name_zh + " · " + t("pageTitle");
    var name = $("source-name");
    name.textContent = s.name_zh;
    if (s.name_en && D.lang() !== "zh") name.appendChild(el("span", { class: "en" }, " " + s.name_en));

    var dl = $("facts");
    dl.textContent = "";
    fact(dl, "uscc", s.uscc);
    fact(dl, "town", pick(s, "town_name") + (s.park ? " · " + s.park : ""));
    fact(dl, "type", pick(s, "source_type_name"));
    fact(dl, "industry", [s.guide_industry_name_zh, s.industry_code].filter(Boolean).join(" · "));
    fact(dl, "grade", s.grade ? pick(s, "grade_name") + (s.grade_to ? "（" + t("gradeTo") + " " + s.grade_to + "）" : "") : "");
    fact(dl, "status", pick(s, "status_name"));
    fact(dl, "supervisors", (s.supervising_units || []).map(function (u) { return pick(u, "name"); }).join("、"));
    fact(dl, "planDoc", s.plan_doc_ref ? s.plan_doc_ref + (s.plan_doc_version ? "（" + s.plan_doc_version + "）" : "") : "");
    fact(dl, "list", s.list_name_zh || s.list_id);
    var ex = $("exempt");
    ex.hidden = !s.exempt;
    if (s.exempt) ex.textContent = pick(s.exempt, "reason");

    var now = $("now");
    now.textContent = "";
    var f = s.in_force;
    now.style.borderLeftColor = "";
    if (!f) {
      now.appendChild(el("p", { class: "muted", id: "no-warning" }, t("noWarning")));
    } else {
      R.levelColour(now, f.color);
      now.setAttribute("data-warning", f.warning_id);
      now.appendChild(el("h2", null, t("nowTitle", { level: D.both(f.name_zh, f.name_en) })));
      if (f.paused) now.appendChild(el("p", { class: "paused" }, t("paused", { time: fmtTime(f.restart_at) })));
      if (f.watch && f.watch.length) now.appendChild(el("p", null, t("watch") + " " + f.watch.join("、")));
      if (!f.paused) {
        now.appendChild(el("p", null, t("nowAsk")));
        now.appendChild(R.measureList(f.measures, s.units));
      }
    }

    var box = $("levels");
    box.textContent = "";
    (s.levels || []).forEach(function (lv) {
      var sec = el("section", { class: "level", "data-level": lv.id });
      R.levelColour(sec, lv.color);
      sec.appendChild(el("h3", null, pick(lv, "name")));
      sec.appendChild(R.measureList((s.measures || {})[lv.id], s.units));
      box.appendChild(sec);
    });
    $("hotline").textContent = s.hotline || "12369";
    var sb = $("signboard-link");
    sb.hidden = false;
    sb.href = D.fillPath("/sources/{id}/signboard", { id: s.id });
  }

  function load() {
    if (!id) { state.error = { status: 404 }; render(); return; }
    D.setText($("status"), t("loading"));
    D.getJSON(D.fillPath("/api/v1/sources/{id}", { id: id })).then(function (j) { state.src = j; state.error = null; render(); },
      function (e) { state.src = null; state.error = e; render(); });
  }

  D.langButton($("lang"));
  D.onLang(render);
  render();
  load();
  setInterval(load, 60000);
})();
