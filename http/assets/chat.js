/* Switchboard chat window.
 *
 * The page carries its settings as JSON in <script id="boot"> (the same shape as
 * GET /v1/visitor/{key}/window, under "settings", plus the chat URL's name, email, operator
 * and page_url). Flow: welcome form (unless off or answered by the URL) -> start the chat ->
 * "Connecting..." with the queue position -> the chat, or the off-line form when nobody is
 * online or nobody answered in time.
 *
 * Storage, and nothing else: localStorage "switchboard.chat.<key>" keeps the visitor's open
 * chat (id, token, last event id, the form's answers) so a reload, or a window opened again
 * after the visitor closed it, goes back to the chat and its transcript; it is removed once
 * the chat ends, or when the server no longer knows it (401, 404). localStorage
 * "switchboard.visitor.<key>" keeps the visitor id across chats. No cookies.
 *
 * Servers: in a cluster, settings.servers lists the live nodes, any of which answers for the
 * company. Calls and the chat's stream go to the page's own server until it stops answering,
 * then to the next node of the list (round robin), the stream resuming after the last event
 * seen; the kept chat holds no server, so it stays valid on any of them. A 503 with
 * Retry-After (the company moving between nodes) is waited out, not shown as an error.
 *
 * Whatever a visitor, an operator or a company typed goes into the page through textContent
 * only. Translated texts carry placeholders as {$name}; t() fills them in.
 */
