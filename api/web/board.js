// The duty console's follow-up side: for each active warning, the unit ×
// task acknowledgement board (green: acknowledged or done; amber: pending;
// red: overdue or escalated), the deliveries that failed, and the episode
// report. It uses the token console.js keeps in this tab and refreshes
// every 15 s.
"use strict";

(function () {
  var $ = aqwarnDOM.$, el = aqwarnDOM.el, pickLang = aqwarnDOM.pickLang; // dom.js
  var KEY = "aqwarn.token";
  function token() { try { return sessionStorage.getItem(KEY) || ""; } catch (e) { return ""; } }
  function fmtTime(s) {
    var d = new Date(s);
    if (!s || isNaN(d)) return "";
    var cst = new Date(d.getTime() + 8 * 3600e3);
    function p(n) { return (n < 10 ? "0" : "") + n; }
    return (cst.getUTCMonth() + 1) + "-" + p(cst.getUTCDate()) + " " + p(cst.getUTCHours()) + ":" + p(cst.getUTCMinutes());
  }
  // fill puts values into a documented path template ("/api/v1/warnings/{id}/board").
  function fill(tpl, v) { return tpl.replace(/\{(\w+)\}/g, function (_, k) { return encodeURIComponent(v[k]); }); }
  function get(path) {
    return fetch(path, { headers: { Authorization: "Bearer " + token(), Accept: "application/json" } }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (j) {
        if (!r.ok) throw new Error((j.error && j.error.message) || ("HTTP " + r.status));
        return j;
      });
    });
  }

  // colour is the board's one rule: ok (green), pending (amber), late (red), off (grey).
  function taskColour(k, now) {
    if (k.state === "done") return k.due && new Date(k.updated) > new Date(k.due) ? "late" : "ok";
    if (k.state === "acknowledged") return k.due && now > new Date(k.due) ? "late" : "ok";
    if (k.state === "released" || k.state === "closed") return "off";
    return k.due && now > new Date(k.due) ? "late" : "pending";
  }
  // ackColour: acknowledged with nothing newer open → ok; escalated or
  // late → late; no notice at all → off; otherwise pending.
  function ackColour(u, escalated, late, hasTasks) {
    if (u.acknowledged && !u.notices_unacknowledged) return "ok";
    if (escalated || late) return "late";
    if (!hasTasks && !u.acknowledged && !u.notices_unacknowledged) return "off";
    return "pending";
  }
  // The rules, for the browser test's table.
  window.aqwarnBoardRules = { taskColour: taskColour, ackColour: ackColour };
  var LABEL = { ok: "✓", pending: "…", late: "!", off: "–" };

  function renderBoard(w, b) {
    var now = new Date();
    var sec = el("section", { class: "board-warning", "data-warning": w.id });
    var head = el("h3", null, "#" + w.id + " " + (w.name_zh || w.level) + " · " + (w.name_en || "") + " · " + w.region + " ");
    var rep = el("span", { class: "reports" });
    [["html", "报告 Report (HTML)"], ["csv", "CSV"]].forEach(function (f) {
      var a = el("button", { type: "button", class: "report", "data-format": f[0] }, f[1]);
      a.addEventListener("click", function () { download(w.id, f[0]); });
      rep.appendChild(a);
    });
    head.appendChild(rep);
    sec.appendChild(head);
    var c = b.counts || {};
    sec.appendChild(el("p", { class: "muted" }, "任务 tasks: " + ["assigned", "acknowledged", "done", "released", "closed"].map(function (s) {
      return s + " " + (c[s] || 0);
    }).join(" · ")));

    var byUnit = {};
    (b.tasks || []).forEach(function (k) { (byUnit[k.unit] = byUnit[k.unit] || []).push(k); });
    var escalated = {}, late = {};
    (b.notices || []).forEach(function (n) { if (n.escalated_at && !n.acked_at && !n.closed) escalated[n.unit] = true; });
    (b.late || []).forEach(function (l) { if (l.What === "ack") late[l.Unit] = true; });

    var wrap = el("div", { class: "table-wrap" });
    var table = el("table", { class: "board" });
    var thead = el("thead");
    var hr = el("tr");
    ["单位 Unit", "叫应 Ack", "任务 Tasks"].forEach(function (h) { hr.appendChild(el("th", null, h)); });
    thead.appendChild(hr);
    table.appendChild(thead);
    var tbody = el("tbody");
    (b.units || []).forEach(function (u) {
      var tr = el("tr", { "data-unit": u.id });
      tr.appendChild(el("td", { class: "unit" }, u.name_zh + " " + u.name_en));
      var tasks = byUnit[u.id] || [];
      var ack = ackColour(u, escalated[u.id], late[u.id], tasks.length > 0);
      var ackText = { ok: "✓ 已叫应 acknowledged", pending: "… 待叫应 pending", late: "! 超时/已上报 overdue", off: "– 无通知 no notice" }[ack];
      tr.appendChild(el("td", { class: "ack " + ack, "data-state": ack }, ackText));
      var cell = el("td", { class: "tasks" });
      tasks.forEach(function (k) {
        var col = taskColour(k, now);
        var chip = el("span", { class: "chip " + col, "data-task": k.task, "data-state": k.state,
          title: k.text_zh + "\n" + k.text_en + "\n" + k.state + (k.due ? "\n时限 due " + fmtTime(k.due) : "") + (k.note ? "\n" + k.note : "") }, LABEL[col] + " " + k.task);
        cell.appendChild(chip);
      });
      tr.appendChild(cell);
      tbody.appendChild(tr);
    });
    table.appendChild(tbody);
    wrap.appendChild(table);
    sec.appendChild(wrap);
    return sec;
  }

  // download fetches the report with the token (a plain link would not
  // carry it) and saves it.
  function download(id, format) {
    fetch(fill("/api/v1/episodes/{id}/report", { id: id }) + (format === "csv" ? "?format=csv" : ""), { headers: { Authorization: "Bearer " + token() } })
      .then(function (r) { if (!r.ok) throw new Error("HTTP " + r.status); return r.blob(); })
      .then(function (blob) {
        var a = el("a", { href: URL.createObjectURL(blob), download: "episode-" + id + "." + format });
        document.body.appendChild(a);
        a.click();
        a.remove();
      }, function (e) { $("board-status").textContent = "报告 report #" + id + ": " + e.message; });
  }

  function renderFailures(list) {
    var body = document.querySelector("#failures tbody");
    body.textContent = "";
    list.forEach(function (d) {
      var tr = el("tr", { "data-key": d.key });
      [d.unit, d.channel, d.target, d.state, String(d.attempts), fmtTime(d.created), d.last_error || ""].forEach(function (v) {
        tr.appendChild(el("td", null, v));
      });
      body.appendChild(tr);
    });
    $("failures-status").textContent = list.length ? list.length + " 条投递失败 · failed deliveries" : "没有投递失败 · no failed deliveries";
  }

  function load() {
    var box = $("board");
    if (!token()) { box.textContent = ""; $("board-status").textContent = ""; return; }
    get("/api/v1/warnings/active").then(function (j) {
      var ws = j.warnings || [];
      return Promise.all(ws.map(function (w) { return get(fill("/api/v1/warnings/{id}/board", { id: w.id })); })).then(function (boards) {
        box.textContent = "";
        ws.forEach(function (w, i) { box.appendChild(renderBoard(w, boards[i])); });
        $("board-status").textContent = (ws.length ? "" : "没有生效的预警 · no active warning · ") + "更新 updated " + fmtTime(new Date().toISOString());
        $("board-status").className = "muted";
      });
    }).catch(function (e) { $("board-status").textContent = e.message; $("board-status").className = "error"; });
    get("/api/v1/deliveries?state=failed&limit=100").then(function (j) { renderFailures(j.deliveries || []); },
      function (e) { $("failures-status").textContent = e.message; });
  }

  // Sign-in and sign-out happen in console.js: follow the token.
  $("signin-form").addEventListener("submit", function () { setTimeout(load, 0); });
  $("signout").addEventListener("click", function () { setTimeout(load, 0); });
  load();
  setInterval(load, 15000);
})();
