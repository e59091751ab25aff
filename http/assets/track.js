// Switchboard visitor tracking: reports page views, keeps the visitor's id, shows invitations.
// Put on every page: <script src="BASE/static/track.js" data-key="KEY" data-lang="en" async></script>
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !window.fetch || !window.EventSource) return;
  var key = script.getAttribute("data-key");
  var lang = script.getAttribute("data-lang") || "en";
  var base = script.src.replace(/\/static\/track\.js(\?.*)?$/, "");
  var storeKey = "switchboard.visitor." + key;
  var fallback = {
    "invitation-heading": "Can we help you?",
    "invitation-text": "Would you like to chat with one of our operators?",
    "invitation-accept": "Chat now",
    "invitation-decline": "No thanks"
  };

  function visitorId() {
    try { return Number(localStorage.getItem(storeKey)) || null; } catch (e) { return null; }
  }
  function remember(id) {
    try { localStorage.setItem(storeKey, String(id)); } catch (e) { /* private mode: one page only */ }
  }
  function chatUrl(id) {
    return base + "/chat/" + lang + "/" + key + (id ? ",visitor=" + id : "") + "/" + document.location.href;
  }
  function post(path, body) {
    return fetch(base + path, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body || {})
    });
  }

  // Chat buttons open BASE/chat/LANG/KEY/...: add this visitor's id so the chat and the
  // visitor list are linked, keeping the button code exactly as generated.
  var open = window.open;
  window.open = function (url) {
    var args = Array.prototype.slice.call(arguments);
    var id = visitorId();
    var prefix = base + "/chat/";
    if (id && typeof url === "string" && url.indexOf(prefix) === 0) {
      var rest = url.slice(prefix.length);
      var parts = rest.split("/");
      if (parts.length > 1 && parts[1].indexOf("visitor=") < 0) {
        parts[1] = parts[1] + ",visitor=" + id;
        args[0] = prefix + parts.join("/");
      }
    }
    return open.apply(window, args);
  };

  function texts() {
    return fetch(base + "/v1/visitor/" + key + "/window?lang=" + encodeURIComponent(lang))
      .then(function (r) { return r.ok ? r.json() : {}; })
      .then(function (s) { return s.texts || fallback; })
      .catch(function () { return fallback; });
  }

  function showInvitation(by) {
    if (document.getElementById("switchboard-invitation")) return;
    texts().then(function (t) {
      var text = function (id) { return t[id] || fallback[id]; };
      var box = document.createElement("div");
      box.id = "switchboard-invitation";
      box.setAttribute("role", "dialog");
      box.style.cssText = "position:fixed;right:20px;bottom:20px;z-index:2147483647;width:260px;padding:16px;" +
        "background:#fff;color:#1d2733;border-radius:10px;box-shadow:0 6px 24px rgba(0,0,0,.25);" +
        "font:14px/1.4 system-ui,sans-serif";
      var heading = document.createElement("strong");
      heading.textContent = text("invitation-heading");
      var body = document.createElement("p");
      body.style.margin = "8px 0 12px";
      body.textContent = text("invitation-text") + (by ? " (" + by + ")" : "");
      var accept = document.createElement("button");
      accept.id = "switchboard-invitation-accept";
      accept.textContent = text("invitation-accept");
      accept.style.cssText = "background:#1f6feb;color:#fff;border:0;border-radius:6px;padding:8px 12px;cursor:pointer";
      var decline = document.createElement("button");
      decline.id = "switchboard-invitation-decline";
      decline.textContent = text("invitation-decline");
      decline.style.cssText = "background:none;border:0;color:#555;padding:8px 12px;cursor:pointer";
      accept.onclick = function () {
        box.remove();
        open.call(window, chatUrl(visitorId()), "", "height=400,width=300,menubar=no, location=no,resizable=yes,scrollbars=no,status=yes");
      };
      decline.onclick = function () {
        box.remove();
        post("/v1/visitor/" + key + "/visitors/" + visitorId() + "/decline");
      };
      box.appendChild(heading);
      box.appendChild(body);
      box.appendChild(accept);
      box.appendChild(decline);
      document.body.appendChild(box);
    });
  }

  function listen(id) {
    var events = new EventSource(base + "/v1/visitor/" + key + "/visitors/" + id + "/events");
    events.addEventListener("invitation", function (e) {
      var data = {};
      try { data = JSON.parse(e.data); } catch (err) { return; }
      showInvitation(data.by);
    });
  }

  post("/v1/visitor/" + key + "/page-views", {
    visitor_id: visitorId(),
    url: document.location.href,
    title: document.title,
    referrer: document.referrer
  })
    .then(function (r) { return r.ok ? r.json() : null; })
    .then(function (answer) {
      if (!answer) return;
      remember(answer.visitor_id);
      if (answer.tracked) listen(answer.visitor_id);
    })
    .catch(function () { /* the site works without chat */ });
})();
