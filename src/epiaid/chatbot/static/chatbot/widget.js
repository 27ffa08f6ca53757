/* The chatbot widget: a keyboard-accessible chat panel that talks to /api/chatbot (no inline script, no eval). */
(function () {
  "use strict";
  var root = document.getElementById("chatbot-widget");
  if (!root) { return; }
  var api = root.getAttribute("data-api");
  var lang = root.getAttribute("data-lang") === "ko" ? "ko" : "en";
  var inline = root.hasAttribute("data-inline");
  var panel = root.querySelector(".chatbot-panel");
  var toggle = root.querySelector(".chatbot-toggle");
  var closeBtn = root.querySelector(".chatbot-close");
  var log = root.querySelector(".chatbot-log");
  var quick = root.querySelector(".chatbot-quick");
  var form = root.querySelector(".chatbot-form");
  var input = root.querySelector("#chatbot-input");
  var locate = root.querySelector(".chatbot-locate");
  var label = function (name) { return root.getAttribute("data-l-" + name) || name; };
  var coords = null;
  var pollTimer = null;
  var busy = false;

  function sessionId() {
    var key = "epiaid-chatbot-session";
    var id = null;
    try { id = window.localStorage.getItem(key); } catch (e) { id = null; }
    if (!id) {
      var bytes = new Uint8Array(16);
      window.crypto.getRandomValues(bytes);
      id = "w" + Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
      try { window.localStorage.setItem(key, id); } catch (e) { /* private mode: one session per page */ }
    }
    return id;
  }
  var session = sessionId();

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined && text !== null) { node.textContent = text; }
    return node;
  }

  function add(who, text, extra) {
    var item = el("li", "chatbot-msg chatbot-" + who);
    item.appendChild(el("span", "visually-hidden", (who === "user" ? label("you") : label("bot")) + ": "));
    item.appendChild(el("p", "chatbot-text", text));
    if (extra) { item.appendChild(extra); }
    log.appendChild(item);
    log.scrollTop = log.scrollHeight;
    return item;
  }

  function sourceLine(source) {
    var p = el("p", "chatbot-source");
    p.appendChild(document.createTextNode(label("source") + ": "));
    if (source.source_url && /^(https?:\/\/|\/)/.test(source.source_url)) {
      var a = el("a", "", source.source_name || source.source_url);
      a.href = source.source_url;
      a.rel = "noopener noreferrer";
      a.target = "_blank";
      p.appendChild(a);
    } else {
      p.appendChild(document.createTextNode(source.source_name || ""));
    }
    if (source.last_reviewed) {
      p.appendChild(document.createTextNode(" · " + label("reviewed") + " "));
      var t = el("time", "", source.last_reviewed);
      t.setAttribute("datetime", source.last_reviewed);
      p.appendChild(t);
    }
    return p;
  }

  function feedback(turnId) {
    var box = el("div", "chatbot-feedback");
    box.setAttribute("role", "group");
    box.setAttribute("aria-label", label("helped"));
    box.appendChild(el("span", "", label("helped") + " "));
    [[true, label("yes")], [false, label("no")]].forEach(function (pair) {
      var b = el("button", "chatbot-fb", pair[1]);
      b.type = "button";
      b.addEventListener("click", function () {
        send("/feedback", { session_id: session, channel: "web", turn_id: turnId, helpful: pair[0] }).then(function () {
          box.textContent = label("thanks");
        }).catch(function () { box.textContent = label("error"); });
      });
      box.appendChild(b);
    });
    return box;
  }

  function showStaff(answers) {
    (answers || []).forEach(function (a) {
      add("staff", a.text, el("p", "chatbot-source", label("staff")));
    });
  }

  function showReply(reply) {
    showStaff(reply.staff_answers);
    var extra = document.createDocumentFragment();
    if (reply.disclaimer && reply.kind === "selfcheck" && reply.text.indexOf(reply.disclaimer.slice(0, 40)) < 0) {
      extra.appendChild(el("p", "chatbot-disclaimer", reply.disclaimer));
    }
    if (reply.source && (reply.source.source_name || reply.source.source_url)) { extra.appendChild(sourceLine(reply.source)); }
    if (reply.hotline) { extra.appendChild(el("p", "chatbot-hotline", label("hotline") + " " + reply.hotline)); }
    if (reply.turn_id && (reply.kind === "faq" || reply.kind === "live")) { extra.appendChild(feedback(reply.turn_id)); }
    var item = add("bot", reply.text, extra);
    item.setAttribute("data-kind", reply.kind);
    setQuick(reply.quick_replies || []);
  }

  function setQuick(choices) {
    quick.textContent = "";
    choices.forEach(function (choice) {
      var b = el("button", "chatbot-chip", choice);
      b.type = "button";
      b.addEventListener("click", function () { ask(choice); });
      quick.appendChild(b);
    });
  }

  function send(path, body) {
    return window.fetch(api + path, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      credentials: "same-origin",
      body: JSON.stringify(body)
    }).then(function (r) {
      return r.json().then(function (data) {
        if (!r.ok) { throw new Error(data.message || String(r.status)); }
        return data;
      });
    });
  }

  function ask(text) {
    if (busy || !text.trim()) { return; }
    busy = true;
    add("user", text);
    input.value = "";
    root.setAttribute("aria-busy", "true");
    var body = { session_id: session, channel: "web", text: text, lang: lang,
      client_message_id: "c" + Date.now().toString(36) + Math.random().toString(36).slice(2, 8) };
    if (coords) { body.lat = coords[0]; body.lng = coords[1]; }
    send("/messages", body).then(showReply).catch(function (err) {
      add("bot", label("error") + (err && err.message ? " (" + err.message + ")" : ""));
    }).then(function () {
      busy = false;
      root.removeAttribute("aria-busy");
      input.focus();
    });
  }

  function poll() {
    window.fetch(api + "/poll?channel=web&session_id=" + encodeURIComponent(session), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : { staff_answers: [] }; })
      .then(function (data) { showStaff(data.staff_answers); })
      .catch(function () { /* offline: the next poll tries again */ });
  }

  function open() {
    panel.hidden = false;
    if (toggle) { toggle.setAttribute("aria-expanded", "true"); }
    input.focus();
    if (!quick.childNodes.length && !log.childNodes.length) {
      setQuick(lang === "ko"
        ? ["가까운 선별진료소", "오늘 마스크 살 수 있나요?", "증상 자가진단", "자가격리 수칙"]
        : ["Nearest screening clinic", "Can I buy masks today?", "Self-check symptoms", "How does the virus spread?"]);
    }
    poll();
    if (!pollTimer) { pollTimer = window.setInterval(poll, 15000); }
  }

  function close() {
    panel.hidden = true;
    if (toggle) { toggle.setAttribute("aria-expanded", "false"); toggle.focus(); }
    if (pollTimer) { window.clearInterval(pollTimer); pollTimer = null; }
  }

  form.addEventListener("submit", function (ev) { ev.preventDefault(); ask(input.value); });
  if (toggle) { toggle.addEventListener("click", function () { if (panel.hidden) { open(); } else { close(); } }); }
  if (closeBtn) { closeBtn.addEventListener("click", close); }
  root.addEventListener("keydown", function (ev) { if (ev.key === "Escape" && !inline) { close(); } });
  if (locate) {
    if (!("geolocation" in navigator)) { locate.hidden = true; }
    locate.addEventListener("click", function () {
      navigator.geolocation.getCurrentPosition(function (pos) {
        coords = [pos.coords.latitude, pos.coords.longitude];
        add("bot", label("located"));
      }, function () { coords = null; }, { timeout: 10000, maximumAge: 600000 });
    });
  }
  if (inline) { open(); }
})();
