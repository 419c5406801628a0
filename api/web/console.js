// The duty console: pending proposals and approve/reject as the roles of
// the token the user types in, forecast upload and manual proposals. The token stays in this tab
// (sessionStorage) and goes only to this server. Each warning area shows the
// level timeline the engine decides on (GET /api/v1/warnings/status, drawn
// by timeline.js) with the next decision time and what it waits for; each
// pending proposal shows its region's timeline with the runs it rests on.
"use strict";

(function () {
  var $ = aqwarnDOM.$, el = aqwarnDOM.el, pickLang = aqwarnDOM.pickLang; // dom.js
  var KEY = "aqwarn.token";
  function token() { try { return sessionStorage.getItem(KEY) || ""; } catch (e) { return ""; } }
  function setToken(t) { try { t ? sessionStorage.setItem(KEY, t) : sessionStorage.removeItem(KEY); } catch (e) { /* private mode */ } }
  function fmtTime(s) {
    var d = new Date(s);
    if (!s || isNaN(d)) return s || "";
    var cst = new Date(d.getTime() + 8 * 3600e3);
    function p(n) { return (n < 10 ? "0" : "") + n; }
    return cst.getUTCFullYear() + "-" + p(cst.getUTCMonth() + 1) + "-" + p(cst.getUTCDate()) + " " + p(cst.getUTCHours()) + ":" + p(cst.getUTCMinutes());
  }
  function say(text, isError) {
    $("status").textContent = text;
    $("status").className = isError ? "error" : "muted";
  }

  // api calls the server with the token and turns failures into the
  // message of the one error shape.
  function api(method, path, body) {
    var opts = { method: method, headers: { Authorization: "Bearer " + token(), Accept: "application/json" } };
    if (body !== undefined) { opts.headers["Content-Type"] = "application/json"; opts.body = JSON.stringify(body); }
    return fetch(path, opts).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (j) {
        if (!r.ok) {
          var msg = (j.error && j.error.message) || ("HTTP " + r.status);
          var hint = { 401: "令牌无效 · the token is not valid: ", 403: "无此权限 · not allowed for your role: ", 409: "状态已变化 · changed meanwhile: " }[r.status] || "";
          var e = new Error(hint + msg);
          e.status = r.status;
          throw e;
        }
        return j;
      });
    });
  }

  // The plan (levels, thresholds, roles) and the engine's decision status
  // of each warning area, refreshed with the proposals.
  var plan = null, status = null;
  function statusOf(region) {
    var rs = (status && status.regions) || [];
    for (var i = 0; i < rs.length; i++) if (rs[i].region === region) return rs[i];
    return null;
  }
  function levelName(id) {
    var l = window.aqwarnTimeline.levelOf(plan, id);
    return l.name_zh === l.name_en ? l.name_zh : l.name_zh + " · " + l.name_en;
  }

  // The decisions panel: one timeline per warning area, the warning in
  // force and a link to its history page (history.js).
  function renderDecisions(err) {
    var box = $("decisions");
    box.textContent = "";
    if (err) { box.appendChild(el("p", { class: "error" }, "研判状态不可用 · decision status not available: " + err.message)); return; }
    ((status && status.regions) || []).forEach(function (r) {
      var sec = el("section", { class: "region-decision", "data-region": r.region });
      var head = el("h3", null, (r.name_zh || r.region) + (r.name_en ? " · " + r.name_en : ""));
      sec.appendChild(head);
      var w = r.warning;
      if (w) {
        var p = el("p", { class: "in-force", "data-warning": w.id });
        p.appendChild(el("strong", null, levelName(w.level)));
        p.appendChild(document.createTextNode(" · 生效 effective " + fmtTime(w.effective_start) + " · 预计至 expected until " + fmtTime(w.expected_end) +
          (w.paused ? " · 措施暂停至 paused until " + fmtTime(w.restart_at) : "") + " · "));
        p.appendChild(el("a", { href: "#warning/" + w.id, class: "history-link" }, "履历 History #" + w.id));
        sec.appendChild(p);
      } else {
        sec.appendChild(el("p", { class: "muted in-force" }, "无生效预警 · no warning in force"));
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
    if (!st) { td.appendChild(el("p", { class: "muted" }, "研判状态不可用 · no decision status for " + p.region)); return row; }
    var d = details[p.id] && details[p.id].detail;
    var cur = st.proposal;
    var note = cur && cur.key === p.key ? "引擎本时段仍提议此项 · the engine still proposes this" :
      cur ? "引擎本时段的判断 · the engine now proposes: " + cur.action + " → " + cur.level :
      p.by && p.by !== "engine" ? "人工建议 · proposed by " + p.by : "引擎本时段未再提议 · the engine does not propose it this hour";
    td.appendChild(window.aqwarnTimeline.panel(st, plan, { runs: d && d.evidence && d.evidence.runs, start: p.start,
      label: "#" + p.id + " " + p.action + " → " + levelName(p.level) + " — " + note }));
    return row;
  }

  function render(list) {
    var body = document.querySelector("#proposals tbody");
    body.textContent = "";
    list.forEach(function (p) {
      var tr = el("tr", { "data-id": p.id });
      [p.id, p.region, p.action, (p.from ? p.from + " → " : "") + p.level, fmtTime(p.start), fmtTime(p.expected_end)].forEach(function (v) {
        tr.appendChild(el("td", null, String(v == null ? "" : v)));
      });
      var lead = el("td", null, p.lead_hours == null ? "" : String(Math.round(p.lead_hours)));
      if (p.short_notice) { lead.appendChild(el("span", { class: "short" }, " 短时 short notice")); }
      tr.appendChild(lead);
      tr.appendChild(el("td", null, p.chain || ""));
      tr.appendChild(el("td", { class: "next" }, (p.next_roles || []).join(", ")));
      var ctd = el("td");
      var comment = el("input", { type: "text", "aria-label": "comment" });
      ctd.appendChild(comment);
      tr.appendChild(ctd);
      var act = el("td");
      var evb = el("button", { type: "button", class: "evidence-toggle", "aria-expanded": String(!!openEvidence[p.id]) }, "证据 Evidence");
      evb.addEventListener("click", function () { toggleEvidence(p, tr, evb); });
      act.appendChild(evb);
      [["approve", "批准 Approve"], ["reject", "驳回 Reject"]].forEach(function (a) {
        var b = el("button", { type: "button", class: a[0], "data-action": a[0] }, a[1]);
        b.addEventListener("click", function () { sign(p.id, a[0], comment.value); });
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
      td.appendChild(window.aqwarnEvidenceChart(j.proposal, j.detail));
    }, function (e) { td.textContent = e.message; });
  }

  // who says whom the token signs as (GET /api/v1/me), before anyone
  // approves with the wrong one.
  function who() {
    if (!token()) { $("who").textContent = ""; return; }
    api("GET", "/api/v1/me").then(function (me) {
      var roles = (me.roles || []).map(function (r) { return r.name_zh ? r.name_zh + " · " + r.name_en : r.id; });
      $("who").textContent = "已登录 · signed in: " + me.user + " — " + roles.join(", ");
      $("who").className = "muted";
    }, function (e) { $("who").textContent = e.message; $("who").className = "error"; });
  }

  function load() {
    if (!token()) { status = null; $("decisions").textContent = ""; render([]); say("请输入令牌 · type in your token"); return Promise.resolve(); }
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
        say(list.length ? list.length + " 条待审批 · pending" : "没有待审批的建议 · nothing pending");
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

  // The forms take their regions and levels from the plan in force.
  function sayIn(id, text, isError) {
    $(id).textContent = text;
    $(id).className = isError ? "error" : "muted";
  }
  function fillPlan(p) {
    plan = p;
    var regions = (plan.regions || []).filter(function (r) { return r.warned; });
    ["fc-region", "mp-region"].forEach(function (id) {
      $(id).textContent = "";
      regions.forEach(function (r) { $(id).appendChild(el("option", { value: r.id }, r.name_zh + " · " + r.name_en)); });
    });
    $("mp-level").textContent = "";
    (plan.levels || []).forEach(function (l) {
      $("mp-level").appendChild(el("option", { value: l.id }, l.name_zh + " · " + l.name_en + " (" + (l.when || []).join("; ") + ")"));
    });
    $("mp-level").appendChild(el("option", { value: "none" }, "解除 · Lift"));
  }
  var planReady = fetch("/api/v1/plan", { headers: { Accept: "application/json" } }).then(function (r) {
    if (!r.ok) throw new Error("HTTP " + r.status);
    return r.json();
  }).then(fillPlan, function (e) {
    sayIn("forecast-status", "预案不可用 · the plan is not available: " + e.message, true);
    sayIn("manual-status", "预案不可用 · the plan is not available: " + e.message, true);
  });
  // A datetime-local value is read as China Standard Time.
  function cst(v) { return v ? v + (v.length === 16 ? ":00" : "") + "+08:00" : ""; }
  // nowInto sets a datetime-local input to the current minute in China Standard Time.
  function nowInto(id) { $(id).value = new Date(Date.now() + 8 * 3600e3).toISOString().slice(0, 16); }
  nowInto("fc-issued");

  $("forecast-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var file = $("fc-file").files[0];
    if (!file) { sayIn("forecast-status", "请选择文件 · choose a file", true); return; }
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
        sayIn("forecast-status", "已保存预报 " + ids + " · forecast kept " + ids + " (" + file.name + ")");
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
      sayIn("manual-status", "已提交建议 #" + p.id + " · proposal #" + p.id + " submitted (" + (p.status || "pending") + ")");
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
  who();
  load();
  setInterval(load, 30000);
})();
