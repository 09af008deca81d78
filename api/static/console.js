// Staff console. Resident text is untrusted: everything is inserted with textContent.
(function () {
  "use strict";
  var csrf = null, current = null;
  var $ = function (id) { return document.getElementById(id); };
  var AUTHOR = { resident: "居民", bot: "助手", staff: "工作人员", note: "内部备注" };
  var REASON = { asked: "居民要求", misunderstood: "助手没听懂", sensitive: "敏感事项", angry: "情绪激动", dispute: "纠纷待调解" };
  var STATUS = { waiting: "等待中", claimed: "处理中", callback: "待回电", resolved: "已结束", returned: "已交回助手" };

  function api(method, path, body) {
    var opts = { method: method, headers: {}, credentials: "same-origin" };
    if (method !== "GET") { opts.headers["X-CSRF-Token"] = csrf || ""; }
    if (body) { opts.headers["Content-Type"] = "application/json"; opts.body = JSON.stringify(body); }
    return fetch("/console/api" + path, opts).then(function (r) {
      return r.json().then(function (data) {
        if (r.status === 401) { showLogin(); }
        if (!r.ok) { throw new Error((data && data.detail) || "操作失败"); }
        return data;
      });
    });
  }

  function showLogin() { $("login").hidden = false; $("desk").hidden = true; $("logout").hidden = true; }
  function showDesk(me) {
    csrf = me.csrf;
    $("who").textContent = me.user.name + (me.user.centre ? "（" + me.user.centre + "）" : "（" + me.user.role + "）");
    $("login").hidden = true; $("desk").hidden = false; $("logout").hidden = false;
    api("GET", "/centres").then(function (list) {
      var sel = $("transfer-to"); sel.textContent = "";
      list.forEach(function (c) { var o = document.createElement("option"); o.value = c.id; o.textContent = c.name; sel.appendChild(o); });
    });
    refreshQueue();
  }

  function minutes(s) { return s == null ? "—" : Math.floor(s / 60) + "分" + (s % 60) + "秒"; }

  function refreshQueue() {
    if ($("desk").hidden) return;
    api("GET", "/queue").then(function (rows) {
      var q = $("queue"); q.textContent = "";
      rows.forEach(function (c) {
        var li = document.createElement("li");
        li.dataset.id = c.id;
        if (current === c.id) li.className = "selected";
        var title = document.createElement("div");
        title.textContent = "#" + c.id + " " + (STATUS[c.status] || c.status) + " · " + (REASON[c.reason] || c.reason);
        if (c.priority > 0) { var p = document.createElement("span"); p.className = "prio"; p.textContent = " 优先"; title.appendChild(p); }
        var last = document.createElement("div"); last.textContent = c.last_resident_text;
        var meta = document.createElement("div"); meta.className = "meta";
        meta.textContent = c.centre + " · 已等待" + minutes(c.timers.waiting_seconds) + (c.assignee ? " · " + c.assignee : "");
        li.appendChild(title); li.appendChild(last); li.appendChild(meta);
        li.addEventListener("click", function () { current = c.id; refreshCase(); refreshQueue(); });
        q.appendChild(li);
      });
    }).catch(function () {});
  }

  function refreshCase() {
    if (current == null) return;
    api("GET", "/cases/" + current).then(render).catch(function (e) { $("case-error").textContent = e.message; });
  }

  var cannedFor = null;
  function loadCanned(id) {
    if (cannedFor === id) return;
    cannedFor = id;
    var sel = $("canned");
    while (sel.options.length > 1) sel.remove(1);
    api("GET", "/cases/" + id + "/canned").then(function (list) {
      list.forEach(function (r) { var o = document.createElement("option"); o.value = r.text; o.textContent = r.title; sel.appendChild(o); });
    }).catch(function () {});
  }
  $("canned").addEventListener("change", function () {
    if (this.value) { $("reply-text").value = this.value; this.selectedIndex = 0; }
  });

  function render(c) {
    loadCanned(c.id);
    $("case").hidden = false;
    $("case-title").textContent = "#" + c.id + " " + c.centre + " · " + (STATUS[c.status] || c.status) + " · " + (REASON[c.reason] || c.reason);
    $("case-timers").textContent = "首次响应：" + minutes(c.timers.first_response_seconds) + "　处理时长：" + minutes(c.timers.resolution_seconds);
    var t = $("transcript"); t.textContent = "";
    c.messages.forEach(function (m) {
      var d = document.createElement("div"); d.className = "msg " + m.author;
      var who = document.createElement("span"); who.className = "who"; who.textContent = (AUTHOR[m.author] || m.author) + " " + m.at.slice(11, 16);
      var body = document.createElement("span"); body.textContent = m.text;
      d.appendChild(who); d.appendChild(body); t.appendChild(d);
    });
    t.scrollTop = t.scrollHeight;
    $("context").textContent = JSON.stringify(c.context, null, 2);
    $("claim").disabled = !(c.status === "waiting" || c.status === "callback");
  }

  function act(path, body) {
    $("case-error").textContent = "";
    return api("POST", "/cases/" + current + path, body).then(function (c) {
      if (c.messages) render(c); else { current = null; $("case").hidden = true; }
      refreshQueue();
    }).catch(function (e) { $("case-error").textContent = e.message; });
  }

  $("claim").addEventListener("click", function () { act("/claim"); });
  $("reply").addEventListener("click", function () {
    var text = $("reply-text").value; act("/reply", { text: text }).then(function () { $("reply-text").value = ""; });
  });
  $("note").addEventListener("click", function () {
    var text = $("reply-text").value; act("/note", { text: text }).then(function () { $("reply-text").value = ""; });
  });
  $("transfer").addEventListener("click", function () { act("/transfer", { centre_id: Number($("transfer-to").value) }); });
  $("resolve").addEventListener("click", function () { act("/resolve", { reason: $("resolve-reason").value }); });
  $("handback").addEventListener("click", function () { act("/handback"); });

  $("login-form").addEventListener("submit", function (e) {
    e.preventDefault();
    $("login-error").textContent = "";
    fetch("/console/api/login", { method: "POST", headers: { "Content-Type": "application/json" }, credentials: "same-origin",
      body: JSON.stringify({ username: $("username").value, password: $("password").value }) })
      .then(function (r) { return r.json().then(function (d) { if (!r.ok) throw new Error(d.detail || "登录失败"); return d; }); })
      .then(function () { return api("GET", "/me"); }).then(showDesk)
      .catch(function (err) { $("login-error").textContent = err.message; });
  });
  $("logout").addEventListener("click", function () { api("POST", "/logout").then(showLogin, showLogin); });

  // New cases and new resident messages show up without reloading.
  setInterval(function () { refreshQueue(); refreshCase(); }, 1500);
  api("GET", "/me").then(showDesk).catch(showLogin);
})();
