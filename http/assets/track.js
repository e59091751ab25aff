// Switchboard visitor tracking: reports page views, keeps the visitor's id, shows invitations and
// keeps the chat button's online/offline image current.
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
    "invitation-decline": "No thanks",
    "button-online": "Live chat: online",
    "button-offline": "Live chat: offline"
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

  // The window's settings in the page's language (texts, direction), fetched once.
  var settings = null;
  function windowSettings() {
    if (!settings) {
      settings = fetch(base + "/v1/visitor/" + key + "/window?lang=" + encodeURIComponent(lang))
        .then(function (r) { return r.ok ? r.json() : {}; })
        .catch(function () { return {}; })
        .then(function (s) {
          s.texts = s.texts || fallback;
          return s;
        });
    }
    return settings;
  }

  // The invitation: a dialog that screen readers announce, with the focus moved into it and
  // given back to where it was when it closes; Escape closes it without saying "No thanks".
  function showInvitation(by) {
    if (document.getElementById("switchboard-invitation")) return;
    windowSettings().then(function (s) {
      if (document.getElementById("switchboard-invitation")) return;
      var text = function (id) { return s.texts[id] || fallback[id]; };
      var before = document.activeElement;
      var box = document.createElement("div");
      box.id = "switchboard-invitation";
      box.setAttribute("role", "dialog");
      box.setAttribute("aria-modal", "false");
      box.setAttribute("aria-live", "polite");
      box.setAttribute("aria-labelledby", "switchboard-invitation-heading");
      box.setAttribute("aria-describedby", "switchboard-invitation-text");
      box.setAttribute("lang", s.lang || lang);
      box.setAttribute("dir", s.dir || "ltr");
      box.tabIndex = -1;
      box.style.cssText = "position:fixed;right:20px;bottom:20px;z-index:2147483647;width:260px;max-width:calc(100vw - 40px);" +
        "box-sizing:border-box;padding:16px;background:#fff;color:#1d2733;border-radius:10px;" +
        "box-shadow:0 6px 24px rgba(0,0,0,.25);font:14px/1.4 system-ui,sans-serif;text-align:start";
      var heading = document.createElement("strong");
      heading.id = "switchboard-invitation-heading";
      heading.style.display = "block";
      heading.textContent = text("invitation-heading");
      var body = document.createElement("p");
      body.id = "switchboard-invitation-text";
      body.style.margin = "8px 0 12px";
      body.textContent = text("invitation-text") + (by ? " (" + by + ")" : "");
      var button = "font:inherit;border-radius:6px;padding:8px 12px;cursor:pointer;margin-inline-end:6px;";
      var accept = document.createElement("button");
      accept.type = "button";
      accept.id = "switchboard-invitation-accept";
      accept.textContent = text("invitation-accept");
      accept.style.cssText = button + "background:#1f6feb;color:#fff;border:0";
      var decline = document.createElement("button");
      decline.type = "button";
      decline.id = "switchboard-invitation-decline";
      decline.textContent = text("invitation-decline");
      decline.style.cssText = button + "background:none;border:1px solid #767676;color:#444";
      var close = function () {
        box.remove();
        if (before && before.focus && document.contains(before)) before.focus();
      };
      accept.onclick = function () {
        close();
        open.call(window, chatUrl(visitorId()), "", "height=400,width=300,menubar=no, location=no,resizable=yes,scrollbars=no,status=yes");
      };
      decline.onclick = function () {
        close();
        post("/v1/visitor/" + key + "/visitors/" + visitorId() + "/decline");
      };
      box.addEventListener("keydown", function (e) {
        if (e.key === "Escape") close();
      });
      box.appendChild(heading);
      box.appendChild(body);
      box.appendChild(accept);
      box.appendChild(decline);
      document.body.appendChild(box);
      box.focus();
    });
  }

  // The chat buttons on this page: images served as this company's button.
  function buttons() {
    var prefix = base + "/button/" + key + "/";
    return Array.prototype.filter.call(document.images, function (img) {
      return img.src.indexOf(prefix) === 0;
    });
  }

  // Whether anyone can take a chat changed: each button loads its image again (a new query
  // string, so no cache answers) and says the new state to screen readers. `online` is
  // undefined when the state is not known (the stream came back after a break).
  function refreshButtons(online) {
    var images = buttons();
    if (!images.length) return;
    var stamp = "t=" + Date.now();
    images.forEach(function (img) {
      img.src = img.src.replace(/[?#].*$/, "") + "?" + stamp;
    });
    if (online === undefined) return;
    windowSettings().then(function (s) {
      var alt = s.texts[online ? "button-online" : "button-offline"] ||
        fallback[online ? "button-online" : "button-offline"];
      images.forEach(function (img) { img.alt = alt; });
    });
  }

  function parse(e) {
    try { return JSON.parse(e.data) || {}; } catch (err) { return null; }
  }

  // One stream per page view: invitations (when tracked) and the button's availability.
  function listen(id) {
    var events = new EventSource(base + "/v1/visitor/" + key + "/visitors/" + id + "/events");
    var opened = false;
    events.addEventListener("open", function () {
      // Back after a break: whatever changed meanwhile was missed, so look again.
      if (opened) refreshButtons();
      opened = true;
    });
    events.addEventListener("invitation", function (e) {
      var data = parse(e);
      if (data) showInvitation(data.by);
    });
    events.addEventListener("availability", function (e) {
      var data = parse(e);
      if (data && typeof data.online === "boolean") refreshButtons(data.online);
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
      // Untracked pages with a chat button still listen, for the button's availability.
      if (answer.tracked || buttons().length) listen(answer.visitor_id);
    })
    .catch(function () { /* the site works without chat */ });
})();
