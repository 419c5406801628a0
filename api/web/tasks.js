// The tasks of a member unit (unit.js) or of a listed source
// (enterprise.js), on the same endpoints (/api/v1/units/{unit}/…): the
// warnings that concern it as cards, each with its acknowledgement box
// (叫应) and its tasks, each reported done with a note (and, on the
// source's page, photos); the status line; the load every 30 s. The page
// gives its texts and what differs:
//
//   aqwarnTasks({ t: texts, tokenKey: "aqwarn.unit.token", unit: function () { return id; },
//     heading: "unit-name",        // the sign-in heading, which names the unit once signed in
//     photos: false,               // count and take photos of the reports (photo.js)
//     ackNote: function () {},     // text after the request to acknowledge, or ""
//     render: function (data) {},  // the page's own part, drawn first
//     forget: ["aqwarn.x.id"] })     // what signing out forgets besides the token
//
// and gets { render, load, clear, start, say, api, token } back: the page
// wires its sign-in form, then calls start.
"use strict";

window.aqwarnTasks = function (page) {
  var D = aqwarnDOM, $ = D.$, el = D.el, pick = D.pick, fmtTime = D.fmtTime, fill = D.fillPath; // dom.js
  var t = page.t;
  var state = { data: null, photos: {} };

  function token() { return D.stored(page.tokenKey); }
  function say(text, isError) { D.say("status", text, isError); }
  function api(method, path, body) {
    return D.call(method, path, body, token(), { 401: t("err401") + ": ", 403: t("err403") + ": " });
  }

  function render() {
    D.applyTexts(t);
    var box = $("warnings");
    box.textContent = "";
    var d = state.data;
    // Signed in: the form shrinks to its sign-out button (a phone's screen is small).
    $("signin-form").classList.toggle("signed-in", !!d);
    if (page.render) page.render(d);
    if (!d) return;
    $(page.heading).textContent = pick(d.unit, "name") || d.unit.id;
    if (!d.warnings.length) { box.appendChild(el("p", { class: "panel", id: "no-warning" }, t("none"))); return; }
    d.warnings.forEach(function (w) {
      var card = el("section", { class: "wcard", "data-warning": w.id, "data-level": w.level });
      if (w.color) card.style.borderLeftColor = w.color;
      card.appendChild(el("h2", null, pick(w, "name") || w.level));
      card.appendChild(el("p", { class: "meta muted" }, t("region") + ": " + (pick(w, "region_name") || w.region) + " · " + t("since") + " " + fmtTime(w.since) +
        " · " + t("until") + " " + fmtTime(w.expected_end)));
      card.appendChild(ackBox(w));
      card.appendChild(el("h3", null, t("tasks")));
      if (!w.tasks.length) card.appendChild(el("p", { class: "muted" }, t("noTasks")));
      var ul = el("ul", { class: "tasks" });
      w.tasks.forEach(function (k) { ul.appendChild(renderTask(w, k)); });
      card.appendChild(ul);
      box.appendChild(card);
    });
  }

  // ackBox is a warning's acknowledgement: done, or asked for (escalated
  // when late) with its button.
  function ackBox(w) {
    var ack = el("div", { class: "ackbox", id: "ack-box" });
    if (w.acknowledged) {
      ack.className = "ackbox done";
      ack.appendChild(el("strong", { id: "ack-state", "data-state": "acknowledged" }, "✓ " + t("acked") + " " + fmtTime(w.acked_at)));
      return ack;
    }
    if (w.escalated_at) ack.className = "ackbox late";
    var note = page.ackNote ? page.ackNote() : "";
    ack.appendChild(el("span", { id: "ack-state", "data-state": "pending" }, w.escalated_at ? t("ackLate") : t("ackAsk") + (note ? " " + note : "")));
    if (w.notice_sent) ack.appendChild(el("span", { class: "muted" }, t("sent") + " " + fmtTime(w.notice_sent)));
    var b = el("button", { type: "button", id: "ack", class: "primary" }, t("ackButton"));
    b.addEventListener("click", function () {
      b.disabled = true;
      api("POST", fill("/api/v1/units/{unit}/ack", { unit: page.unit() }), { warning_id: w.id }).then(load, function (e) { b.disabled = false; say(e.message, true); });
    });
    ack.appendChild(b);
    return ack;
  }

  function renderTask(w, k) {
    var li = el("li", { class: "task", "data-task": k.task, "data-state": k.state });
    li.appendChild(el("p", { class: "text" }, pick(k, "text")));
    var row = el("div", { class: "row" });
    row.appendChild(el("span", { class: "badge " + k.state }, t("states")[k.state] || k.state));
    var late = k.due && k.state !== "done" && new Date(k.due) < new Date();
    if (k.due) row.appendChild(el("span", { class: late ? "badge late due" : "muted due" }, t("due") + " " + fmtTime(k.due) + (late ? " · " + t("late") : "")));
    li.appendChild(row);
    var n = state.photos[w.id + "/" + k.task] || 0;
    if (n) li.appendChild(el("p", { class: "muted photos" }, t("photos", { n: n })));
    if (k.state === "done") {
      if (k.note) li.appendChild(el("p", { class: "note" }, k.note));
      if (page.photos) li.appendChild(photoInput(w, k));
      return li;
    }
    if (k.state !== "assigned" && k.state !== "acknowledged") return li;
    var note = el("textarea", { "aria-label": t("notePlaceholder"), placeholder: t("notePlaceholder"), rows: "2" });
    var b = el("button", { type: "button", class: "done" }, t("doneButton"));
    b.addEventListener("click", function () {
      if (!note.value.trim()) { say(t("noteNeeded"), true); note.focus(); return; }
      b.disabled = true;
      api("POST", fill("/api/v1/units/{unit}/tasks/{task}/done", { unit: page.unit(), task: k.task }), { warning_id: w.id, note: note.value.trim() })
        .then(function () { say(t("saved") + " ✓"); return load(); }, function (e) { b.disabled = false; say(e.message, true); });
    });
    li.appendChild(note);
    li.appendChild(b);
    if (page.photos) li.appendChild(photoInput(w, k));
    return li;
  }

  // photoInput sends a photo of the report, shrunk to at most 1600 px as
  // JPEG first (photo.js).
  function photoInput(w, k) {
    return window.aqwarnPhoto.input({ label: t("photo"), bad: t("photoBad"),
      path: function () { return fill("/api/v1/units/{unit}/tasks/{task}/photos", { unit: page.unit(), task: k.task }) + "?warning_id=" + encodeURIComponent(w.id); },
      token: token,
      done: function () { say(t("photoSent") + " ✓"); return load(); },
      fail: function (e) { say(e.message, true); } });
  }

  // photoCounts counts the photos already sent, per warning and task (a
  // missing answer only hides the counts).
  function photoCounts(warnings) {
    if (!page.photos) return Promise.resolve({});
    return Promise.all(warnings.map(function (w) {
      return api("GET", fill("/api/v1/units/{unit}/photos", { unit: page.unit() }) + "?warning_id=" + encodeURIComponent(w.id))
        .then(function (p) { return p.photos || []; }, function () { return []; });
    })).then(function (lists) {
      var n = {};
      lists.forEach(function (ps) { ps.forEach(function (p) { var k = p.warning_id + "/" + p.task; n[k] = (n[k] || 0) + 1; }); });
      return n;
    });
  }

  function load() {
    if (!token() || !page.unit()) { state.data = null; render(); say(t("typeIn")); $("refreshed").textContent = ""; return Promise.resolve(); }
    return api("GET", fill("/api/v1/units/{unit}/tasks", { unit: page.unit() })).then(function (j) {
      state.data = j;
      return photoCounts(j.warnings || []).then(function (n) { state.photos = n; });
    }).then(function () {
      render();
      // The refresh time is not a live region: it changes on every refresh.
      if ($("status").className === "error" || $("status").textContent === t("typeIn")) say("");
      $("refreshed").textContent = t("refreshed") + " " + fmtTime(Date.now());
    }, function (e) { state.data = null; render(); say(e.message, true); });
  }

  // clear forgets the tasks shown (a sign-in that failed).
  function clear() { state.data = null; render(); }

  // start wires the sign-out button (it forgets the token and the keys of
  // page.forget) and the language button, draws the page and loads it,
  // again every 30 s.
  function start() {
    $("signout").addEventListener("click", function () {
      [page.tokenKey].concat(page.forget || []).forEach(function (k) { D.store(k, ""); });
      $("signout").hidden = true;
      load();
    });
    D.langButton($("lang"));
    D.onLang(function () {
      render();
      load(); // the status line too
    });
    $("signout").hidden = !token();
    render();
    load();
    setInterval(load, 30000);
  }

  return { render: render, load: load, clear: clear, start: start, say: say, api: api, token: token };
};
