// The member-unit page: a unit signs in with its own token (role
// unit:<id>), sees its tasks for the active warning, acknowledges the
// notice (叫应) and reports each task done with a note. The token stays in
// this tab (sessionStorage) and goes only to this server.
"use strict";

(function () {
  var D = aqwarnDOM, $ = D.$, el = D.el, pick = D.pick, fmtTime = D.fmtTime; // dom.js
  var T = {
    zh: {
      title: "成员单位任务与叫应", pageTitle: "成员单位 · 任务与叫应", signin: "登录", unitLabel: "单位代码", tokenLabel: "单位令牌", signinButton: "登录",
      signout: "退出", typeIn: "请输入单位代码和令牌", none: "当前没有预警，暂无任务。",
      since: "发布", until: "预计至", region: "范围", ackAsk: "收到预警通知后请立即叫应（确认收到）。",
      ackButton: "叫应：确认收到", acked: "已叫应", ackLate: "尚未叫应，已超时上报指挥部办公室", sent: "通知时间",
      tasks: "我的任务", noTasks: "本级别没有分配给本单位的任务。", due: "时限", doneButton: "报告完成",
      notePlaceholder: "完成情况说明（必填）", noteNeeded: "请填写完成情况说明", saved: "已保存", late: "已超时",
      states: { assigned: "待办", acknowledged: "已收到", done: "已完成", released: "已解除", closed: "已关闭" },
      err401: "令牌无效", err403: "此令牌不属于该单位", refreshed: "更新于"
    },
    en: {
      title: "Member unit: tasks and acknowledgement", pageTitle: "Member unit · tasks and acknowledgement", signin: "Sign in", unitLabel: "Unit id", tokenLabel: "Unit token",
      signinButton: "Sign in", signout: "Sign out", typeIn: "Type in your unit id and token",
      none: "No active warning: nothing to do.", since: "issued", until: "expected until", region: "Area",
      ackAsk: "Acknowledge the notice as soon as you receive it.", ackButton: "Acknowledge receipt",
      acked: "Acknowledged", ackLate: "Not acknowledged; escalated to the command office", sent: "Notice sent",
      tasks: "My tasks", noTasks: "No task for this unit at this level.", due: "Due", doneButton: "Report done",
      notePlaceholder: "What was done (required)", noteNeeded: "Please describe what was done", saved: "Saved", late: "late",
      states: { assigned: "to do", acknowledged: "received", done: "done", released: "released", closed: "closed" },
      err401: "The token is not valid", err403: "This token is not this unit's", refreshed: "Updated"
    }
  };
  var t = D.texts(T);
  var TOKEN = "aqwarn.unit.token", UNIT = "aqwarn.unit.id";
  var state = { data: null };

  function stored(k) { try { return sessionStorage.getItem(k) || ""; } catch (e) { return ""; } }
  function store(k, v) { try { v ? sessionStorage.setItem(k, v) : sessionStorage.removeItem(k); } catch (e) { /* private mode */ } }
  function unitID() { return stored(UNIT); }
  // say writes the status line, a live region: only a new message is written (and announced).
  function say(text, isError) {
    D.setText($("status"), text);
    $("status").className = isError ? "error" : "muted";
  }

  function api(method, path, body) {
    var opts = { method: method, headers: { Authorization: "Bearer " + stored(TOKEN), Accept: "application/json" } };
    if (body !== undefined) { opts.headers["Content-Type"] = "application/json"; opts.body = JSON.stringify(body); }
    return fetch(path, opts).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (j) {
        if (!r.ok) {
          var hint = { 401: t("err401") + ": ", 403: t("err403") + ": " }[r.status] || "";
          throw new Error(hint + ((j.error && j.error.message) || ("HTTP " + r.status)));
        }
        return j;
      });
    });
  }
  // fill puts values into a documented path template ("/api/v1/units/{unit}/ack").
  function fill(tpl, v) { return tpl.replace(/\{(\w+)\}/g, function (_, k) { return encodeURIComponent(v[k]); }); }

  function applyLang() {
    D.applyTexts(t);
    render();
  }

  function render() {
    var box = $("warnings");
    box.textContent = "";
    var d = state.data;
    // Signed in: the form shrinks to its sign-out button (a phone's screen is small).
    $("signin-form").classList.toggle("signed-in", !!d);
    if (!d) return;
    $("unit-name").textContent = pick(d.unit, "name") || d.unit.id;
    if (!d.warnings.length) { box.appendChild(el("p", { class: "panel", id: "no-warning" }, t("none"))); return; }
    d.warnings.forEach(function (w) {
      var card = el("section", { class: "wcard", "data-warning": w.id, "data-level": w.level });
      if (w.color) card.style.borderLeftColor = w.color;
      card.appendChild(el("h2", null, pick(w, "name") || w.level));
      card.appendChild(el("p", { class: "meta muted" }, t("region") + ": " + (pick(w, "region_name") || w.region) + " · " + t("since") + " " + fmtTime(w.since) +
        " · " + t("until") + " " + fmtTime(w.expected_end)));

      var ack = el("div", { class: "ackbox", id: "ack-box" });
      if (w.acknowledged) {
        ack.className = "ackbox done";
        ack.appendChild(el("strong", { id: "ack-state", "data-state": "acknowledged" }, "✓ " + t("acked") + " " + fmtTime(w.acked_at)));
      } else {
        if (w.escalated_at) ack.className = "ackbox late";
        ack.appendChild(el("span", { id: "ack-state", "data-state": "pending" }, w.escalated_at ? t("ackLate") : t("ackAsk")));
        if (w.notice_sent) ack.appendChild(el("span", { class: "muted" }, t("sent") + " " + fmtTime(w.notice_sent)));
        var b = el("button", { type: "button", id: "ack", class: "primary" }, t("ackButton"));
        b.addEventListener("click", function () {
          b.disabled = true;
          api("POST", fill("/api/v1/units/{unit}/ack", { unit: unitID() }), { warning_id: w.id }).then(load, function (e) { b.disabled = false; say(e.message, true); });
        });
        ack.appendChild(b);
      }
      card.appendChild(ack);

      card.appendChild(el("h3", null, t("tasks")));
      if (!w.tasks.length) card.appendChild(el("p", { class: "muted" }, t("noTasks")));
      var ul = el("ul", { class: "tasks" });
      w.tasks.forEach(function (k) { ul.appendChild(renderTask(w, k)); });
      card.appendChild(ul);
      box.appendChild(card);
    });
  }

  function renderTask(w, k) {
    var li = el("li", { class: "task", "data-task": k.task, "data-state": k.state });
    li.appendChild(el("p", { class: "text" }, pick(k, "text")));
    var row = el("div", { class: "row" });
    row.appendChild(el("span", { class: "badge " + k.state }, t("states")[k.state] || k.state));
    var late = k.due && k.state !== "done" && new Date(k.due) < new Date();
    if (k.due) row.appendChild(el("span", { class: late ? "badge late" : "muted" }, t("due") + " " + fmtTime(k.due) + (late ? " · " + t("late") : "")));
    li.appendChild(row);
    if (k.state === "done") {
      if (k.note) li.appendChild(el("p", { class: "note" }, k.note));
      return li;
    }
    if (k.state !== "assigned" && k.state !== "acknowledged") return li;
    var note = el("textarea", { "aria-label": t("notePlaceholder"), placeholder: t("notePlaceholder"), rows: "2" });
    var b = el("button", { type: "button", class: "done" }, t("doneButton"));
    b.addEventListener("click", function () {
      if (!note.value.trim()) { say(t("noteNeeded"), true); note.focus(); return; }
      b.disabled = true;
      api("POST", fill("/api/v1/units/{unit}/tasks/{task}/done", { unit: unitID(), task: k.task }), { warning_id: w.id, note: note.value.trim() })
        .then(function () { say(t("saved") + " ✓"); return load(); }, function (e) { b.disabled = false; say(e.message, true); });
    });
    li.appendChild(note);
    li.appendChild(b);
    return li;
  }

  function load() {
    if (!stored(TOKEN) || !unitID()) { state.data = null; render(); say(t("typeIn")); $("refreshed").textContent = ""; return Promise.resolve(); }
    return api("GET", fill("/api/v1/units/{unit}/tasks", { unit: unitID() })).then(function (j) {
      state.data = j;
      render();
      // The refresh time is not a live region: it changes on every refresh.
      if ($("status").className === "error" || $("status").textContent === t("typeIn")) say("");
      $("refreshed").textContent = t("refreshed") + " " + fmtTime(Date.now());
    }, function (e) { state.data = null; render(); say(e.message, true); });
  }

  $("signin-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    store(UNIT, $("unit-id").value.trim());
    store(TOKEN, $("token").value.trim());
    $("token").value = "";
    $("signout").hidden = false;
    load();
  });
  $("signout").addEventListener("click", function () {
    store(TOKEN, "");
    $("signout").hidden = true;
    $("unit-name").textContent = t("signin");
    load();
  });
  D.langButton($("lang"));
  D.onLang(function () {
    applyLang();
    load(); // the status line too
  });
  $("unit-id").value = new URLSearchParams(location.search).get("unit") || unitID();
  $("signout").hidden = !stored(TOKEN);
  applyLang();
  load();
  setInterval(load, 30000);
})();
