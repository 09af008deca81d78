// Resident chat page. Every text from the network is inserted with textContent, never as
// HTML, so markup typed by anyone is shown as text and never runs.
(function () {
  "use strict";
  var log = document.getElementById("log");
  var form = document.getElementById("composer");
  var input = document.getElementById("text");
  var send = document.getElementById("send");
  var typing = document.getElementById("typing");

  // The district's name and hotline come from the backend (settings and data), never from here.
  var district = { name: "", hotline: "12345" };
  // The conversation is the backend's HttpOnly cookie: this page never sees or picks its id.

  // who: "me", "bot" or "staff" (opts.name: the staff member's display name).
  function add(who, text, opts) {
    var row = document.createElement("div");
    row.className = "row " + (who === "staff" ? "bot staff" : who);
    var av = document.createElement("div");
    av.className = "avatar";
    av.textContent = who === "me" ? "我" : who === "staff" ? initial(opts && opts.name) : "助";
    var b = document.createElement("div");
    b.className = "bubble";
    if (window.chatLinks && who !== "me") chatLinks.fill(b, text); else b.textContent = text;
    row.appendChild(av);
    if (who === "staff") {
      // A person, named: "工作人员 王芳" above the words, so the resident knows who is answering.
      var col = document.createElement("div");
      col.className = "said";
      var label = document.createElement("div");
      label.className = "who";
      label.textContent = "工作人员" + (opts && opts.name ? " " + opts.name : "");
      col.appendChild(label);
      col.appendChild(b);
      row.appendChild(col);
    } else {
      row.appendChild(b);
    }
    log.appendChild(row);
    log.scrollTop = log.scrollHeight;
    return row;
  }

  // The avatar of a staff member: the surname of 王芳, the 陈 of 小陈/老陈, else 人.
  function initial(name) {
    var m = /[小老]([\u4e00-\u9fff])$/.exec(name || "");
    if (m) return m[1];
    if (name && name.length <= 3 && /^[\u4e00-\u9fff]/.test(name)) return name.charAt(0);
    return "人";
  }

  // What happened to the conversation itself (a person took it, handed it back ...): a
  // centred line, not anyone's words.
  function notice(text) {
    var n = document.createElement("div");
    n.className = "notice";
    var t = document.createElement("span");
    t.textContent = text;
    n.appendChild(t);
    log.appendChild(n);
    log.scrollTop = log.scrollHeight;
  }

  // One line from the backend: an answer, a staff line or a notice.
  function show(m) {
    if (!m || !m.text) return;
    if (m.from === "system") notice(m.text);
    else if (m.from === "staff") add("staff", m.text, { name: m.name });
    else if (m.from === "me") add("me", m.text);
    else add("bot", m.text);
  }

  function addChoices(buttons) {
    var box = document.createElement("div");
    box.className = "choices";
    buttons.forEach(function (btn) {
      var el = document.createElement("button");
      el.type = "button";
      el.textContent = btn.title;
      el.addEventListener("click", function () {
        box.querySelectorAll("button").forEach(function (x) { x.disabled = true; });
        post(btn.payload, btn.title);
      });
      box.appendChild(el);
    });
    log.appendChild(box);
    log.scrollTop = log.scrollHeight;
  }

  function busy(on) {
    send.disabled = on;
    typing.hidden = !on;
  }

  function post(message, shown) {
    var mine = add("me", shown);
    busy(true);
    fetch("/api/chat", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ text: message })
    }).then(function (r) { return r.json().then(function (data) { return { status: r.status, data: data }; }); })
    .then(function (res) {
      var data = res.data;
      if (res.status === 429 || res.status === 422 || res.status === 400 || res.status === 413) {
        // Not sent: say so next to the message and give the words back to the resident.
        mine.classList.add("failed");
        // (A too-long message among them: no maxlength on the box, which would cut a pasted text
        // without a word; the backend says how long it may be.)
        add("bot", (data && typeof data.detail === "string" && data.detail) || "这条消息没有发出，请稍后再发。");
        if (!input.value && message.charAt(0) !== "/") input.value = message;
        return;
      }
      var msgs = (data && data.messages) || [];
      // No answer while a person has the conversation is expected: the assistant is quiet, the
      // words went to the case (the backend says so once per handoff).
      if (!msgs.length && !(data && data.with_staff)) {
        add("bot", "抱歉，我暂时没有回复，请换个说法试试，或拨打" + district.hotline + "。");
      }
      msgs.forEach(function (m) {
        show(m);
        if (m.buttons && m.buttons.length) addChoices(m.buttons);
      });
      if (msgs.some(function (m) { return m.keep; })) {
        // Not handled (the service is down): the resident's words go back in the box to re-send.
        mine.classList.add("failed");
        if (!input.value && message.charAt(0) !== "/") input.value = message;
      }
    }).catch(function () {
      add("bot", "网络好像断了，请稍后再试，或拨打政务服务热线" + district.hotline + "。");
    }).then(function () { busy(false); input.focus(); });
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var t = input.value.trim();
    if (!t) { input.focus(); return; }
    input.value = "";
    post(t, t);
  });

  // Replies from service-centre staff and notices about the handoff arrive outside the
  // request/response cycle: poll for them.
  function poll() {
    fetch("/api/chat/updates", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: "{}"
    }).then(function (r) { return r.json(); })
      .then(function (data) {
        ((data && data.messages) || []).forEach(show);
      }).catch(function () { /* offline for a moment: try again next tick */ });
  }

  function greet() {
    add("bot", "您好！我是" + district.name + "便民服务助手。\n可以问我：居住证要带什么材料、低保怎么申请、社保卡丢了怎么补……\n" +
      "也可以告诉我小区、街面上的问题。急事请拨打政务服务热线" + district.hotline + "。");
  }

  // A reloaded page shows the conversation so far (the backend reads it from the assistant's
  // transcript), with the buttons of the assistant's last, unanswered question; a new one greets.
  function restore() {
    return fetch("/api/chat/history").then(function (r) { return r.ok ? r.json() : { messages: [] }; })
      .catch(function () { return { messages: [] }; })
      .then(function (data) {
        var lines = (data && data.messages) || [];
        if (!lines.length) { greet(); return; }
        lines.forEach(function (m) {
          show(m);
          if (m.buttons && m.buttons.length) addChoices(m.buttons);
        });
      });
  }

  fetch("/api/chat/info").then(function (r) { return r.json(); }).then(function (info) {
    district = info;
    document.title = info.name + "便民服务助手";
    document.getElementById("title").textContent = info.name + "便民服务助手";
    // "柳岸路35号" alone could be in any city: the map searches within the district.
    if (window.chatLinks) chatLinks.area = (info.city || "") + (info.name || "");
  }).catch(function () { /* the defaults above */ })
    .then(restore)
    // Polling starts once the history is drawn, so a staff line never lands above it.
    .then(function () { poll(); setInterval(poll, 2000); });
})();
