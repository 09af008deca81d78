// The service catalogue (办事指南) and the incident categories (事件分类), edited in the browser.
// A searchable list on the left, the record's form on the right; saving is validated by the
// backend like an import and is live at once (search, classifier, jieba dictionary). Each record
// travels with the version it was read at: a save over another admin's newer edit is refused.
// Every text is inserted with textContent: admins' and residents' words are never markup.
(function () {
  "use strict";
  var A = window.Admin, el = A.el;
  var formInfo = null;

  function info() {
    if (!formInfo) formInfo = A.api("GET", "/admin/catalogue/form").catch(function (e) { formInfo = null; throw e; });
    return formInfo;
  }
  function button(text, cls, id) {
    var b = el("button", cls || null, text); b.type = "button"; if (id) b.id = id; return b;
  }
  function options(select, pairs) {
    pairs.forEach(function (p) { var o = el("option", null, p[1]); o.value = p[0]; select.appendChild(o); });
  }

  // ---- field widgets: each is {key, node, get(), set(value)} -------------------------------

  function labelled(key, label, control, hint) {
    var wrap = el("label", "field"); wrap.dataset.field = key;
    wrap.appendChild(el("span", "field-name", label));
    wrap.appendChild(control);
    if (hint) wrap.appendChild(el("span", "meta", hint));
    return wrap;
  }
  function text(key, label, opts) {
    opts = opts || {};
    var input = opts.long ? el("textarea") : el("input");
    if (opts.long) input.rows = opts.rows || 3; else input.type = "text";
    input.name = key;
    return { key: key, node: labelled(key, label, input, opts.hint), input: input,
      get: function () { return input.value.trim(); }, set: function (v) { input.value = v == null ? "" : v; } };
  }
  function lines(key, label, hint) {
    var area = el("textarea"); area.name = key; area.rows = 4;
    return { key: key, node: labelled(key, label, area, hint || "每行一项"),
      get: function () {
        var seen = {};
        return area.value.split("\n").map(function (s) { return s.trim(); })
          .filter(function (s) { if (!s || seen[s]) return false; seen[s] = true; return true; });
      },
      set: function (v) { area.value = (v || []).join("\n"); area.rows = Math.min(Math.max((v || []).length + 1, 3), 12); } };
  }
  function number(key, label, opts) {
    opts = opts || {};
    var input = el("input"); input.type = "number"; input.step = "1"; input.name = key;
    if (opts.min != null) input.min = opts.min;
    if (opts.max != null) input.max = opts.max;
    return { key: key, node: labelled(key, label, input, opts.hint),
      get: function () { var v = input.value.trim(); return v === "" ? null : Number(v); },
      set: function (v) { input.value = v == null ? "" : String(v); } };
  }
  function choice(key, label, pairs) {
    var select = el("select"); select.name = key; options(select, pairs);
    return { key: key, node: labelled(key, label, select),
      get: function () { return select.value; }, set: function (v) { select.value = v; } };
  }
  function flag(key, label) {
    var box = el("input"); box.type = "checkbox"; box.name = key;
    var wrap = el("label", "field check"); wrap.dataset.field = key;
    wrap.appendChild(box); wrap.appendChild(el("span", null, label));
    return { key: key, node: wrap, get: function () { return box.checked; }, set: function (v) { box.checked = !!v; } };
  }
  function several(key, label, pairs) {
    // Checkboxes; the stored order of the codes still ticked is kept, so an untouched list is not "changed".
    var wrap = el("div", "field"); wrap.dataset.field = key;
    wrap.appendChild(el("span", "field-name", label));
    var grid = el("div", "checks"), boxes = {}, was = [];
    pairs.forEach(function (p) {
      var l = el("label"), box = el("input"); box.type = "checkbox"; box.name = key; box.value = p[0];
      l.appendChild(box); l.appendChild(el("span", null, p[1])); grid.appendChild(l); boxes[p[0]] = box;
    });
    wrap.appendChild(grid);
    return { key: key, node: wrap,
      get: function () {
        var chosen = pairs.map(function (p) { return p[0]; }).filter(function (c) { return boxes[c].checked; });
        return was.filter(function (c) { return chosen.indexOf(c) >= 0; })
          .concat(chosen.filter(function (c) { return was.indexOf(c) < 0; }));
      },
      set: function (v) {
        was = (v || []).slice();
        Object.keys(boxes).forEach(function (c) { boxes[c].checked = was.indexOf(c) >= 0; });
      } };
  }

  // Materials: one row each, plain inputs (name, form, count, notes, required).
  function materials(key, label, forms, names) {
    var wrap = el("div", "field"); wrap.dataset.field = key;
    wrap.appendChild(el("span", "field-name", label));
    var table = el("table", "grid materials"), head = el("tr");
    [names.name, names.form, names.count, names.notes, names.required, ""].forEach(function (h) { head.appendChild(el("th", null, h)); });
    var thead = el("thead"); thead.appendChild(head); table.appendChild(thead);
    var body = el("tbody"); table.appendChild(body);
    wrap.appendChild(table);
    var add = button("添加一项材料"); wrap.appendChild(add);
    wrap.appendChild(el("span", "meta", " 几选一的材料：都不勾“必带”，说明的末尾写同一句“……三选一”"));

    function row(m) {
      var tr = el("tr");
      var name = el("input"); name.type = "text"; name.value = m.name || ""; name.setAttribute("aria-label", names.name);
      var form = el("select"); options(form, forms.map(function (f) { return [f, f]; })); form.value = m.form || forms[0];
      form.setAttribute("aria-label", names.form);
      var count = el("input"); count.type = "number"; count.min = "0"; count.max = "20"; count.step = "1";
      count.value = m.count == null ? "1" : String(m.count); count.setAttribute("aria-label", names.count);
      var notes = el("input"); notes.type = "text"; notes.value = m.notes || ""; notes.setAttribute("aria-label", names.notes);
      var req = el("input"); req.type = "checkbox"; req.checked = m.required !== false; req.setAttribute("aria-label", names.required);
      var up = button("上移", "small"), del = button("删除", "small");
      up.addEventListener("click", function () { if (tr.previousSibling) body.insertBefore(tr, tr.previousSibling); changed(wrap); });
      del.addEventListener("click", function () { body.removeChild(tr); changed(wrap); });
      var tools = el("td", "tools"); tools.appendChild(up); tools.appendChild(del);
      [name, form, count, notes, req].forEach(function (x) { var td = el("td"); td.appendChild(x); tr.appendChild(td); });
      tr.appendChild(tools);
      tr.read = function () {
        return { name: name.value.trim(), form: form.value, count: count.value === "" ? null : Number(count.value),
                 notes: notes.value.trim(), required: req.checked };
      };
      body.appendChild(tr);
      return name;
    }
    add.addEventListener("click", function () { row({}).focus(); changed(wrap); });
    return { key: key, node: wrap,
      get: function () { return Array.prototype.map.call(body.children, function (tr) { return tr.read(); }); },
      set: function (v) { body.textContent = ""; (v || []).forEach(row); } };
  }

  // Raise keywords: the words that raise a report to each grade.
  function raising(key, label, grades) {
    var wrap = el("div", "field"); wrap.dataset.field = key;
    wrap.appendChild(el("span", "field-name", label));
    var areas = {}, had = {};
    grades.forEach(function (g, i) {
      var area = el("textarea"); area.rows = 2; area.name = key + "." + g;
      var l = el("label", "sub"); l.appendChild(el("span", "meta", "升为“" + g + "”的词（每行一个）")); l.appendChild(area);
      if (i === 0) l.hidden = true;  // nothing is raised to the lowest grade; shown only when a record has it
      wrap.appendChild(l); areas[g] = area;
    });
    return { key: key, node: wrap,
      get: function () {
        var out = {};
        grades.forEach(function (g) {
          var words = areas[g].value.split("\n").map(function (s) { return s.trim(); }).filter(Boolean);
          if (words.length || had[g]) out[g] = words;
        });
        return out;
      },
      set: function (v) {
        had = {};
        grades.forEach(function (g, i) {
          var words = (v && v[g]) || [];
          had[g] = !!(v && v[g]); areas[g].value = words.join("\n");
          areas[g].rows = Math.min(Math.max(words.length + 1, 2), 8);
          if (i === 0) areas[g].parentNode.hidden = !had[g];
        });
      } };
  }

  // Time limits: a number and a unit for each grade.
  function limits(key, label, grades, units) {
    var wrap = el("div", "field"); wrap.dataset.field = key;
    wrap.appendChild(el("span", "field-name", label));
    var inputs = {};
    grades.forEach(function (g) {
      var r = el("div", "row");
      var value = el("input"); value.type = "number"; value.min = "1"; value.max = "60"; value.step = "1";
      value.setAttribute("aria-label", g + "时限");
      var unit = el("select"); options(unit, units); unit.setAttribute("aria-label", g + "时限单位");
      r.appendChild(el("span", "grade", g)); r.appendChild(value); r.appendChild(unit);
      wrap.appendChild(r); inputs[g] = { value: value, unit: unit };
    });
    return { key: key, node: wrap,
      get: function () {
        var out = {};
        grades.forEach(function (g) {
          var v = inputs[g].value.value.trim();
          out[g] = { value: v === "" ? null : Number(v), unit: inputs[g].unit.value };
        });
        return out;
      },
      set: function (v) {
        grades.forEach(function (g) {
          var t = (v || {})[g] || {};
          inputs[g].value.value = t.value == null ? "" : String(t.value);
          inputs[g].unit.value = t.unit || units[0][0];
        });
      } };
  }

  function changed(node) { node.dispatchEvent(new Event("input", { bubbles: true })); }

  // ---- the two forms ---------------------------------------------------------------------

  var PLACES = { community: "社区党群服务中心", street: "街道便民服务中心", police: "派出所户籍窗口", district: "区政务服务中心" };

  function serviceFields(f) {
    var s = f.services, L = s.labels, C = s.choices;
    var deps = f.departments.map(function (d) { return [d.code, d.code + " " + d.name]; });
    var pairs = function (list) { return list.map(function (x) { return [x, x]; }); };
    return [
      text("code", L.code, { hint: "部门编码-类型编码-四位序号，如 GA-07-0001；保存后不能修改" }),
      text("name", L.name), lines("aliases", L.aliases, "居民常说的其他叫法，每行一个；每个别名只能指向这一个事项"),
      lines("keywords", L.keywords, "间接说法，如“八十岁”“老人补贴”，每行一个"),
      choice("type", L.type, pairs(C.type)), choice("handling_level", L.handling_level, pairs(C.handling_level)),
      choice("handled_at", L.handled_at, C.handled_at.map(function (x) { return [x, PLACES[x] || x]; })),
      choice("department", L.department, deps),
      text("summary", L.summary, { long: true, rows: 2 }), lines("conditions", L.conditions),
      materials("materials", L.materials, C["materials.form"], s.material_labels),
      lines("steps", L.steps, "按先后顺序，每行一步"),
      number("legal_limit_days", L.legal_limit_days, { min: 0, max: 365, hint: "工作日；法律没有规定的留空" }),
      number("promised_limit_days", L.promised_limit_days, { min: 0, max: 365, hint: "工作日；0 表示即办" }),
      text("fee", L.fee, { hint: "不收费，或收费标准和依据" }), text("window", L.window),
      text("hours_note", L.hours_note, { hint: "可留空：按中心的办公时间" }),
      text("phone", L.phone), text("supervision_phone", L.supervision_phone),
      number("visits", L.visits, { min: 0, max: 3, hint: "0 零跑动，1 最多跑一次" }),
      flag("online", "可以网上办理"), text("online_channel", L.online_channel, { hint: "能网上办理时必填，如 浙里办APP" }),
      choice("tongban", L.tongban, pairs(C.tongban)), lines("legal_basis", L.legal_basis),
      text("simple_text", L.simple_text, { long: true, rows: 4 }),
      text("voice_text", L.voice_text, { hint: "最多 80 个字" }),
    ];
  }
  function serviceBlank(f) {
    return { code: "", name: "", aliases: [], keywords: [], type: "公共服务", handling_level: "社区级",
      handled_at: "community", department: (f.departments[0] || {}).code, summary: "", conditions: [], materials: [],
      steps: [], legal_limit_days: null, promised_limit_days: 0, fee: "不收费", window: "综合受理窗口", hours_note: "",
      phone: "", supervision_phone: "", visits: 1, online: false, online_channel: "", tongban: "全区通办",
      legal_basis: [], simple_text: "", voice_text: "" };
  }

  function categoryFields(f) {
    var c = f.categories, L = c.labels;
    var deps = f.departments.map(function (d) { return [d.code, d.code + " " + d.name]; });
    var units = c.units.map(function (u) { return [u, u === "hours" ? "小时" : "工作日"]; });
    return [
      text("code", L.code, { hint: "保存后不能修改" }), text("group", L.group), text("name", L.name),
      text("open311_code", L.open311_code, { hint: "小写字母、数字和连字符，如 exposed-garbage" }),
      text("description", L.description, { long: true, rows: 2 }),
      lines("keywords", L.keywords, "居民的说法，每行一个；保存后分类立即按新词识别"),
      choice("default_grade", L.default_grade, c.grades.map(function (g) { return [g, g]; })),
      raising("raise_keywords", L.raise_keywords, c.grades),
      choice("lead_department", L.lead_department, deps), several("co_departments", L.co_departments, deps),
      flag("handled_by_grid", "小微事件由网格处置"), flag("mediation", "需要调解（由工作人员接手）"),
      limits("time_limits", L.time_limits, c.grades, units),
    ];
  }
  function categoryBlank(f) {
    var limits = {};
    f.categories.grades.forEach(function (g) { limits[g] = { value: 5, unit: "working_days" }; });
    return { code: "", group: "", name: "", open311_code: "", description: "", keywords: [], default_grade: "一般",
      raise_keywords: {}, lead_department: (f.departments[0] || {}).code, co_departments: [], handled_by_grid: false,
      mediation: false, time_limits: limits };
  }

  // ---- one section: list, form, save --------------------------------------------------------

  function section(panel, cfg) {
    var p = cfg.prefix, state = { code: null, version: null, base: null, dirty: false, fields: [] };
    panel.appendChild(el("h3", null, cfg.title));
    panel.appendChild(el("p", "meta live-hint", cfg.hint));
    var bar = el("div", "toolbar");
    var q = el("input"); q.type = "search"; q.id = p + "-q"; q.placeholder = cfg.searchHint; q.setAttribute("aria-label", cfg.searchHint);
    var add = button("新增", null, p + "-new");
    var exp = el("a", "button", "导出全部（JSON）"); exp.id = p + "-export"; exp.href = "/console/api" + cfg.exportPath;
    exp.setAttribute("download", "");
    var count = el("span", "meta");
    [q, add, exp, count].forEach(function (x) { bar.appendChild(x); });
    panel.appendChild(bar);
    var split = el("div", "split");
    var list = el("ul", "list"); list.id = p + "-list";
    var side = el("div", "detail editor"); side.id = p + "-detail";
    side.appendChild(el("p", "meta", "在左侧选一条，或点“新增”"));
    split.appendChild(list); split.appendChild(side);
    panel.appendChild(split);

    function leave() { return !state.dirty || window.confirm("有未保存的修改，放弃这些修改吗？"); }

    function load() {
      var path = cfg.listPath + (q.value.trim() ? "?q=" + encodeURIComponent(q.value.trim()) : "");
      return A.api("GET", path).then(function (rows) {
        list.textContent = "";
        count.textContent = "共 " + rows.length + " 条";
        if (!rows.length) list.appendChild(el("li", "meta", "没有找到"));
        rows.forEach(function (r) {
          var li = el("li"); li.dataset.code = r.code;
          li.appendChild(el("div", "name", r.name));
          li.appendChild(el("div", "meta", cfg.describe(r) + (r.updated ? " · 最近修改 " + A.time(r.updated) : "")));
          if (r.code === state.code) li.classList.add("selected");
          li.tabIndex = 0;  // reachable by keyboard too
          li.addEventListener("click", function () { if (leave()) open(r.code); });
          li.addEventListener("keydown", function (e) { if (e.key === "Enter") li.click(); });
          list.appendChild(li);
        });
      }).catch(function (e) { list.textContent = ""; list.appendChild(el("li", "error", e.message)); });
    }

    function open(code) {
      return A.api("GET", cfg.itemPath + encodeURIComponent(code)).then(function (got) {
        show(got.record, got.version, code);
        Array.prototype.forEach.call(list.children, function (li) { li.classList.toggle("selected", li.dataset.code === code); });
      }).catch(function (e) { A.notify(e.message, true); });
    }

    function show(record, version, code) {
      return info().then(function (f) {
        state.code = code; state.version = version; state.base = record; state.dirty = false;
        state.fields = cfg.fields(f);
        side.textContent = "";
        side.appendChild(el("h4", null, code ? record.name + "（" + code + "）" : cfg.newTitle));
        var form = el("form", "form"); form.id = p + "-form"; form.noValidate = true;
        var error = el("p", "error form-error"); error.id = p + "-error"; error.setAttribute("role", "alert");
        state.fields.forEach(function (w) { w.set(record[w.key]); form.appendChild(w.node); });
        var code_ = state.fields[0];
        if (code && code_.input) code_.input.readOnly = true;
        // The save button, the status and the error stay in view at the form's foot (sticky).
        var actions = el("div", "actions");
        var save = button(code ? "保存" : "新增这一条", "primary", p + "-save"); save.type = "submit";
        var status = el("span", "meta"); status.id = p + "-status"; status.setAttribute("role", "status");
        var line = el("div", "row"); line.appendChild(save); line.appendChild(status);
        actions.appendChild(line); actions.appendChild(error);
        form.appendChild(actions);
        form.addEventListener("input", function () { state.dirty = true; });
        form.addEventListener("change", function () { state.dirty = true; });
        form.addEventListener("submit", function (e) { e.preventDefault(); submit(form, save, error, status); });
        side.appendChild(form);
      });
    }

    function collect() {
      var rec = {};
      Object.keys(state.base || {}).forEach(function (k) { rec[k] = state.base[k]; });  // fields without a widget stay
      state.fields.forEach(function (w) { rec[w.key] = w.get(); });
      return rec;
    }

    // The backend names the field in brackets: 跑动次数（visits）：… or 申请材料第1项·形式（materials.0.form）：…
    function mark(form, message) {
      form.querySelectorAll(".invalid").forEach(function (n) { n.classList.remove("invalid"); });
      form.querySelectorAll(".field-error").forEach(function (n) { n.parentNode.removeChild(n); });
      var m = /（([a-z_0-9]+)[.）]/.exec(message || "");
      var node = m && form.querySelector('[data-field="' + m[1] + '"]');
      if (node) {
        node.classList.add("invalid");
        node.appendChild(el("span", "field-error error", message));
        var input = node.querySelector("input, textarea, select");
        if (input) input.focus();
        node.scrollIntoView({ block: "center" });
      }
    }

    function submit(form, save, error, status) {
      var rec = collect(), editing = state.code;
      error.textContent = ""; status.textContent = ""; mark(form, "");
      var stale = form.querySelector(".reload"); if (stale) stale.parentNode.removeChild(stale);
      save.disabled = true;
      var call = editing
        ? A.api("PUT", cfg.itemPath + encodeURIComponent(editing), { version: state.version, record: rec })
        : A.api("POST", cfg.listPath, { record: rec });
      Promise.all([call, info()]).then(function (got) {
        var r = got[0], names = cfg.labels(got[1]);
        var said = !r.changed.length ? "没有改动" : editing
          ? "已保存：修改了 " + r.changed.map(function (k) { return names[k] || k; }).join("、") : "已新增";
        return show(r.record, r.version, r.record.code).then(function () {
          var st = document.getElementById(p + "-status");
          var note = r.live && r.live.note ? "；" + r.live.note : "";
          st.textContent = said + (r.changed.length ? "。已立即生效" + note : "");
          A.notify(said + note);
          return load();
        });
      }).catch(function (e) {
        error.textContent = e.message;
        if (e.status === 409 && editing) {
          var again = button("重新载入（放弃我的修改）", "reload");
          again.addEventListener("click", function () { state.dirty = false; open(editing); });
          error.parentNode.insertBefore(again, error.nextSibling);
        }
        mark(form, e.message);
      }).then(function () { save.disabled = false; });
    }

    var timer = null;
    q.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(load, 300); });
    add.addEventListener("click", function () {
      if (!leave()) return;
      info().then(function (f) {
        Array.prototype.forEach.call(list.children, function (li) { li.classList.remove("selected"); });
        show(cfg.blank(f), null, null);
      }).catch(function (e) { A.notify(e.message, true); });
    });
    load();
  }

  A.sections.services = function (panel) {
    section(panel, { prefix: "svc", title: "办事指南：居民问到的服务事项", newTitle: "新增办事指南",
      hint: "保存后搜索、聊天回答和分词词典立即生效，无需重新训练；查询表（模型特征）在下次训练后生效。",
      searchHint: "搜索名称、别名、关键词或编码", listPath: "/admin/services", itemPath: "/admin/services/",
      exportPath: "/admin/catalogue/export", fields: serviceFields, blank: serviceBlank,
      labels: function (f) { return f.services.labels; },
      describe: function (r) { return r.code + " · " + r.department; } });
  };
  A.sections.categories = function (panel) {
    section(panel, { prefix: "cat", title: "事件分类：居民反映的问题归哪一类、谁来处理", newTitle: "新增事件分类",
      hint: "保存后新的关键词立即用于事件分类，无需重新训练。",
      searchHint: "搜索名称、分组、关键词或编码", listPath: "/admin/categories", itemPath: "/admin/categories/",
      exportPath: "/admin/categories/export", fields: categoryFields, blank: categoryBlank,
      labels: function (f) { return f.categories.labels; },
      describe: function (r) { return r.code + " · " + r.group + " · " + r.department; } });
  };
})();
