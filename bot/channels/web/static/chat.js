// Progressive enhancement of the web chat: the same forms, posted with fetch instead of a reload.
// Without this file every message is an ordinary form post, and the page works the same way.
// Texts are inserted with textContent only, never as HTML.
(function () {
  "use strict";
  var log = document.getElementById("log");
  var composer = document.getElementById("composer");
  if (!log || !composer || !window.fetch) { return; }
  var action = log.getAttribute("data-action");
  var csrf = composer.querySelector("input[name=csrf]").value;
  var busy = false;

  function lastNumber() {
    var items = log.querySelectorAll("li[data-number]");
    return items.length ? parseInt(items[items.length - 1].getAttribute("data-number"), 10) : 0;
  }

  function buttonsForm(rows) {
    var form = document.createElement("form");
    form.method = "post";
    form.action = action;
    form.className = "choices";
    var hidden = document.createElement("input");
    hidden.type = "hidden"; hidden.name = "csrf"; hidden.value = csrf;
    form.appendChild(hidden);
    var lang = document.createElement("input");
    lang.type = "hidden"; lang.name = "lang"; lang.value = document.documentElement.lang;
    form.appendChild(lang);
    rows.forEach(function (row) {
      var div = document.createElement("div");
      div.className = "row";
      row.forEach(function (b) {
        var button = document.createElement("button");
        button.type = "submit"; button.name = "button"; button.value = b.data;
        button.textContent = b.label;
        div.appendChild(button);
      });
      form.appendChild(div);
    });
    return form;
  }

  function append(entry) {
    var li = document.createElement("li");
    li.className = "entry " + entry.author;
    li.setAttribute("data-number", String(entry.number));
    var who = document.createElement("span");
    who.className = "who"; who.textContent = entry.who;
    var p = document.createElement("p");
    p.className = "text"; p.textContent = entry.text;
    li.appendChild(who); li.appendChild(p);
    if (entry.buttons && entry.buttons.length) { li.appendChild(buttonsForm(entry.buttons)); }
    log.appendChild(li);
    return li;
  }

  function show(data) {
    if (data.reload || (data.lang && data.lang !== document.documentElement.lang)) {
      window.location.reload();
      return;
    }
    var entries = data.entries || [];
    if (entries.length && data.active_from !== undefined) {
      // Older buttons stop being choices once the conversation moved on (as after a reload).
      log.querySelectorAll("li[data-number]").forEach(function (li) {
        if (parseInt(li.getAttribute("data-number"), 10) <= data.active_from) {
          var old = li.querySelector("form.choices");
          if (old) { old.remove(); }
        }
      });
    }
    var known = lastNumber();
    entries.forEach(function (entry) { if (entry.number > known) { append(entry); } });
    var last = log.lastElementChild;
    if (last && last.scrollIntoView) { last.scrollIntoView({ block: "nearest" }); }
  }

  function send(body) {
    if (busy) { return; }
    busy = true;
    fetch(action, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Accept": "application/json", "Content-Type": "application/x-www-form-urlencoded" },
      body: body
    }).then(function (response) {
      return response.json();
    }).then(show).catch(function () {
      composer.submit();
    }).then(function () { busy = false; });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || form.getAttribute("action") !== action) { return; }
    event.preventDefault();
    var body = new URLSearchParams(new FormData(form));
    var submitter = event.submitter;
    if (submitter && submitter.name) { body.set(submitter.name, submitter.value); }
    if (form === composer) {
      var box = document.getElementById("message");
      if (!box.value.trim()) { box.focus(); return; }
      box.value = "";
      box.focus();
    } else {
      composer.querySelector("textarea").focus();
    }
    send(body.toString());
  });

  // Enter sends, Shift+Enter makes a new line (as in most chats).
  document.getElementById("message").addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      composer.requestSubmit();
    }
  });

  // Staff answers to a ticket arrive while the page is open.
  window.setInterval(function () {
    if (busy || document.hidden) { return; }
    fetch(action + "/updates?after=" + lastNumber(), { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : { entries: [] }; })
      .then(function (data) { if (data.entries && data.entries.length) { show(data); } })
      .catch(function () { /* offline for a moment: the next poll tries again */ });
  }, 15000);
}());
