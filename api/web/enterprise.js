// The listed sources' page (/enterprise): a source of the emission-
// reduction list signs in with its own token (role source:<id>; the id
// comes from GET /api/v1/me), sees its measures for the warnings in force
// with the due time of its execution report, acknowledges the notice
// (叫应) and reports each measure done with a note, on the same endpoints
// as a member unit (/api/v1/units/{id}/…). Staff may answer for a source
// that phoned in: /enterprise?source=<id>. The token stays in this tab
// (sessionStorage) and goes only to this server.
"use strict";

(function () {
  var D = aqwarnDOM, $ = D.$, el = D.el, pick = D.pick, fmtTime = D.fmtTime; // dom.js
  var T = {
    zh: {
      title: "减排清单企业：减排措施与叫应", pageTitle: "减排清单企业 · 减排措施与叫应", signin: "登录", tokenLabel: "企业令牌", signinButton: "登录",
      signout: "退出", typeIn: "请输入本企业的令牌", none: "当前没有涉及本企业的预警，暂无减排措施。",
      since: "发布", until: "预计至", region: "范围", ackAsk: "收到减排通知后请立即叫应（确认收到）。", ackWithin: "须在通知后 {d} 内叫应。",
      ackButton: "叫应：确认收到", acked: "已叫应", ackLate: "尚未叫应，已上报监管单位", sent: "通知时间",
      tasks: "本企业须执行的减排措施", noTasks: "本级别没有须本企业执行的措施。", due: "执行情况报告时限", doneButton: "报告已落实",
      notePlaceholder: "落实情况说明（必填，如停产时间、产量、负荷）", noteNeeded: "请填写落实情况说明", saved: "已保存", late: "已超时",
      photo: "上传现场照片", photos: "已上传照片 {n} 张", photoSent: "照片已上传", photoBad: "请选择照片文件",
      states: { assigned: "待落实", acknowledged: "已收到", done: "已落实", released: "已解除", closed: "已关闭" },
      notSource: "此令牌不属于减排清单企业。", err401: "令牌无效", err403: "此令牌不属于该企业", refreshed: "更新于", publicPage: "本企业公开信息与公示牌"
    },
    en: {
      title: "Listed source: measures and acknowledgement", pageTitle: "Listed source · measures and acknowledgement", signin: "Sign in", tokenLabel: "Source token",
      signinButton: "Sign in", signout: "Sign out", typeIn: "Type in your source's token",
      none: "No warning concerns this source: nothing to do.", since: "issued", until: "expected until", region: "Area",
      ackAsk: "Acknowledge the notice as soon as you receive it.", ackWithin: "Acknowledge within {d} of the notice.", ackButton: "Acknowledge receipt",
      acked: "Acknowledged", ackLate: "Not acknowledged; escalated to the supervising units", sent: "Notice sent",
      tasks: "Measures this source must apply", noTasks: "No measure for this source at this level.", due: "Execution report due", doneButton: "Report applied",
      notePlaceholder: "How it was applied (required: stop time, output, load)", noteNeeded: "Please describe how it was applied", saved: "Saved", late: "late",
      photo: "Add a photo from the site", photos: "{n} photo(s) sent", photoSent: "Photo sent", photoBad: "Please choose a photo",
      states: { assigned: "to apply", acknowledged: "received", done: "applied", released: "released", closed: "closed" },
      notSource: "This token is not a listed source's.", err401: "The token is not valid", err403: "This token is not this source's", refreshed: "Updated",
      publicPage: "This source's public page and signboard"
    }
  };
  var t = D.texts(T);
  var TOKEN = "aqwarn.enterprise.token", SOURCE = "aqwarn.enterprise.id";
  var state = { data: null, ackWithin: "" };

  function stored(k) { try { return sessionStorage.getItem(k) || ""; } catch (e) { return ""; } }
  function store(k, v) { try { v ? sessionStorage.setItem(k, v) : sessionStorage.removeItem(k); } catch (e) { /* private mode */ } }
  function sourceID() { return stored(SOURCE); }
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

  // whoAmI finds the source the token speaks for: its role source:<id>,
  // or for staff the ?source= of the address.
  var PREFIX = "source:";
  function whoAmI() {
    return api("GET", "/api/v1/me").then(function (me) {
      var ids = (me.roles || []).map(function (r) { return r.id; }).filter(function (id) { return id.indexOf(PREFIX) === 0; });
      var id = ids.length ? ids[0].slice(PREFIX.length) : new URLSearchParams(location.search).get("source") || "";
      if (!id) throw new Error(t("notSource"));
      return id;
    });
  }

  function render() {
    D.applyTexts(t);
    var box = $("warnings");
    box.textContent = "";
    var d = state.data;
    // Signed in: the form shrinks to its sign-out button (a phone's screen is small).
    $("signin-form").classList.toggle("signed-in", !!d);
    var link = $("public-link");
    link.hidden = !d;
    if (!d) return;
    link.href = fill("/sources/{id}", { id: d.unit.id });
    $("source-name").textContent = pick(d.unit, "name") || d.unit.id;
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
        ack.appendChild(el("span", { id: "ack-state", "data-state": "pending" }, w.escalated_at ? t("ackLate") : t("ackAsk") +
          (state.ackWithin ? " " + t("ackWithin", { d: state.ackWithin }) : "")));
        if (w.notice_sent) ack.appendChild(el("span", { class: "muted" }, t("sent") + " " + fmtTime(w.notice_sent)));
        var b = el("button", { type: "button", id: "ack", class: "primary" }, t("ackButton"));
        b.addEventListener("click", function () {
          b.disabled = true;
          api("POST", fill("/api/v1/units/{unit}/ack", { unit: sourceID() }), { warning_id: w.id }).then(load, function (e) { b.disabled = false; say(e.message, true); });
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
    if (k.due) row.appendChild(el("span", { class: late ? "badge late due" : "muted due" }, t("due") + " " + fmtTime(k.due) + (late ? " · " + t("late") : "")));
    li.appendChild(row);
    var n = (state.photos && state.photos[w.id + "/" + k.task]) || 0;
    if (n) li.appendChild(el("p", { class: "muted photos" }, t("photos").replace("{n}", n)));
    if (k.state === "done") {
      if (k.note) li.appendChild(el("p", { class: "note" }, k.note));
      li.appendChild(photoInput(w, k));
      return li;
    }
    if (k.state !== "assigned" && k.state !== "acknowledged") return li;
    var note = el("textarea", { "aria-label": t("notePlaceholder"), placeholder: t("notePlaceholder"), rows: "2" });
    var b = el("button", { type: "button", class: "done" }, t("doneButton"));
    b.addEventListener("click", function () {
      if (!note.value.trim()) { say(t("noteNeeded"), true); note.focus(); return; }
      b.disabled = true;
      api("POST", fill("/api/v1/units/{unit}/tasks/{task}/done", { unit: sourceID(), task: k.task }), { warning_id: w.id, note: note.value.trim() })
        .then(function () { say(t("saved") + " ✓"); return load(); }, function (e) { b.disabled = false; say(e.message, true); });
    });
    li.appendChild(note);
    li.appendChild(b);
    li.appendChild(photoInput(w, k));
    return li;
  }

  // photoInput sends a photo of the report, shrunk to at most 1600 px as
  // JPEG first (photo.js).
  function photoInput(w, k) {
    return window.aqwarnPhoto.input({ label: t("photo"), bad: t("photoBad"),
      path: function () { return fill("/api/v1/units/{unit}/tasks/{task}/photos", { unit: sourceID(), task: k.task }) + "?warning_id=" + encodeURIComponent(w.id); },
      token: function () { return stored(TOKEN); },
      done: function () { say(t("photoSent") + " ✓"); return load(); },
      fail: function (e) { say(e.message, true); } });
  }

  // deadlines reads the list's acknowledgement deadline from the source's
  // public page (GET /api/v1/sources/{id}); without it the page still works.
  function deadlines() {
    fetch(fill("/api/v1/sources/{id}", { id: sourceID() }), { headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : {}; })
      .then(function (j) { state.ackWithin = (j.deadlines && j.deadlines.ack_within) || ""; render(); }, function () {});
  }

  function load() {
    if (!stored(TOKEN) || !sourceID()) { state.data = null; render(); say(t("typeIn")); $("refreshed").textContent = ""; return Promise.resolve(); }
    return api("GET", fill("/api/v1/units/{unit}/tasks", { unit: sourceID() })).then(function (j) {
      state.data = j;
      // The photos already sent, per warning and task (a missing answer
      // only hides the counts).
      return Promise.all((j.warnings || []).map(function (w) {
        return api("GET", fill("/api/v1/units/{unit}/photos", { unit: sourceID() }) + "?warning_id=" + encodeURIComponent(w.id))
          .then(function (p) { return p.photos || []; }, function () { return []; });
      })).then(function (lists) {
        state.photos = {};
        lists.forEach(function (ps) { ps.forEach(function (p) { var k = p.warning_id + "/" + p.task; state.photos[k] = (state.photos[k] || 0) + 1; }); });
      });
    }).then(function () {
      render();
      // The refresh time is not a live region: it changes on every refresh.
      if ($("status").className === "error" || $("status").textContent === t("typeIn")) say("");
      $("refreshed").textContent = t("refreshed") + " " + fmtTime(Date.now());
    }, function (e) { state.data = null; render(); say(e.message, true); });
  }

  $("signin-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    store(TOKEN, $("token").value.trim());
    store(SOURCE, "");
    $("token").value = "";
    whoAmI().then(function (id) {
      store(SOURCE, id);
      $("signout").hidden = false;
      deadlines();
      return load();
    }, function (e) { store(TOKEN, ""); state.data = null; render(); say(e.message, true); });
  });
  $("signout").addEventListener("click", function () {
    store(TOKEN, "");
    store(SOURCE, "");
    $("signout").hidden = true;
    $("source-name").textContent = t("signin");
    load();
  });
  D.langButton($("lang"));
  D.onLang(function () {
    render();
    load(); // the status line too
  });
  $("signout").hidden = !stored(TOKEN);
  render();
  if (sourceID()) deadlines();
  load();
  setInterval(load, 30000);
})();
