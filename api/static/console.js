// Staff console. Resident text is untrusted: everything is inserted with textContent.
(function () {
  "use strict";
  var csrf = null, current = null, myself = null;
  var $ = function (id) { return document.getElementById(id); };
  // Labels for stored codes come from the backend (GET /labels), defined there once.
  var AUTHOR = {}, REASON = {}, ACTION = {}, ROLE = {}, STATUS = {};
  function loadLabels() {
    return api("GET", "/labels").then(function (l) {
      AUTHOR = l.Author; REASON = l.Reason; ACTION = l.AuditAction; ROLE = l.Role; STATUS = l.CaseStatus;
    });
  }

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

  function showLogin() {
    $("login").hidden = false; $("desk").hidden = true; $("audit").hidden = true;
    $("logout").hidden = true; $("show-audit").hidden = true; $("show-desk").hidden = true;
  }
  function showDesk(me) {
    csrf = me.csrf; myself = me.user;
    loadLabels().then(refreshQueue, function () {});
    $("who").textContent = me.user.name + "（" + (me.user.centre || ROLE[me.user.role] || me.user.role) + "）";
    $("login").hidden = true; $("desk").hidden = false; $("audit").hidden = true; $("logout").hidden = false;
    $("show-audit").hidden = me.user.role === "staff";
    loadTransferTargets();
    refreshQueue();
  }

  function option(parent, value, text) {
    var o = document.createElement("option"); o.value = value; o.textContent = text; parent.appendChild(o);
  }
  // Transfer to a centre's queue, or straight to a named colleague (signed-in ones marked).
  function loadTransferTargets() {
    Promise.all([api("GET", "/centres"), api("GET", "/staff")]).then(function (got) {
      var sel = $("transfer-to"); sel.textContent = "";
      option(sel, "", "转交给…（请选择）");  // nothing preselected: a stray click moves no case
      var centres = document.createElement("optgroup"); centres.label = "服务中心";
      got[0].forEach(function (c) { option(centres, "centre:" + c.id, c.name); });
      var people = document.createElement("optgroup"); people.label = "同事";
      got[1].forEach(function (p) {
        option(people, "staff:" + p.id, p.name + "（" + (p.centre || "主管") + "）" + (p.online ? " · 在线" : ""));
      });
      sel.appendChild(centres); sel.appendChild(people);
    }).catch(function () {});
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
        li.addEventListener("click", function () { current = c.id; openCase(); refreshQueue(); });
        q.appendChild(li);
      });
    }).catch(function () {});
  }

  // Opening a case is recorded in the audit log; the refreshes that follow only read.
  function openCase() {
    api("POST", "/cases/" + current + "/open").then(render).catch(function (e) { $("case-error").textContent = e.message; });
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

  var LABELS = [["intent", "意图"], ["confidence", "置信度"]];
  var SLOT_LABELS = { service_code: "事项编码", community: "社区", aspect: "问的方面", incident_description: "问题描述",
    incident_address: "地点", contact_phone: "联系电话" };
  var INCIDENT_LABELS = { description: "反映的问题", category: "问题类别", grade: "等级", address: "地点", phone: "联系电话" };

  function row(dl, label, value) {
    if (value == null || value === "") return;
    var dt = document.createElement("dt"); dt.textContent = label;
    var dd = document.createElement("dd"); dd.textContent = String(value);
    dl.appendChild(dt); dl.appendChild(dd);
  }
  // What the assistant understood, in words staff read at a glance.
  function renderUnderstood(ctx) {
    var dl = $("understood"); dl.textContent = "";
    ctx = ctx || {};
    LABELS.forEach(function (l) {
      var v = ctx[l[0]];
      row(dl, l[1], typeof v === "number" ? Math.round(v * 100) + "%" : v);
    });
    (ctx.entities || []).forEach(function (e) { row(dl, "识别到", e.entity + "：" + e.value); });
    var slots = ctx.slots || {};
    Object.keys(slots).forEach(function (k) { row(dl, SLOT_LABELS[k] || k, slots[k]); });
    row(dl, "回电号码", ctx.callback_phone);
    var inc = ctx.incident || {};
    Object.keys(inc).forEach(function (k) { row(dl, INCIDENT_LABELS[k] || k, inc[k]); });
    if (!dl.firstChild) row(dl, "—", "助手没有记下什么");
  }

  // The report form starts from what the resident already told the assistant; staff edits
  // are kept while the case re-renders.
  var formFor = null;
  function prefillTicket(c) {
    if (formFor === c.id) return;
    formFor = c.id;
    var ctx = c.context || {}, inc = ctx.incident || {}, slots = ctx.slots || {};
    var lastResident = c.messages.filter(function (m) { return m.author === "resident"; }).pop();
    $("ticket-description").value = inc.description || slots.incident_description || (lastResident ? lastResident.text : "");
    $("ticket-address").value = inc.address || slots.incident_address || "";
    $("ticket-phone").value = inc.phone || slots.contact_phone || "";
    $("link-number").value = "";
    $("ticket-box").open = c.reason === "dispute" || !!inc.description;
  }

  function renderTickets(list) {
    var ul = $("tickets"); ul.textContent = "";
    list.forEach(function (t) {
      var li = document.createElement("li");
      li.textContent = t.number + " · " + t.category + " · " + t.status + " · " + t.department + " · 时限 " + t.deadline.replace("T", " ");
      ul.appendChild(li);
    });
  }

  function render(c) {
    loadCanned(c.id);
    prefillTicket(c);
    $("case").hidden = false;
    $("case-title").textContent = "#" + c.id + " " + c.centre + " · " + (STATUS[c.status] || c.status) + " · " + (REASON[c.reason] || c.reason);
    $("case-timers").textContent = "首次响应：" + minutes(c.timers.first_response_seconds) + "　处理时长：" + minutes(c.timers.resolution_seconds);
    renderAssistant(c);
    var t = $("transcript"); t.textContent = "";
    c.messages.forEach(function (m) {
      var d = document.createElement("div"); d.className = "msg " + m.author;
      var who = document.createElement("span"); who.className = "who"; who.textContent = (AUTHOR[m.author] || m.author) + " " + m.at.slice(11, 16);
      var body = document.createElement("span"); body.textContent = m.text;
      d.appendChild(who); d.appendChild(body);
      if (m.asr_confidence != null) {  // heard on the phone: how sure the speech recognition was
        var asr = document.createElement("span");
        asr.className = "asr" + (m.asr_confidence < 0.6 ? " low" : "");
        asr.textContent = "语音识别置信度 " + Math.round(m.asr_confidence * 100) + "%";
        d.appendChild(asr);
      }
      t.appendChild(d);
    });
    t.scrollTop = t.scrollHeight;
    renderUnderstood(c.context);
    renderTickets(c.tickets || []);
    // A case handed back or resolved is over: its buttons go quiet.
    var over = c.status === "returned" || c.status === "resolved";
    CASE_CONTROLS.forEach(function (id) { $(id).disabled = over; });
    $("case-over").hidden = !over;
    $("claim").disabled = over || !(c.status === "waiting" || c.status === "callback");
    // A colleague's claimed case is theirs to pass on (the backend refuses others too).
    var othersCase = c.status === "claimed" && myself && myself.role === "staff" && c.assignee !== myself.name;
    $("transfer-to").disabled = over || !!othersCase;
    $("transfer").disabled = over || !!othersCase || !$("transfer-to").value;
    $("transfer").title = othersCase ? "已由" + c.assignee + "认领，只有认领人或主管可以转交" : "";
  }

  var CASE_CONTROLS = ["reply-text", "reply", "note", "canned", "resolve-reason", "resolve", "handback", "file-ticket",
    "link-ticket"];

  // Calls to the assistant (pause, hand back, a staff line) that Rasa has not confirmed yet: they
  // are retried until it does, and staff are told so instead of "done".
  var KINDS = { resume: "交回助手", pause: "暂停助手", staff_line: "回复记录" };
  function renderAssistant(c) {
    var a = c.assistant || { pending: 0 }, p = $("case-assistant");
    p.hidden = !a.pending;
    if (!a.pending) { p.textContent = ""; return; }
    var what = (a.kinds || []).map(function (k) { return KINDS[k] || k; }).join("、");
    p.textContent = (c.status === "returned"
      ? "已交回，但智能助手暂时连不上，还没有接上这个对话：恢复后会自动接上，居民届时即可继续提问。"
      : "智能助手暂时连不上，" + what + "尚未送达，恢复后会自动补发。") +
      (a.failed ? "（已尝试" + a.attempts + "次）" : "（发送中）");
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
  $("transfer").addEventListener("click", function () {
    var to = $("transfer-to").value.split(":");
    if (!to[1]) return;
    act("/transfer", to[0] === "staff" ? { staff_id: Number(to[1]) } : { centre_id: Number(to[1]) })
      .then(function () { $("transfer-to").value = ""; $("transfer").disabled = true; });
  });
  $("transfer-to").addEventListener("change", function () { $("transfer").disabled = !$("transfer-to").value; });
  $("file-ticket").addEventListener("click", function () {
    act("/tickets", { description: $("ticket-description").value, address: $("ticket-address").value,
      phone: $("ticket-phone").value });
  });
  $("link-ticket").addEventListener("click", function () { act("/tickets", { link: $("link-number").value }); });
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

  // Audit log (supervisors and admins): newest first, older pages on demand.
  var oldestShown = null;
  function loadAudit(more) {
    if (!more) { $("audit-rows").textContent = ""; oldestShown = null; }
    api("GET", "/audit?limit=50" + (oldestShown ? "&before=" + oldestShown : "")).then(function (rows) {
      rows.forEach(function (e) {
        var tr = document.createElement("tr");
        [e.at.replace("T", " "), e.user || e.username || "（未知用户）", ACTION[e.action] || e.action, e.target, e.detail].forEach(function (v) {
          var td = document.createElement("td"); td.textContent = v || ""; tr.appendChild(td);
        });
        $("audit-rows").appendChild(tr);
        oldestShown = e.id;
      });
      $("audit-more").disabled = rows.length < 50;
    }).catch(function (e) { $("audit-rows").textContent = e.message; });
  }
  $("show-audit").addEventListener("click", function () {
    $("desk").hidden = true; $("audit").hidden = false; $("show-audit").hidden = true; $("show-desk").hidden = false;
    loadAudit(false);
  });
  $("show-desk").addEventListener("click", function () {
    $("desk").hidden = false; $("audit").hidden = true; $("show-audit").hidden = false; $("show-desk").hidden = true;
  });
  $("audit-more").addEventListener("click", function () { loadAudit(true); });

  // New cases and new resident messages show up without reloading.
  setInterval(function () { refreshQueue(); refreshCase(); }, 1500);
  api("GET", "/me").then(showDesk).catch(showLogin);
})();
