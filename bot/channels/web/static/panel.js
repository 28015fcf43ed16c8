// The broadcast page's progress, refreshed while it is sending (without it the page is still right
// when reloaded). Numbers only, written with textContent.
(function () {
  "use strict";
  var box = document.getElementById("broadcast-progress");
  if (!box || !window.fetch) { return; }
  var bar = document.getElementById("broadcast-bar");
  var numbers = document.getElementById("broadcast-numbers");
  var template = numbers.textContent;
  var timer = window.setInterval(function () {
    fetch(box.getAttribute("data-url"), { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        bar.max = data.total || 1;
        bar.value = data.done;
        var parts = template.split(" · ");
        parts[0] = data.done + "/" + data.total;
        parts[1] = parts[1].replace(/\d+$/, String(data.sent));
        parts[2] = parts[2].replace(/\d+$/, String(data.blocked));
        parts[3] = parts[3].replace(/\d+$/, String(data.failed));
        numbers.textContent = parts.join(" · ");
        if (data.status === "done" || data.status === "cancelled") { window.clearInterval(timer); }
      })
      .catch(function () { /* try again at the next tick */ });
  }, 5000);
}());
