// Review inbox: messages the assistant handled badly, grouped by similar text. An admin reads the
// conversation around one, labels it (intent, route, entities) or marks it as noise; labels go to
// nlu_data/reviewed.yml on the backend. Resident text is untrusted: textContent only.
(function () {
  "use strict";
  var A = window.Admin, el = A.el;
  var REASON = {}, STATUS = {}, INTENTS = [], ROUTES = [], ENTITIES = [];
  var ui = {}, state = { status: "open", reason: "", q: "", selected: null, entities: [] };

  function nameOf(list, code) {
    for (var i = 0; i < list.length; i++) if (list[i].code === code) return list[i].name;
    return code || "—";
  }
  function option(select, value, text) {
    var o = document.createElement("option"); o.value = value; o.textContent = text; select.appendChild(o);
  }

  function build(panel) {
    panel.appendChild(el("h3", null, "待复核消息：助手可能理解错的话"));
    var bar = el("div", "toolbar");
    ui.status = document.createElement("select"); ui.status.setAttribute("aria-label", "状态");
    ui.reason = document.createElement("select"); ui.reason.setAttribute("aria-label", "原因");
    ui.q = document.createElement("input"); ui.q.type = "search"; ui.q.placeholder = "搜索消息内容"; ui.q.setAttribute("aria-label", "搜索消息内容");
    ui.collect = el("button", null, "收集新消息"); ui.collect.type = "button"; ui.collect.id = "inbox-collect";
    ui.summary = el("span", "meta");
    [ui.status, ui.reason, ui.q, ui.collect, ui.summary].forEach(function (x) { bar.appendChild(x); });
    panel.appendChild(bar);
    var split = el("div", "split");
    ui.list = el("ol", "list"); ui.list.id = "inbox-groups";
    ui.detail = el("div", "detail"); ui.detail.id = "inbox-detail";
    ui.detail.appendChild(el("p", "meta", "在左侧选一组消息"));
    split.appendChild(ui.list); split.appendChild(ui.detail);
    panel.appendChild(split);
    ui.status.addEventListener("change", function () { state.status = ui.status.value; load(); });
    ui.reason.addEventListener("change", function () { state.reason = ui.reason.value; load(); });
    var timer = null;
    ui.q.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(function () { state.q = ui.q.value.trim(); load(); }, 300); });
    ui.collect.addEventListener("click", function () {
      ui.collect.disabled = true;
      A.api("POST", "/admin/inbox/collect").then(function (r) {
        A.notify("收集到 " + r.added + " 条新消息");
        load();
      }).catch(function (e) { A.notify(e.message, true); }).then(function () { ui.collect.disabled = false; });
    });
  }

  function fillFilters(labels) {
    REASON = labels.ReviewReason || {}; STATUS = labels.ReviewStatus || {};
    if (ui.status.options.length) return;
    Object.keys(STATUS).forEach(function (k) { option(ui.status, k, STATUS[k]); });
    ui.status.value = state.status;
    option(ui.reason, "", "全部原因");
    Object.keys(REASON).forEach(function (k) { option(ui.reason, k, REASON[k]); });
  }

  function load() {
    var qs = "?status=" + encodeURIComponent(state.status) + "&limit=100" +
      (state.reason ? "&reason=" + encodeURIComponent(state.reason) : "") + (state.q ? "&q=" + encodeURIComponent(state.q) : "");
    return A.api("GET", "/admin/inbox" + qs).then(function (r) {
      fillFilters(r.labels || {});
      ui.summary.textContent = "共 " + r.total + " 条，" + r.groups.length + " 组";
      if (state.status === "open") document.getElementById("count-inbox").textContent = r.total || "";
      ui.list.textContent = "";
      if (!r.groups.length) ui.list.appendChild(el("li", "meta", "没有消息"));
      r.groups.forEach(function (g) {
        var li = el("li"); li.dataset.item = g.item_ids[0];
        var head = el("div");
        head.appendChild(el("span", "badge count", "×" + g.count));
        Object.keys(g.reasons || {}).forEach(function (k) { head.appendChild(el("span", "badge warn", (REASON[k] || k) + (g.reasons[k] > 1 ? " " + g.reasons[k] : ""))); });
        li.appendChild(head);
        li.appendChild(el("div", "text", g.text));
        li.appendChild(el("div", "meta", "助手理解为：" + nameOf(INTENTS, g.intent) + "（" + A.pct(g.intent_confidence) + "）" +
          (g.route ? "，去向：" + nameOf(ROUTES, g.route) + (g.route_score != null ? "（" + g.route_score.toFixed(2) + "）" : "") : "") +
          " · " + A.time(g.latest_at)));
        li.addEventListener("click", function () { select(g.item_ids[0]); });
        if (String(state.selected) === String(g.item_ids[0])) li.classList.add("selected");
        ui.list.appendChild(li);
      });
    }).catch(function (e) { ui.list.textContent = ""; ui.list.appendChild(el("li", "error", e.message)); });
  }

  function select(id) {
    state.selected = id; state.entities = [];
    Array.prototype.forEach.call(ui.list.children, function (li) { li.classList.toggle("selected", li.dataset.item === String(id)); });
    A.api("GET", "/admin/inbox/items/" + id).then(render).catch(function (e) {
      ui.detail.textContent = ""; ui.detail.appendChild(el("p", "error", e.message));
    });
  }

  // The entity picker works on a selection inside the message text: its offsets are the span.
  function selectionSpan(box) {
    var sel = window.getSelection();
    if (!sel.rangeCount) return null;
    var r = sel.getRangeAt(0);
    if (r.collapsed || r.startContainer !== box.firstChild || r.endContainer !== box.firstChild) return null;
    return { start: r.startOffset, end: r.endOffset };
  }

  function render(item) {
    var d = ui.detail; d.textContent = "";
    d.appendChild(el("h4", null, "居民说"));
    var said = el("div", "said", item.text); said.id = "inbox-text";
    d.appendChild(said);
    d.appendChild(el("p", "meta", (REASON[item.reason] || item.reason) + " · " + A.time(item.at) + " · 会话 " + (item.sender || "") +
      (item.group_item_ids && item.group_item_ids.length > 1 ? " · 同组 " + item.group_item_ids.length + " 条" : "")));
    d.appendChild(el("p", null, "助手理解为：" + nameOf(INTENTS, item.intent) + "（把握 " + A.pct(item.intent_confidence) + "）" +
      (item.route ? "；去向：" + nameOf(ROUTES, item.route) + (item.route_score != null ? "（得分 " + item.route_score.toFixed(2) + "）" : "") : "")));
    if (item.context && item.context.length) {
      d.appendChild(el("h4", null, "对话上下文"));
      var ctx = el("div", "context");
      item.context.forEach(function (line) {
        var p = el("div", "line" + (line.this ? " this" : ""));
        p.appendChild(el("span", "who", { resident: "居民", bot: "助手", staff: "工作人员" }[line.from] || line.from));
        p.appendChild(document.createTextNode(line.text));
        ctx.appendChild(p);
      });
      d.appendChild(ctx);
    }
    if (item.label) {
      d.appendChild(el("p", "badge ok", "已标注：" + nameOf(INTENTS, item.label.intent) + (item.label.route ? " / " + nameOf(ROUTES, item.label.route) : "")));
    }
    var form = el("form", "form"); form.id = "label-form";
    form.appendChild(el("h4", null, "标注正确的意思"));
    var intent = document.createElement("select"); intent.id = "label-intent"; intent.required = true;
    option(intent, "", "选择意图…");
    INTENTS.forEach(function (i) { option(intent, i.code, i.name + "（" + i.code + "）"); });
    var route = document.createElement("select"); route.id = "label-route";
    option(route, "", "去向：按意图");
    ROUTES.forEach(function (r) { option(route, r.code, r.name); });
    var suggested = item.suggested || (item.label ? { intent: item.label.intent, route: item.label.route } : null);
    if (suggested) { intent.value = suggested.intent || ""; route.value = suggested.route || ""; }
    var l1 = el("label", null, "意图 "); l1.appendChild(intent);
    var l2 = el("label", null, "去向 "); l2.appendChild(route);
    form.appendChild(l1); form.appendChild(l2);
    // Entities: select text in the message above, choose what it is, add.
    var entRow = el("div", "row");
    var ent = document.createElement("select"); ent.id = "label-entity"; ent.setAttribute("aria-label", "实体类型");
    ENTITIES.forEach(function (x) { option(ent, x.code, x.name); });
    var addEnt = el("button", null, "把选中的文字标为实体"); addEnt.type = "button";
    var ents = el("div", "meta"); ents.id = "label-entities";
    function drawEntities() {
      ents.textContent = state.entities.length ? "实体：" + state.entities.map(function (x) {
        return item.text.slice(x.start, x.end) + "（" + nameOf(ENTITIES, x.entity) + "）";
      }).join("，") : "（可在上面的消息里选中文字，标为实体）";
    }
    addEnt.addEventListener("click", function () {
      var span = selectionSpan(said);
      if (!span) { A.notify("请先在“居民说”里选中一段文字", true); return; }
      state.entities.push({ entity: ent.value, start: span.start, end: span.end });
      drawEntities();
    });
    entRow.appendChild(ent); entRow.appendChild(addEnt);
    form.appendChild(entRow); form.appendChild(ents); drawEntities();
    var whole = document.createElement("input"); whole.type = "checkbox"; whole.id = "label-group"; whole.checked = true;
    var wl = el("label", "row"); wl.appendChild(whole); wl.appendChild(document.createTextNode("同组相似消息一并处理"));
    form.appendChild(wl);
    var err = el("p", "error"); err.id = "label-error"; err.setAttribute("role", "alert");
    var buttons = el("div", "row");
    var save = el("button", "primary", "保存标注"); save.type = "submit"; save.id = "label-save";
    var noise = el("button", null, "标为无效消息"); noise.type = "button"; noise.id = "label-noise";
    buttons.appendChild(save); buttons.appendChild(noise);
    form.appendChild(buttons); form.appendChild(err);
    form.addEventListener("submit", function (e) {
      e.preventDefault(); err.textContent = "";
      A.api("POST", "/admin/inbox/items/" + item.id + "/label",
        { intent: intent.value, route: route.value || null, entities: state.entities, group: whole.checked })
        .then(function (r) { A.notify("已标注 " + r.labelled + " 条，写入 " + r.file); after(); })
        .catch(function (x) { err.textContent = x.message; });
    });
    noise.addEventListener("click", function () {
      err.textContent = "";
      A.api("POST", "/admin/inbox/items/" + item.id + "/noise", { group: whole.checked })
        .then(function (r) { A.notify("已标为无效消息 " + r.marked + " 条"); after(); })
        .catch(function (x) { err.textContent = x.message; });
    });
    d.appendChild(form);
  }

  function after() {
    state.selected = null;
    ui.detail.textContent = ""; ui.detail.appendChild(el("p", "meta", "在左侧选一组消息"));
    load();
  }

  A.sections.inbox = function (panel) {
    build(panel);
    A.api("GET", "/admin/intents").then(function (r) {
      INTENTS = r.intents || []; ROUTES = r.routes || []; ENTITIES = r.entities || [];
    }).catch(function (e) { A.notify(e.message, true); }).then(load);
  };
  A.shown.inbox = function () { if (ui.list) load(); };
})();
