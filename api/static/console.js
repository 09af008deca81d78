// Staff console. Resident text is untrusted: everything is inserted with textContent.
(function () {
  "use strict";
  var csrf = null, current = null, myself = null;
  var $ = function (id) { return document.getElementById(id); };
  var TITLE = document.title;
  // Labels for stored codes come from the backend (GET /labels), defined there once.
  var AUTHOR = {}, REASON = {}, ACTION = {}, ROLE = {}, STATUS = {};
  function loadLabels() {
    return api("GET", "/labels").then(function (l) {
      AUTHOR = l.Author; REASON = l.Reason; ACTION = l.AuditAction; ROLE = l.Role; STATUS = l.CaseStatus;
    });
  }

  // Any answer is read as text first: a proxy's or a crashed server's HTML page is an error
  // with its status, not an exception that silently stops the desk.
  function api(method, path, body) {
    var opts = { method: method, headers: {}, credentials: "same-origin" };
    if (method !== "GET") { opts.headers["X-CSRF-Token"] = csrf || ""; }
    if (body) { opts.headers["Content-Type"] = "application/json"; opts.body = JSON.stringify(body); }
    return fetch("/console/api" + path, opts).then(function (r) {
      return r.text().then(function (raw) {
        var data = null;
        try { data = raw ? JSON.parse(raw) : null; } catch (e) { data = undefined; }
        if (r.status === 401) { showLogin(); }
        if (!r.ok) { throw failure(detailOf(data) || "后台返回 " + r.status + (r.statusText ? " " + r.statusText : ""), r.status); }
        if (data === undefined) { throw failure("后台的回答无法读取（" + r.status + "）", r.status); }
        return data;
      });
    }, function () { throw failure("连不上后台", 0); });
  }
  function failure(message, status) { var e = new Error(message); e.status = status; return e; }
  function detailOf(data) {
    var d = data && data.detail;
    if (typeof d === "string") return d;
    if (Array.isArray(d)) return d.map(function (x) { return x && x.msg; }).filter(Boolean).join("；") || null;
    return null;
  }

  // The desk polls; while the backend fails, a banner says so and the polls go on (that is the retry).
  var failing = {};
  function pollFailed(key, e) {
    if (e.status === 401 || $("desk").hidden) return;  // signed out: the sign-in form says what to do
    failing[key] = e.message;
    var first = Object.keys(failing)[0];
    setText($("conn-error"), "连接后台出错，正在重试…（" + failing[first] + "）");
    $("conn-error").hidden = false;
  }
  function pollOk(key) {
    delete failing[key];
    if (!Object.keys(failing).length) { $("conn-error").hidden = true; setText($("conn-error"), ""); }
  }
  function serverTrouble(e) { return !e.status || e.status >= 500; }

  function setText(el, s) { if (el.textContent !== s) el.textContent = s; }  // no churn, selections survive
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }
  function option(parent, value, text) {
    var o = document.createElement("option"); o.value = value; o.textContent = text; parent.appendChild(o);
  }
  function isSupervisor() { return myself && myself.role !== "staff"; }

  function showLogin() {
    $("login").hidden = false; $("desk").hidden = true; $("audit").hidden = true; $("conn-error").hidden = true;
    $("logout").hidden = true; $("show-audit").hidden = true; $("show-desk").hidden = true; $("mute").hidden = true;
    failing = {};
  }
  function showDesk(me) {
    csrf = me.csrf; myself = me.user;
    $("login").hidden = true; $("desk").hidden = false; $("audit").hidden = true; $("logout").hidden = false;
    $("show-audit").hidden = me.user.role === "staff";
    $("to-admin").hidden = me.user.role !== "admin";
    $("mute").hidden = false;
    $("queue-centre").hidden = !isSupervisor();
    $("manage-phrases").hidden = !isSupervisor();
    var who = function () { $("who").textContent = me.user.name + "（" + (me.user.centre || ROLE[me.user.role] || me.user.role) + "）"; };
    who();
    loadLabels().then(function () { who(); refreshQueue(); }, function () {});
    loadCentres();
    loadPhrases();
    refreshQueue();
  }

  // ---- centres: the transfer menu, the supervisors' queue filter and phrase form -------------------
  var centres = [];
  function loadCentres() {
    Promise.all([api("GET", "/centres"), api("GET", "/staff")]).then(function (got) {
      centres = got[0];
      var sel = $("transfer-to"); sel.textContent = "";
      option(sel, "", "转交给…（请选择）");  // nothing preselected: a stray click moves no case
      var group = document.createElement("optgroup"); group.label = "服务中心";
      centres.forEach(function (c) { option(group, "centre:" + c.id, c.name); });
      var people = document.createElement("optgroup"); people.label = "同事";
      got[1].forEach(function (p) {
        option(people, "staff:" + p.id, p.name + "（" + (p.centre || "主管") + "）" + (p.online ? " · 在线" : ""));
      });
      sel.appendChild(group); sel.appendChild(people);
      [$("queue-centre"), $("phrase-centre")].forEach(function (s) {
        while (s.options.length > 1) s.remove(1);
        centres.forEach(function (c) { option(s, c.id, c.name); });
      });
    }).catch(function () {});
  }

  function minutes(s) { return s == null ? "—" : Math.floor(s / 60) + "分" + (s % 60) + "秒"; }

  // ---- the queue: views, filter, search, counts, and an alert when a case arrives ---------------
  var view = "all", items = {}, queueBusy = false, queueAgain = false;
  var alertKnown = null;  // unassigned case ids already seen (null: not yet loaded for this filter)
  var fresh = {};  // arrived while this desk was open and not opened yet: highlighted, counted in the title
  function filterQuery(withView) {
    var p = [];
    if (withView) p.push("view=" + view);
    if ($("queue-centre").value) p.push("centre_id=" + encodeURIComponent($("queue-centre").value));
    var q = $("queue-search").value.trim();
    if (q) p.push("q=" + encodeURIComponent(q));
    return p.length ? "?" + p.join("&") : "";
  }
  function alertQuery() {
    return "?view=unassigned" + ($("queue-centre").value ? "&centre_id=" + encodeURIComponent($("queue-centre").value) : "");
  }

  function refreshQueue() {
    if ($("desk").hidden) return;
    if (queueBusy) { queueAgain = true; return; }  // one poll at a time; a filter change asks again after
    queueBusy = true; queueAgain = false;
    var list = filterQuery(true), counts = filterQuery(false), alerts = alertQuery();
    var same = list === alerts;
    Promise.all([api("GET", "/queue" + list), api("GET", "/queue/counts" + counts).catch(noCounts),
      same ? null : api("GET", "/queue" + alerts)]).then(function (got) {
      pollOk("queue");
      if (list !== filterQuery(true)) return;  // the filter changed meanwhile: this answer is stale
      noticeArrivals(same ? got[0] : got[2], alerts);
      renderQueue(got[0]);
      renderCounts(got[1]);
    }, function (e) { pollFailed("queue", e); }).then(function () {
      queueBusy = false;
      if (queueAgain) refreshQueue();
    });
  }

  function noCounts(e) { if (serverTrouble(e)) throw e; return null; }  // counts are a help, the list is the job

  var alertFor = null;
  function noticeArrivals(unassigned, key) {
    var ids = {};
    unassigned.forEach(function (c) { if (!c.assignee) ids[c.id] = true; });
    var arrived = 0;
    if (alertKnown && alertFor === key) {
      Object.keys(ids).forEach(function (id) { if (!alertKnown[id] && Number(id) !== current) { fresh[id] = true; arrived++; } });
    }
    Object.keys(fresh).forEach(function (id) { if (!ids[id]) delete fresh[id]; });  // a colleague took it
    alertKnown = ids; alertFor = key;
    var n = Object.keys(fresh).length;
    document.title = n ? "(" + n + ") " + TITLE : TITLE;
    if (arrived) beep();
  }

  // A short tone on arrival. Browsers allow sound only after the page was touched, so the
  // audio context is made on the first click or key press.
  var audio = null, muted = localStorage.getItem("console-muted") === "1";
  function unlockAudio() {
    var Ctx = window.AudioContext || window.webkitAudioContext;
    if (!audio && Ctx) { try { audio = new Ctx(); } catch (e) { audio = null; } }
    if (audio && audio.state === "suspended") audio.resume();
  }
  document.addEventListener("pointerdown", unlockAudio, true);
  document.addEventListener("keydown", unlockAudio, true);
  function beep() {
    if (muted || !audio) return;
    var osc = audio.createOscillator(), gain = audio.createGain(), t = audio.currentTime;
    osc.frequency.value = 880;
    gain.gain.setValueAtTime(0.2, t); gain.gain.exponentialRampToValueAtTime(0.001, t + 0.35);
    osc.connect(gain); gain.connect(audio.destination);
    osc.start(t); osc.stop(t + 0.35);
  }
  function showMute() {
    $("mute").textContent = muted ? "提示音：关" : "提示音：开";
    $("mute").setAttribute("aria-pressed", muted ? "true" : "false");
  }
  $("mute").addEventListener("click", function () {
    muted = !muted; localStorage.setItem("console-muted", muted ? "1" : "0"); showMute();
  });
  showMute();

  // Items are kept and updated in place: a poll never rebuilds the list under the mouse.
  function renderQueue(rows) {
    var q = $("queue"), seen = {};
    rows.forEach(function (c, i) {
      var li = items[c.id] || makeItem(c.id);
      fillItem(li, c);
      seen[c.id] = true;
      if (q.children[i] !== li) q.insertBefore(li, q.children[i] || null);
    });
    Object.keys(items).forEach(function (id) { if (!seen[id]) { items[id].remove(); delete items[id]; } });
    $("queue-empty").hidden = rows.length > 0;
  }
  function makeItem(id) {
    var li = el("li");
    li.dataset.id = id;
    li.appendChild(el("div", "head")); li.appendChild(el("div", "last")); li.appendChild(el("div", "meta"));
    li.querySelector(".head").appendChild(el("span", "what")); li.querySelector(".head").appendChild(el("span", "prio"));
    li.addEventListener("click", function () { openCase(id); });
    items[id] = li;
    return li;
  }
  function fillItem(li, c) {
    li.classList.toggle("selected", current === c.id);
    li.classList.toggle("fresh", !!fresh[c.id]);
    setText(li.querySelector(".what"), "#" + c.id + " " + (STATUS[c.status] || c.status) + " · " + (REASON[c.reason] || c.reason));
    setText(li.querySelector(".prio"), c.priority > 0 ? " 优先" : "");
    setText(li.querySelector(".last"), c.last_resident_text);
    setText(li.querySelector(".meta"), c.centre + " · 已等待" + minutes(c.timers.waiting_seconds) + (c.assignee ? " · " + c.assignee : ""));
  }
  function renderCounts(n) {
    ["mine", "unassigned", "all"].forEach(function (k) { setText($("count-" + k), n && n[k] != null ? String(n[k]) : ""); });
  }
  function showView() {
    Array.prototype.forEach.call(document.querySelectorAll(".tabs button"), function (b) {
      b.setAttribute("aria-selected", b.dataset.view === view ? "true" : "false");
    });
  }
  Array.prototype.forEach.call(document.querySelectorAll(".tabs button"), function (b) {
    b.addEventListener("click", function () { view = b.dataset.view; showView(); refreshQueue(); });
  });
  showView();
  $("queue-centre").addEventListener("change", function () { alertKnown = null; refreshQueue(); });
  var searchTimer = null;
  $("queue-search").addEventListener("input", function () { clearTimeout(searchTimer); searchTimer = setTimeout(refreshQueue, 250); });

  // ---- a case -----------------------------------------------------------------------------------
  // Opening a case is recorded in the audit log; the refreshes that follow only read.
  function openCase(id) {
    current = Number(id);
    delete fresh[current];
    if (items[current]) { items[current].classList.remove("fresh"); }
    Object.keys(items).forEach(function (k) { items[k].classList.toggle("selected", Number(k) === current); });
    $("case-error").textContent = "";
    $("flag-result").textContent = "";
    api("POST", "/cases/" + current + "/open").then(render).catch(function (e) { $("case-error").textContent = e.message; });
    loadContact(current);
    refreshQueue();
  }

  var caseBusy = false;
  function refreshCase() {
    if (current == null || caseBusy || $("desk").hidden) return;
    caseBusy = true;
    var asked = current;
    api("GET", "/cases/" + asked).then(function (c) {
      pollOk("case");
      if (asked === current) render(c);
    }, function (e) {
      if (serverTrouble(e)) pollFailed("case", e);
      else { pollOk("case"); if (asked === current) $("case-error").textContent = e.message; }
    }).then(function () { caseBusy = false; });
  }

  var LABELS = [["intent", "意图"], ["confidence", "置信度"]];
  var SLOT_LABELS = { service_code: "事项编码", community: "社区", aspect: "问的方面", incident_description: "问题描述",
    incident_address: "地点", contact_phone: "联系电话" };
  var INCIDENT_LABELS = { description: "反映的问题", category: "问题类别", grade: "等级", address: "地点", phone: "联系电话" };

  function row(dl, label, value) {
    if (value == null || value === "") return;
    dl.appendChild(el("dt", null, label));
    dl.appendChild(el("dd", null, String(value)));
  }
  // What the assistant understood, in words staff read at a glance: the backend names the
  // intent, item and aspect; the raw context is the fallback for a backend that does not.
  function renderUnderstood(c) {
    var dl = $("understood"), key = JSON.stringify(c.understood || c.context || {});
    if (dl.dataset.key === key) return;
    dl.dataset.key = key; dl.textContent = "";
    if (Array.isArray(c.understood)) {
      c.understood.forEach(function (r) { row(dl, r.label, r.value); });
    } else {
      var ctx = c.context || {};
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
    }
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
    var ul = $("tickets"), lines = list.map(function (t) {
      return t.number + " · " + t.category + " · " + t.status + " · " + t.department + " · 时限 " + t.deadline.replace("T", " ");
    });
    var key = lines.join("\n") + list.map(function (t) { return t.media_url || ""; }).join("\n");
    if (ul.dataset.key === key) return;
    ul.dataset.key = key; ul.textContent = "";
    lines.forEach(function (s, i) {
      var li = ul.appendChild(el("li", null, s)), url = list[i].media_url;
      // A photo the resident sent (WeChat), at its unguessable address on this backend.
      if (url && /^https?:\/\//.test(url)) {
        var a = el("a", "ticket-photo", "照片"); a.href = url; a.target = "_blank"; a.rel = "noopener noreferrer";
        li.appendChild(document.createTextNode(" · ")); li.appendChild(a);
      }
    });
  }

  // The transcript grows by what is new: a poll never takes away a selection or the place the
  // agent is reading. It follows new messages only when the agent is at the bottom.
  var shownFor = null, shownIds = {};
  function renderTranscript(c) {
    var t = $("transcript"), first = shownFor !== c.id;
    if (first) { t.textContent = ""; shownIds = {}; shownFor = c.id; $("new-messages").hidden = true; grow(); }
    var atBottom = t.scrollHeight - t.scrollTop - t.clientHeight < 30, added = 0;
    c.messages.forEach(function (m, i) {
      var key = m.id != null ? m.id : "n" + i;
      if (shownIds[key]) return;
      shownIds[key] = true; added++;
      t.appendChild(message(m));
    });
    if (first || (added && atBottom)) t.scrollTop = t.scrollHeight;
    else if (added) $("new-messages").hidden = false;
  }
  function message(m) {
    var d = el("div", "msg " + m.author);
    var who = (AUTHOR[m.author] || m.author) + (m.staff ? "·" + m.staff : "") + " " + m.at.slice(11, 16);
    d.appendChild(el("span", "who", who));
    d.appendChild(el("span", "body", m.text));
    if (m.author === "system") d.appendChild(el("span", "meta", " " + m.at.slice(11, 16)));
    if (m.asr_confidence != null) {  // heard on the phone: how sure the speech recognition was
      d.appendChild(el("span", "asr" + (m.asr_confidence < 0.6 ? " low" : ""), "语音识别置信度 " + Math.round(m.asr_confidence * 100) + "%"));
    }
    return d;
  }
  $("transcript").addEventListener("scroll", function () {
    var t = this;
    if (t.scrollHeight - t.scrollTop - t.clientHeight < 30) $("new-messages").hidden = true;
  });
  $("new-messages").addEventListener("click", function () {
    var t = $("transcript"); t.scrollTop = t.scrollHeight; this.hidden = true;
  });

  function render(c) {
    if (c.id !== current) return;
    loadCanned(c.id);
    prefillTicket(c);
    caseCentre = c.centre;
    $("case").hidden = false; $("case-none").hidden = true;
    setText($("case-title"), "#" + c.id + " " + c.centre + " · " + (STATUS[c.status] || c.status) + " · " + (REASON[c.reason] || c.reason));
    setText($("case-timers"), "首次响应：" + minutes(c.timers.first_response_seconds) + "　处理时长：" + minutes(c.timers.resolution_seconds));
    renderAssistant(c);
    renderTranscript(c);
    renderUnderstood(c);
    renderTickets(c.tickets || []);
    // A case handed back or resolved is over: its buttons go quiet.
    var over = c.status === "returned" || c.status === "resolved";
    CASE_CONTROLS.forEach(function (id) { $(id).disabled = over; });
    $("case-over").hidden = !over;
    if (over) closePicker();
    $("claim").disabled = over || !(c.status === "waiting" || c.status === "callback");
    // A colleague's claimed case is theirs to pass on (the backend refuses others too).
    var othersCase = c.status === "claimed" && myself && myself.role === "staff" && c.assignee !== myself.name;
    $("transfer-to").disabled = over || !!othersCase;
    $("transfer").disabled = over || !!othersCase || !$("transfer-to").value;
    $("transfer").title = othersCase ? "已由" + c.assignee + "认领，只有认领人或主管可以转交" : "";
  }

  var CASE_CONTROLS = ["reply-text", "reply", "note", "phrases", "resolve-reason", "resolve", "handback", "file-ticket",
    "link-ticket"];

  // Calls to the assistant (pause, hand back, a staff line) that Rasa has not confirmed yet: they
  // are retried until it does, and staff are told so instead of "done".
  var KINDS = { resume: "交回助手", pause: "暂停助手", staff_line: "回复记录", notice: "接待通知" };
  function renderAssistant(c) {
    var a = c.assistant || { pending: 0 }, p = $("case-assistant");
    p.hidden = !a.pending;
    if (!a.pending) { setText(p, ""); return; }
    var what = (a.kinds || []).map(function (k) { return KINDS[k] || k; })
      .filter(function (k, i, all) { return all.indexOf(k) === i; }).join("、");
    setText(p, (c.status === "returned"
      ? "已交回，但智能助手暂时连不上，还没有接上这个对话：恢复后会自动接上，居民届时即可继续提问。"
      : "智能助手暂时连不上，" + what + "尚未送达，恢复后会自动补发。") +
      (a.failed ? "（已尝试" + a.attempts + "次）" : "（发送中）"));
  }

  // ---- the resident: masked phone, earlier work orders and conversations ------------------------
  function loadContact(id) {
    ["contact-phone", "contact-tickets", "contact-conversations"].forEach(function (k) { $(k).textContent = ""; });
    api("GET", "/cases/" + id + "/contact").then(function (p) {
      if (id !== current) return;
      row($("contact-phone"), "电话", p.phone || "未留电话");
      fillList($("contact-tickets"), p.tickets, function (t) {
        return el("li", null, t.number + " · " + t.category + " · " + t.status + " · " + day(t.created_at));
      });
      fillList($("contact-conversations"), p.conversations, function (v) {
        var li = el("li"), b = el("button", null, "#" + v.id);
        b.type = "button"; b.title = "打开这个会话";
        b.addEventListener("click", function () { openCase(v.id); });
        li.appendChild(b);
        li.appendChild(document.createTextNode(" " + v.reason + " · " + v.status + " · " + day(v.created_at) +
          (v.resolution ? " · " + v.resolution : "")));
        return li;
      });
    }).catch(function (e) { if (id === current) row($("contact-phone"), "—", "居民信息暂时读不到：" + e.message); });
  }
  function fillList(ul, list, make) {
    if (!list || !list.length) { ul.appendChild(el("li", "meta", "没有")); return; }
    list.forEach(function (x) { ul.appendChild(make(x)); });
  }
  function day(iso) { return (iso || "").replace("T", " ").slice(0, 16); }

  // ---- actions --------------------------------------------------------------------------------
  function act(path, body) {
    $("case-error").textContent = "";
    var id = current;
    return api("POST", "/cases/" + id + path, body).then(function (c) {
      if (c.messages) render(c); else { current = null; $("case").hidden = true; $("case-none").hidden = false; }
      refreshQueue();
      return c;
    }).catch(function (e) { $("case-error").textContent = e.message; throw e; });
  }
  function quiet() {}

  $("claim").addEventListener("click", function () { act("/claim").catch(quiet); });
  $("reply").addEventListener("click", function () {
    act("/reply", { text: $("reply-text").value }).then(clearReply, quiet);
  });
  $("note").addEventListener("click", function () {
    act("/note", { text: $("reply-text").value }).then(clearReply, quiet);
  });
  function clearReply() { $("reply-text").value = ""; grow(); }
  $("transfer").addEventListener("click", function () {
    var to = $("transfer-to").value.split(":");
    if (!to[1]) return;
    act("/transfer", to[0] === "staff" ? { staff_id: Number(to[1]) } : { centre_id: Number(to[1]) })
      .then(function () { $("transfer-to").value = ""; $("transfer").disabled = true; }, quiet);
  });
  $("transfer-to").addEventListener("change", function () { $("transfer").disabled = !$("transfer-to").value; });
  $("file-ticket").addEventListener("click", function () {
    act("/tickets", { description: $("ticket-description").value, address: $("ticket-address").value,
      phone: $("ticket-phone").value }).catch(quiet);
  });
  $("link-ticket").addEventListener("click", function () { act("/tickets", { link: $("link-number").value }).catch(quiet); });
  $("resolve").addEventListener("click", function () { act("/resolve", { reason: $("resolve-reason").value }).catch(quiet); });
  $("handback").addEventListener("click", function () { act("/handback").catch(quiet); });

  // ---- the reply box: grows with its text, "/" opens the phrases ---------------------------------
  function grow() {
    var t = $("reply-text"), max = Math.max(60, Math.round($("case").clientHeight * 0.4));
    t.style.height = "auto";
    var h = t.scrollHeight + 2;
    t.style.height = Math.min(h, max) + "px";
    t.style.overflowY = h > max ? "auto" : "hidden";
  }
  window.addEventListener("resize", grow);

  // The centre's own phrases (GET /phrases) and the guide sections of the item the resident
  // asked about (GET /cases/{id}/canned), in one list.
  // Supervisors take cases of any centre: they get that centre's phrases, as its staff do.
  var phrases = [], guide = [], cannedFor = null, caseCentre = null;
  function loadPhrases() {
    var centre = centres.filter(function (c) { return c.name === caseCentre; })[0];
    var q = isSupervisor() && centre ? "?centre_id=" + centre.id : "";
    return api("GET", "/phrases" + q).then(function (list) { phrases = list; renderPicker(); }).catch(function () {});
  }
  function loadCanned(id) {
    if (cannedFor === id) return;
    cannedFor = id; guide = [];
    api("GET", "/cases/" + id + "/canned").then(function (list) { if (cannedFor === id) { guide = list; renderPicker(); } })
      .catch(function () {});
  }

  var picked = 0, shown = [], slash = false;
  function pickerEntries() {
    var mine = phrases.map(function (p) { return { group: p.centre ? "本中心" : "全区", title: p.title, text: p.text }; });
    return mine.concat(guide.map(function (g) { return { group: "办事指南", title: g.title, text: g.text }; }));
  }
  function pickerFilter() {
    if (slash) { var m = /^\/(\S*)$/.exec($("reply-text").value); return m ? m[1] : ""; }
    return $("phrase-filter").value.trim();
  }
  function renderPicker() {
    if ($("phrase-picker").hidden) return;
    var f = pickerFilter().toLowerCase(), ul = $("phrase-list");
    shown = pickerEntries().filter(function (p) {
      return !f || p.title.toLowerCase().indexOf(f) >= 0 || p.text.toLowerCase().indexOf(f) >= 0;
    });
    picked = Math.min(picked, Math.max(shown.length - 1, 0));
    ul.textContent = "";
    shown.forEach(function (p, i) {
      var li = el("li", i === picked ? "active" : null);
      li.setAttribute("role", "option");
      li.appendChild(el("span", "group", p.group)); li.appendChild(el("strong", null, p.title)); li.appendChild(el("span", "text", p.text));
      li.title = p.text;
      li.addEventListener("mousedown", function (e) { e.preventDefault(); insertPhrase(p); });
      ul.appendChild(li);
    });
    if (!shown.length) ul.appendChild(el("li", "meta", "没有符合的常用语"));
    var active = ul.querySelector(".active");
    if (active) active.scrollIntoView({ block: "nearest" });
  }
  function openPicker(bySlash) {
    slash = bySlash; picked = 0;
    loadPhrases();  // a supervisor may have changed them since
    $("phrase-picker").hidden = false;
    $("phrase-filter").hidden = bySlash;
    if (!bySlash) { $("phrase-filter").value = ""; $("phrase-filter").focus(); }
    renderPicker();
  }
  function closePicker() { $("phrase-picker").hidden = true; slash = false; }
  function insertPhrase(p) {
    var t = $("reply-text");
    if (slash) t.value = p.text;
    else {
      var at = t.selectionStart || 0, end = t.selectionEnd || at;
      t.value = t.value.slice(0, at) + p.text + t.value.slice(end);
    }
    closePicker();
    t.focus();
    grow();
  }
  function pickerKeys(e) {
    if ($("phrase-picker").hidden) return;
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      picked = Math.max(0, Math.min(shown.length - 1, picked + (e.key === "ArrowDown" ? 1 : -1)));
      renderPicker(); e.preventDefault();
    } else if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
      if (shown[picked]) { insertPhrase(shown[picked]); e.preventDefault(); }
    } else if (e.key === "Escape") { closePicker(); $("reply-text").focus(); e.preventDefault(); }
  }
  $("reply-text").addEventListener("keydown", pickerKeys);
  $("phrase-filter").addEventListener("keydown", pickerKeys);
  $("phrase-filter").addEventListener("input", function () { picked = 0; renderPicker(); });
  $("reply-text").addEventListener("input", function () {
    grow();
    if (/^\/\S*$/.test(this.value)) { if ($("phrase-picker").hidden || !slash) openPicker(true); else { picked = 0; renderPicker(); } }
    else if (slash) closePicker();
  });
  $("reply-text").addEventListener("blur", function () { if (slash) setTimeout(closePicker, 150); });
  $("phrases").addEventListener("click", function () { if ($("phrase-picker").hidden) openPicker(false); else closePicker(); });
  document.addEventListener("mousedown", function (e) {
    if (!$("phrase-picker").hidden && !$("phrase-picker").contains(e.target) && e.target !== $("phrases") &&
        e.target !== $("reply-text")) closePicker();
  });

  // Supervisors keep the phrases: add, edit, delete (the backend audits each edit).
  var editing = null, allPhrases = [];
  function renderPhraseRows() {
    var tb = $("phrase-rows"); tb.textContent = "";
    allPhrases.forEach(function (p) {
      var tr = el("tr");
      tr.appendChild(el("td", null, p.title)); tr.appendChild(el("td", null, p.text)); tr.appendChild(el("td", null, p.centre || "全区通用"));
      var td = el("td"), edit = el("button", null, "修改"), del = el("button", null, "删除");
      edit.type = del.type = "button";
      edit.addEventListener("click", function () { editPhrase(p); });
      del.addEventListener("click", function () {
        if (!window.confirm("删除常用语“" + p.title + "”？")) return;
        api("DELETE", "/phrases/" + p.id).then(function () { if (editing === p.id) editPhrase(null); return reloadPhrases(); })
          .catch(function (e) { $("phrase-error").textContent = e.message; });
      });
      td.appendChild(edit); td.appendChild(del); tr.appendChild(td);
      tb.appendChild(tr);
    });
  }
  function reloadPhrases() {
    loadPhrases();
    return api("GET", "/phrases").then(function (list) { allPhrases = list; renderPhraseRows(); });
  }
  function editPhrase(p) {
    editing = p ? p.id : null;
    $("phrase-form-title").textContent = p ? "修改常用语" : "新增常用语";
    $("phrase-title").value = p ? p.title : ""; $("phrase-text").value = p ? p.text : "";
    $("phrase-centre-label").hidden = !!p;  // where a phrase applies is set when it is made
    $("phrase-error").textContent = "";
    $("phrase-title").focus();
  }
  $("manage-phrases").addEventListener("click", function () {
    closePicker();
    $("phrase-admin").showModal();
    editPhrase(null);
    reloadPhrases().catch(function (e) { $("phrase-error").textContent = e.message; });
  });
  $("phrase-new").addEventListener("click", function () { editPhrase(null); });
  $("phrase-close").addEventListener("click", function () { $("phrase-admin").close(); });
  $("phrase-form").addEventListener("submit", function (e) {
    e.preventDefault();
    var body = { title: $("phrase-title").value.trim(), text: $("phrase-text").value.trim() };
    if (!editing && $("phrase-centre").value) body.centre_id = Number($("phrase-centre").value);
    (editing ? api("PUT", "/phrases/" + editing, body) : api("POST", "/phrases", body))
      .then(function () { editPhrase(null); return reloadPhrases(); })
      .catch(function (err) { $("phrase-error").textContent = err.message; });
  });

  // Staff tell the admins the assistant misread this resident: the message goes to their review inbox.
  $("flag-misunderstood").addEventListener("click", function () {
    if (current == null) return;
    var asked = current;
    api("POST", "/cases/" + asked + "/misunderstood", {}).then(function () {
      if (asked === current) $("flag-result").textContent = "已告诉管理员，谢谢。他们会复核并教会助手。";
    }).catch(function (e) { if (asked === current) $("flag-result").textContent = e.message; });
  });

  // ---- sign-in and the audit log -----------------------------------------------------------------
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
          return d;
        });
      })
      .then(function () { return api("GET", "/me"); }).then(showDesk)
      .catch(function (err) { $("login-error").textContent = err.message === "Failed to fetch" ? "连不上后台" : err.message; });
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
  api("GET", "/me").then(showDesk).catch(function (e) {
    showLogin();
    if (e.status !== 401) $("login-error").textContent = "连接后台出错：" + e.message;
  });
})();
