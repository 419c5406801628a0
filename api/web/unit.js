// The member-unit page: a unit signs in with its own token (role
// unit:<id>), sees its tasks for the active warning, acknowledges the
// notice (叫应) and reports each task done with a note (tasks.js). The
// token stays in this tab (sessionStorage) and goes only to this server.
"use strict";

(function () {
  var D = aqwarnDOM, $ = D.$; // dom.js
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
  function unitID() { return D.stored(UNIT); }
  var page = window.aqwarnTasks({ t: t, tokenKey: TOKEN, unit: unitID, heading: "unit-name" }); // tasks.js

  $("signin-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    D.store(UNIT, $("unit-id").value.trim());
    D.store(TOKEN, $("token").value.trim());
    $("token").value = "";
    $("signout").hidden = false;
    page.load();
  });
  $("unit-id").value = new URLSearchParams(location.search).get("unit") || unitID();
  page.start();
})();
