/* Post-internat: one line on the host page inserts our iframe, fitted to its content.
   <script src="https://HOST/embed.js" data-view="schemes" data-audience="mg" data-region="32" data-color="#005ea5"></script>
   data-view: schemes | scheme (with data-scheme) | simulator | eligibility. Every other data-* (lang, color, filters, simulator
   values) is passed on to the frame, which validates it. No dependency, no cookie, no inline style or eval. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !script.src) return;
  var data = script.dataset;
  var origin = new URL(script.src, location.href).origin;
  var view = data.view || "schemes";
  var path = view === "simulator" ? "/embed/simulator"
    : view === "eligibility" ? "/embed/eligibility"
    : view === "scheme" && data.scheme ? "/embed/schemes/" + encodeURIComponent(data.scheme)
    : "/embed/schemes";
  var url = new URL(path, origin);
  Object.keys(data).forEach(function (key) {
    if (key === "view" || key === "title" || key === "height" || (key === "scheme" && view === "scheme")) return;
    // data-gardes-per-month -> dataset.gardesPerMonth -> gardes_per_month
    url.searchParams.set(key.replace(/[A-Z]/g, function (c) { return "_" + c.toLowerCase(); }), data[key]);
  });
  var en = data.lang === "en";
  var frame = document.createElement("iframe");
  frame.src = url.href;
  frame.title = data.title || (view === "simulator"
    ? (en ? "Post-internship income simulator" : "Simulateur de revenu post-internat")
    : view === "eligibility" ? (en ? "Which post-internship posts can I apply for?" : "À quels postes de post-internat puis-je candidater ?")
    : (en ? "Post-internship schemes" : "Dispositifs de post-internat"));
  frame.setAttribute("scrolling", "no");
  frame.style.width = "100%";
  frame.style.border = "0";
  frame.style.display = "block";
  frame.style.overflow = "hidden";
  frame.style.height = (parseInt(data.height, 10) || 400) + "px";
  script.parentNode.insertBefore(frame, script.nextSibling);

  window.addEventListener("message", function (event) {
    // Only our frame, from our origin, may set its height; anything else is ignored.
    if (event.origin !== origin || event.source !== frame.contentWindow) return;
    var message = event.data;
    if (!message || message.type !== "post-internat:height") return;
    var height = Number(message.height);
    if (height > 0 && height < 100000) frame.style.height = Math.ceil(height) + "px";
  });
})();
