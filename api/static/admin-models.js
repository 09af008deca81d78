// Training and models: start a run (it trains in the background at low priority), watch its
// progress and log, cancel it; read each model's evaluation against the live one; activate,
// override a worse result knowingly, roll back; try a sentence on the live model.
(function () {
  "use strict";
  var A = window.Admin, el = A.el;
  var ui = {}, labels = { RunState: {}, ModelStatus: {} }, polling = null, shownReport = null;

  function option(select, value, text) {
    var o = document.createElement("option"); o.value = value; o.textContent = text; select.appendChild(o);
  }
  function f1(s) { return s && s.macro_f1 != null ? s.macro_f1.toFixed(3) : "—"; }
  function button(text, id, cls) { var b = el("button", cls || null, text); b.type = "button"; if (id) b.id = id; return b; }

  function build(panel) {
    panel.appendChild(el("h3", null, "训练"));
    var bar = el("div", "toolbar");
    ui.train = button("开始训练", "train-start", "primary");
    ui.cancel = button("取消训练", "train-cancel"); ui.cancel.hidden = true;
    ui.progress = document.createElement("progress"); ui.progress.max = 1; ui.progress.hidden = true; ui.progress.id = "train-progress";
    ui.stage = el("span", "meta"); ui.stage.id = "train-stage";
    [ui.train, ui.cancel, ui.progress, ui.stage].forEach(function (x) { bar.appendChild(x); });
    panel.appendChild(bar);
    panel.appendChild(el("p", "meta", "训练在后台以较低优先级进行，不影响居民使用；同一时间只能有一次训练。训练完会在测试集和真实消息开发集上评估。"));
    ui.log = el("pre", "log"); ui.log.id = "train-log"; ui.log.hidden = true;
    panel.appendChild(ui.log);

    panel.appendChild(el("h3", null, "试一试：正在使用的模型怎么理解一句话"));
    var tryForm = el("form", "toolbar"); tryForm.id = "try-form";
    ui.tryText = document.createElement("input"); ui.tryText.id = "try-text"; ui.tryText.placeholder = "输入居民可能说的话"; ui.tryText.size = 40;
    var tryGo = el("button", null, "理解"); tryGo.type = "submit";
    ui.tryResult = el("span", "meta"); ui.tryResult.id = "try-result";
    [ui.tryText, tryGo, ui.tryResult].forEach(function (x) { tryForm.appendChild(x); });
    panel.appendChild(tryForm);
    tryForm.addEventListener("submit", function (e) {
      e.preventDefault();
      var text = ui.tryText.value.trim();
      if (!text) return;
      ui.tryResult.textContent = "…";
      A.api("POST", "/admin/models/try", { text: text }).then(function (r) {
        ui.tryResult.textContent = "意图：" + r.intent + "（" + A.pct(r.confidence) + "）" + (r.model ? " · 模型 " + r.model : "");
      }).catch(function (x) { ui.tryResult.textContent = x.message; });
    });

    panel.appendChild(el("h3", null, "模型"));
    var mbar = el("div", "toolbar");
    ui.rollback = button("回滚到上一个模型", "model-rollback");
    ui.live = el("span", "meta"); ui.live.id = "model-live";
    mbar.appendChild(ui.rollback); mbar.appendChild(ui.live);
    panel.appendChild(mbar);
    var table = el("table", "grid"); table.id = "models";
    var head = el("tr");
    ["模型", "状态", "训练", "启用", "测试集 F1", "开发集 F1", ""].forEach(function (h) { head.appendChild(el("th", null, h)); });
    var thead = el("thead"); thead.appendChild(head); table.appendChild(thead);
    ui.models = el("tbody"); table.appendChild(ui.models);
    panel.appendChild(table);
    ui.report = el("div", "detail"); ui.report.id = "model-report"; ui.report.hidden = true;
    panel.appendChild(ui.report);

    ui.train.addEventListener("click", function () {
      ui.train.disabled = true;
      A.api("POST", "/admin/training").then(function (r) { A.notify("训练已开始（第 " + r.id + " 次）"); watch(r.id); })
        .catch(function (e) { A.notify(e.message, true); ui.train.disabled = false; });
    });
    ui.cancel.addEventListener("click", function () {
      if (!ui.cancel.dataset.run || !window.confirm("确定取消这次训练吗？")) return;
      A.api("POST", "/admin/training/" + ui.cancel.dataset.run + "/cancel").then(function () { A.notify("训练已取消"); })
        .catch(function (e) { A.notify(e.message, true); });
    });
    ui.rollback.addEventListener("click", function () {
      if (!window.confirm("回滚到上一个模型？正在进行的对话不会中断。")) return;
      ui.rollback.disabled = true;
      A.api("POST", "/admin/models/rollback").then(function (m) { A.notify("已回滚，正在使用：" + (m.name || "")); loadModels(); })
        .catch(function (e) { A.notify(e.message, true); }).then(function () { ui.rollback.disabled = false; });
    });
  }

  // ---- runs --------------------------------------------------------------------------------------
  function showRun(run) {
    var busy = run.state === "running" || run.state === "evaluating";
    ui.train.disabled = busy;
    ui.cancel.hidden = !busy; ui.cancel.dataset.run = run.id;
    ui.progress.hidden = !busy; ui.progress.value = run.progress || 0;
    ui.stage.textContent = "第 " + run.id + " 次训练：" + (labels.RunState[run.state] || run.state) +
      (busy && run.stage ? " · " + run.stage : "") + (busy && run.progress != null ? " · " + A.pct(run.progress) : "") +
      (run.error ? " · " + run.error : "");
    if (run.log != null) { ui.log.hidden = false; ui.log.textContent = run.log; ui.log.scrollTop = ui.log.scrollHeight; }
    return busy;
  }
  function watch(id) {
    clearTimeout(polling);
    A.api("GET", "/admin/training/" + id).then(function (run) {
      if (showRun(run)) { polling = setTimeout(function () { watch(id); }, 2000); return; }
      loadModels().then(function () { if (run.model_id && run.state === "done") openReport(run.model_id); });
    }).catch(function (e) { ui.stage.textContent = e.message; polling = setTimeout(function () { watch(id); }, 5000); });
  }
  function loadRuns() {
    return A.api("GET", "/admin/training").then(function (r) {
      var runs = Array.isArray(r) ? r : (r.runs || []);
      if (r.labels) labels = Object.assign(labels, r.labels);
      if (runs.length) watch(runs[0].id);
    }).catch(function (e) { A.notify(e.message, true); });
  }

  // ---- models ------------------------------------------------------------------------------------
  function loadModels() {
    return A.api("GET", "/admin/models").then(function (r) {
      if (r.labels) labels = Object.assign(labels, r.labels);
      ui.live.textContent = r.live ? "正在使用：" + r.live.name : "";
      ui.models.textContent = "";
      r.models.forEach(function (m) {
        var tr = el("tr"); tr.dataset.model = m.id; tr.dataset.status = m.status;
        var s = m.scores || {};
        [m.name, labels.ModelStatus[m.status] || m.status, (m.trained_by || "scripts/start") + " " + A.time(m.created_at),
          m.activated_at ? (m.activated_by || "") + " " + A.time(m.activated_at) : "", f1(s.test), f1(s.dev)].forEach(function (v, i) {
          tr.appendChild(el("td", i >= 4 ? "num" : null, v));
        });
        var td = el("td");
        var rep = button("评估报告"); rep.addEventListener("click", function () { openReport(m.id); });
        td.appendChild(rep);
        if (m.status !== "active") {
          var act = button("启用", null, "primary"); act.dataset.activate = m.id;
          act.addEventListener("click", function () { activate(m.id, false, ""); });
          td.appendChild(act);
        }
        tr.appendChild(td);
        ui.models.appendChild(tr);
      });
    }).catch(function (e) { A.notify(e.message, true); });
  }

  function activate(id, override, reason) {
    return A.api("POST", "/admin/models/" + id + "/activate", { override: override, reason: reason })
      .then(function (m) { A.notify("已启用模型 " + (m.name || id) + "，正在进行的对话不会中断"); loadModels(); if (shownReport === id) openReport(id); })
      .catch(function (e) {
        A.notify(e.message, true);
        if (e.status !== 409 || override) return;
        // The report says why, and offers the override: open it, or bring it into view.
        var form = document.getElementById("override-form");
        if (shownReport === id && form) form.scrollIntoView(); else openReport(id);
      });
  }

  // ---- the evaluation report -----------------------------------------------------------------------
  function setTable(title, rows, head) {
    var wrap = el("div");
    wrap.appendChild(el("h4", null, title));
    var t = el("table", "grid"), tr = el("tr");
    head.forEach(function (h) { tr.appendChild(el("th", null, h)); });
    var thead = el("thead"); thead.appendChild(tr); t.appendChild(thead);
    var tb = el("tbody");
    rows.forEach(function (r) {
      var row = el("tr");
      r.forEach(function (v) {
        var num = typeof v === "number";
        var td = el("td", num ? "num" : null, num ? (Number.isInteger(v) ? String(v) : v.toFixed(3)) : v);
        row.appendChild(td);
      });
      tb.appendChild(row);
    });
    t.appendChild(tb); wrap.appendChild(t);
    return wrap;
  }

  function openReport(id) {
    shownReport = id;
    return A.api("GET", "/admin/models/" + id + "/report").then(function (r) { drawReport(id, r); })
      .catch(function (e) { ui.report.hidden = false; ui.report.textContent = ""; ui.report.appendChild(el("p", "error", e.message)); });
  }

  function drawReport(id, r) {
    var d = ui.report; d.hidden = false; d.textContent = "";
    d.appendChild(el("h3", null, "评估报告：" + (r.name || ("模型 " + id))));
    var worse = r.worse || [];
    if (worse.length) {
      var w = el("div", "error"); w.id = "report-worse";
      w.appendChild(el("p", null, "这个模型比正在使用的模型差："));
      var ul = el("ul"); worse.forEach(function (x) { ul.appendChild(el("li", null, x)); }); w.appendChild(ul);
      d.appendChild(w);
    } else if (r.live_name || r.live) {
      d.appendChild(el("p", "up", "不比正在使用的模型差。"));
    }
    var sets = r.sets || {};
    Object.keys(sets).forEach(function (key) {
      var s = sets[key], title = s.title || key;
      var rows = [["准确率", s.new && s.new.accuracy, s.live && s.live.accuracy], ["宏平均 F1", s.new && s.new.macro_f1, s.live && s.live.macro_f1]]
        .map(function (x) { return [x[0], x[1] == null ? "—" : x[1], x[2] == null ? "—" : x[2]]; });
      d.appendChild(setTable(title + "（" + (s.count || "") + " 条）", rows, ["", "新模型", "正在使用"]));
      var per = s.per_intent || {};
      var intents = Object.keys(per).sort();
      if (intents.length) {
        d.appendChild(setTable(title + "：各意图", intents.map(function (k) {
          var p = per[k], ch = p.f1_change;
          return [k, p.precision, p.recall, p.f1, p.support, ch == null ? "—" : (ch > 0 ? "+" : "") + ch.toFixed(3)];
        }), ["意图", "精确率", "召回率", "F1", "条数", "F1 变化"]));
      }
      var img = document.createElement("img"); img.className = "confusion"; img.alt = title + "的混淆矩阵";
      img.src = "/console/api/admin/models/" + id + "/confusion/" + key + ".png";
      d.appendChild(el("h4", null, title + "：混淆矩阵"));
      d.appendChild(img);
    });
    var changed = r.changed || [];
    d.appendChild(el("h4", null, "与正在使用的模型答案不同的消息（" + changed.length + " 条）"));
    if (changed.length) {
      d.appendChild(setTable("", changed.slice(0, 200).map(function (c) {
        var mark = c.new === c.expected ? "✓ 改对了" : (c.live === c.expected ? "✗ 改错了" : "仍不对");
        return [c.text, c.expected, c.live, c.new, mark];
      }), ["消息", "应为", "正在使用", "新模型", ""]));
    }
    if (worse.length && r.status !== "active") {
      var f = el("form", "form"); f.id = "override-form";
      f.appendChild(el("h4", null, "仍要启用？"));
      var box = document.createElement("input"); box.type = "checkbox"; box.id = "override-ok";
      var lab = el("label", "row"); lab.appendChild(box); lab.appendChild(document.createTextNode("我知道它比正在使用的模型差，仍要启用（会记入操作日志）"));
      var why = document.createElement("textarea"); why.id = "override-reason"; why.rows = 2; why.placeholder = "请说明理由";
      var go = el("button", "primary", "强制启用"); go.type = "submit";
      f.appendChild(lab); f.appendChild(why); f.appendChild(go);
      f.addEventListener("submit", function (e) {
        e.preventDefault();
        if (!box.checked) { A.notify("请先勾选“我知道它比正在使用的模型差”", true); return; }
        activate(id, true, why.value.trim());
      });
      d.appendChild(f);
    }
  }

  A.sections.models = function (panel) {
    build(panel);
    loadModels();
    loadRuns();
  };
  A.shown.models = function () { if (ui.models) loadModels(); };
})();
