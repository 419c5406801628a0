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
  var D = aqwarnDOM, $ = D.$, el = D.el, pick = D.pick, fmt = D.fmtTime, fill = D.fillPath; // dom.js
  var TL = window.aqwarnTimeline; // timeline.js
  var tr = D.texts({
    zh: {
      issue: "签发", upgrade: "升级", downgrade: "降级", extend: "延续", pause: "暂停", resume: "恢复", lift: "解除", health_notice: "健康提示",
      noLevel: "无", issued: "签发 {at}", steps: "{n} 步", lifted: "已解除 {at}", inForce: "生效中",
      noWarningYet: "尚无预警", signInFirst: "请先登录", heading: "预警履历 #{id} — {level} · {region}",
      factIssued: "签发", factEffective: "生效", factUntil: "预计结束", factPaused: "措施暂停至", factLifted: "解除",
      published: "发布 {at}", effective: "生效 {at}", restart: "恢复 {at}", until: "预计至 {at}", reason: "理由：{reason}",
      thStep: "步骤", thRole: "角色", thUser: "签署人", thAt: "时间", thComment: "意见", rejected: "驳回：", chain: "审批链：{chain}",
      notices: "通知：{n} 个单位，{acked} 已叫应", noticesNA: "通知记录不可用",
      deliveries: "{n} 条投递（{sent} 已发送，{failed} 失败）", deliveriesNA: "投递记录不可用", details: "明细",
      sent: "发送 {at}", acked: "已叫应 {at}", notAcked: "未叫应", resent: "重发 {n} 次", escalated: "已上报 {at}", closed: "已关闭",
      noStep: "没有已发布的步骤", asDecided: "研判依据（{at}）", asDecidedNA: "研判依据不可用：{msg}"
    },
    en: {
      issue: "Issue", upgrade: "Upgrade", downgrade: "Downgrade", extend: "Extension", pause: "Pause", resume: "Resume", lift: "Lift", health_notice: "Health notice",
      noLevel: "none", issued: "issued {at}", steps: "{n} steps", lifted: "lifted {at}", inForce: "in force",
      noWarningYet: "no warning yet", signInFirst: "sign in first", heading: "Warning history #{id} — {level} · {region}",
      factIssued: "Issued", factEffective: "Effective from", factUntil: "Expected until", factPaused: "Paused until", factLifted: "Lifted",
      published: "published {at}", effective: "effective {at}", restart: "restart {at}", until: "expected until {at}", reason: "Reason: {reason}",
      thStep: "Step", thRole: "Role", thUser: "Signed by", thAt: "At", thComment: "Comment", rejected: "rejected: ", chain: "Chain: {chain}",
      notices: "Notices: {n} units, {acked} acknowledged", noticesNA: "notices not available",
      deliveries: "{n} deliveries ({sent} sent, {failed} failed)", deliveriesNA: "delivery log not available", details: "details",
      sent: "sent {at}", acked: "acknowledged {at}", notAcked: "not acknowledged", resent: "resent {n}", escalated: "escalated {at}", closed: "closed",
      noStep: "no published step", asDecided: "As decided ({at})", asDecidedNA: "timeline not available: {msg}"
    }
  });
  var KEY = "aqwarn.token";
  function token() { return D.stored(KEY); }
  function get(path) { return D.call("GET", path, undefined, token()); }
  function optional(p) { return p.then(null, function () { return null; }); }

  var plan = null;
  var planReady = fetch("/api/v1/plan", { headers: { Accept: "application/json" } })
    .then(function (r) { return r.ok ? r.json() : null; }).then(function (p) { plan = p; }, function () { /* names fall back to ids */ });

  var KINDS = ["issue", "upgrade", "downgrade", "extend", "pause", "resume", "lift", "health_notice"];
  function kindName(k) { return KINDS.indexOf(k) >= 0 ? tr(k) : k; }
  function roleName(id) {
    var rs = (plan && plan.roles) || [];
    for (var i = 0; i < rs.length; i++) if (rs[i].id === id) return pick(rs[i], "name") || id;
    return id;
  }
  function levelName(id) {
    if (id === "none") return tr("noLevel");
    return pick(TL.levelOf(plan, id), "name") || id;
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
    ts.forEach(function (x) { if (x.warning_id > 0) (m[x.warning_id] = m[x.warning_id] || []).push(x); });
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
        var lifted = ts.some(function (x) { return x.kind === "lift"; });
        var lvl = last.kind === "lift" ? last.from : last.to;
        var li = el("li", { "data-warning": id });
        li.appendChild(el("a", { href: "#warning/" + id, class: "history-link" }, "#" + id + " " + levelName(lvl)));
        li.appendChild(document.createTextNode(" · " + [first.region, tr("issued", { at: fmt(first.at) }), tr("steps", { n: ts.length }),
          lifted ? tr("lifted", { at: fmt(last.at) }) : tr("inForce")].join(" · ")));
        ul.appendChild(li);
      });
      D.setText($("histories-status"), ids.length ? "" : tr("noWarningYet"));
      $("histories-status").className = "muted";
    }, function (e) { D.setText($("histories-status"), e.message); $("histories-status").className = "error"; });
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
    if (!token()) { box.textContent = tr("signInFirst"); return; }
    Promise.all([get(fill("/api/v1/warnings/{id}", { id: id })), allTransitions(), planReady,
      optional(get(fill("/api/v1/warnings/{id}/board", { id: id }))), optional(get("/api/v1/deliveries?limit=1000")),
      optional(get("/api/v1/warnings/status"))]).then(function (r) {
      render(box, id, r[0], byWarning(r[1])[id] || [], r[3], r[4], r[5]);
    }, function (e) { box.textContent = "#" + id + ": " + e.message; box.className = "error"; });
  }

  function render(box, id, w, steps, board, deliveries, status) {
    box.textContent = "";
    box.setAttribute("data-warning", id);
    box.appendChild(el("h2", null, tr("heading", { id: id, level: D.pair(TL.levelOf(plan, w.level), "name"), region: w.region })));
    var now = null;
    ((status && status.regions) || []).forEach(function (r) { if (r.warning && r.warning.id === id) now = r.warning; });
    var issue = steps.filter(function (x) { return x.kind === "issue"; })[0];
    var lift = steps.filter(function (x) { return x.kind === "lift"; })[0];
    var dl = el("dl", { class: "history-facts" });
    function fact(label, text, cls) {
      if (!text) return;
      dl.appendChild(el("dt", null, label));
      dl.appendChild(el("dd", { class: cls || "" }, text));
    }
    fact(tr("factIssued"), fmt(w.issued));
    fact(tr("factEffective"), fmt((now && now.effective_start) || (issue && issue.start) || w.episode_start), "effective-from");
    fact(tr("factUntil"), fmt(w.expected_end), "expected-until");
    if (now && now.paused) fact(tr("factPaused"), fmt(now.restart_at), "paused-until");
    if (lift) fact(tr("factLifted"), tr("published", { at: fmt(lift.at) }) + " · " + tr("effective", { at: fmt(lift.start) }), "lifted");
    box.appendChild(dl);

    var units = {};
    ((board && board.units) || []).forEach(function (u) { units[u.id] = pick(u, "name") || u.id; });
    var notices = (board && board.notices) || [];
    var log = (deliveries && deliveries.deliveries) || [];

    var ol = el("ol", { class: "history-steps" });
    steps.forEach(function (t) {
      var li = el("li", { class: "step", "data-kind": t.kind, "data-transition": t.id });
      li.appendChild(el("h3", null, kindName(t.kind) + " — " + levelName(t.from) + " → " + levelName(t.to)));
      var when = [tr("published", { at: fmt(t.at) }), tr("effective", { at: fmt(t.start) })];
      if (t.kind === "pause") when.push(tr("restart", { at: fmt(t.expected_end) }));
      else if (t.kind !== "lift") when.push(tr("until", { at: fmt(t.expected_end) }));
      when = when.join(" · ");
      li.appendChild(el("p", { class: "muted" }, when));
      var pr = t.proposal || {};
      if (pr.reason) li.appendChild(el("p", null, tr("reason", { reason: pr.reason })));

      // The chain: every signature, in order, with its step.
      var ap = t.approval || {}, stepsOf = ap.steps || [];
      var table = el("table", { class: "signers" });
      var hr = el("tr");
      ["thStep", "thRole", "thUser", "thAt", "thComment"].forEach(function (x) { hr.appendChild(el("th", null, tr(x))); });
      var thead = el("thead");
      thead.appendChild(hr);
      table.appendChild(thead);
      var tb = el("tbody");
      (ap.signatures || []).forEach(function (sg) {
        var st = stepsOf[sg.step] || {};
        var row = el("tr", { class: "signer", "data-role": sg.role, "data-user": sg.user });
        [(sg.step + 1) + ". " + (pick(st, "name") || st.id || ""), roleName(sg.role), sg.user,
          fmt(sg.at), (sg.approve ? "" : tr("rejected")) + (sg.comment || "")].forEach(function (x) { row.appendChild(el("td", null, x)); });
        tb.appendChild(row);
      });
      table.appendChild(tb);
      li.appendChild(el("p", { class: "chain" }, tr("chain", { chain: ap.chain_id || "" })));
      var wrap = el("div", { class: "table-wrap" });
      wrap.appendChild(table);
      li.appendChild(wrap);

      // The notices of this step: units notified and acknowledged, and the delivery log.
      var ns = notices.filter(function (n) { return n.transition === t.key; });
      var ds = log.filter(function (d) { return d.key.indexOf(t.key + "/") === 0; });
      var acked = ns.filter(function (n) { return n.acked_at; }).length;
      var summary = (board ? tr("notices", { n: ns.length, acked: acked }) : tr("noticesNA")) + "; " +
        (deliveries ? tr("deliveries", { n: ds.length, sent: ds.filter(function (d) { return d.state === "sent"; }).length,
          failed: ds.filter(function (d) { return d.state === "failed"; }).length }) : tr("deliveriesNA"));
      li.appendChild(el("p", { class: "notices-summary" }, summary));
      if (ns.length || ds.length) {
        var det = el("details", { class: "notices" });
        det.appendChild(el("summary", null, tr("details")));
        var ul = el("ul");
        ns.forEach(function (n) {
          var parts = [tr("sent", { at: fmt(n.sent) }),
            n.acked_at ? tr("acked", { at: fmt(n.acked_at) }) + (n.ack_by ? " (" + n.ack_by + ")" : "") : tr("notAcked")];
          if (n.resends) parts.push(tr("resent", { n: n.resends }));
          if (n.escalated_at) parts.push(tr("escalated", { at: fmt(n.escalated_at) }));
          if (n.closed) parts.push(tr("closed"));
          ul.appendChild(el("li", { "data-unit": n.unit }, (units[n.unit] || n.unit) + " — " + parts.join(" · ")));
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
    if (!steps.length) box.appendChild(el("p", { class: "muted" }, tr("noStep")));
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
        label: tr("asDecided", { at: fmt(st.as_of) }) }));
    }, function (e) { slot.appendChild(el("p", { class: "muted" }, tr("asDecidedNA", { msg: e.message }))); });
  }

  window.addEventListener("hashchange", route);
  $("signin-form").addEventListener("submit", function () { setTimeout(function () { loadList(); route(); }, 0); });
  $("signout").addEventListener("click", function () { setTimeout(function () { loadList(); route(); }, 0); });
  D.onLang(function () { loadList(); route(); });
  loadList();
  route();
  setInterval(loadList, 60000);
})();
