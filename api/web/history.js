// A warning's history page in the duty console (console.html#warning/ID):
// its issue, changes, pauses, extensions and lift, each with who signed
// which step of the plan's approval chain and when, and the notices sent
// for it (units notified and acknowledged, the delivery log); the issue
// shows the level timeline it was decided on. The console lists every
// warning with a history. It reads GET /api/v1/warnings/{id} (public),
// /api/v1/transitions, /api/v1/proposals/{id}, /api/v1/warnings/{id}/board,
// /api/v1/deliveries and /api/v1/warnings/status with the token console.js
// keeps in this tab.
"use strict";

(function () {
  var $ = aqwarnDOM.$, el = aqwarnDOM.el; // dom.js
  var TL = window.aqwarnTimeline, fmt = TL.fmt; // timeline.js
  var KEY = "aqwarn.token";
  function token() { try { return sessionStorage.getItem(KEY) || ""; } catch (e) { return ""; } }
  function get(path) {
    return fetch(path, { headers: { Authorization: "Bearer " + token(), Accept: "application/json" } }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (j) {
        if (!r.ok) throw new Error((j.error && j.error.message) || ("HTTP " + r.status));
        return j;
      });
    });
  }
  // fill puts values into a documented path template ("/api/v1/warnings/{id}").
  function fill(tpl, v) { return tpl.replace(/\{(\w+)\}/g, function (_, k) { return encodeURIComponent(v[k]); }); }
  function optional(p) { return p.then(null, function () { return null; }); }

  var plan = null;
  var planReady = fetch("/api/v1/plan", { headers: { Accept: "application/json" } })
    .then(function (r) { return r.ok ? r.json() : null; }).then(function (p) { plan = p; }, function () { /* names fall back to ids */ });

  var KIND = { issue: ["签发", "Issue"], upgrade: ["升级", "Upgrade"], downgrade: ["降级", "Downgrade"], extend: ["延续", "Extension"],
    pause: ["暂停", "Pause"], resume: ["恢复", "Resume"], lift: ["解除", "Lift"], health_notice: ["健康提示", "Health notice"] };
  function kindName(k) { var n = KIND[k]; return n ? n[0] + " · " + n[1] : k; }
  function roleName(id) {
    var rs = (plan && plan.roles) || [];
    for (var i = 0; i < rs.length; i++) if (rs[i].id === id) return rs[i].name_zh + " · " + rs[i].name_en;
    return id;
  }
  function levelName(id) {
    if (id === "none") return "无 · none";
    var l = TL.levelOf(plan, id);
    return l.name_zh === l.name_en ? l.name_zh : l.name_zh + " · " + l.name_en;
  }

  // allTransitions pages through GET /api/v1/transitions, oldest first.
  function allTransitions() {
    var out = [];
    function page(after, n) {
      return get("/api/v1/transitions?limit=500&after=" + after).then(function (j) {
        var ts = j.transitions || [];
        out = out.concat(ts);
        if (ts.length < 500 || n >= 40) return out;
        return page(ts[ts.length - 1].id, n + 1);
      });
    }
    return page(0, 0);
  }
  function byWarning(ts) {
    var m = {};
    ts.forEach(function (t) { if (t.warning_id > 0) (m[t.warning_id] = m[t.warning_id] || []).push(t); });
    return m;
  }

  // ---- the list of warnings -------------------------------------------

  function loadList() {
    var ul = $("warning-list");
    if (!token()) { ul.textContent = ""; $("histories-status").textContent = ""; return; }
    Promise.all([allTransitions(), planReady]).then(function (r) {
      var groups = byWarning(r[0]);
      var ids = Object.keys(groups).map(Number).sort(function (a, b) { return b - a; });
      ul.textContent = "";
      ids.forEach(function (id) {
        var ts = groups[id], first = ts[0], last = ts[ts.length - 1];
        var lifted = ts.some(function (t) { return t.kind === "lift"; });
        var lvl = last.kind === "lift" ? last.from : last.to;
        var li = el("li", { "data-warning": id });
        li.appendChild(el("a", { href: "#warning/" + id, class: "history-link" }, "#" + id + " " + levelName(lvl)));
        li.appendChild(document.createTextNode(" · " + first.region + " · 签发 issued " + fmt(first.at) + " · " + ts.length + " 步 steps · " +
          (lifted ? "已解除 lifted " + fmt(last.at) : "生效中 in force")));
        ul.appendChild(li);
      });
      $("histories-status").textContent = ids.length ? "" : "尚无预警 · no warning yet";
      $("histories-status").className = "muted";
    }, function (e) { $("histories-status").textContent = e.message; $("histories-status").className = "error"; });
  }

  // ---- one warning's page ----------------------------------------------

  function route() {
    var m = /^#warning\/(\d+)$/.exec(location.hash);
    document.body.classList.toggle("history-view", !!m);
    $("history").hidden = !m;
    if (m) show(+m[1]);
  }

  function show(id) {
    var box = $("history-body");
    box.textContent = "…";
    box.className = "";
    if (!token()) { box.textContent = "请先登录 · sign in first"; return; }
    Promise.all([get(fill("/api/v1/warnings/{id}", { id: id })), allTransitions(), planReady,
      optional(get(fill("/api/v1/warnings/{id}/board", { id: id }))), optional(get("/api/v1/deliveries?limit=1000")),
      optional(get("/api/v1/warnings/status"))]).then(function (r) {
      render(box, id, r[0], byWarning(r[1])[id] || [], r[3], r[4], r[5]);
    }, function (e) { box.textContent = "#" + id + ": " + e.message; box.className = "error"; });
  }

  function render(box, id, w, steps, board, deliveries, status) {
    box.textContent = "";
    box.setAttribute("data-warning", id);
    box.appendChild(el("h2", null, "预警履历 #" + id + " · Warning history — " + levelName(w.level) + " · " + w.region));
    var now = null;
    ((status && status.regions) || []).forEach(function (r) { if (r.warning && r.warning.id === id) now = r.warning; });
    var issue = steps.filter(function (t) { return t.kind === "issue"; })[0];
    var lift = steps.filter(function (t) { return t.kind === "lift"; })[0];
    var dl = el("dl", { class: "history-facts" });
    function fact(label, text, cls) {
      if (!text) return;
      dl.appendChild(el("dt", null, label));
      dl.appendChild(el("dd", { class: cls || "" }, text));
    }
    fact("签发 · Issued", fmt(w.issued));
    fact("生效 · Effective from", fmt((now && now.effective_start) || (issue && issue.start) || w.episode_start), "effective-from");
    fact("预计结束 · Expected until", fmt(w.expected_end), "expected-until");
    if (now && now.paused) fact("措施暂停至 · Paused until", fmt(now.restart_at), "paused-until");
    if (lift) fact("解除 · Lifted", "发布 published " + fmt(lift.at) + " · 生效 effective " + fmt(lift.start), "lifted");
    box.appendChild(dl);

    var units = {};
    ((board && board.units) || []).forEach(function (u) { units[u.id] = u.name_zh + " " + u.name_en; });
    var notices = (board && board.notices) || [];
    var log = (deliveries && deliveries.deliveries) || [];

    var ol = el("ol", { class: "history-steps" });
    steps.forEach(function (t) {
      var li = el("li", { class: "step", "data-kind": t.kind, "data-transition": t.id });
      li.appendChild(el("h3", null, kindName(t.kind) + " — " + levelName(t.from) + " → " + levelName(t.to)));
      var when = "发布 published " + fmt(t.at) + " · 生效 effective " + fmt(t.start);
      when += t.kind === "pause" ? " · 恢复 restart " + fmt(t.expected_end) : t.kind === "lift" ? "" : " · 预计至 expected until " + fmt(t.expected_end);
      li.appendChild(el("p", { class: "muted" }, when));
      var pr = t.proposal || {};
      if (pr.reason) li.appendChild(el("p", null, "理由 · Reason: " + pr.reason));

      // The chain: every signature, in order, with its step.
      var ap = t.approval || {}, stepsOf = ap.steps || [];
      var table = el("table", { class: "signers" });
      var hr = el("tr");
      ["步骤 Step", "角色 Role", "签署人 Signed by", "时间 At", "意见 Comment"].forEach(function (x) { hr.appendChild(el("th", null, x)); });
      var thead = el("thead");
      thead.appendChild(hr);
      table.appendChild(thead);
      var tb = el("tbody");
      (ap.signatures || []).forEach(function (sg) {
        var st = stepsOf[sg.step] || {};
        var tr = el("tr", { class: "signer", "data-role": sg.role, "data-user": sg.user });
        [(sg.step + 1) + ". " + (st.name_zh || st.id || "") + (st.name_en ? " · " + st.name_en : ""), roleName(sg.role), sg.user,
          fmt(sg.at), (sg.approve ? "" : "驳回 rejected: ") + (sg.comment || "")].forEach(function (x) { tr.appendChild(el("td", null, x)); });
        tb.appendChild(tr);
      });
      table.appendChild(tb);
      li.appendChild(el("p", { class: "chain" }, "审批链 · Chain: " + (ap.chain_id || "")));
      var wrap = el("div", { class: "table-wrap" });
      wrap.appendChild(table);
      li.appendChild(wrap);

      // The notices of this step: units notified and acknowledged, and the delivery log.
      var ns = notices.filter(function (n) { return n.transition === t.key; });
      var ds = log.filter(function (d) { return d.key.indexOf(t.key + "/") === 0; });
      var acked = ns.filter(function (n) { return n.acked_at; }).length;
      var summary = board ? "通知 · Notices: " + ns.length + " 个单位 units, " + acked + " 已叫应 acknowledged" : "通知记录不可用 · notices not available";
      summary += deliveries ? "; " + ds.length + " 条投递 deliveries (" + ds.filter(function (d) { return d.state === "sent"; }).length + " sent, " +
        ds.filter(function (d) { return d.state === "failed"; }).length + " failed)" : "; 投递记录不可用 · delivery log not available";
      li.appendChild(el("p", { class: "notices-summary" }, summary));
      if (ns.length || ds.length) {
        var det = el("details", { class: "notices" });
        det.appendChild(el("summary", null, "明细 · details"));
        var ul = el("ul");
        ns.forEach(function (n) {
          ul.appendChild(el("li", { "data-unit": n.unit }, (units[n.unit] || n.unit) + " — 发送 sent " + fmt(n.sent) +
            (n.acked_at ? " · 已叫应 acknowledged " + fmt(n.acked_at) + (n.ack_by ? " (" + n.ack_by + ")" : "") : " · 未叫应 not acknowledged") +
            (n.resends ? " · 重发 resent " + n.resends : "") + (n.escalated_at ? " · 已上报 escalated " + fmt(n.escalated_at) : "") +
            (n.closed ? " · 已关闭 closed" : "")));
        });
        ds.forEach(function (d) {
          ul.appendChild(el("li", { class: "delivery", "data-state": d.state }, (units[d.unit] || d.unit) + " · " + d.channel + " · " + d.state +
            (d.sent_at ? " " + fmt(d.sent_at) : "") + (d.last_error ? " — " + d.last_error : "")));
        });
        det.appendChild(ul);
        li.appendChild(det);
      }
      // The issue: the timeline it was decided on.
      if (t.kind === "issue" && t.proposal_id) {
        var slot = el("div", { class: "as-decided" });
        li.appendChild(slot);
        asDecided(slot, t);
      }
      ol.appendChild(li);
    });
    if (!steps.length) box.appendChild(el("p", { class: "muted" }, "没有已发布的步骤 · no published step"));
    box.appendChild(ol);
  }

  // asDecided draws the timeline as known when the proposal was made.
  function asDecided(slot, t) {
    get(fill("/api/v1/proposals/{id}", { id: t.proposal_id })).then(function (j) {
      var at = j.proposal && j.proposal.created;
      return get("/api/v1/warnings/status?region=" + encodeURIComponent(t.region) + "&at=" + encodeURIComponent(new Date(at).toISOString()));
    }).then(function (st) {
      var r = (st.regions || [])[0];
      if (!r) return;
      slot.appendChild(TL.panel(r, plan, { asOf: true, start: t.start, runs: t.proposal && t.proposal.evidence && t.proposal.evidence.runs,
        label: "研判依据 · As decided (" + fmt(st.as_of) + ")" }));
    }, function (e) { slot.appendChild(el("p", { class: "muted" }, "研判依据不可用 · timeline not available: " + e.message)); });
  }

  window.addEventListener("hashchange", route);
  $("signin-form").addEventListener("submit", function () { setTimeout(function () { loadList(); route(); }, 0); });
  $("signout").addEventListener("click", function () { setTimeout(function () { loadList(); route(); }, 0); });
  loadList();
  route();
  setInterval(loadList, 60000);
})();
