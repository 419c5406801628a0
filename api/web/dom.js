// Helpers shared by the pages' scripts (loaded before them): element
// lookup and creation, China time, the page's language with its texts, and
// the server: requests, the tab's token, the status line.
"use strict";

window.aqwarnDOM = (function () {
  var root = document.documentElement;

  // ---- elements ---------------------------------------------------------

  function $(id) { return document.getElementById(id); }
  function fill(e, attrs, text) {
    for (var k in attrs || {}) e.setAttribute(k, attrs[k]);
    if (text != null) e.textContent = text;
    return e;
  }
  function el(tag, attrs, text) { return fill(document.createElement(tag), attrs, text); }
  function svgEl(tag, attrs, text) { return fill(document.createElementNS("http://www.w3.org/2000/svg", tag), attrs, text); }
  // setText writes a node's text only when it differs: a live region
  // (aria-live, role=status) is announced on every write, even of the same text.
  function setText(node, text) {
    text = text == null ? "" : String(text);
    if (node.textContent !== text) node.textContent = text;
  }

  // Dark text on light colours (yellow, green), light text on dark ones.
  function textOn(hex) {
    var m = /^#?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex || "");
    if (!m) return "#1d2329";
    var l = 0.299 * parseInt(m[1], 16) + 0.587 * parseInt(m[2], 16) + 0.114 * parseInt(m[3], 16);
    return l > 150 ? "#1d2329" : "#fff";
  }
  // paint gives a node a category's colour (as the API sends it) with
  // text that stays readable on it.
  function paint(node, color) {
    node.style.background = color || "#e3e7ea";
    node.style.color = textOn(color);
  }

  // ---- China time -------------------------------------------------------
  // Every time on the pages is China Standard Time, whatever the browser's
  // zone: one formatter, the time zone database's Asia/Shanghai.

  var cst = new Intl.DateTimeFormat("en-US", { timeZone: "Asia/Shanghai", year: "numeric", month: "2-digit",
    day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
  function instant(t) { return typeof t === "number" ? t : t instanceof Date ? t.getTime() : Date.parse(t); }
  // fmtTime shows an instant (ISO text, Date or ms) as China time:
  // "2026-12-01 18:00"; style "short" "12-01 18:00", "day" "12-01", "date"
  // "2026-12-01", "input" "2026-12-01T18:00" (a datetime-local value).
  function fmtTime(t, style) {
    if (t == null || t === "") return "";
    var ms = instant(t);
    if (isNaN(ms)) return String(t);
    var p = {};
    cst.formatToParts(ms).forEach(function (x) { p[x.type] = x.value; });
    var md = p.month + "-" + p.day, date = p.year + "-" + md, hm = p.hour + ":" + p.minute;
    switch (style) {
      case "short": return md + " " + hm;
      case "day": return md;
      case "date": return date;
      case "input": return date + "T" + hm;
    }
    return date + " " + hm;
  }
  // cstInstant reads a China wall-clock time ("2026-12-01T08:00", a
  // datetime-local value) as an instant in ISO text. Mainland China has
  // kept +08:00 all year since 1991: the one offset the pages write.
  var CST_OFFSET = "+08:00";
  function cstInstant(v) { return v ? v + (v.length === 16 ? ":00" : "") + CST_OFFSET : ""; }
  // cstMidnights lists the China midnights in [t0, t1] (ms): a chart's day lines.
  function cstMidnights(t0, t1) {
    function midnight(ms) { return Date.parse(cstInstant(fmtTime(ms, "date") + "T00:00")); }
    var out = [];
    for (var d = midnight(t0); d <= t1; d = midnight(d + 36 * 3600e3)) if (d >= t0) out.push(d);
    return out;
  }

  // ---- language ---------------------------------------------------------
  // A page offers the languages of <html data-langs> ("zh en" when absent;
  // the duty console offers "both", zh and en side by side, first). The
  // choice: ?lang=, then the one saved (<html data-lang-store>, else
  // aqwarn.lang), then "both" where offered, else the browser's language.
  // Each script holds its texts as a dictionary {zh: {...}, en: {...}}
  // and reads them with t = texts(dict); data from the server comes in
  // name_zh / name_en pairs, read with pick(obj, "name").

  var LANGS = (root.getAttribute("data-langs") || "zh en").split(/\s+/);
  var STORE = root.getAttribute("data-lang-store") || "aqwarn.lang";
  var NAMES = { zh: [["中文", "zh-CN"]], en: [["English", "en"]], both: [["中文", "zh-CN"], ["English", "en"]] }; // joined by " / "
  var HTML_LANG = { zh: "zh-CN", en: "en", both: "zh-CN" };
  function offered(l) { return LANGS.indexOf(l) >= 0; }
  function pickLang() {
    var q = new URLSearchParams(location.search).get("lang");
    if (offered(q)) return q;
    try {
      var saved = localStorage.getItem(STORE);
      if (offered(saved)) return saved;
    } catch (e) { /* private mode */ }
    if (offered("both")) return "both";
    var l = (navigator.language || "zh").toLowerCase().indexOf("zh") === 0 ? "zh" : "en";
    return offered(l) ? l : LANGS[0];
  }
  var lang = pickLang(), listeners = [];
  root.lang = HTML_LANG[lang];

  function currentLang() { return lang; }
  // setLang switches the page (save: remember the choice) and tells the
  // scripts (onLang) to draw again.
  function setLang(l, save) {
    if (!offered(l)) return;
    lang = l;
    root.lang = HTML_LANG[l];
    if (save) { try { localStorage.setItem(STORE, l); } catch (e) { /* private mode */ } }
    listeners.forEach(function (fn) { fn(l); });
  }
  function onLang(fn) { listeners.push(fn); }

  // both gives a zh / en pair in the page's language (side by side in
  // "both"; the other language when one is missing).
  function both(zh, en) {
    zh = zh == null ? "" : String(zh);
    en = en == null ? "" : String(en);
    if (lang === "zh") return zh || en;
    if (lang === "en") return en || zh;
    return !zh || !en || zh === en ? zh || en : zh + " / " + en;
  }
  // pick reads a server pair: pick(level, "name") is name_zh or name_en.
  function pick(obj, base) {
    if (!obj) return "";
    return both(obj[base + "_zh"], obj[base + "_en"]) || (obj[base] != null ? String(obj[base]) : "");
  }
  // pair is a server pair as a value for texts: pair(level, "name").
  function pair(obj, base) { return obj ? { zh: obj[base + "_zh"] || obj[base] || "", en: obj[base + "_en"] || obj[base] || "" } : { zh: "", en: "" }; }
  // texts binds a dictionary to the page's language: t(key) is its text,
  // t(key, {n: 3}) fills {n}; a value given as a pair {zh, en} (see
  // pair) fills each language's text with its own. A dictionary value
  // that is not text (a list, a table) is the zh one in "both".
  function texts(dict) {
    function one(l, key, vars) {
      var s = dict[l] && dict[l][key];
      if (typeof s !== "string" || !vars) return s;
      return s.replace(/\{(\w+)\}/g, function (m, k) {
        var v = vars[k];
        if (v && typeof v === "object") v = v[l] || v.zh || v.en;
        return v != null ? String(v) : m;
      });
    }
    function t(key, vars) {
      if (lang !== "both") { var v = one(lang, key, vars); return v != null ? v : one("zh", key, vars); }
      var zh = one("zh", key, vars), en = one("en", key, vars);
      return typeof zh === "string" || typeof en === "string" ? both(zh, en) : zh != null ? zh : en;
    }
    // t.short is the text in one language only (zh in "both"): where two
    // do not fit, such as a chart's axis label.
    t.short = function (key, vars) { var v = one(lang === "en" ? "en" : "zh", key, vars); return v != null ? v : one("zh", key, vars); };
    return t;
  }
  // applyTexts writes the page's static texts: [data-i18n] elements get
  // t(key) as their text, [data-i18n-label] their aria-label, and the
  // document its title (the "pageTitle" key, when the dictionary has one).
  function applyTexts(t) {
    var nodes = document.querySelectorAll("[data-i18n]");
    for (var i = 0; i < nodes.length; i++) setText(nodes[i], t(nodes[i].getAttribute("data-i18n")));
    nodes = document.querySelectorAll("[data-i18n-label]");
    for (i = 0; i < nodes.length; i++) nodes[i].setAttribute("aria-label", t(nodes[i].getAttribute("data-i18n-label")));
    var title = t("pageTitle");
    if (typeof title === "string") document.title = title;
  }
  // langButton makes the button switch to the page's next language. It
  // shows that language's name in that language (lang attributes), and
  // that visible text is its accessible name (no aria-label hides it).
  function langButton(button) {
    function label() {
      var next = LANGS[(LANGS.indexOf(lang) + 1) % LANGS.length];
      button.textContent = "";
      button.setAttribute("data-next", next);
      NAMES[next].forEach(function (n, i) {
        if (i) button.appendChild(document.createTextNode(" / "));
        button.appendChild(el("span", { lang: n[1] }, n[0]));
      });
    }
    label();
    onLang(label);
    button.addEventListener("click", function () { setLang(button.getAttribute("data-next"), true); });
  }

  // ---- the server -------------------------------------------------------

  // call sends a request to this server, as the bearer of token when one
  // is given (a public endpoint is read with none), with a JSON body when
  // one is given, and resolves to the JSON answer; a failure rejects with
  // the one error shape's message, after hints[status] when given (e.g.
  // {401: "The token is not valid: "}), the error carrying the status and
  // the API's code.
  function call(method, path, body, token, hints) {
    var opts = { method: method, headers: { Accept: "application/json" } };
    if (token !== undefined) opts.headers.Authorization = "Bearer " + token;
    if (body !== undefined) { opts.headers["Content-Type"] = "application/json"; opts.body = JSON.stringify(body); }
    return fetch(path, opts).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (j) {
        if (!r.ok) {
          var e = new Error(((hints && hints[r.status]) || "") + ((j.error && j.error.message) || ("HTTP " + r.status)));
          e.status = r.status;
          e.code = j.error && j.error.code;
          throw e;
        }
        return j;
      });
    });
  }
  // getJSON reads a public endpoint (call, with no token).
  function getJSON(path) { return call("GET", path); }
  // fillPath puts values into a documented path template
  // ("/api/v1/units/{unit}/ack"), each escaped.
  function fillPath(tpl, v) { return tpl.replace(/\{(\w+)\}/g, function (_, k) { return encodeURIComponent(v[k]); }); }

  // stored and store keep a value (a token, the id it speaks for) in this
  // tab only (sessionStorage): it goes to no other tab and ends with it.
  function stored(key) { try { return sessionStorage.getItem(key) || ""; } catch (e) { return ""; } }
  function store(key, v) { try { v ? sessionStorage.setItem(key, v) : sessionStorage.removeItem(key); } catch (e) { /* private mode */ } }

  // say writes a status line (id, a live region): only a new message is
  // written (and announced); an error shows as one.
  function say(id, text, isError) {
    setText($(id), text);
    $(id).className = isError ? "error" : "muted";
  }

  return { $: $, el: el, svgEl: svgEl, call: call, getJSON: getJSON, fillPath: fillPath, stored: stored, store: store, say: say, setText: setText, textOn: textOn, paint: paint, fmtTime: fmtTime, cstInstant: cstInstant, cstMidnights: cstMidnights,
    lang: currentLang, setLang: setLang, onLang: onLang, both: both, pick: pick, pair: pair, texts: texts, applyTexts: applyTexts,
    langButton: langButton };
})();
