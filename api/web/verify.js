// The notice check (/verify?serial=&code=): anyone holding a listed
// source's notice checks its serial and code with
// GET /api/v1/notices/{serial}?code= before acting on it. Genuine: to whom
// and when it was issued, the level and the measures. Not found: treat it
// as forged and call 12369.
"use strict";

(function () {
  var D = aqwarnDOM, R = aqwarnReduction, $ = D.$, el = D.el, pick = D.pick, fmtTime = D.fmtTime;
  var t = D.texts({
    zh: {
      title: "核验重污染天气减排通知", pageTitle: "核验减排通知", ask: "这份通知是真的吗？",
      explain: "输入通知上印的通知编号和 6 位验证码。伪造的停产限产通知时有发生：未核验的通知请勿执行。",
      serialLabel: "通知编号", codeLabel: "验证码", checkButton: "核验", checking: "核验中…",
      hotlineAsk: "对通知有疑问或发现伪造通知，请拨打环保举报热线", sources: "减排清单企业名录",
      genuine: "✓ 真实通知", issued: "发给 {to}，{time} 发出", level: "预警级别：{level}", period: "{start} 起，预计至 {end}",
      superseded: "此通知已被同一预警的后续通知取代，请以最新通知为准。", measures: "通知的措施", noMeasures: "通知中没有须执行的措施。",
      forged: "✗ 未查到该通知", forgedAsk: "请按伪造通知处理，不要执行，并拨打 12369 举报。", badSerial: "通知编号格式不对：",
      unknown: "暂时无法核验：", retry: "请稍后再试，或拨打 12369 核实。"
    },
    en: {
      title: "Check an emission-reduction notice", pageTitle: "Check a notice", ask: "Is this notice genuine?",
      explain: "Type in the notice's serial and its 6-digit verification code. Forged stop-production notices happen: do not act on a notice you have not checked.",
      serialLabel: "Serial", codeLabel: "Verification code", checkButton: "Check", checking: "Checking…",
      hotlineAsk: "In doubt, or holding a forged notice? Call the environmental hotline", sources: "Listed sources",
      genuine: "✓ Genuine notice", issued: "issued to {to} on {time}", level: "Level: {level}", period: "from {start}, expected until {end}",
      superseded: "A later notice of the same warning replaced this one: follow the newest.", measures: "Measures in the notice", noMeasures: "The notice lists no measure to apply.",
      forged: "✗ No such notice", forgedAsk: "Treat it as forged: do not act on it, and call 12369.", badSerial: "That is not a notice serial: ",
      unknown: "The check is not available: ", retry: "Try again later, or call 12369."
    }
  });
  var last = null; // the last answer, redrawn on a language change

  function verdict(cls, title) {
    var box = el("div", { class: "verdict " + cls, id: "verdict", "data-verdict": cls });
    box.appendChild(el("h3", null, title));
    return box;
  }

  function render() {
    D.applyTexts(t);
    var out = $("result");
    out.textContent = "";
    if (!last) return;
    var box;
    if (last.check && last.check.genuine) {
      var c = last.check;
      box = verdict("genuine", t("genuine"));
      box.appendChild(el("p", { class: "issued" }, t("issued", { to: c.recipient, time: fmtTime(c.sent) })));
      box.appendChild(el("p", { class: "headline" }, pick(c, "headline")));
      if (c.level_zh || c.level_en) box.appendChild(el("p", null, t("level", { level: D.both(c.level_zh, c.level_en) })));
      if (c.start || c.expected_end) box.appendChild(el("p", null, t("period", { start: fmtTime(c.start) || "—", end: fmtTime(c.expected_end) || "—" })));
      if (c.superseded) box.appendChild(el("p", { class: "superseded" }, t("superseded")));
      box.appendChild(el("h4", null, t("measures")));
      if (!(c.measures || []).length) box.appendChild(el("p", { class: "muted" }, t("noMeasures")));
      else {
        var ul = el("ul");
        c.measures.forEach(function (m) { ul.appendChild(el("li", null, pick(m, "text"))); });
        box.appendChild(ul);
      }
    } else if (last.error && (last.error.status === 404 || last.error.status === 422)) {
      box = verdict("forged", t("forged"));
      if (last.error.status === 422) box.appendChild(el("p", null, t("badSerial") + last.error.message));
      var ask = el("p");
      ask.appendChild(el("strong", null, t("forgedAsk")));
      box.appendChild(ask);
    } else {
      box = verdict("unknown", t("unknown") + ((last.error && last.error.message) || ""));
      box.appendChild(el("p", null, t("retry")));
    }
    out.appendChild(box);
  }

  function check() {
    var serial = $("serial").value.trim().toUpperCase(), code = $("code").value.trim();
    $("serial").value = serial;
    if (!serial || !code) return;
    history.replaceState(null, "", location.pathname + "?" + new URLSearchParams({ serial: serial, code: code }).toString());
    last = null;
    render();
    $("result").appendChild(el("p", { class: "muted" }, t("checking")));
    D.getJSON(D.fillPath("/api/v1/notices/{serial}", { serial: serial }) + "?code=" + encodeURIComponent(code))
      .then(function (j) { last = { check: j }; render(); }, function (e) { last = { error: e }; render(); });
  }

  $("check-form").addEventListener("submit", function (ev) { ev.preventDefault(); check(); });
  D.langButton($("lang"));
  D.onLang(render);
  var q = new URLSearchParams(location.search);
  $("serial").value = q.get("serial") || "";
  $("code").value = q.get("code") || "";
  render();
  if ($("serial").value && $("code").value) check();
  else if ($("serial").value) $("code").focus();
})();
