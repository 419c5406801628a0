// The inspector's page (/inspect): a supervising unit signs in with its own
// token (role unit:<id>; staff see every unit's, or ?unit=), sees its
// inspection tasks — overdue first — opens one, sees what the power data
// showed (observed against the baseline), answers the checklist, takes
// photos, records where it is (the browser's geolocation, when allowed)
// and concludes: confirmed or dismissed. A confirmation shows the
// consequences it proposed. The token stays in this tab (sessionStorage)
// and goes only to this server.
"use strict";

(function () {
  var D = aqwarnDOM, $ = D.$, el = D.el, svgEl = D.svgEl, pick = D.pick, fmtTime = D.fmtTime; // dom.js
  var T = {
    zh: {
      title: "应急减排现场检查", pageTitle: "现场检查", signin: "登录", tokenLabel: "单位令牌", signinButton: "登录", signout: "退出",
      typeIn: "请输入本单位的令牌", tasksTitle: "检查任务", none: "当前没有检查任务。", open: "查看并检查", back: "← 返回任务列表",
      due: "时限", overdue: "已超时", unit: "检查单位", found: "发现", since: "自", events: "用电监控发现",
      observed: "实测", baseline: "基线", kwh: "千瓦时/15分钟", expected: "对比值",
      checklist: "检查清单", ok: "符合", not_ok: "不符合", na: "不适用", note: "说明（可选）", saveFindings: "保存检查结果",
      saved: "已保存", position: "记录当前位置", positionAt: "位置", positionNone: "未记录位置", positionDenied: "无法获取位置（未授权或无信号）",
      photo: "拍摄或上传现场照片", photos: "现场照片 {n} 张", photoSent: "照片已上传", photoBad: "请选择照片文件",
      conclude: "检查结论", confirmed: "属实（确有违规）", dismissed: "不属实（未发现违规）", conclusionText: "结论说明（必填：查见的情况）",
      concludeButton: "办结", chooseOutcome: "请选择结论", textNeeded: "请填写结论说明", concluded: "已办结", by: "记录人",
      consequences: "处理建议（按审批程序签批后生效）", noConsequences: "无处理建议。", pending: "待审批", approved: "已批准", rejected: "已驳回",
      kinds: { penalty: "行政处罚", downgrade: "绩效等级降级", stop_order: "责令停产" },
      states: { open: "待查", inspecting: "核查中", confirmed: "属实", dismissed: "不属实" },
      rules: { R1_stop_not_executed: "未执行停产", R2_limit_not_met: "限产未达标", R3_night_production: "夜间生产", R4_treatment_off: "治污设施未运行",
        R5_treatment_stopped_early: "治污设施提前停运", R6_restart_without_approval: "擅自恢复生产", R7_data_gap: "监测数据中断", R8_emissions_up: "排放上升" },
      err401: "令牌无效", err403: "此令牌不属于该单位", refreshed: "更新于"
    },
    en: {
      title: "Reduction list: on-site inspection", pageTitle: "Inspection", signin: "Sign in", tokenLabel: "Unit token", signinButton: "Sign in", signout: "Sign out",
      typeIn: "Type in your unit's token", tasksTitle: "Inspection tasks", none: "No inspection task.", open: "Open and inspect", back: "← back to the tasks",
      due: "Due", overdue: "overdue", unit: "Inspecting unit", found: "Found", since: "since", events: "What the power data showed",
      observed: "observed", baseline: "baseline", kwh: "kWh per 15 min", expected: "compared with",
      checklist: "Checklist", ok: "as required", not_ok: "not as required", na: "not applicable", note: "note (optional)", saveFindings: "Save the findings",
      saved: "Saved", position: "Record my position", positionAt: "Position", positionNone: "no position recorded", positionDenied: "no position (not allowed or no fix)",
      photo: "Take or add a photo from the site", photos: "{n} photo(s) from the site", photoSent: "Photo sent", photoBad: "Please choose a photo",
      conclude: "Conclusion", confirmed: "confirmed (a violation)", dismissed: "dismissed (no violation)", conclusionText: "What was found (required)",
      concludeButton: "Conclude", chooseOutcome: "Choose the outcome", textNeeded: "Please say what was found", concluded: "Concluded", by: "by",
      consequences: "Proposed consequences (they take effect once signed)", noConsequences: "No consequence proposed.", pending: "pending", approved: "approved", rejected: "rejected",
      kinds: { penalty: "penalty", downgrade: "grade downgrade", stop_order: "stop order" },
      states: { open: "open", inspecting: "inspecting", confirmed: "confirmed", dismissed: "dismissed" },
      rules: { R1_stop_not_executed: "stop not carried out", R2_limit_not_met: "limit not met", R3_night_production: "night production", R4_treatment_off: "treatment off",
        R5_treatment_stopped_early: "treatment stopped early", R6_restart_without_approval: "restart without approval", R7_data_gap: "monitoring gap", R8_emissions_up: "emissions up" },
      err401: "The token is not valid", err403: "This token is not this unit's", refreshed: "Updated"
    }
  };
  var t = D.texts(T);
  var TOKEN = "aqwarn.inspect.token";
  var state = { me: null, tasks: null, detail: null, outcome: "" };

  function token() { return D.stored(TOKEN); }
  function setToken(v) { D.store(TOKEN, v); }
  function say(text, isError) { D.say("status", text, isError); }

  function api(method, path, body) {
    return D.call(method, path, body, token(), { 401: t("err401") + ": ", 403: t("err403") + ": " });
  }

  function ruleName(r) { return (t("rules") || {})[r] || r; }
  function stateName(s) { return (t("states") || {})[s] || s; }
  function inspectionState(in_) { return in_.conclusion ? in_.conclusion.outcome : in_.started ? "inspecting" : "open"; }

  // ---- the task list ------------------------------------------------------

  // order: open ones overdue first, then by due time; concluded ones last, newest first.
  function ordered(list) {
    return list.slice().sort(function (a, b) {
      var ca = !!a.conclusion, cb = !!b.conclusion;
      if (ca !== cb) return ca ? 1 : -1;
      if (ca) return b.id - a.id;
      if (a.overdue !== b.overdue) return a.overdue ? -1 : 1;
      return Date.parse(a.due) - Date.parse(b.due);
    });
  }

  function renderTasks() {
    var ul = $("tasks");
    ul.textContent = "";
    $("tasks-panel").hidden = !state.tasks || !!state.detail;
    if (!state.tasks) return;
    if (!state.tasks.length) { ul.appendChild(el("li", { class: "muted", id: "no-tasks" }, t("none"))); return; }
    ordered(state.tasks).forEach(function (in_) {
      var st = inspectionState(in_);
      var li = el("li", { class: "task" + (in_.overdue ? " overdue" : "") + (in_.conclusion ? " concluded" : ""), "data-inspection": in_.id, "data-state": st });
      li.appendChild(el("p", { class: "name" }, (in_.name_zh || in_.enterprise) + " · #" + in_.id));
      var row = el("div", { class: "row" });
      row.appendChild(el("span", { class: "badge " + st }, stateName(st)));
      row.appendChild(el("span", { class: in_.overdue ? "badge overdue due" : "muted due" }, t("due") + " " + fmtTime(in_.due) + (in_.overdue ? " · " + t("overdue") : "")));
      row.appendChild(el("span", { class: "muted" }, t("unit") + ": " + in_.unit));
      li.appendChild(row);
      var b = el("button", { type: "button", class: "open primary" }, t("open"));
      b.addEventListener("click", function () { location.hash = "#inspection/" + in_.id; });
      li.appendChild(b);
      ul.appendChild(li);
    });
  }

  function loadTasks() {
    if (!token()) { state.tasks = null; renderTasks(); say(t("typeIn")); return Promise.resolve(); }
    var unit = new URLSearchParams(location.search).get("unit");
    return api("GET", "/api/v1/inspections" + (unit ? "?unit=" + encodeURIComponent(unit) : "")).then(function (j) {
      state.tasks = j.inspections || [];
      renderTasks();
      if ($("status").className === "error" || $("status").textContent === t("typeIn")) say("");
      $("refreshed").textContent = t("refreshed") + " " + fmtTime(Date.now());
    }, function (e) { state.tasks = null; renderTasks(); say(e.message, true); });
  }

  // ---- one inspection ---------------------------------------------------

  function openFromHash() {
    var m = /^#inspection\/(\d+)$/.exec(location.hash);
    if (!m || !token()) { state.detail = null; renderDetail(); renderTasks(); return Promise.resolve(); }
    return api("GET", "/api/v1/inspections/" + m[1]).then(function (j) {
      state.detail = j;
      state.outcome = "";
      renderDetail();
      renderTasks();
      window.scrollTo(0, 0);
    }, function (e) { say(e.message, true); });
  }

  // chart draws one meter's evidence: the observed 15-minute energy
  // against the baseline it was compared with, the event's window shaded.
  function chart(series, ev) {
    var pts = series.points || [], base = series.baseline || [];
    var all = pts.concat(base);
    if (!all.length) return null;
    var W = 320, H = 140, L = 34, R = 6, TOP = 8, B = 22;
    var t0 = Infinity, t1 = -Infinity, vmax = 0;
    all.forEach(function (p) { var x = Date.parse(p.end); t0 = Math.min(t0, x); t1 = Math.max(t1, x); vmax = Math.max(vmax, p.kwh); });
    if (t1 <= t0) t1 = t0 + 15 * 60e3;
    vmax = vmax > 0 ? vmax * 1.1 : 1;
    function x(ms) { return L + (W - L - R) * (ms - t0) / (t1 - t0); }
    function y(v) { return TOP + (H - TOP - B) * (1 - v / vmax); }
    function line(ps) { return ps.map(function (p) { return x(Date.parse(p.end)).toFixed(1) + "," + y(p.kwh).toFixed(1); }).join(" "); }
    var svg = svgEl("svg", { viewBox: "0 0 " + W + " " + H, role: "img", "aria-label": series.meter + ": " + t("observed") + " / " + t("baseline"), class: "evidence" });
    var s = Math.max(t0, Date.parse(ev.start)), e = Math.min(t1, Date.parse(ev.end));
    if (e > s) svg.appendChild(svgEl("rect", { x: x(s), y: TOP, width: Math.max(1, x(e) - x(s)), height: H - TOP - B, fill: "#fdecea" }));
    svg.appendChild(svgEl("line", { x1: L, x2: W - R, y1: y(0), y2: y(0), stroke: "#8a96a0", "stroke-width": 1 }));
    svg.appendChild(svgEl("text", { x: L - 3, y: TOP + 8, "text-anchor": "end" }, (vmax / 1.1).toFixed(0)));
    svg.appendChild(svgEl("text", { x: L - 3, y: y(0), "text-anchor": "end" }, "0"));
    svg.appendChild(svgEl("text", { x: L, y: H - 6 }, fmtTime(t0, "short")));
    svg.appendChild(svgEl("text", { x: W - R, y: H - 6, "text-anchor": "end" }, fmtTime(t1, "short")));
    if (base.length) svg.appendChild(svgEl("polyline", { class: "baseline", fill: "none", stroke: "#1f4e79", "stroke-width": 1.5, "stroke-dasharray": "4 3", points: line(base) }));
    if (pts.length) svg.appendChild(svgEl("polyline", { class: "observed", fill: "none", stroke: "#b3261e", "stroke-width": 2, points: line(pts) }));
    var box = el("div", { class: "chart", "data-meter": series.meter });
    box.appendChild(el("p", { class: "muted" }, series.meter + " (" + series.role + ") · " + t("kwh")));
    box.appendChild(svg);
    var legend = el("p", { class: "muted" });
    legend.appendChild(el("span", { class: "legend-line" }));
    legend.appendChild(document.createTextNode(" " + t("observed") + "  "));
    legend.appendChild(el("span", { class: "legend-line base" }));
    legend.appendChild(document.createTextNode(" " + t("baseline")));
    box.appendChild(legend);
    return box;
  }

  function renderEvents(box, events) {
    box.appendChild(el("h3", null, t("events")));
    events.forEach(function (ev) {
      var d = el("div", { class: "event", "data-event": ev.id, "data-rule": ev.rule });
      d.appendChild(el("p", null, ruleName(ev.rule) + (ev.unit ? " · " + ev.unit : "") + " · " + stateName(ev.state)));
      d.appendChild(el("p", { class: "muted" }, fmtTime(ev.start) + " — " + fmtTime(ev.end)));
      var text = pick(ev, "text");
      if (text) d.appendChild(el("p", null, text));
      d.appendChild(el("p", { class: "muted" }, t("observed") + " " + (+ev.observed).toFixed(1) + " · " + t("expected") + " " + (+ev.expected).toFixed(1)));
      (ev.evidence || []).forEach(function (s) { var c = chart(s, ev); if (c) d.appendChild(c); });
      box.appendChild(d);
    });
  }

  function renderChecklist(box, in_) {
    box.appendChild(el("h3", null, t("checklist")));
    var ul = el("ul", { class: "checklist" });
    var found = {};
    (in_.findings || []).forEach(function (f) { found[f.item] = f; });
    (in_.items || []).forEach(function (it) {
      var f = found[it.id] || {};
      var li = el("li", { "data-item": it.id, class: f.result || "" });
      li.appendChild(el("p", { class: "q" }, pick(it, "text")));
      if (in_.conclusion) {
        li.appendChild(el("p", { class: "muted" }, (f.result ? t(f.result) : "—") + (f.note ? " · " + f.note : "")));
      } else {
        var ch = el("div", { class: "choices", role: "radiogroup", "aria-label": pick(it, "text") });
        ["ok", "not_ok", "na"].forEach(function (r) {
          var lab = el("label");
          var inp = el("input", { type: "radio", name: "item-" + it.id, value: r });
          if (f.result === r) inp.checked = true;
          inp.addEventListener("change", function () { li.className = r; });
          lab.appendChild(inp);
          lab.appendChild(document.createTextNode(t(r)));
          ch.appendChild(lab);
        });
        li.appendChild(ch);
        var note = el("input", { type: "text", class: "note", "aria-label": t("note"), placeholder: t("note") });
        note.value = f.note || "";
        li.appendChild(note);
      }
      ul.appendChild(li);
    });
    box.appendChild(ul);
  }

  // position asks the browser where the phone is; null when it is not
  // allowed or has no fix within 8 s.
  function position() {
    return new Promise(function (resolve) {
      if (!navigator.geolocation) { resolve(null); return; }
      navigator.geolocation.getCurrentPosition(function (p) {
        resolve({ lat: p.coords.latitude, lon: p.coords.longitude, accuracy_m: p.coords.accuracy });
      }, function () { resolve(null); }, { enableHighAccuracy: true, timeout: 8000, maximumAge: 60000 });
    });
  }

  function findingsOf(box) {
    var out = [];
    box.querySelectorAll("ul.checklist li[data-item]").forEach(function (li) {
      var r = li.querySelector("input[type=radio]:checked");
      if (r) out.push({ item: li.getAttribute("data-item"), result: r.value, note: li.querySelector("input.note").value.trim() });
    });
    return out;
  }

  function renderActions(box, in_) {
    var pos = el("p", { class: "muted", id: "position-text", "data-recorded": in_.position ? "yes" : "no" }, in_.position ?
      t("positionAt") + " " + (+in_.position.lat).toFixed(5) + ", " + (+in_.position.lon).toFixed(5) + " (±" + Math.round(in_.position.accuracy_m || 0) + " m)" : t("positionNone"));
    var n = (in_.photos || []).length;
    var photos = el("p", { class: "muted", id: "photos", "data-count": n }, t("photos", { n: n }));
    if (in_.conclusion) { box.appendChild(photos); box.appendChild(pos); return; }
    var row = el("div", { class: "actions" });
    var save = el("button", { type: "button", id: "save-findings", class: "primary" }, t("saveFindings"));
    save.addEventListener("click", function () {
      var fs = findingsOf(box);
      save.disabled = true;
      position().then(function (p) {
        var body = { findings: fs };
        if (p) body.position = p;
        if (!fs.length && !p) throw new Error(t("positionDenied"));
        return api("POST", "/api/v1/inspections/" + in_.id + "/findings", body);
      }).then(function (j) { state.detail = j; renderDetail(); say(t("saved") + " ✓"); loadTasks(); },
        function (e) { save.disabled = false; say(e.message, true); });
    });
    row.appendChild(save);
    var where = el("button", { type: "button", id: "record-position" }, t("position"));
    where.addEventListener("click", function () {
      where.disabled = true;
      position().then(function (p) {
        if (!p) throw new Error(t("positionDenied"));
        return api("POST", "/api/v1/inspections/" + in_.id + "/findings", { position: p });
      }).then(function (j) { state.detail = j; renderDetail(); say(t("saved") + " ✓"); },
        function (e) { where.disabled = false; say(e.message, true); });
    });
    row.appendChild(where);
    row.appendChild(window.aqwarnPhoto.input({ label: t("photo"), bad: t("photoBad"),
      path: function () { return "/api/v1/inspections/" + in_.id + "/photos"; }, token: token,
      done: function () { say(t("photoSent") + " ✓"); return openFromHash(); },
      fail: function (e) { say(e.message, true); } }));
    box.appendChild(row);
    box.appendChild(photos);
    box.appendChild(pos);
  }

  function renderConclusion(box, in_) {
    box.appendChild(el("h3", null, t("conclude")));
    if (in_.conclusion) {
      var c = in_.conclusion;
      var p = el("div", { class: "conclusion", id: "conclusion", "data-outcome": c.outcome });
      p.appendChild(el("p", null, t("concluded") + ": " + stateName(c.outcome) + " · " + fmtTime(c.at) + " · " + t("by") + " " + c.by));
      p.appendChild(el("p", null, c.text));
      box.appendChild(p);
      return;
    }
    var ch = el("div", { class: "choices", role: "radiogroup", "aria-label": t("conclude") });
    ["confirmed", "dismissed"].forEach(function (o) {
      var lab = el("label");
      var inp = el("input", { type: "radio", name: "outcome", value: o });
      if (state.outcome === o) inp.checked = true;
      inp.addEventListener("change", function () { state.outcome = o; });
      lab.appendChild(inp);
      lab.appendChild(document.createTextNode(t(o)));
      ch.appendChild(lab);
    });
    box.appendChild(ch);
    var text = el("textarea", { id: "conclusion-text", rows: "3", "aria-label": t("conclusionText"), placeholder: t("conclusionText") });
    box.appendChild(text);
    var b = el("button", { type: "button", id: "conclude", class: "primary" }, t("concludeButton"));
    b.addEventListener("click", function () {
      if (!state.outcome) { say(t("chooseOutcome"), true); return; }
      if (!text.value.trim()) { say(t("textNeeded"), true); text.focus(); return; }
      b.disabled = true;
      // The answers not yet saved go first: a conclusion needs every item.
      var fs = findingsOf(box);
      (fs.length ? api("POST", "/api/v1/inspections/" + in_.id + "/findings", { findings: fs }) : Promise.resolve())
        .then(function () { return api("POST", "/api/v1/inspections/" + in_.id + "/conclude", { outcome: state.outcome, text: text.value.trim() }); })
        .then(function (j) { state.detail = j; renderDetail(); say(t("concluded") + " ✓"); loadTasks(); },
          function (e) { b.disabled = false; say(e.message, true); });
    });
    var row = el("div", { class: "actions" });
    row.appendChild(b);
    box.appendChild(row);
  }

  function renderConsequences(box, cs, in_) {
    if (!in_.conclusion && !cs.length) return;
    box.appendChild(el("h3", null, t("consequences")));
    if (!cs.length) { box.appendChild(el("p", { class: "muted", id: "no-consequences" }, t("noConsequences"))); return; }
    var ul = el("ul", { class: "consequences", id: "consequences" });
    cs.forEach(function (c) {
      var what = (t("kinds") || {})[c.kind] || c.kind;
      if (c.kind === "downgrade") what += " " + c.from_grade + " → " + c.to_grade;
      ul.appendChild(el("li", { "data-kind": c.kind, "data-status": c.status }, what + " · " + t(c.status) +
        (pick(c, "basis") ? " · " + pick(c, "basis") : "")));
    });
    box.appendChild(ul);
  }

  function renderDetail() {
    var box = $("detail");
    box.textContent = "";
    box.hidden = !state.detail;
    if (!state.detail) return;
    var in_ = state.detail.inspection;
    var back = el("a", { href: "#", class: "back" }, t("back"));
    back.addEventListener("click", function (ev) { ev.preventDefault(); location.hash = ""; });
    box.appendChild(el("p", null)).appendChild(back);
    box.setAttribute("data-inspection", in_.id);
    box.appendChild(el("h2", null, (in_.name_zh || in_.enterprise) + " · #" + in_.id));
    var row = el("div", { class: "row" });
    var st = inspectionState(in_);
    row.appendChild(el("span", { class: "badge " + st, id: "detail-state" }, stateName(st)));
    row.appendChild(el("span", { class: in_.overdue ? "badge overdue" : "muted" }, t("due") + " " + fmtTime(in_.due) + (in_.overdue ? " · " + t("overdue") : "")));
    row.appendChild(el("span", { class: "muted" }, t("unit") + ": " + in_.unit));
    box.appendChild(row);
    renderEvents(box, state.detail.events || []);
    renderChecklist(box, in_);
    renderActions(box, in_);
    renderConclusion(box, in_);
    renderConsequences(box, state.detail.consequences || [], in_);
  }

  // ---- signing in -------------------------------------------------------

  function whoAmI() {
    return api("GET", "/api/v1/me").then(function (me) { state.me = me; renderWho(); });
  }
  // renderWho names whom the token speaks for: its user and units.
  function renderWho() {
    var me = state.me;
    if (!me) { $("who").textContent = t("signin"); return; }
    var units = (me.roles || []).filter(function (r) { return r.id.indexOf("unit:") === 0; }).map(function (r) { return pick(r, "name") || r.id; });
    $("who").textContent = me.user + (units.length ? " · " + units.join(", ") : "");
  }

  function signedIn() {
    $("signin-form").classList.toggle("signed-in", !!token());
    $("signout").hidden = !token();
  }

  $("signin-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    setToken($("token").value.trim());
    $("token").value = "";
    whoAmI().then(function () { signedIn(); return loadTasks(); }).then(openFromHash, function (e) { setToken(""); signedIn(); say(e.message, true); });
  });
  $("signout").addEventListener("click", function () {
    setToken("");
    state = { me: null, tasks: null, detail: null, outcome: "" };
    renderWho();
    signedIn();
    renderTasks();
    renderDetail();
    say(t("typeIn"));
  });
  window.addEventListener("hashchange", openFromHash);
  D.langButton($("lang"));
  D.onLang(function () { D.applyTexts(t); renderWho(); renderTasks(); renderDetail(); });
  D.applyTexts(t);
  renderWho();
  signedIn();
  if (token()) whoAmI().catch(function () {});
  loadTasks().then(openFromHash);
  setInterval(loadTasks, 60000);
})();
