// The listed sources' page (/enterprise): a source of the emission-
// reduction list signs in with its own token (role source:<id>; the id
// comes from GET /api/v1/me), sees its measures for the warnings in force
// with the due time of its execution report, acknowledges the notice
// (叫应) and reports each measure done with a note and photos, on the same
// endpoints as a member unit (/api/v1/units/{id}/…; tasks.js). Staff may
// answer for a source that phoned in: /enterprise?source=<id>. The token stays in this tab
// (sessionStorage) and goes only to this server.
"use strict";

(function () {
  var D = aqwarnDOM, $ = D.$, fill = D.fillPath; // dom.js
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
  var ackWithin = "";
  function sourceID() { return D.stored(SOURCE); }
  var page = window.aqwarnTasks({ t: t, tokenKey: TOKEN, unit: sourceID, heading: "source-name", photos: true, forget: [SOURCE], // tasks.js
    ackNote: function () { return ackWithin ? t("ackWithin", { d: ackWithin }) : ""; },
    render: function (d) {
      var link = $("public-link");
      link.hidden = !d;
      if (d) link.href = fill("/sources/{id}", { id: d.unit.id });
    } });

  // whoAmI finds the source the token speaks for: its role source:<id>,
  // or for staff the ?source= of the address.
  var PREFIX = "source:";
  function whoAmI() {
    return page.api("GET", "/api/v1/me").then(function (me) {
      var ids = (me.roles || []).map(function (r) { return r.id; }).filter(function (id) { return id.indexOf(PREFIX) === 0; });
      var id = ids.length ? ids[0].slice(PREFIX.length) : new URLSearchParams(location.search).get("source") || "";
      if (!id) throw new Error(t("notSource"));
      return id;
    });
  }

  // deadlines reads the list's acknowledgement deadline from the source's
  // public page (GET /api/v1/sources/{id}); without it the page still works.
  function deadlines() {
    D.getJSON(fill("/api/v1/sources/{id}", { id: sourceID() }))
      .then(function (j) { ackWithin = (j.deadlines && j.deadlines.ack_within) || ""; page.render(); }, function () {});
  }

  $("signin-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    D.store(TOKEN, $("token").value.trim());
    D.store(SOURCE, "");
    $("token").value = "";
    whoAmI().then(function (id) {
      D.store(SOURCE, id);
      $("signout").hidden = false;
      deadlines();
      return page.load();
    }, function (e) { D.store(TOKEN, ""); page.clear(); page.say(e.message, true); });
  });
  if (sourceID()) deadlines();
  page.start();
})();
