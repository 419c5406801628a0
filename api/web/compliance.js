// The duty console's compliance panel: the compliance engine's open
// findings, the inspection tasks (overdue ones in red) and the
// consequences waiting for a signature, with approve and reject as the
// token's role. It uses the token console.js keeps in this tab and
// refreshes every 15 s.
"use strict";

(function () {
  var D = aqwarnDOM, $ = D.$, el = D.el, pick = D.pick; // dom.js
  var t = D.texts({
    zh: {
      title: "减排清单执行与现场检查", events: "待查的用电监控发现", inspections: "现场检查任务", consequences: "待签批的处理建议",
      none: "无", rule: "规则", source: "企业", start: "开始", state: "状态", unit: "检查单位", due: "时限", overdue: "已超时",
      kind: "类别", basis: "依据", waiting: "等待", comment: "意见", approve: "批准", reject: "驳回", updated: "更新于 {time}",
      states: { open: "待查", inspecting: "核查中", confirmed: "属实", dismissed: "不属实" },
      kinds: { penalty: "行政处罚", downgrade: "降级", stop_order: "责令停产" }, cases: "案件导出 (CSV)",
      accounting: "减排量核算（现行清单对全县排放清单）", level: "级别", pollutant: "污染物", achieved: "预期 %", required: "要求 %", shortfall: "差距", met: "达到"
    },
    en: {
      title: "Reduction list compliance and inspections", events: "Findings to inspect", inspections: "Inspection tasks", consequences: "Consequences to sign",
      none: "none", rule: "Rule", source: "Source", start: "Start", state: "State", unit: "Inspecting unit", due: "Due", overdue: "overdue",
      kind: "Kind", basis: "Basis", waiting: "Waiting for", comment: "comment", approve: "Approve", reject: "Reject", updated: "updated {time}",
      states: { open: "open", inspecting: "inspecting", confirmed: "confirmed", dismissed: "dismissed" },
      kinds: { penalty: "penalty", downgrade: "downgrade", stop_order: "stop order" }, cases: "Cases (CSV)",
      accounting: "Reduction accounting (the list in force against the county inventory)", level: "Level", pollutant: "Pollutant",
      achieved: "Expected %", required: "Required %", shortfall: "Shortfall", met: "met"
    }
  });
  var KEY = "aqwarn.token";
  function token() { return D.stored(KEY); }
  function call(method, path, body) { return D.call(method, path, body, token()); }
  function time(s) { return D.fmtTime(s, "short"); }
  var panel = $("compliance-panel");
  var data = null, message = "", failed = false, accounting = null;

  function table(cols, rows) {
    var tb = el("table");
    var tr = el("tr");
    cols.forEach(function (c) { tr.appendChild(el("th", null, c)); });
    tb.appendChild(el("thead")).appendChild(tr);
    var body = el("tbody");
    rows.forEach(function (r) { body.appendChild(r); });
    tb.appendChild(body);
    var wrap = el("div", { class: "table-wrap" });
    wrap.appendChild(tb);
    return wrap;
  }
  function row(attrs, cells) {
    var tr = el("tr", attrs);
    cells.forEach(function (c) { tr.appendChild(typeof c === "string" ? el("td", null, c) : c); });
    return tr;
  }

  function render() {
    panel.textContent = "";
    panel.appendChild(el("h2", null, t("title")));
    var st = el("p", { id: "compliance-status", class: failed ? "error" : "muted", role: "status" }, message);
    panel.appendChild(st);
    if (!data) return;
    panel.appendChild(el("h3", null, t("events") + " (" + data.events.length + ")"));
    panel.appendChild(data.events.length ? table([t("rule"), t("source"), t("start"), t("state")], data.events.map(function (e) {
      return row({ "data-event": e.id, "data-state": e.state }, [e.rule, e.enterprise, time(e.start), t("states")[e.state] || e.state]);
    })) : el("p", { class: "muted" }, t("none")));

    panel.appendChild(el("h3", null, t("inspections") + " (" + data.inspections.length + ")"));
    panel.appendChild(data.inspections.length ? table(["#", t("source"), t("unit"), t("due"), t("state")], data.inspections.map(function (in_) {
      var due = el("td", { class: in_.overdue ? "late" : "" }, time(in_.due) + (in_.overdue ? " · " + t("overdue") : ""));
      return row({ "data-inspection": in_.id, class: in_.overdue ? "overdue" : "" },
        [String(in_.id), in_.name_zh || in_.enterprise, in_.unit, due, t("states")[in_.started ? "inspecting" : "open"]]);
    })) : el("p", { class: "muted" }, t("none")));

    panel.appendChild(el("h3", null, t("consequences") + " (" + data.consequences.length + ")"));
    panel.appendChild(data.consequences.length ? table(["#", t("kind"), t("source"), t("basis"), t("waiting"), ""], data.consequences.map(function (c) {
      var what = t("kinds")[c.kind] || c.kind;
      if (c.kind === "downgrade") what += " " + c.from_grade + "→" + c.to_grade;
      var act = el("td", { class: "sign" });
      var comment = el("input", { type: "text", "aria-label": t("comment"), placeholder: t("comment") });
      act.appendChild(comment);
      ["approve", "reject"].forEach(function (a) {
        var b = el("button", { type: "button", class: a }, t(a));
        b.addEventListener("click", function () {
          b.disabled = true;
          call("POST", "/api/v1/compliance/consequences/" + c.id + "/" + a, { comment: comment.value }).then(function (j) {
            message = "#" + c.id + ": " + j.consequence.status + " ✓";
            failed = false;
            load();
          }, function (e) { b.disabled = false; message = "#" + c.id + ": " + e.message; failed = true; render(); });
        });
        act.appendChild(b);
      });
      return row({ "data-consequence": c.id, "data-kind": c.kind }, [String(c.id), what, c.name_zh || c.enterprise, pick(c, "basis"),
        (c.next_roles || []).join(", "), act]);
    })) : el("p", { class: "muted" }, t("none")));

    if (!accounting) return; // no inventory configured
    panel.appendChild(el("h3", null, t("accounting")));
    var rows = [];
    accounting.levels.forEach(function (la) {
      la.pollutants.forEach(function (p) {
        var gap = el("td", { class: p.met ? "" : "late" }, p.met ? t("met") : p.shortfall_pct.toFixed(1) + " pt · " + p.shortfall_t_a.toFixed(1) + " t/a");
        rows.push(row({ "data-level": la.level, "data-pollutant": p.pollutant.toLowerCase(), title: pick(p, "text") },
          [la.level, p.pollutant, p.achieved_pct.toFixed(1), String(p.required_pct), gap]));
      });
    });
    panel.appendChild(table([t("level"), t("pollutant"), t("achieved"), t("required"), t("shortfall")], rows));
  }

  function load() {
    if (!token()) { data = null; accounting = null; message = ""; render(); return; }
    if (!accounting) {
      call("GET", "/api/v1/reduction/accounting").then(function (j) { accounting = j; render(); }, function () { accounting = null; });
    }
    Promise.all([call("GET", "/api/v1/compliance/events?state=open&limit=100"), call("GET", "/api/v1/compliance/events?state=inspecting&limit=100"),
      call("GET", "/api/v1/inspections?open=true&limit=200"), call("GET", "/api/v1/compliance/consequences?status=pending&limit=100")]).then(function (r) {
      var ins = r[2].inspections.slice().sort(function (a, b) {
        if (a.overdue !== b.overdue) return a.overdue ? -1 : 1;
        return Date.parse(a.due) - Date.parse(b.due);
      });
      data = { events: r[0].events.concat(r[1].events), inspections: ins, consequences: r[3].consequences };
      if (!failed) message = t("updated", { time: D.fmtTime(Date.now()) });
      failed = false;
      render();
    }, function (e) { data = null; message = e.message; failed = true; render(); });
  }

  $("signin-form").addEventListener("submit", function () { setTimeout(load, 0); });
  $("signout").addEventListener("click", function () { setTimeout(load, 0); });
  D.onLang(render);
  load();
  setInterval(load, 15000);
})();
