// The duty console: pending proposals and approve/reject as the roles of
// the token the user types in, forecast upload and manual proposals. The token stays in this tab
// (sessionStorage) and goes only to this server. Each warning area shows the
// level timeline the engine decides on (GET /api/v1/warnings/status, drawn
// by timeline.js) with the next decision time and what it waits for; each
// pending proposal shows its region's timeline with the runs it rests on.
"use strict";

(function () {
  var D = aqwarnDOM, $ = D.$, el = D.el, pick = D.pick, fmtTime = D.fmtTime; // dom.js
  // The console's texts: the page's static ones (data-i18n in console.html) and this script's.
  var t = D.texts({
    zh: {
      pageTitle: "值班台", title: "值班台", publicPage: "公众页面", signin: "登录", tokenLabel: "令牌", signinButton: "登录", signout: "退出",
      back: "返回值班台", decisionsTitle: "研判时间线",
      decisionsHelp: "24 小时滑动 AQI：观测（实线）与预报（虚线）相接于“现在”；下方色带为各时刻对应的预警级别；竖线为下次定时研判时间。",
      historiesTitle: "预警履历", pendingTitle: "待审批的建议",
      thRegion: "区域", thAction: "动作", thLevel: "级别", thStart: "开始", thEnd: "预计结束", thLead: "提前 (h)", thChain: "审批链",
      thWaiting: "等待", thComment: "意见",
      forecastTitle: "上传预报", forecastHelp: "CSV 文件，逐日或逐时，列如下；文件中的 region、source、issued_at 列优先；保存后立即研判。",
      daily: "逐日", hourly: "逐时", region: "区域", source: "来源", issuedAt: "发布时间", file: "文件", upload: "上传",
      manualTitle: "人工建议", manualHelp: "时间按北京时间（+08:00）；建议按预案审批链签批。",
      level: "级别", start: "开始", expectedEnd: "预计结束", reason: "理由", propose: "提交建议",
      boardTitle: "叫应与任务", chipOk: "已叫应/已完成", chipPending: "待办", chipLate: "超时/已上报", chipOff: "已解除",
      failuresTitle: "投递失败", thUnit: "单位", thChannel: "渠道", thTarget: "目标", thState: "状态", thAttempts: "尝试",
      thCreated: "时间", thError: "错误",
      err401: "令牌无效", err403: "无此权限", err409: "状态已变化",
      statusNA: "研判状态不可用", noStatusFor: "研判状态不可用：{region}", effective: "生效", expectedUntil: "预计至",
      pausedUntil: "措施暂停至", history: "履历", noWarning: "无生效预警",
      stillProposes: "引擎本时段仍提议此项", nowProposes: "引擎本时段的判断：{action} → {level}", proposedBy: "人工建议：{by}",
      notProposed: "引擎本时段未再提议",
      shortNotice: "短时", comment: "意见", evidence: "证据", approve: "批准", reject: "驳回",
      signedIn: "已登录：{user}", typeIn: "请输入令牌", pending: "{n} 条待审批", nothingPending: "没有待审批的建议",
      lift: "解除", planNA: "预案不可用", chooseFile: "请选择文件", forecastKept: "已保存预报 {ids}（{file}）",
      submitted: "已提交建议 #{id}（{status}）"
    },
    en: {
      pageTitle: "Duty console", title: "Duty console", publicPage: "Public page", signin: "Sign in", tokenLabel: "Bearer token",
      signinButton: "Sign in", signout: "Sign out", back: "back to the console", decisionsTitle: "Decision timeline",
      decisionsHelp: "Rolling 24 h AQI: observed (solid) runs into the forecast (dashed) at \"now\"; the strip below is the level each instant would mean; the dotted line is the next scheduled decision.",
      historiesTitle: "Warning histories", pendingTitle: "Pending proposals",
      thRegion: "Region", thAction: "Action", thLevel: "Level", thStart: "Start", thEnd: "Expected end", thLead: "Lead (h)", thChain: "Chain",
      thWaiting: "Waiting for", thComment: "Comment",
      forecastTitle: "Upload a forecast", forecastHelp: "A CSV file, daily or hourly, with the columns below; region, source and issued_at columns in the file win; evaluated as soon as it is kept.",
      daily: "daily", hourly: "hourly", region: "Region", source: "Source", issuedAt: "Issued at", file: "File", upload: "Upload",
      manualTitle: "Manual proposal", manualHelp: "Times are China Standard Time (+08:00); the proposal goes through the plan's approval chain.",
      level: "Level", start: "Start", expectedEnd: "Expected end", reason: "Reason", propose: "Propose",
      boardTitle: "Acknowledgement board", chipOk: "acknowledged/done", chipPending: "pending", chipLate: "overdue/escalated", chipOff: "released/closed",
      failuresTitle: "Delivery failures", thUnit: "Unit", thChannel: "Channel", thTarget: "Target", thState: "State", thAttempts: "Attempts",
      thCreated: "Created", thError: "Error",
      err401: "the token is not valid", err403: "not allowed for your role", err409: "changed meanwhile",
      statusNA: "decision status not available", noStatusFor: "no decision status for {region}", effective: "effective",
      expectedUntil: "expected until", pausedUntil: "paused until", history: "History", noWarning: "no warning in force",
      stillProposes: "the engine still proposes this", nowProposes: "the engine now proposes: {action} → {level}", proposedBy: "proposed by {by}",
      notProposed: "the engine does not propose it this hour",
      shortNotice: "short notice", comment: "comment", evidence: "Evidence", approve: "Approve", reject: "Reject",
      signedIn: "signed in: {user}", typeIn: "type in your token", pending: "{n} pending", nothingPending: "nothing pending",
      lift: "Lift", planNA: "the plan is not available", chooseFile: "choose a file", forecastKept: "forecast kept {ids} ({file})",
      submitted: "proposal #{id} submitted ({status})"
    }
  });
  var KEY = "aqwarn.token";
  function token() { return D.stored(KEY); }
  function setToken(v) { D.store(KEY, v); }
  // say writes the status line (sayIn another one), a live region: only a
  // new message is written (and announced).
  function say(text, isError) { D.say("status", text, isError); }
  var sayIn = D.say;

  // api calls the server with the token and turns failures into the
  // message of the one error shape.
  function api(method, path, body) {
    return D.call(method, path, body, token(), { 401: t("err401") + ": ", 403: t("err403") + ": ", 409: t("err409") + ": " });
  }

  // The plan (levels, thresholds, roles) and the engine's decision status
  // of each warning area, refreshed with the proposals.
  var plan = null, status = null;
  function statusOf(region) {
    var rs = (status && status.regions) || [];
    for (var i = 0; i < rs.length; i++) if (rs[i].region === region) return rs[i];
    return null;
  }
  function levelName(id) { return pick(window.aqwarnTimeline.levelOf(plan, id), "name") || id; }

  // The decisions panel: one timeline per warning area, the warning in
  // force and a link to its history page (history.js).
  function renderDecisions(err) {
    var box = $("decisions");
    box.textContent = "";
    if (err) { box.appendChild(el("p", { class: "error" }, t("statusNA") + ": " + err.message)); return; }
    ((status && status.regions) || []).forEach(function (r) {
      var sec = el("section", { class: "region-decision", "data-region": r.region });
      var head = el("h3", null, pick(r, "name") || r.region);
      sec.appendChild(head);
      var w = r.warning;
      if (w) {
        var p = el("p", { class: "in-force", "data-warning": w.id });
        p.appendChild(el("strong", null, levelName(w.level)));
        p.appendChild(document.createTextNode(" · " + t("effective") + " " + fmtTime(w.effective_start) + " · " + t("expectedUntil") + " " +
          fmtTime(w.expected_end) + (w.paused ? " · " + t("pausedUntil") + " " + fmtTime(w.restart_at) : "") + " · "));
        p.appendChild(el("a", { href: "#warning/" + w.id, class: "history-link" }, t("history") + " #" + w.id));
        sec.appendChild(p);
      } else {
        sec.appendChild(el("p", { class: "muted in-force" }, t("noWarning")));
      }
      sec.appendChild(window.aqwarnTimeline.panel(r, plan, { start: w && w.effective_start }));
      box.appendChild(sec);
    });
  }

  // proposalTimeline is the row under a proposal: its region's timeline as
  // the engine judges it now (the pending proposal stands while the engine
  // keeps proposing it), with the proposal's runs and effective start.
  function proposalTimeline(p) {
    var row = el("tr", { class: "timeline-row", "data-for": p.id });
    var td = el("td", { colspan: "11" });
    row.appendChild(td);
    var st = statusOf(p.region);
    if (!st) { td.appendChild(el("p", { class: "muted" }, t("noStatusFor", { region: p.region }))); return row; }
    var d = details[p.id] && details[p.id].detail;
    var cur = st.proposal;
    var note = cur && cur.key === p.key ? t("stillProposes") :
      cur ? t("nowProposes", { action: cur.action, level: D.pair(window.aqwarnTimeline.levelOf(plan, cur.level), "name") }) :
      p.by && p.by !== "engine" ? t("proposedBy", { by: p.by }) : t("notProposed");
    td.appendChild(window.aqwarnTimeline.panel(st, plan, { runs: d && d.evidence && d.evidence.runs, start: p.start,
      label: "#" + p.id + " " + p.action + " → " + levelName(p.level) + " — " + note }));
    return row;
  }

  function render(list) {
    var body = document.querySelector("#proposals tbody");
    body.textContent = "";
    list.forEach(function (p) {
      var tr = el("tr", { "data-id": p.id });
      [p.id, p.region, p.action, (p.from ? levelName(p.from) + " → " : "") + levelName(p.level), fmtTime(p.start), fmtTime(p.expected_end)].forEach(function (v) {
        tr.appendChild(el("td", null, String(v == null ? "" : v)));
      });
      var lead = el("td", null, p.lead_hours == null ? "" : String(Math.round(p.lead_hours)));
      if (p.short_notice) { lead.appendChild(el("span", { class: "short" }, " " + t("shortNotice"))); }
      tr.appendChild(lead);
      tr.appendChild(el("td", null, p.chain || ""));
      tr.appendChild(el("td", { class: "next" }, (p.next_roles || []).join(", ")));
      var ctd = el("td");
      var comment = el("input", { type: "text", "aria-label": t("comment") });
      ctd.appendChild(comment);
      tr.appendChild(ctd);
      var act = el("td");
      var evb = el("button", { type: "button", class: "evidence-toggle", "aria-expanded": String(!!openEvidence[p.id]) }, t("evidence"));
      evb.addEventListener("click", function () { toggleEvidence(p, tr, evb); });
      act.appendChild(evb);
      ["approve", "reject"].forEach(function (a) {
        var b = el("button", { type: "button", class: a, "data-action": a }, t(a));
        b.addEventListener("click", function () { sign(p.id, a, comment.value); });
        act.appendChild(b);
      });
      tr.appendChild(act);
      body.appendChild(tr);
      body.appendChild(proposalTimeline(p));
      if (openEvidence[p.id]) showEvidence(p, tr);
    });
  }

  // The evidence chart (evidence.js) opens under its proposal and stays
  // open across refreshes; details are fetched once.
  var openEvidence = {}, details = {};
  function toggleEvidence(p, tr, button) {
    openEvidence[p.id] = !openEvidence[p.id];
    button.setAttribute("aria-expanded", String(openEvidence[p.id]));
    var open = $("evidence-" + p.id);
    if (open) open.remove();
    if (openEvidence[p.id]) showEvidence(p, tr);
  }
  function showEvidence(p, tr) {
    var row = el("tr", { class: "evidence-row", id: "evidence-" + p.id });
    var td = el("td", { colspan: "11" }, "…");
    row.appendChild(td);
    var after = tr.nextElementSibling && tr.nextElementSibling.classList.contains("timeline-row") ? tr.nextElementSibling : tr;
    tr.parentNode.insertBefore(row, after.nextSibling);
    var got = details[p.id] ? Promise.resolve(details[p.id]) : api("GET", "/api/v1/proposals/" + p.id);
    got.then(function (j) {
      details[p.id] = j;
      td.textContent = "";
      td.appendChild(window.aqwarnEvidenceChart(j.proposal, j.detail, levelName));
    }, function (e) { td.textContent = e.message; });
  }

  // who says whom the token signs as (GET /api/v1/me), before anyone
  // approves with the wrong one.
  function who() {
    if (!token()) { $("who").textContent = ""; return; }
    api("GET", "/api/v1/me").then(function (me) {
      var roles = (me.roles || []).map(function (r) { return pick(r, "name") || r.id; });
      $("who").textContent = t("signedIn", { user: me.user }) + " — " + roles.join(", ");
      $("who").className = "muted";
    }, function (e) { $("who").textContent = e.message; $("who").className = "error"; });
  }

  function load() {
    if (!token()) { status = null; $("decisions").textContent = ""; render([]); say(t("typeIn")); return Promise.resolve(); }
    var st = api("GET", "/api/v1/warnings/status").then(function (j) { status = j; return null; }, function (e) { status = null; return e; });
    return Promise.all([api("GET", "/api/v1/proposals?status=pending"), st, planReady]).then(function (r) {
      var list = r[0].proposals || [];
      renderDecisions(r[1]);
      // The evidence (runs) of each proposal, fetched once.
      return Promise.all(list.map(function (p) {
        if (details[p.id]) return null;
        return api("GET", "/api/v1/proposals/" + p.id).then(function (j) { details[p.id] = j; }, function () { return null; });
      })).then(function () {
        render(list);
        say(list.length ? t("pending", { n: list.length }) : t("nothingPending"));
      });
    }, function (e) { render([]); say(e.message, true); });
  }

  function sign(id, action, comment) {
    say("…");
    return api("POST", "/api/v1/proposals/" + id + "/" + action, { comment: comment }).then(function (j) {
      var p = j.proposal || {};
      return load().then(function () { say("#" + id + ": " + (p.status || action) + " ✓"); });
    }, function (e) { say("#" + id + ": " + e.message, true); });
  }

  // The forms take their regions and levels from the plan in force (a
  // language switch keeps what is chosen).
  function fillPlan(p) {
    plan = p;
    var regions = (plan.regions || []).filter(function (r) { return r.warned; });
    ["fc-region", "mp-region"].forEach(function (id) {
      var was = $(id).value;
      $(id).textContent = "";
      regions.forEach(function (r) { $(id).appendChild(el("option", { value: r.id }, pick(r, "name") || r.id)); });
      if (was) $(id).value = was;
    });
    var was = $("mp-level").value;
    $("mp-level").textContent = "";
    (plan.levels || []).forEach(function (l) {
      $("mp-level").appendChild(el("option", { value: l.id }, (pick(l, "name") || l.id) + " (" + (l.when || []).join("; ") + ")"));
    });
    $("mp-level").appendChild(el("option", { value: "none" }, t("lift")));
    if (was) $("mp-level").value = was;
  }
  var planReady = fetch("/api/v1/plan", { headers: { Accept: "application/json" } }).then(function (r) {
    if (!r.ok) throw new Error("HTTP " + r.status);
    return r.json();
  }).then(fillPlan, function (e) {
    sayIn("forecast-status", t("planNA") + ": " + e.message, true);
    sayIn("manual-status", t("planNA") + ": " + e.message, true);
  });
  // A datetime-local value is read as China Standard Time.
  var cst = D.cstInstant;
  // nowInto sets a datetime-local input to the current minute in China Standard Time.
  function nowInto(id) { $(id).value = fmtTime(Date.now(), "input"); }
  nowInto("fc-issued");

  $("forecast-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var file = $("fc-file").files[0];
    if (!file) { sayIn("forecast-status", t("chooseFile"), true); return; }
    var form = new FormData();
    form.append("file", file);
    var q = "?region=" + encodeURIComponent($("fc-region").value) + "&source=" + encodeURIComponent($("fc-source").value.trim()) +
      "&issued_at=" + encodeURIComponent(cst($("fc-issued").value));
    sayIn("forecast-status", "…");
    fetch("/api/v1/forecasts" + q, { method: "POST", headers: { Authorization: "Bearer " + token(), Accept: "application/json" }, body: form })
      .then(function (r) {
        return r.json().catch(function () { return {}; }).then(function (j) {
          if (!r.ok) throw new Error((j.error && j.error.message) || ("HTTP " + r.status));
          return j;
        });
      })
      .then(function (j) {
        var ids = (j.ids || []).map(function (id) { return "#" + id; }).join(", ");
        sayIn("forecast-status", t("forecastKept", { ids: ids, file: file.name }));
        $("forecast-form").reset();
        nowInto("fc-issued");
        return load();
      }, function (e) { sayIn("forecast-status", e.message, true); });
  });

  $("manual-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var body = { region: $("mp-region").value, level: $("mp-level").value, start: cst($("mp-start").value),
      end: cst($("mp-end").value), reason: $("mp-reason").value.trim() };
    sayIn("manual-status", "…");
    api("POST", "/api/v1/proposals", body).then(function (j) {
      var p = j.proposal || {};
      sayIn("manual-status", t("submitted", { id: p.id, status: p.status || "pending" }));
      $("manual-form").reset();
      return load();
    }, function (e) { sayIn("manual-status", e.message, true); });
  });

  $("signin-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    setToken($("token").value.trim());
    $("token").value = "";
    $("signout").hidden = false;
    who();
    load();
  });
  $("signout").addEventListener("click", function () {
    setToken("");
    $("signout").hidden = true;
    who();
    load();
  });
  $("signout").hidden = !token();
  // Back from a warning's history page (history.js): show the console as it is now.
  window.addEventListener("hashchange", function () { if (!/^#warning\//.test(location.hash)) load(); });
  D.langButton($("lang"));
  D.onLang(function () {
    D.applyTexts(t);
    if (plan) fillPlan(plan);
    who();
    load();
  });
  D.applyTexts(t);
  who();
  load();
  setInterval(load, 30000);
})();
