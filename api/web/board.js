// The duty console's follow-up side: for each active warning, the unit ×
// task acknowledgement board (green: acknowledged or done; amber: pending;
// red: overdue or escalated), the deliveries that failed, and the episode
// report. The listed sources' rows (role source) can be filtered by town,
// type and grade; an unacknowledged notice past its deadline marks its row
// overdue. It uses the token console.js keeps in this tab and refreshes
// every 15 s.
"use strict";

(function () {
  var D = aqwarnDOM, $ = D.$, el = D.el, pick = D.pick, fill = D.fillPath; // dom.js
  var t = D.texts({
    zh: {
      report: "报告 (HTML)", tasks: "任务", unit: "单位", ack: "叫应", taskCol: "任务",
      ackOk: "已叫应", ackPending: "待叫应", ackLate: "超时/已上报", ackOff: "无通知", due: "时限",
      reportFailed: "报告 #{id}：{msg}", failures: "{n} 条投递失败", noFailures: "没有投递失败",
      noWarning: "没有生效的预警", updated: "更新于 {time}",
      fTown: "乡镇", fType: "类型", fGrade: "绩效等级", fAll: "全部", sourcesShown: "减排清单企业：显示 {n} / {m}",
      overdue: "逾期未叫应", ackDue: "时限"
    },
    en: {
      report: "Report (HTML)", tasks: "tasks", unit: "Unit", ack: "Ack", taskCol: "Tasks",
      ackOk: "acknowledged", ackPending: "pending", ackLate: "overdue", ackOff: "no notice", due: "due",
      reportFailed: "report #{id}: {msg}", failures: "{n} failed deliveries", noFailures: "no failed deliveries",
      noWarning: "no active warning", updated: "updated {time}",
      fTown: "Town", fType: "Type", fGrade: "Grade", fAll: "all", sourcesShown: "listed sources: {n} of {m} shown",
      overdue: "overdue", ackDue: "ack due"
    }
  });
  // A short China time for the board: "12-01 18:00".
  function fmtTime(s) { return D.fmtTime(s, "short"); }
  var KEY = "aqwarn.token";
  function token() { return D.stored(KEY); }
  function get(path) { return D.call("GET", path, undefined, token()); }

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

  // The listed sources' filter (town, type, grade); it outlives the refreshes.
  var SOURCE = "source";
  var filter = { town: "", source_type: "", grade: "" };
  var last = null; // the warnings and boards last loaded, redrawn when the filter changes
  function isSource(u) { return u.role === SOURCE; }
  function shown(u) {
    return !isSource(u) || Object.keys(filter).every(function (k) { return !filter[k] || (u[k] || "") === filter[k]; });
  }

  // renderFilters draws the three selects over the sources of every board,
  // each value with its name as the board rows carry it.
  function renderFilters(boards) {
    var rows = [];
    boards.forEach(function (b) { (b.units || []).forEach(function (u) { if (isSource(u)) rows.push(u); }); });
    if (!rows.length) return null;
    var bar = el("div", { class: "board-filter staff-form", id: "board-filter" });
    [["town", "fTown", "town_name"], ["source_type", "fType", "source_type_name"], ["grade", "fGrade", "grade_name"]].forEach(function (f) {
      var key = f[0], seen = {}, label = el("label");
      label.appendChild(document.createTextNode(t(f[1]) + " "));
      var sel = el("select", { "data-filter": key });
      sel.appendChild(el("option", { value: "" }, t("fAll")));
      rows.forEach(function (u) {
        var v = u[key] || "";
        if (!v || seen[v]) return;
        seen[v] = true;
        var o = el("option", { value: v }, pick(u, f[2]) || v);
        if (filter[key] === v) o.selected = true;
        sel.appendChild(o);
      });
      sel.addEventListener("change", function () { filter[key] = sel.value; draw(); });
      label.appendChild(sel);
      bar.appendChild(label);
    });
    var n = 0, ids = {};
    rows.forEach(function (u) { if (!ids[u.id]) { ids[u.id] = true; if (shown(u)) n++; } });
    bar.appendChild(el("span", { class: "muted", id: "board-filter-count" }, t("sourcesShown", { n: n, m: Object.keys(ids).length })));
    return bar;
  }

  function renderBoard(w, b) {
    var now = new Date();
    var sec = el("section", { class: "board-warning", "data-warning": w.id });
    var head = el("h3", null, "#" + w.id + " " + (pick(w, "name") || w.level) + " · " + w.region + " ");
    var rep = el("span", { class: "reports" });
    [["html", t("report")], ["csv", "CSV"]].forEach(function (f) {
      var a = el("button", { type: "button", class: "report", "data-format": f[0] }, f[1]);
      a.addEventListener("click", function () { download(w.id, f[0]); });
      rep.appendChild(a);
    });
    head.appendChild(rep);
    sec.appendChild(head);
    var c = b.counts || {};
    sec.appendChild(el("p", { class: "muted" }, t("tasks") + ": " + ["assigned", "acknowledged", "done", "released", "closed"].map(function (s) {
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
    ["unit", "ack", "taskCol"].forEach(function (h) { hr.appendChild(el("th", null, t(h))); });
    thead.appendChild(hr);
    table.appendChild(thead);
    var tbody = el("tbody");
    (b.units || []).forEach(function (u) {
      var tr = el("tr", { "data-unit": u.id, "data-role": u.role || "" });
      if (isSource(u)) {
        ["town", "source_type", "grade"].forEach(function (k) { tr.setAttribute("data-" + k.replace("_", "-"), u[k] || ""); });
        tr.hidden = !shown(u);
      }
      var name = el("td", { class: "unit" }, pick(u, "name") || u.id);
      if (isSource(u)) {
        name.appendChild(el("span", { class: "muted" }, " · " + [pick(u, "town_name"), pick(u, "source_type_name"), pick(u, "grade_name")]
          .filter(Boolean).join(" · ")));
      }
      if (u.overdue) {
        // Unacknowledged past the deadline: the whole row says so.
        tr.classList.add("overdue");
        name.classList.add("late");
        name.appendChild(el("strong", { class: "overdue-flag" }, " ⚠ " + t("overdue") + (u.ack_due ? " (" + t("ackDue") + " " + fmtTime(u.ack_due) + ")" : "")));
      }
      tr.appendChild(name);
      var tasks = byUnit[u.id] || [];
      var ack = ackColour(u, escalated[u.id], late[u.id], tasks.length > 0);
      var ackText = LABEL[ack] + " " + t({ ok: "ackOk", pending: "ackPending", late: "ackLate", off: "ackOff" }[ack]);
      tr.appendChild(el("td", { class: "ack " + ack, "data-state": ack }, ackText));
      var cell = el("td", { class: "tasks" });
      tasks.forEach(function (k) {
        var col = taskColour(k, now);
        var chip = el("span", { class: "chip " + col, "data-task": k.task, "data-state": k.state,
          title: pick(k, "text") + "\n" + k.state + (k.due ? "\n" + t("due") + " " + fmtTime(k.due) : "") + (k.note ? "\n" + k.note : "") }, LABEL[col] + " " + k.task);
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
      }, function (e) { D.setText($("board-status"), t("reportFailed", { id: id, msg: e.message })); });
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
    D.setText($("failures-status"), list.length ? t("failures", { n: list.length }) : t("noFailures"));
  }

  // draw puts the last loaded boards on the page, under the sources' filter.
  function draw() {
    var box = $("board");
    box.textContent = "";
    if (!last) return;
    var bar = renderFilters(last.boards);
    if (bar) box.appendChild(bar);
    last.ws.forEach(function (w, i) { box.appendChild(renderBoard(w, last.boards[i])); });
  }

  function load() {
    var box = $("board");
    if (!token()) { last = null; box.textContent = ""; D.setText($("board-status"), ""); $("board-updated").textContent = ""; return; }
    get("/api/v1/warnings/active").then(function (j) {
      var ws = j.warnings || [];
      return Promise.all(ws.map(function (w) { return get(fill("/api/v1/warnings/{id}/board", { id: w.id })); })).then(function (boards) {
        last = { ws: ws, boards: boards };
        draw();
        // The status line is a live region: it says only what changes; the refresh time is not in it.
        D.setText($("board-status"), ws.length ? "" : t("noWarning"));
        $("board-status").className = "muted";
        $("board-updated").textContent = t("updated", { time: fmtTime(Date.now()) });
      });
    }).catch(function (e) { D.setText($("board-status"), e.message); $("board-status").className = "error"; });
    get("/api/v1/deliveries?state=failed&limit=100").then(function (j) { renderFailures(j.deliveries || []); },
      function (e) { D.setText($("failures-status"), e.message); });
  }

  // Sign-in and sign-out happen in console.js: follow the token.
  $("signin-form").addEventListener("submit", function () { setTimeout(load, 0); });
  $("signout").addEventListener("click", function () { setTimeout(load, 0); });
  D.onLang(load);
  load();
  setInterval(load, 15000);
})();
