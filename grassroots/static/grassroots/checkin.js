/* The host's QR scanner on the check-in screen (no inline script: CSP). The camera's frames
   (or a photo, for phones without camera permission) are decoded with jsQR (vendored); the
   code found is posted to data-scan-url, and the answer is read out in the live region. */
(function () {
  "use strict";

  function csrfToken() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function init(root) {
    var video = root.querySelector("[data-scan-video]");
    var canvas = root.querySelector("[data-scan-canvas]");
    var result = root.querySelector("[data-scan-result]");
    var texts = root.querySelector("[data-scan-messages]").dataset;
    var start = root.querySelector("[data-scan-start]");
    var stop = root.querySelector("[data-scan-stop]");
    var file = root.querySelector("[data-scan-file]");
    var stream = null;
    var busy = false;
    var last = { code: "", at: 0 };

    function say(text, ok) {
      result.textContent = text;
      result.className = "u-mt-s alert" + (ok ? " info" : "");
    }

    function decode(source, width, height) {
      canvas.width = width;
      canvas.height = height;
      var ctx = canvas.getContext("2d", { willReadFrequently: true });
      ctx.drawImage(source, 0, 0, width, height);
      var data = ctx.getImageData(0, 0, width, height);
      var found = window.jsQR(data.data, width, height, { inversionAttempts: "attemptBoth" });
      return found && found.data ? found.data : null;
    }

    function send(code) {
      var now = Date.now();
      if (busy || (code === last.code && now - last.at < 4000)) return;
      busy = true;
      last = { code: code, at: now };
      var body = new FormData();
      body.append("code", code);
      fetch(root.dataset.scanUrl, {
        method: "POST",
        body: body,
        headers: { "X-CSRFToken": csrfToken() },
        credentials: "same-origin",
      })
        .then(function (response) {
          return response.json().then(function (answer) {
            say(answer.message, answer.ok);
            if (answer.ok) document.body.dispatchEvent(new CustomEvent("checkin-changed"));
          });
        })
        .catch(function () {
          say(texts.failed, false);
        })
        .then(function () {
          busy = false;
        });
    }

    function tick() {
      if (!stream) return;
      if (video.readyState >= 2 && video.videoWidth) {
        var code = decode(video, video.videoWidth, video.videoHeight);
        if (code) send(code);
      }
      window.requestAnimationFrame(tick);
    }

    function stopCamera() {
      if (stream) stream.getTracks().forEach(function (t) { t.stop(); });
      stream = null;
      video.hidden = true;
      stop.hidden = true;
      start.hidden = false;
    }

    start.addEventListener("click", function () {
      if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
        say(texts.noCamera, false);
        return;
      }
      navigator.mediaDevices
        .getUserMedia({ video: { facingMode: "environment" }, audio: false })
        .then(function (s) {
          stream = s;
          video.srcObject = s;
          video.hidden = false;
          start.hidden = true;
          stop.hidden = false;
          return video.play();
        })
        .then(function () {
          window.requestAnimationFrame(tick);
        })
        .catch(function () {
          stopCamera();
          say(texts.noCamera, false);
        });
    });
    stop.addEventListener("click", stopCamera);

    function decodeImage(img, width, height) {
      var scale = Math.min(1, 1600 / Math.max(width, height));
      var code = decode(img, Math.round(width * scale), Math.round(height * scale));
      last = { code: "", at: 0 };  // a photo is a deliberate second try
      if (code) send(code);
      else say(texts.notFound, false);
    }

    file.addEventListener("change", function () {
      var chosen = file.files && file.files[0];
      if (!chosen) return;
      file.value = "";
      // read as a bitmap (the CSP allows no blob: images); a data: URL where that is missing
      if (window.createImageBitmap) {
        window.createImageBitmap(chosen).then(
          function (bitmap) { decodeImage(bitmap, bitmap.width, bitmap.height); },
          function () { say(texts.notFound, false); }
        );
        return;
      }
      var reader = new FileReader();
      reader.onload = function () {
        var img = new Image();
        img.onload = function () { decodeImage(img, img.naturalWidth, img.naturalHeight); };
        img.onerror = function () { say(texts.notFound, false); };
        img.src = reader.result;
      };
      reader.readAsDataURL(chosen);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-checkin-scanner]").forEach(init);
  });
})();
