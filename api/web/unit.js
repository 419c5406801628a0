// The member-unit page: a unit signs in with its own token (role
// unit:<id>), sees its tasks for the active warning, acknowledges the
// notice (叫应) and reports each task done with a note. The token stays in
// this tab (sessionStorage) and goes only to this server.
"use strict";

(function () {
  var $ = aqwarnDOM.$, el = aqwarnDOM.el, pickLang = aqwarnDOM.pickLang; // dom.js
  var T = {
    zh: {
      title: "成员单位任务与叫应", signin: "登录", unitLabel: "单位代码", tokenLabel: "单位令牌", signinButton: "登录",
      signout: "退出", langButton: "English", typeIn: "请输入单位代码和令牌", none: "当前没有预警，暂无任务。",
      since: "发布", until: "预计至", region: "范围", ackAsk: "收到预警通知后请立即叫应（确认收到）。",
      ackButton: "叫应：确认收到", acked: "已叫应", ackLate: "尚未叫应，已超时上报指挥部办公室", sent: "通知时间",
      tasks: "我的任务", noTasks: "本级别没有分配给本单位的任务。", due: "时限", doneButton: "报告完成",
      notePlaceholder: "完成情况说明（必填）", noteNeeded: "请填写完成情况说明", saved: "已保存", late: "已超时",
      states: { assigned: "待办", acknowledged: "已收到", done: "已完成", released: "已解除", closed: "已关闭" },
      err401: "令牌无效", err403: "此令牌不属于该单位", refreshed: "更新于"
    },
    en: {
      title: "Member unit: tasks and acknowledgement", signin: "Sign in", unitLabel: "Unit id", tokenLabel: "Unit token",
      signinButton: "Sign in", signout: "Sign out", langButton: "中文", typeIn: "Type in your unit id and token",
      none: "No active warning: nothing to do.", since: "issued", until: "expected until", region: "Area",
      ackAsk: "Acknowledge the notice as soon as you receive it.", ackButton: "Acknowledge receipt",
      acked: "Acknowledged", ackLate: "Not acknowledged; escalated to the command office", sent: "Notice sent",
      tasks: "My tasks", noTasks: "No task for this unit at this level.", due: "Due", doneButton: "Report done",
      notePlaceholder: "What was done (required)", noteNeeded: "Please describe what was done", saved: "Saved", late: "late",
      states: { assigned: "to do", acknowledged: "received", done: "done", released: "released", closed: "closed" },
      err401: "The token is not valid", err403: "This token is not this unit's", refreshed: "Updated"
    }
  };
  var TOKEN = "aqwarn.unit.token", UNIT = "aqwarn.unit.id";
  var state = { lang: pickLang(), data: null };

  function t(key) { return T[state.lang][key]; }
  function stored(k) { try { return sessionStorage.getItem(k) || ""; } catch (e) { return ""; } }
  function store(k, v) { try { v ? sessionStorage.setItem(k, v) : sessionStorage.removeItem(k); } catch (e) { /* private mode */ } }
  function unitID() { return stored(UNIT); }
  function fmtTime(s) {
    var d = new Date(s);
    if (!s || isNaN(d)) return "";
    var cst = new Date(d.getTime() + 8 * 3600e3);
    function p(n) { return (n < 10 ? "0" : "") + n; }
    return cst.getUTCFullYear() + "-" + p(cst.getUTCMonth() + 1) + "-" + p(cst.getUTCDate()) + " " + p(cst.getUTCHours()) + ":" + p(cst.getUTCMinutes());
  }
  function say(text, isError) {
    $("status").textContent = text;
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
    document.documentElement.lang = state.lang === "zh" ? "zh-CN" : "en";
    document.querySelectorAll("[data-i18n]").forEach(function (e) { e.textContent = t(e.getAttribute("data-i18n")); });
    $("lang").textContent = t("langButton");
    render();
  }

  function render() {
    var box = $("warnings");
    box.textContent = "";
    var d = state.data;
    // Signed in: the form shrinks to its sign-out button (a phone's screen is small).
    $("signin-form").classList.toggle("signed-in", !!d);
    if (!d) return;
    var zh = state.lang === "zh";
    $("unit-name").textContent = (zh ? d.unit.name_zh : d.unit.name_en) || d.unit.id;
    if (!d.warnings.length) { box.appendChild(el("p", { class: "panel", id: "no-warning" }, t("none"))); return; }
    d.warnings.forEach(function (w) {
      var card = el("section", { class: "wcard", "data-warning": w.id, "data-level": w.level });
      if (w.color) card.style.borderLeftColor = w.color;
      card.appendChild(el("h2", null, (zh ? w.name_zh : w.name_en) || w.level));
      card.appendChild(el("p", { class: "meta muted" }, t("region") + ": " + ((zh ? w.region_name_zh : w.region_name_en) || w.region) + " · " + t("since") + " " + fmtTime(w.since) +
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
    var zh = state.lang === "zh";
    var li = el("li", { class: "task", "data-task": k.task, "data-state": k.state });
    li.appendChild(el("p", { class: "text" }, zh ? k.text_zh : k.text_en));
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
    if (!stored(TOKEN) || !unitID()) { state.data = null; render(); say(t("typeIn")); return Promise.resolve(); }
    return api("GET", fill("/api/v1/units/{unit}/tasks", { unit: unitID() })).then(function (j) {
      state.data = j;
      render();
      say(t("refreshed") + " " + fmtTime(new Date().toISOString()));
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
  $("lang").addEventListener("click", function () {
    state.lang = state.lang === "zh" ? "en" : "zh";
    try { localStorage.setItem("aqwarn.lang", state.lang); } catch (e) { /* private mode */ }
    applyLang();
    load(); // the status line too
  });
  $("unit-id").value = new URLSearchParams(location.search).get("unit") || unitID();
  $("signout").hidden = !stored(TOKEN);
  applyLang();
  load();
  setInterval(load, 30000);
})();
