// The chat on a centre's own site: <script src="https://HOST/widget.js" data-centre="gliwice" defer></script>
// adds one button; it opens the chat of that centre in an iframe served by HOST.
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script) { return; }
  var centre = (script.getAttribute("data-centre") || "").replace(/[^a-z0-9_-]/gi, "");
  if (!centre) { return; }
  var origin = new URL(script.src, document.baseURI).origin;
  var lang = (document.documentElement.lang || navigator.language || "pl").slice(0, 2).toLowerCase();
  var labels = {
    pl: ["Czat z ośrodkiem", "Zamknij czat"],
    uk: ["Чат із центром", "Закрити чат"],
    en: ["Chat with the centre", "Close the chat"]
  }[lang] || ["Czat z ośrodkiem", "Zamknij czat"];

  var button = document.createElement("button");
  button.type = "button";
  button.textContent = labels[0];
  button.setAttribute("aria-expanded", "false");
  button.setAttribute("aria-controls", "housing-chat-frame");
  button.className = "housing-chat-toggle";
  var s = button.style;
  s.position = "fixed"; s.right = "1rem"; s.bottom = "1rem"; s.zIndex = "2147483000";
  s.padding = "0.75rem 1rem"; s.font = "inherit"; s.fontWeight = "700"; s.borderRadius = "0.5rem";
  s.border = "2px solid #ffffff"; s.background = "#0b4f8a"; s.color = "#ffffff"; s.cursor = "pointer";

  var frame = null;
  button.addEventListener("click", function () {
    if (!frame) {
      frame = document.createElement("iframe");
      frame.id = "housing-chat-frame";
      frame.title = labels[0];
      frame.src = origin + "/chat/" + encodeURIComponent(centre) + "?embed=1";
      var f = frame.style;
      f.position = "fixed"; f.right = "1rem"; f.bottom = "4.5rem"; f.zIndex = "2147483000";
      f.width = "min(26rem, calc(100vw - 2rem))"; f.height = "min(40rem, calc(100vh - 6rem))";
      f.border = "1px solid #5a6570"; f.borderRadius = "0.5rem"; f.background = "#ffffff";
      document.body.appendChild(frame);
      button.setAttribute("aria-expanded", "true");
      button.textContent = labels[1];
      frame.focus();
      return;
    }
    var open = frame.style.display === "none";
    frame.style.display = open ? "block" : "none";
    button.setAttribute("aria-expanded", open ? "true" : "false");
    button.textContent = open ? labels[1] : labels[0];
  });
  document.body.appendChild(button);
}());
