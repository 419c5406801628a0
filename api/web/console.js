// The duty console: pending proposals and approve/reject as the roles of
// the token the user types in, forecast upload and manual proposals. The token stays in this tab
// (sessionStorage) and goes only to this server.
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
      if (openEvidence[p.id]) showEvidence(p, tr);
    });
  }

  // The evidence chart (evidence.js) opens under its proposal and stays
  // open across refreshes; details are fetched once.
  var openEvidence = {}, details = {};
  function toggleEvidence(p, tr, button) {
    openEvidence[p.id] = !openEvidence[p.id];
    button.setAttribute("aria-expanded", String(openEvidence[p.id]));
    var next = tr.nextElementSibling;
    if (next && next.classList.contains("evidence-row")) next.remove();
    if (openEvidence[p.id]) showEvidence(p, tr);
  }
  function showEvidence(p, tr) {
    var row = el("tr", { class: "evidence-row", id: "evidence-" + p.id });
    var td = el("td", { colspan: "11" }, "…");
    row.appendChild(td);
    tr.parentNode.insertBefore(row, tr.nextSibling);
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
    if (!token()) { render([]); say("请输入令牌 · type in your token"); return Promise.resolve(); }
    return api("GET", "/api/v1/proposals?status=pending").then(function (j) {
      var list = j.proposals || [];
      render(list);
      say(list.length ? list.length + " 条待审批 · pending" : "没有待审批的建议 · nothing pending");
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
  function fillPlan(plan) {
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
  fetch("/api/v1/plan", { headers: { Accept: "application/json" } }).then(function (r) {
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
  who();
  load();
  setInterval(load, 30000);
})();
