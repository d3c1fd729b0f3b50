/* Our pages' only script. Inside a frame: tell the host page our height whenever it changes (embed.js, on the
   host, listens and fits the iframe). On the guide page: the "copy" button. Everything works without it. */
(function () {
  "use strict";
  var last = 0;
  function report() {
    var height = Math.ceil(document.documentElement.getBoundingClientRect().height);
    if (height !== last && window.parent !== window) {
      last = height;
      // Only a number leaves the frame; the host checks that the message comes from our origin and frame.
      window.parent.postMessage({ type: "post-internat:height", height: height }, "*");
    }
  }
  if (window.ResizeObserver) new ResizeObserver(report).observe(document.documentElement);
  window.addEventListener("load", report);
  window.addEventListener("resize", report);
  document.addEventListener("toggle", report, true);
  report();

  var copy = document.querySelector("button[data-copy]");
  if (copy && navigator.clipboard) {
    var status = document.querySelector(".copy-status");
    copy.hidden = false;
    copy.addEventListener("click", function () {
      var text = document.getElementById(copy.getAttribute("data-copy")).textContent;
      navigator.clipboard.writeText(text).then(function () {
        if (status) status.textContent = copy.getAttribute("data-copied");
      });
    });
  }
})();
