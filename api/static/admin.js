// The admins' page: sign-in, tabs, and the one way panels talk to the backend (CSRF included).
// Each panel lives in its own file and registers Admin.sections.<name> = function (panel) {...};
// the shell calls it once, the first time its tab opens. Text is inserted with textContent only.
(function () {
  "use strict";
  var csrf = null;
  var $ = function (id) { return document.getElementById(id); };

  function detailOf(data) {
    var d = data && data.detail;
    if (typeof d === "string") return d;
    if (Array.isArray(d)) return d.map(function (x) { return x && x.msg; }).filter(Boolean).join("；") || null;
    return null;
  }
  function failure(message, status) { var e = new Error(message); e.status = status; return e; }

  // Any answer is read as text first, so a proxy's HTML error page is an error with its status.
  function api(method, path, body) {
    var opts = { method: method, headers: {}, credentials: "same-origin" };
    if (method !== "GET") { opts.headers["X-CSRF-Token"] = csrf || ""; }
    if (body !== undefined) { opts.headers["Content-Type"] = "application/json"; opts.body = JSON.stringify(body); }
    return fetch("/console/api" + path, opts).then(function (r) {
      return r.text().then(function (raw) {
        var data = null;
        try { data = raw ? JSON.parse(raw) : null; } catch (e) { data = undefined; }
        if (r.status === 401) { showLogin(); }
        if (!r.ok) { throw failure(detailOf(data) || "后台返回 " + r.status, r.status); }
        if (data === undefined) { throw failure("后台的回答无法读取（" + r.status + "）", r.status); }
        return data;
      });
    }, function () { throw failure("连不上后台", 0); });
  }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }

  var noticeTimer = null;
  function notify(message, isError) {
    var n = $("notice");
    n.textContent = message;
    n.className = "notice" + (isError ? " bad" : "");
    n.hidden = false;
    clearTimeout(noticeTimer);
    if (!isError) noticeTimer = setTimeout(function () { n.hidden = true; }, 6000);
  }

  var opened = {};
  function openPanel(name) {
    document.querySelectorAll(".admin-tabs [role=tab]").forEach(function (b) {
      b.setAttribute("aria-selected", String(b.dataset.panel === name));
    });
    document.querySelectorAll(".panel").forEach(function (p) { p.hidden = p.id !== "panel-" + name; });
    if (!opened[name] && Admin.sections[name]) {
      opened[name] = true;
      Admin.sections[name]($("panel-" + name));
    }
    if (Admin.shown[name]) Admin.shown[name]();
  }

  function showLogin() {
    $("login").hidden = false; $("admin").hidden = true; $("not-admin").hidden = true; $("logout").hidden = true;
  }
  function show(me) {
    csrf = me.csrf;
    $("login").hidden = true; $("logout").hidden = false;
    $("who").textContent = me.user.name;
    if (me.user.role !== "admin") { $("not-admin").hidden = false; $("admin").hidden = true; return; }
    $("not-admin").hidden = true; $("admin").hidden = false;
    var asked = location.hash.slice(1);
    openPanel(Object.prototype.hasOwnProperty.call(Admin.sections, asked) ? asked : "inbox");
  }

  window.Admin = { api: api, el: el, notify: notify, sections: {}, shown: {}, open: openPanel,
    // "2026-11-24T09:05:00" → "11-24 09:05": times are the district's, as the backend gives them.
    time: function (iso) { return iso ? iso.slice(5, 16).replace("T", " ") : ""; },
    pct: function (x) { return x == null ? "—" : Math.round(x * 100) + "%"; },
    start: function () {
      document.querySelectorAll(".admin-tabs [role=tab]").forEach(function (b) {
        b.addEventListener("click", function () { history.replaceState(null, "", "#" + b.dataset.panel); openPanel(b.dataset.panel); });
      });
      $("login-form").addEventListener("submit", function (e) {
        e.preventDefault();
        $("login-error").textContent = "";
        fetch("/console/api/login", { method: "POST", headers: { "Content-Type": "application/json" }, credentials: "same-origin",
          body: JSON.stringify({ username: $("username").value, password: $("password").value }) })
          .then(function (r) {
            return r.text().then(function (raw) {
              var d = null;
              try { d = JSON.parse(raw); } catch (x) { d = null; }
              if (!r.ok) throw new Error(detailOf(d) || "登录失败（" + r.status + "）");
            });
          })
          .then(function () { return api("GET", "/me"); }).then(show)
          .catch(function (err) { $("login-error").textContent = err.message === "Failed to fetch" ? "连不上后台" : err.message; });
      });
      $("logout").addEventListener("click", function () { api("POST", "/logout").then(showLogin, showLogin); });
      api("GET", "/me").then(show).catch(function (e) {
        showLogin();
        if (e.status !== 401) $("login-error").textContent = "连接后台出错：" + e.message;
      });
    } };
})();
