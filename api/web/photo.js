// Photos from the phone, shared by the pages that send them (/enterprise,
// /inspect). input is a "take a photo" control that shrinks the photo and
// posts it as the body (the camera on a phone); shrink draws an image file onto a canvas no larger than max
// px a side and gives it back as JPEG, so that it passes on a weak
// connection and within the service's body limit. The file is read as a
// data: URL, which the pages' policy lets images load (blob: it does not).
"use strict";

window.aqwarnPhoto = (function () {
  function shrink(file, max, badText) {
    return new Promise(function (resolve, reject) {
      var fail = function () { reject(new Error(badText)); };
      var reader = new FileReader();
      reader.onerror = fail;
      reader.onload = function () {
        var img = new Image();
        img.onerror = fail;
        img.onload = function () {
          var scale = Math.min(1, max / Math.max(img.naturalWidth, img.naturalHeight));
          var c = document.createElement("canvas");
          c.width = Math.max(1, Math.round(img.naturalWidth * scale));
          c.height = Math.max(1, Math.round(img.naturalHeight * scale));
          var g = c.getContext("2d");
          g.fillStyle = "#fff";
          g.fillRect(0, 0, c.width, c.height);
          g.drawImage(img, 0, 0, c.width, c.height);
          c.toBlob(function (b) { b ? resolve(b) : fail(); }, "image/jpeg", 0.82);
        };
        img.src = reader.result;
      };
      reader.readAsDataURL(file);
    });
  }
  // post sends a photo as the body of a POST with the bearer token; it
  // resolves to the answer's JSON or rejects with its error message.
  function post(path, token, blob) {
    return fetch(path, { method: "POST", body: blob,
      headers: { Authorization: "Bearer " + token, Accept: "application/json", "Content-Type": "image/jpeg" } }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (j) {
        if (!r.ok) throw new Error((j.error && j.error.message) || ("HTTP " + r.status));
        return j;
      });
    });
  }

  // input makes the control: o.label and o.bad are its texts, o.path() and
  // o.token() where and as whom to send; o.done(json) and o.fail(error)
  // are told the outcome (the control is enabled again after a failure).
  function input(o) {
    var label = document.createElement("label");
    label.className = "photo";
    label.textContent = o.label;
    var file = document.createElement("input");
    file.type = "file";
    file.accept = "image/*";
    file.setAttribute("capture", "environment");
    label.appendChild(file);
    file.addEventListener("change", function () {
      var f = file.files && file.files[0];
      if (!f || f.type.indexOf("image/") !== 0) { o.fail(new Error(o.bad)); return; }
      file.disabled = true;
      shrink(f, 1600, o.bad).then(function (blob) { return post(o.path(), o.token(), blob); })
        .then(o.done, function (e) { file.disabled = false; o.fail(e); });
    });
    return label;
  }
  return { shrink: shrink, post: post, input: input };
})();