(() => {
  "use strict";

  /** An operator's typing indicator stays this long unless a message comes first. */
  const TYPING_SHOWN_MS = 4000;
  /** The operator is told at most this often that the visitor is typing. */
  const TYPING_EVERY_MS = 2000;
  /** While the window is in the background, its title alternates this often. */
  const FLASH_EVERY_MS = 1000;
  /** First wait before resending a message or reopening the stream; doubles up to the max. */
  const RETRY_FIRST_MS = 1000;
  const RETRY_MAX_MS = 10000;
  /** How long one call waits out 503s with Retry-After (a company moving between nodes takes
   * seconds); past it the 503 is a failure like any other. */
  const MOVING_WAIT_MS = 15000;
  /** A stream that fails this often in a row without an event moves to another server (the
   * browser reconnects by itself in between, a second apart). */
  const STREAM_ERRORS_TO_MOVE = 3;
  /** The server's limit for an off-line message, in characters. */
  /** The count appears once this share of the limit is used. */
  const COUNT_FROM = 0.9;
  /** Good enough to catch typos; the server has the final word. */
  const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

  const $ = (id) => document.getElementById(id);
  const boot = JSON.parse($("boot").textContent);
  const S = boot.settings;
  const KEY = S.key;
  const CHAT_KEY = "switchboard.chat." + KEY;
  const VISITOR_KEY = "switchboard.visitor." + KEY;
  /** "1" when the visitor turned the reply sound off (for every company: it is their ears). */
  const MUTE_KEY = "switchboard.mute";
  const app = $("app");

  /** A translated text with its {$name} placeholders filled from `vars`. */
  function t(id, vars) {
    let text = S.texts[id] || id;
    for (const [name, value] of Object.entries(vars || {})) {
      text = text.split("{$" + name + "}").join(String(value));
    }
    return text;
  }

  // ---- storage (a browser may refuse it: the window then works without resuming) ----

  function stored(area, key) {
    try { return window[area].getItem(key); } catch (_) { return null; }
  }
  function store(area, key, value) {
    try { window[area].setItem(key, value); } catch (_) { /* not kept */ }
  }
  function unstore(area, key) {
    try { window[area].removeItem(key); } catch (_) { /* nothing kept */ }
  }

  /** This window's chat: {id, token, last, name, email, department, joined, ended, offline_sent}. */
  let chat = null;

  /** Keeps the open chat for the next window; an ended one is forgotten (the next window
   * starts afresh). */
  function save() {
    if (!chat) return;
    if (chat.ended) unstore("localStorage", CHAT_KEY);
    else store("localStorage", CHAT_KEY, JSON.stringify(chat));
  }
  function forget() {
    unstore("localStorage", CHAT_KEY);
  }
  function savedChat() {
    try {
      const c = JSON.parse(stored("localStorage", CHAT_KEY) || "null");
      return c && c.id && c.token && !c.ended ? c : null;
    } catch (_) {
      return null;
    }
  }
  function visitorId() {
    // The tracking script passes the visitor's id in the chat URL (it keeps it on the
    // company's site, whose storage this window cannot read).
    if (boot.visitor) return boot.visitor;
    const id = Number(stored("localStorage", VISITOR_KEY));
    return Number.isSafeInteger(id) && id > 0 ? id : null;
  }

  // ---- servers ----

  /** The cluster's live nodes' base URLs; empty when the page's server runs alone. */
  const SERVERS = S.servers || [];
  /** Where calls and the stream go now: "" is the page's own server (same origin). */
  let base = "";

  /** The base to use once `failed` stopped answering: the server after it in `servers`
   * (round robin; the first when `failed` is not listed), never `failed` itself; "" when that
   * is the page's own `origin`; `failed` again when there is nowhere else to go. Pure. */
  function nextServer(servers, failed, origin) {
    const from = failed || origin;
    const at = servers.indexOf(from);
    for (let step = 1; step <= servers.length; step += 1) {
      const next = servers[(at + step) % servers.length];
      if (next !== from) return next === origin ? "" : next;
    }
    return failed;
  }
  // For the browser test: the rule above, checked over a table.
  window.switchboard = { nextServer };

  /** `failed` stopped answering: move to the next server, unless another call or the stream
   * already moved (then follow it). True when there is somewhere else to try. */
  function moveOn(failed) {
    if (base === failed) base = nextServer(SERVERS, failed, location.origin);
    return base !== failed;
  }

  // ---- HTTP ----

  /** The wait a 503 asks for with Retry-After (seconds), from 1 s up to RETRY_MAX_MS; null for
   * any other answer. */
  function movingWait(response) {
    const raw = response.headers.get("Retry-After");
    const secs = Number(raw);
    if (response.status !== 503 || raw === null || !raw.trim() || !(secs >= 0)) return null;
    return Math.min(Math.max(secs, 1) * 1000, RETRY_MAX_MS);
  }

  /** One API call; rejects only when the network fails on every server. A server that cannot
   * be reached is left for the next one; a company moving between nodes is waited out. */
  async function call(method, path, body, withToken) {
    const headers = {};
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (withToken) headers.Authorization = "Bearer " + chat.token;
    let moves = 0;
    let waited = 0;
    for (;;) {
      const from = base;
      let response;
      try {
        response = await fetch(from + path, {
          method,
          headers,
          body: body === undefined ? undefined : JSON.stringify(body),
          cache: "no-store",
          credentials: "omit",
        });
      } catch (error) {
        // Each other server once; then the caller's own retries take over.
        moves += 1;
        if (moves <= SERVERS.length && moveOn(from)) continue;
        throw error;
      }
      const wait = movingWait(response);
      if (wait !== null && waited + wait <= MOVING_WAIT_MS) {
        waited += wait;
        await sleep(wait);
        continue;
      }
      let data = null;
      try { data = await response.json(); } catch (_) { /* no JSON body */ }
      return { ok: response.ok, status: response.status, data };
    }
  }
  const retryable = (status) => status >= 500 || status === 408 || status === 429;
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  const visitorPath = (rest) => "/v1/visitor/" + encodeURIComponent(KEY) + rest;
  const chatPath = (rest) => "/v1/chats/" + chat.id + rest;

  // ---- screens ----

  /** Shows one of "welcome", "chat", "offline"; `state` goes to #app[data-state] for tests. */
  function show(screen, state) {
    for (const id of ["welcome", "chat", "offline"]) $(id).hidden = id !== screen;
    app.dataset.state = state;
  }
  function status(which) {
    for (const id of ["connecting", "queue", "reconnecting", "error"]) {
      $(id).hidden = !which.includes(id);
    }
  }

  // ---- forms ----

  function fillDepartments(select, row) {
    if (S.departments.length < 2) return;
    for (const d of S.departments) {
      const option = document.createElement("option");
      option.value = String(d.id);
      option.textContent = d.name;
      select.appendChild(option);
    }
    row.hidden = false;
  }
  const department = (select) => (select.value ? Number(select.value) : null);

  function setUpForms() {
    for (const [field, settings] of [["name", S.name_field], ["email", S.email_field]]) {
      $(field + "-row").hidden = !settings.enabled;
      $(field + "-required").hidden = !settings.required;
      $(field).required = settings.required;
      $(field).value = boot[field];
    }
    fillDepartments($("department"), $("department-row"));
    fillDepartments($("offline-department"), $("offline-department-row"));
    fillLanguages($("language"));
  }

  /** Each language under its own name; picking one opens this window in it (the chat URL's
   * language segment), keeping everything else of the URL. */
  function fillLanguages(select) {
    for (const language of S.languages) {
      const option = document.createElement("option");
      option.value = language.code;
      option.lang = language.code;
      option.dir = language.dir;
      option.textContent = language.name;
      select.appendChild(option);
    }
    select.value = S.lang;
    select.addEventListener("change", () => {
      const path = location.pathname.replace(/^\/chat\/[^/]*\//, "/chat/" + select.value + "/");
      location.assign(path + location.search + location.hash);
    });
  }

  /** Checks one field, showing the translated reason next to it; true when fine. */
  function check(input, required, isEmail) {
    const value = input.value.trim();
    let problem = "";
    if (required && !value) problem = t("required-field");
    else if (isEmail && value && !EMAIL.test(value)) problem = t("invalid-email");
    const error = $(input.id + "-error");
    error.textContent = problem;
    error.hidden = !problem;
    input.closest(".field").classList.toggle("invalid", !!problem);
    input.setAttribute("aria-invalid", problem ? "true" : "false");
    return !problem;
  }
  function checkAll(checks) {
    const bad = checks.filter(([input, required, isEmail]) => !check(input, required, isEmail));
    if (bad.length) bad[0][0].focus();
    return bad.length === 0;
  }

  /** The URL's name= and email= answer every required field, so the form can be skipped. */
  function urlAnswersForm() {
    const name = boot.name.trim();
    const email = boot.email.trim();
    if (!name && !email) return false;
    if (email && !EMAIL.test(email)) return false;
    if (S.name_field.required && !name) return false;
    if (S.email_field.required && !email) return false;
    return true;
  }

  $("welcome-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const checks = [];
    if (S.name_field.enabled) checks.push([$("name"), S.name_field.required, false]);
    if (S.email_field.enabled) checks.push([$("email"), S.email_field.required, true]);
    if (!checkAll(checks)) return;
    start({
      name: S.name_field.enabled ? $("name").value.trim() : boot.name,
      email: S.email_field.enabled ? $("email").value.trim() : boot.email,
      department: department($("department")),
    });
  });

  // ---- length limits: counted, never cut ----

  /** Characters as the server counts them (code points, not UTF-16 units). */
  const length = (text) => [...text].length;

  /** Shows how much of `max` the text in `input` uses, from near the limit on; past it,
   * says so (nothing is cut: a paste stays whole for the visitor to shorten). True when
   * the text fits. */
  function counted(input, counter, max) {
    const count = length(input.value);
    const over = count > max;
    counter.hidden = count < max * COUNT_FROM;
    counter.classList.toggle("over", over);
    counter.textContent = over ? t("message-too-long", { count, max }) : count + "/" + max;
    input.setAttribute("aria-invalid", over ? "true" : "false");
    return !over;
  }
  const inputFits = () => counted($("input"), $("input-count"), S.max_message_chars);
  const offlineFits = () =>
    counted($("offline-message"), $("offline-message-count"), S.max_offline_chars);
  $("offline-message").addEventListener("input", offlineFits);

  // ---- starting ----

  let starting = false;

  async function start(who) {
    if (starting) return;
    starting = true;
    $("start").disabled = true;
    $("start-error").hidden = true;
    showChat();
    const body = {
      // Without a name the operator sees "Guest" in the visitor's language.
      name: who.name || t("guest-name"),
      email: who.email || null,
      department: who.department,
      operator: boot.operator || null,
      page_url: boot.page_url || null,
      lang: S.lang,
      visitor_id: visitorId(),
    };
    let wait = RETRY_FIRST_MS;
    for (;;) {
      let answer = null;
      try {
        answer = await call("POST", visitorPath("/chats"), body);
        if (!answer.ok && body.visitor_id && /visitor/.test((answer.data || {}).code || "")) {
          // A visitor id the server no longer knows: start as a new visitor.
          unstore("localStorage", VISITOR_KEY);
          body.visitor_id = null;
          answer = await call("POST", visitorPath("/chats"), body);
        }
      } catch (_) { /* network down: retried below */ }
      if (answer && answer.ok) {
        const d = answer.data;
        store("localStorage", VISITOR_KEY, String(d.visitor_id));
        chat = {
          id: d.chat_id,
          token: d.token,
          last: 0,
          name: who.name || "",
          email: who.email || "",
          department: who.department,
          joined: false,
          ended: d.state === "offline" ? "offline" : null,
          offline_sent: false,
        };
        save();
        starting = false;
        if (chat.ended) showOffline();
        else connect();
        return;
      }
      // Refused, or the visitor has a form to try again from: stop here.
      if ((answer && !retryable(answer.status)) || S.welcome_screen) break;
      status(["error"]);
      await sleep(wait);
      wait = Math.min(wait * 2, RETRY_MAX_MS);
      status(["connecting"]);
    }
    starting = false;
    $("start").disabled = false;
    if (S.welcome_screen) {
      show("welcome", "welcome");
      $("start-error").hidden = false;
    } else {
      status(["error"]);
    }
  }

  function showChat() {
    show("chat", chat && chat.joined ? "chatting" : "connecting");
    if (!chat || !chat.joined) status(["connecting"]);
    $("input").focus();
  }

  // ---- the event stream ----

  /** True while a kept chat's transcript is rebuilt: old replies are not news. */
  let replaying = false;
  /** Log positions already on screen: a message is never shown twice. */
  const shown = new Set();
  let source = null;
  let reconnectTimer = null;
  let streamWait = RETRY_FIRST_MS;

  function once(seq, action) {
    if (shown.has(seq)) return;
    shown.add(seq);
    action();
  }

  const handlers = {
    queued(d) {
      if (chat.joined || chat.ended) return;
      let text = t("queue-position", { position: d.position });
      if (d.wait_secs) text += " " + t("estimated-wait", { minutes: Math.ceil(d.wait_secs / 60) });
      $("queue").textContent = text;
      $("connecting").hidden = false;
      $("queue").hidden = false;
    },
    joined(d) {
      once(d.seq, () => {
        chat.joined = true;
        save();
        if (!chat.ended) {
          status([]);
          app.dataset.state = "chatting";
        }
        system(t("operator-joined", { name: d.name })).dataset.seq = d.seq;
      });
    },
    message(d) {
      const mine = d.author === "visitor" ? pending.get(d.client_id) : undefined;
      if (mine) settle(mine, d.seq);
      once(d.seq, () => {
        if (mine) return;
        if (d.author !== "visitor") hideTyping();
        const who = d.author === "visitor" ? t("you") : d.name || S.company;
        addMessage(d.author, who, d.text, d.at).dataset.seq = d.seq;
        if (d.author === "operator" && !replaying) notice();
      });
    },
    typing(d) {
      if (chat.ended) return;
      $("typing").textContent = t("operator-typing", { name: d.who });
      $("typing").hidden = false;
      clearTimeout(typingTimer);
      typingTimer = setTimeout(hideTyping, TYPING_SHOWN_MS);
    },
    requeued(d) {
      // The server names the operator who left; an older one sends "".
      backToQueue(d, d.name ? t("operator-left", { name: d.name }) : t("operator-left-unnamed"));
    },
    transferred(d) {
      backToQueue(d, t("chat-transferred"));
    },
    timeout(d) {
      once(d.seq, () => end("timeout"));
    },
    closed(d) {
      once(d.seq, () => end("closed"));
    },
  };

  /** The operator left or handed the chat on: the visitor is told why (`line`), then
   * "Connecting..." until the next one joins. */
  function backToQueue(d, line) {
    const act = () => {
      const item = system(line);
      if (d.seq) item.dataset.seq = d.seq;
      if (chat.ended) return;
      chat.joined = false;
      save();
      hideTyping();
      status(["connecting"]);
      app.dataset.state = "connecting";
    };
    if (d.seq) once(d.seq, act);
    else act();
  }

  function connect() {
    clearTimeout(reconnectTimer);
    if (!chat || chat.ended || source) return;
    const from = base;
    // A new EventSource cannot send Last-Event-ID: the query says where to resume.
    const url = from + chatPath("/events") + "?token=" + encodeURIComponent(chat.token) +
      "&last_event_id=" + chat.last;
    const es = new EventSource(url);
    source = es;
    /** Failures in a row without an event. */
    let errors = 0;
    es.onopen = () => {
      streamWait = RETRY_FIRST_MS;
      $("reconnecting").hidden = true;
      $("error").hidden = true;
    };
    es.onerror = () => {
      if (source !== es || chat.ended) return;
      $("reconnecting").hidden = false;
      errors += 1;
      // The browser reconnects by itself, to the same server, until it gives up (an error
      // status); a server that keeps failing is left for the next one, when there is one.
      const closed = es.readyState === EventSource.CLOSED;
      const moved = (closed || errors >= STREAM_ERRORS_TO_MOVE) && moveOn(from);
      if (!closed && !moved) return;
      // Open a new stream from the last id seen.
      es.close();
      source = null;
      reconnectTimer = setTimeout(connect, streamWait);
      streamWait = Math.min(streamWait * 2, RETRY_MAX_MS);
    };
    for (const [name, handle] of Object.entries(handlers)) {
      es.addEventListener(name, (event) => {
        if (source !== es) return;
        errors = 0;
        let data;
        try { data = JSON.parse(event.data); } catch (_) { return; }
        handle(data);
        const id = Number(event.lastEventId);
        if (id > chat.last) {
          chat.last = id;
          save();
        }
      });
    }
  }

  function disconnect() {
    clearTimeout(reconnectTimer);
    if (source) source.close();
    source = null;
  }

  // ---- the message list ----

  const list = $("messages");

  function clock(at) {
    try {
      return new Date(at).toLocaleTimeString(S.lang, { hour: "2-digit", minute: "2-digit" });
    } catch (_) {
      return "";
    }
  }

  /** Appends a message bubble; `author` is visitor, operator or company. */
  function addMessage(author, who, text, at) {
    const item = document.createElement("li");
    item.className = "msg msg-" + author;
    item.dataset.author = author;
    item.dataset.testid = "message";
    const head = document.createElement("span");
    head.className = "who";
    const name = document.createElement("bdi");
    name.textContent = who;
    head.appendChild(name);
    if (at) {
      const time = document.createElement("span");
      time.className = "time";
      time.textContent = clock(at);
      head.appendChild(time);
    }
    const body = document.createElement("span");
    body.className = "text";
    // Each message runs in its own direction: English typed into an Arabic window stays LTR.
    body.dir = "auto";
    body.textContent = text;
    item.append(head, body);
    list.appendChild(item);
    list.scrollTop = list.scrollHeight;
    return item;
  }

  /** A line from the window itself (an operator joined). */
  function system(text) {
    const item = document.createElement("li");
    item.className = "msg msg-system";
    item.dataset.author = "system";
    item.dataset.testid = "system-message";
    item.textContent = text;
    list.appendChild(item);
    list.scrollTop = list.scrollHeight;
    return item;
  }

  let typingTimer = null;
  function hideTyping() {
    clearTimeout(typingTimer);
    $("typing").hidden = true;
  }

  // ---- noticing replies while the window is in the background ----

  const title = document.title;
  /** Operator messages that arrived since the visitor last looked. */
  let unseen = 0;
  let flashTimer = null;
  let flashOn = false;
  /** Made on the visitor's first click or key: browsers only let a page play sound then. */
  let audio = null;

  const away = () => document.hidden || !document.hasFocus();
  const muted = () => stored("localStorage", MUTE_KEY) === "1";

  /** An operator's message arrived: flash the title and play a short sound, unless the
   * visitor is looking at the window. */
  function notice() {
    if (!away()) return;
    unseen += 1;
    app.dataset.unseen = String(unseen);
    flashOn = false;
    flash();
    clearInterval(flashTimer);
    flashTimer = setInterval(flash, FLASH_EVERY_MS);
    if (!muted()) chime();
  }
  function flash() {
    flashOn = !flashOn;
    document.title = flashOn ? "(" + unseen + ") " + t("new-message") : title;
  }
  function seen() {
    if (away()) return;
    clearInterval(flashTimer);
    flashTimer = null;
    unseen = 0;
    app.dataset.unseen = "0";
    document.title = title;
  }
  window.addEventListener("focus", seen);
  document.addEventListener("visibilitychange", seen);

  function audioContext() {
    const Context = window.AudioContext || window.webkitAudioContext;
    if (!audio && Context) {
      try { audio = new Context(); } catch (_) { /* no sound on this browser */ }
    }
    return audio;
  }
  for (const gesture of ["pointerdown", "keydown"]) {
    window.addEventListener(gesture, () => {
      const context = audioContext();
      if (context && context.state === "suspended") context.resume().catch(() => {});
    }, { once: true, capture: true });
  }

  /** Two soft notes, made on the spot (nothing to download). */
  function chime() {
    const context = audioContext();
    if (!context) return;
    try {
      const start = context.currentTime + 0.01;
      const gain = context.createGain();
      gain.connect(context.destination);
      gain.gain.setValueAtTime(0.0001, start);
      gain.gain.exponentialRampToValueAtTime(0.12, start + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, start + 0.35);
      const tone = context.createOscillator();
      tone.type = "sine";
      tone.frequency.setValueAtTime(880, start);
      tone.frequency.setValueAtTime(1175, start + 0.12);
      tone.connect(gain);
      tone.start(start);
      tone.stop(start + 0.36);
    } catch (_) { /* a page without sound still flashes */ }
  }

  function showSound() {
    $("sound").setAttribute("aria-pressed", muted() ? "false" : "true");
  }
  $("sound").addEventListener("click", () => {
    if (muted()) unstore("localStorage", MUTE_KEY);
    else store("localStorage", MUTE_KEY, "1");
    showSound();
  });
  // Another window of the same visitor changed it.
  window.addEventListener("storage", (event) => {
    if (event.key === MUTE_KEY) showSound();
  });
  showSound();

  // ---- sending ----

  /** The visitor's messages on screen but not yet confirmed, by client id. */
  const pending = new Map();
  /** Messages to send, in order; one request at a time keeps them in order. */
  const outbox = [];
  let pumping = false;

  function clientId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  function send() {
    const input = $("input");
    const text = input.value.replace(/\s+$/, "");
    if (!text.trim() || !chat || chat.ended) return;
    if (!inputFits()) return;
    input.value = "";
    inputFits();
    const id = clientId();
    const item = addMessage("visitor", t("you"), text, Date.now());
    item.dataset.clientId = id;
    item.dataset.state = "pending";
    pending.set(id, item);
    outbox.push({ id, text, item });
    pump();
  }

  async function pump() {
    if (pumping) return;
    pumping = true;
    while (outbox.length) {
      await deliver(outbox[0]);
      outbox.shift();
    }
    pumping = false;
  }

  /** Posts one message, resending it with the same client id until the server has it. */
  async function deliver(message) {
    let wait = RETRY_FIRST_MS;
    for (;;) {
      if (!chat || chat.ended) return fail(message.item);
      try {
        const answer = await call(
          "POST", chatPath("/messages"), { text: message.text, client_id: message.id }, true);
        if (answer.ok) {
          shown.add(answer.data.seq);
          return settle(message.item, answer.data.seq);
        }
        if (!retryable(answer.status)) return fail(message.item);
      } catch (_) { /* network down: resend below, same client id */ }
      message.item.dataset.state = "retrying";
      await sleep(wait);
      wait = Math.min(wait * 2, RETRY_MAX_MS);
    }
  }

  /** A sent message takes its place in log order (an operator's reply may have come first). */
  function settle(item, seq) {
    item.dataset.state = "sent";
    pending.delete(item.dataset.clientId);
    if (item.dataset.seq) return;
    item.dataset.seq = seq;
    const others = [...list.children].filter((el) => el !== item);
    const next = others.find((el) => Number(el.dataset.seq) > seq) ||
      others.find((el) => el.dataset.state === "pending" || el.dataset.state === "retrying");
    if (next) list.insertBefore(item, next);
    else list.appendChild(item);
  }

  function fail(item) {
    item.dataset.state = "failed";
    item.title = t("error-generic");
    pending.delete(item.dataset.clientId);
  }

  let lastTyping = 0;
  function typing() {
    if (!chat || chat.ended || !$("input").value.trim()) return;
    const now = Date.now();
    if (now - lastTyping < TYPING_EVERY_MS) return;
    lastTyping = now;
    call("POST", chatPath("/typing"), undefined, true).catch(() => {});
  }

  $("input").addEventListener("keydown", (event) => {
    // Enter sends, Shift+Enter is a new line; Enter that ends an IME composition does neither.
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing && event.keyCode !== 229) {
      event.preventDefault();
      send();
    }
  });
  $("input").addEventListener("input", () => {
    inputFits();
    typing();
  });
  $("composer").addEventListener("submit", (event) => {
    event.preventDefault();
    send();
    $("input").focus();
  });

  $("end-chat").addEventListener("click", async () => {
    if (!chat || chat.ended) return;
    $("end-chat").disabled = true;
    try {
      const answer = await call("POST", chatPath("/close"), undefined, true);
      if (answer.ok || answer.status === 409) {
        if (!chat.ended) end("closed");
        return;
      }
    } catch (_) { /* shown below */ }
    $("end-chat").disabled = false;
    status(["error"]);
  });

  $("new-chat").addEventListener("click", () => {
    forget();
    window.location.reload();
  });

  // ---- the end: closed, or the off-line form ----

  /** `how`: "closed", "timeout" (nobody answered) or "offline" (nobody online). */
  function end(how) {
    if (chat.ended && chat.ended !== how && how === "closed") return;
    chat.ended = how;
    save();
    disconnect();
    hideTyping();
    if (how === "closed") showClosed();
    else showOffline();
  }

  function showClosed() {
    show("chat", "closed");
    status([]);
    $("closed").hidden = false;
    $("end-chat").hidden = true;
    $("input").disabled = true;
    $("send").disabled = true;
    list.scrollTop = list.scrollHeight;
    $("new-chat").focus();
  }

  function showOffline() {
    const sent = chat && chat.offline_sent;
    show("offline", sent ? "thanks" : "offline");
    $("offline-form").hidden = sent;
    $("offline-thanks").hidden = !sent;
    if (sent) return;
    // Nothing the visitor typed while waiting is lost: what they sent (nobody read it) and
    // what was still in the box become the message.
    if (!$("offline-message").value) $("offline-message").value = typedSoFar();
    $("input").value = "";
    inputFits();
    offlineFits();
    if (!$("offline-name").value) $("offline-name").value = (chat && chat.name) || boot.name;
    if (!$("offline-email").value) $("offline-email").value = (chat && chat.email) || boot.email;
    if (chat && chat.department) $("offline-department").value = String(chat.department);
    const first = [$("offline-name"), $("offline-email"), $("offline-message")].find((i) => !i.value);
    (first || $("offline-message")).focus();
  }

  /** The visitor's messages in this window and the unsent draft, one paragraph each. */
  function typedSoFar() {
    const sent = [...list.querySelectorAll("[data-author=visitor] .text")].map((e) => e.textContent);
    const draft = $("input").value.trim();
    return sent.concat(draft ? [draft] : []).join("\n\n");
  }

  $("offline-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const name = $("offline-name");
    const email = $("offline-email");
    const message = $("offline-message");
    if (!checkAll([[name, true, false], [email, true, true], [message, true, false]])) return;
    if (!offlineFits()) return message.focus();
    $("offline-submit").disabled = true;
    $("offline-error").hidden = true;
    const body = {
      name: name.value.trim(),
      email: email.value.trim(),
      message: message.value.trim(),
      department: department($("offline-department")),
      operator: boot.operator || null,
    };
    let answer = null;
    try {
      answer = await call("POST", visitorPath("/offline-messages"), body);
      if (!answer.ok && body.operator && (answer.data || {}).code === "invalid_operator") {
        // The link named an operator who is gone: the message goes to the company instead.
        body.operator = null;
        answer = await call("POST", visitorPath("/offline-messages"), body);
      }
    } catch (_) { /* shown below */ }
    $("offline-submit").disabled = false;
    if (answer && answer.ok) {
      if (chat) {
        chat.offline_sent = true;
        save();
      }
      $("offline-form").hidden = true;
      $("offline-thanks").hidden = false;
      app.dataset.state = "thanks";
      return;
    }
    if (answer && (answer.data || {}).code === "invalid_email") {
      $("offline-email-error").textContent = t("invalid-email");
      $("offline-email-error").hidden = false;
      email.focus();
    } else {
      $("offline-error").hidden = false;
    }
  });

  // ---- going back to the open chat (a reload, or the window opened again) ----

  /** Rebuilds the transcript of the kept chat and listens on. A chat that ended meanwhile,
   * or that the server no longer knows, is forgotten and the window starts afresh. */
  async function resume(saved) {
    chat = saved;
    showChat();
    let last = 0;
    try {
      const answer = await call("GET", chatPath("/messages"), undefined, true);
      const ended = answer.ok && Array.isArray(answer.data) &&
        answer.data.some((entry) => entry.type === "closed" || entry.type === "timeout");
      if (answer.status === 401 || answer.status === 404 || ended) {
        // Gone (a wiped server, an expired token) or over while the window was closed.
        forget();
        chat = null;
        return begin();
      }
      if (answer.ok && Array.isArray(answer.data)) {
        replaying = true;
        for (const entry of answer.data) {
          const handle = handlers[entry.type];
          if (handle && entry.type !== "typing" && entry.type !== "queued") handle(entry);
          if (entry.seq > last) last = entry.seq;
        }
        replaying = false;
      }
    } catch (_) {
      /* The stream replays the log from the start instead. */
    }
    // Without the transcript, replay everything (the shown set drops repeats).
    chat.last = last;
    save();
    if (!chat.ended) connect();
  }

  function begin() {
    const saved = savedChat();
    if (saved) return resume(saved);
    if (S.welcome_screen && !urlAnswersForm()) {
      show("welcome", "welcome");
      const first = [$("name"), $("email")].find((i) => !i.closest(".field").hidden && !i.value);
      if (first) first.focus();
      return;
    }
    start({ name: boot.name, email: boot.email, department: null });
  }

  setUpForms();
  begin();
})();
