// Helpers shared by the pages' scripts (loaded before them): element
// lookup and creation, and the language choice (?lang=, then the saved
// choice, then the browser's language).
"use strict";

window.aqwarnDOM = (function () {
  function $(id) { return document.getElementById(id); }
  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    for (var k in attrs || {}) e.setAttribute(k, attrs[k]);
    if (text != null) e.textContent = text;
    return e;
  }
  function pickLang() {
    var q = new URLSearchParams(location.search).get("lang");
    if (q === "zh" || q === "en") return q;
    try {
      var saved = localStorage.getItem("aqwarn.lang");
      if (saved === "zh" || saved === "en") return saved;
    } catch (e) { /* private mode */ }
    return (navigator.language || "zh").toLowerCase().indexOf("zh") === 0 ? "zh" : "en";
  }
  return { $: $, el: el, pickLang: pickLang };
})();
