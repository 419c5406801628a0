// What the emission-reduction list's pages share (loaded after dom.js,
// before the page's own script): the texts of an unavailable list, and
// drawing a measure with its key indicator the same way on every page.
"use strict";

window.aqwarnReduction = (function () {
  var D = aqwarnDOM, el = D.el, pick = D.pick;
  var t = D.texts({
    zh: { lines: "对象", base: "基数", limit: "不超过", stops: "停止运行", keyIndicator: "关键指标", none: "无",
      unavailable: "暂时无法获取减排清单，稍后再试。" },
    en: { lines: "Lines", base: "base", limit: "at most", stops: "stopped", keyIndicator: "Key indicator", none: "none",
      unavailable: "The emission-reduction list is not available right now; try again later." }
  });

  function num(v) { return String(Math.round(v * 1000) / 1000); }

  // measureItem is one measure: its text, the lines it governs (named as
  // the source's units are) and its key indicator.
  function measureItem(m, units) {
    var li = el("li", { class: "measure", "data-action": m.action });
    li.appendChild(document.createTextNode(pick(m, "text")));
    if (m.targets && m.targets.length) {
      var names = m.targets.map(function (id) {
        var u = (units || []).filter(function (x) { return x.id === id; })[0];
        return u ? u.name_zh : id;
      });
      li.appendChild(el("span", { class: "ki" }, t("lines") + ": " + names.join("、")));
    }
    var k = m.key_indicator;
    if (k) {
      var s = t("keyIndicator") + ": " + k.name_zh;
      if (k.base) s += " · " + t("base") + " " + num(k.base) + " " + k.unit;
      if (k.limit) s += " · " + t("limit") + " " + num(k.limit) + " " + k.unit;
      else if (m.action === "stop_unit" || m.action === "stop_process") s += " · " + t("stops");
      li.appendChild(el("span", { class: "ki" }, s));
    }
    return li;
  }

  // measureList is a list of measures, or "none".
  function measureList(ms, units) {
    if (!ms || !ms.length) return el("p", { class: "muted" }, t("none"));
    var ul = el("ul");
    ms.forEach(function (m) { ul.appendChild(measureItem(m, units)); });
    return ul;
  }

  // levelColour gives a box the plan's colour of its level, as the API sends it.
  function levelColour(node, color) { if (color) node.style.borderLeftColor = color; }

  return { t: t, measureItem: measureItem, measureList: measureList, levelColour: levelColour };
})();
