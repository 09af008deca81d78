"""Training from the console, evaluation gating, activation and rollback (api/admin/training.py,
evaluation.py, registry.py and their routes).

Most tests stand a short shell script in for `rasa train` + evaluation and a stand-in for Rasa's
PUT /model, in a throw-away models folder. The last ones use the real three processes: a bad
model file leaves the live model answering, activation keeps a conversation going, and one real
training with the fast configuration (tests/data/train-fast.yml) on a copy of nlu_data/ teaches a
new phrasing that the live assistant understands once activated, and forgets after a rollback."""
import io
import json
import os
import shutil
import tarfile
import threading
import time
import uuid
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.admin import evaluation, registry, training
from api.admin.models import ModelVersion, TrainingRun
from api.admin.states import ModelStatus, RunState
from api.core import clock
from api.core.db import SessionLocal, WriteSession
from api.main import app
from api.places.models import Community
from api.staff.auth import hash_password
from api.staff.models import AuditEntry, StaffUser
from shared.settings import get_settings
from tests.conftest import ROOT

PASSWORD = "correct horse battery"
ADMIN, STAFF, BOSS = "tr_admin", "tr_staff", "tr_boss"


@pytest.fixture(scope="module", autouse=True)
def users():
    with WriteSession() as s:
        centre = s.scalars(select(Community).where(Community.name == "柳岸社区")).one().centre_id
        for name, role, centre_id in [(ADMIN, "admin", None), (STAFF, "staff", centre), (BOSS, "supervisor", None)]:
            if not s.scalars(select(StaffUser).where(StaffUser.username == name)).first():
                s.add(StaffUser(username=name, display_name=f"{name}名", password_hash=hash_password(PASSWORD),
                                role=role, centre_id=centre_id))
        s.commit()


def signed_in(username=ADMIN):
    c = TestClient(app)
    r = c.post("/console/api/login", json={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    c.headers["X-CSRF-Token"] = r.json()["csrf"]
    return c


def audited(action, target):
    with SessionLocal() as s:
        return [e.detail for e in s.scalars(select(AuditEntry).where(AuditEntry.action == action,
                                                                      AuditEntry.target == target))]


@pytest.fixture
def var(tmp_path, monkeypatch):
    """A models and training folder of the test's own; the database stays the suite's."""
    monkeypatch.setenv("RSA_VAR_DIR", str(tmp_path))
    get_settings.cache_clear()
    yield tmp_path
    _stop_runs()


def _stop_runs():
    with WriteSession() as s:
        for run in s.scalars(select(TrainingRun).where(TrainingRun.state.in_(training.ACTIVE))):
            if training._alive(run):
                training._kill_group(run.pid)
            run.state = RunState.CANCELLED.value
        s.commit()


def archive(path: Path, metadata=True, truncate=False) -> Path:
    """A model file: a gzip tar with Rasa's metadata.json (Rasa itself could not load it: its
    graph is empty), or without it, or cut short."""
    path.parent.mkdir(parents=True, exist_ok=True)
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        files = {"components/x/data.bin": os.urandom(200_000)}
        if metadata:
            files["metadata.json"] = json.dumps({"domain": {}, "train_schema": {"nodes": {}},
                                                 "predict_schema": {"nodes": {}}, "rasa_open_source_version": "3.6.21"}).encode()
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    data = buf.getvalue()
    path.write_bytes(data[: len(data) // 2] if truncate else data)
    return path


def model_row(name, status=ModelStatus.CANDIDATE, file=True, report=None, activated=None) -> int:
    """A model in the history (and its file, and a finished run with `report` when given)."""
    if file:
        archive(registry.models_dir() / name)
    with WriteSession() as s:
        if status == ModelStatus.ACTIVE:
            for other in s.scalars(select(ModelVersion).where(ModelVersion.status == ModelStatus.ACTIVE.value)):
                other.status = ModelStatus.RETIRED.value
        m = ModelVersion(name=name, sha256="0" * 64, config="config.yml", created_at=clock.now(), status=status.value,
                         scores={}, activated_at=activated or (clock.now() if status == ModelStatus.ACTIVE else None))
        s.add(m)
        s.flush()
        if report is not None:
            run = TrainingRun(started_at=clock.now(), finished_at=clock.now(), state=RunState.DONE.value, stage="完成",
                              config="config.yml", model_id=m.id)
            s.add(run)
            s.flush()
            evaluation.run_dir(run.id).mkdir(parents=True, exist_ok=True)
            evaluation.report_path(run.id).write_text(json.dumps(report), encoding="utf-8")
        s.commit()
        return m.id


def report(new_test, live_test, new_dev=0.8, live_dev=0.8):
    def fig(f1):
        return {"accuracy": f1, "macro_f1": f1, "per_intent": {"greet": {"precision": f1, "recall": f1, "f1": f1, "support": 20}}}
    return {"model": "x", "live": "y", "changed": [],
            "sets": {"test": {"n": 20, "new": fig(new_test), "live": fig(live_test), "f1_change": {"greet": new_test - live_test}},
                     "dev": {"n": 20, "new": fig(new_dev), "live": fig(live_dev), "f1_change": {"greet": new_dev - live_dev}}}}


@pytest.fixture
def fake_rasa(monkeypatch):
    """Rasa's PUT /model, recorded: the files it was asked to load."""
    calls = []
    monkeypatch.setattr(registry, "_put_model", lambda path: calls.append(Path(path).name))
    return calls


def status_of(model_id):
    with SessionLocal() as s:
        return s.get(ModelVersion, model_id).status


def live_name():
    with SessionLocal() as s:
        m = registry.live(s)
        return m.name if m else None


# ---- permissions -----------------------------------------------------------------------------

@pytest.mark.parametrize("method,path", [("get", "/training"), ("post", "/training"), ("get", "/training/1"),
                                         ("post", "/training/1/cancel"), ("get", "/models"),
                                         ("get", "/models/1/report"), ("post", "/models/1/activate"),
                                         ("post", "/models/rollback")])
def test_staff_and_supervisors_are_refused_and_strangers_asked_to_sign_in(method, path):
    for user in (STAFF, BOSS):
        r = getattr(signed_in(user), method)("/console/api/admin" + path)
        assert r.status_code == 403 and r.json()["detail"] == "只有管理员可以使用此功能", (user, r.text)
    assert getattr(TestClient(app), method)("/console/api/admin" + path).status_code == 401


# ---- runs (a stand-in script for rasa train) ------------------------------------------------

SLOW = """echo "Starting to train component 'DIETClassifier'."
printf 'Epochs:  10%%|#   | 10/100\\rEpochs:  40%%|####   | 40/100\\n'
echo partial > "$RSA_RUN_OUT/$RSA_RUN_NAME.tar.gz"
sleep 120
"""


def wait_run(client, run_id, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = client.get(f"/console/api/admin/training/{run_id}").json()
        if run["state"] not in training.ACTIVE:
            return run
        time.sleep(0.2)
    raise AssertionError(f"run {run_id} still {run['state']}")


def test_a_second_run_is_refused_while_one_runs_and_cancel_stops_it(var, monkeypatch):
    monkeypatch.setattr(training, "SCRIPT", SLOW)
    admin = signed_in()
    # Two admins pressing at once: one run starts, the other is told who started the running one.
    answers = []
    threads = [threading.Thread(target=lambda: answers.append(admin.post("/console/api/admin/training"))) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(r.status_code for r in answers) == [202, 409], [r.text for r in answers]
    run_id = next(r.json()["id"] for r in answers if r.status_code == 202)
    refused = next(r.json()["detail"] for r in answers if r.status_code == 409)
    assert refused.startswith(f"已有一个训练在进行中（第{run_id}次，{ADMIN}名于") and "请等它结束或取消后再试" in refused
    # The run's process holds the run lock: another backend process would be refused too.
    assert training._lock_file() is None

    deadline = time.monotonic() + 10
    while (run := admin.get(f"/console/api/admin/training/{run_id}").json())["stage"] != "训练NLU":
        assert time.monotonic() < deadline, run
        time.sleep(0.1)
    assert run["state"] == "running" and run["started_by"] == f"{ADMIN}名"
    assert 0.05 < run["progress"] < 0.75  # 40% of the NLU's epochs
    assert "Epochs:  40%" in run["log"] and "10/100" not in run["log"]  # the bar as a terminal shows it
    listed = admin.get("/console/api/admin/training").json()
    assert listed["runs"][0]["id"] == run_id and listed["labels"]["RunState"]["running"] == "训练中"
    assert admin.post("/console/api/admin/training").status_code == 409

    with SessionLocal() as s:
        pid = s.get(TrainingRun, run_id).pid
    r = admin.post(f"/console/api/admin/training/{run_id}/cancel")
    assert r.status_code == 200 and r.json()["state"] == "cancelled"
    with pytest.raises(ProcessLookupError):
        os.killpg(pid, 0)  # the whole process group is gone
    assert not training.model_path(run_id).exists()  # and its partial model
    assert audited("start training", f"run:{run_id}") and audited("cancel training", f"run:{run_id}")
    assert admin.post(f"/console/api/admin/training/{run_id}/cancel").status_code == 409
    # Free again.
    fd = training._lock_file()
    assert fd is not None
    os.close(fd)
    monkeypatch.setattr(training, "SCRIPT", "exit 3")
    second = admin.post("/console/api/admin/training")
    assert second.status_code == 202
    wait_run(admin, second.json()["id"])


def test_a_finished_run_registers_a_candidate_with_its_scores(var, monkeypatch):
    ready = var / "ready"
    ready.mkdir()
    compared = f"compared-{uuid.uuid4().hex[:6]}.tar.gz"  # the model the run was compared with, scoreless
    compared_id = model_row(compared)
    (ready / "report.json").write_text(json.dumps(dict(report(0.93, 0.95), live=compared)), encoding="utf-8")
    archive(ready / "model.tar.gz")
    monkeypatch.setenv("FAKE_READY", str(ready))
    monkeypatch.setattr(training, "SCRIPT", """echo "[评估] 开始评估新模型"
cp "$FAKE_READY/model.tar.gz" "$RSA_RUN_OUT/$RSA_RUN_NAME.tar.gz"; cp "$FAKE_READY/report.json" "$RSA_RUN_DIR/"
echo 0 > "$RSA_RUN_DIR/exit-code"
""")
    admin = signed_in()
    run = wait_run(admin, admin.post("/console/api/admin/training").json()["id"])
    assert run["state"] == "done" and run["stage"] == "完成" and run["progress"] == 1.0 and run["model_id"]
    models = admin.get("/console/api/admin/models").json()
    [m] = [m for m in models["models"] if m["id"] == run["model_id"]]
    assert m["status"] == "candidate" and m["trained_by"] == f"{ADMIN}名" and m["name"] == f"run-{run['id']}.tar.gz"
    assert m["scores"]["test"] == {"macro_f1": 0.93, "accuracy": 0.93} and m["scores"]["dev"]["macro_f1"] == 0.8
    assert models["labels"]["ModelStatus"]["candidate"] == "待启用"
    [c] = [m for m in models["models"] if m["id"] == compared_id]  # its scores now show in the history too
    assert c["scores"]["test"] == {"macro_f1": 0.95, "accuracy": 0.95} and c["scores"]["dev"]["macro_f1"] == 0.8
    rep = admin.get(f"/console/api/admin/models/{m['id']}/report").json()
    assert rep["worse"] == ["NLU测试集的宏平均F1从0.950降到0.930"]
    assert rep["sets"]["test"]["per_intent"]["greet"]["f1_change"] == pytest.approx(-0.02)
    assert admin.get(f"/console/api/admin/models/{m['id']}/confusion/test.png").status_code == 404
    assert admin.get(f"/console/api/admin/models/{m['id']}/confusion/other.png").status_code == 404


def test_a_failed_run_says_why(var, monkeypatch):
    monkeypatch.setattr(training, "SCRIPT", """echo "Starting to train component 'DIETClassifier'."
echo "InvalidDomain: intent 'make_coffee' is not in the domain. 电话13857112345"
echo 1 > "$RSA_RUN_DIR/exit-code"; exit 1
""")
    admin = signed_in()
    run = wait_run(admin, admin.post("/console/api/admin/training").json()["id"])
    assert run["state"] == "failed" and run["model_id"] is None
    assert run["error"].startswith("训练失败（退出码 1）：InvalidDomain: intent 'make_coffee'")
    assert "13857112345" not in run["error"] and "13857112345" not in run["log"]


def test_a_run_the_backend_lost_in_a_restart_is_failed_at_start_up(var):
    with WriteSession() as s:
        run = TrainingRun(started_at=clock.now(), state=RunState.RUNNING.value, stage="训练NLU", config="config.yml",
                          pid=2 ** 22 + 17)  # no such process
        s.add(run)
        s.commit()
    training.recover()
    with SessionLocal() as s:
        run = s.get(TrainingRun, run.id)
        assert run.state == "failed" and run.error == "后台重启，训练中断" and run.finished_at is not None


def test_progress_reads_stages_and_epochs_from_the_log(var):
    evaluation.run_dir(999).mkdir(parents=True)
    log = training.log_path(999)
    log.write_text("", encoding="utf-8")
    assert training.progress(999) == ("准备数据", 0.0)
    log.write_text("Starting to train component 'DIETClassifier'.\nEpochs:   0%|\rEpochs:  50%|#####\n", encoding="utf-8")
    assert training.progress(999) == ("训练NLU", 0.4)
    log.write_text(log.read_text() + "Starting to train component 'TEDPolicy'.\rEpochs: 100%|\n", encoding="utf-8")
    assert training.progress(999) == ("训练对话策略", 0.85)
    log.write_text(log.read_text() + "[评估] 开始评估新模型\n评估 新 测试集 166/332\n", encoding="utf-8")
    assert training.progress(999) == ("评估", 0.92)


# ---- gating, activation, rollback (a stand-in for Rasa's PUT /model) -------------------------

def test_a_worse_model_is_refused_unless_overridden_with_a_reason(var, fake_rasa):
    live = model_row(f"live-{uuid.uuid4().hex[:6]}.tar.gz", ModelStatus.ACTIVE)
    worse = model_row(f"run-worse-{uuid.uuid4().hex[:6]}.tar.gz", report=report(0.80, 0.95, 0.70, 0.72))
    admin = signed_in()
    r = admin.post(f"/console/api/admin/models/{worse}/activate", json={"override": False, "reason": ""})
    assert r.status_code == 409 and "新模型没有通过与当前模型的比较" in r.json()["detail"]
    assert "NLU测试集的宏平均F1从0.950降到0.800" in r.json()["detail"] and "真实开发集" in r.json()["detail"]
    r = admin.post(f"/console/api/admin/models/{worse}/activate", json={"override": True, "reason": "  "})
    assert r.status_code == 422 and r.json()["detail"] == "强制启用较差的模型时请写明理由"
    assert fake_rasa == [] and status_of(live) == "active"

    r = admin.post(f"/console/api/admin/models/{worse}/activate", json={"override": True, "reason": "新说法急需上线"})
    assert r.status_code == 200 and r.json()["status"] == "active" and r.json()["activated_by"] == f"{ADMIN}名"
    assert fake_rasa == [r.json()["name"]] and status_of(live) == "retired"
    [detail] = audited("override gate", f"model:{worse}")
    assert "NLU测试集的宏平均F1从0.950降到0.800" in detail and "理由：新说法急需上线" in detail
    assert audited("activate model", f"model:{worse}")
    assert (var / "models" / "ACTIVE").read_text().strip() == r.json()["name"]


def test_a_model_within_tolerance_activates_and_rollback_brings_back_the_previous(var, fake_rasa):
    first = model_row(f"live-{uuid.uuid4().hex[:6]}.tar.gz", ModelStatus.ACTIVE)
    close = model_row(f"run-close-{uuid.uuid4().hex[:6]}.tar.gz", report=report(0.94, 0.95))  # one message's worth
    admin = signed_in()
    r = admin.post(f"/console/api/admin/models/{close}/activate", json={})
    assert r.status_code == 200, r.text
    assert admin.get("/console/api/admin/models").json()["live"]["id"] == close
    assert admin.post(f"/console/api/admin/models/{close}/activate").status_code == 409  # already live

    r = admin.post("/console/api/admin/models/rollback")
    assert r.status_code == 200 and r.json()["id"] == first
    assert status_of(first) == "active" and status_of(close) == "retired" and len(fake_rasa) == 2
    assert audited("rollback model", f"model:{first}")
    assert (var / "models" / "ACTIVE").read_text().strip() == r.json()["name"]
    # Rolling back again goes further back, not forth: nothing served before the first model.
    assert admin.post("/console/api/admin/models/rollback").status_code == 409 and status_of(first) == "active"


def test_a_stricter_gate_refuses_a_model_that_is_only_as_good(var, fake_rasa, monkeypatch):
    model_row(f"live-{uuid.uuid4().hex[:6]}.tar.gz", ModelStatus.ACTIVE)
    same = model_row(f"run-same-{uuid.uuid4().hex[:6]}.tar.gz", report=report(0.95, 0.95))
    monkeypatch.setenv("RSA_GATE_TOLERANCE", "-0.01")  # a new model must be better by 0.01
    get_settings.cache_clear()
    try:
        r = signed_in().post(f"/console/api/admin/models/{same}/activate", json={})
    finally:
        monkeypatch.delenv("RSA_GATE_TOLERANCE")
        get_settings.cache_clear()
    assert r.status_code == 409 and "NLU测试集的宏平均F1为0.950，没有比当前模型的0.950高出0.010" in r.json()["detail"]
    assert fake_rasa == [] and status_of(same) == "candidate"


def test_rollback_with_no_earlier_model_is_refused(var, fake_rasa):
    model_row(f"live-{uuid.uuid4().hex[:6]}.tar.gz", ModelStatus.ACTIVE)  # nothing served before it
    r = signed_in().post("/console/api/admin/models/rollback")
    assert r.status_code == 409 and r.json()["detail"] == "没有可以回滚到的上一个模型" and fake_rasa == []


@pytest.mark.parametrize("kind,message", [("missing", "模型文件不存在："), ("no metadata", "模型文件已损坏，无法加载："),
                                          ("truncated", "模型文件已损坏，无法加载：")])
def test_a_missing_or_corrupt_file_is_refused_before_rasa_is_asked(var, fake_rasa, kind, message):
    live = model_row(f"live-{uuid.uuid4().hex[:6]}.tar.gz", ModelStatus.ACTIVE)
    name = f"bad-{uuid.uuid4().hex[:6]}.tar.gz"
    bad = model_row(name, file=False)
    if kind != "missing":
        archive(registry.models_dir() / name, metadata=kind != "no metadata", truncate=kind == "truncated")
    r = signed_in().post(f"/console/api/admin/models/{bad}/activate", json={})
    assert r.status_code == 409 and r.json()["detail"].startswith(message + name), r.text
    assert fake_rasa == [] and status_of(bad) == "broken" and status_of(live) == "active"


def test_unknown_model_and_run_are_not_found(var):
    admin = signed_in()
    assert admin.post("/console/api/admin/models/987654/activate", json={}).json()["detail"] == "没有这个模型"
    assert admin.get("/console/api/admin/training/987654").status_code == 404
    assert admin.get("/console/api/admin/models/987654/report").status_code == 404


# ---- with the real Rasa server --------------------------------------------------------------

@pytest.fixture
def real_rasa(stack, monkeypatch):
    """This process's settings point at the running stack's Rasa; the history names what it serves."""
    monkeypatch.setenv("RSA_RASA_URL", stack["rasa"])
    monkeypatch.setenv("RSA_RASA_TOKEN", stack["rasa_token"])
    get_settings.cache_clear()
    registry.sync_at_start()
    loaded, put = [], registry._put_model

    def recorded(path):
        why = put(path)
        if why is None:
            loaded.append(path)  # what Rasa serves now
        return why
    monkeypatch.setattr(registry, "_put_model", recorded)
    yield stack
    # Whatever happened, the stack the other tests share serves models/current.tar.gz again.
    with WriteSession() as s:
        initial = registry.sync_served(s)
    if initial is not None and loaded and loaded[-1] != registry.path_of(initial) \
            and put(registry.path_of(initial)) is None:
        registry._write_pointer(initial.name)


def text_of(messages):
    return "\n".join(m.get("text", "") for m in messages)


def ask(stack, text):
    """The assistant's answer to `text` as the first message of a new conversation."""
    import requests

    from tests.conftest import SERVICE
    r = requests.post(f"{stack['rasa']}/webhooks/h5/webhook", json={"sender": "t" + uuid.uuid4().hex[:16], "message": text},
                      headers=SERVICE, timeout=60)
    assert r.status_code == 200, r.text
    return text_of(r.json())


def test_a_file_rasa_cannot_load_leaves_the_live_model_answering(real_rasa):
    before = live_name()
    for name, kwargs in ((f"corrupt-{uuid.uuid4().hex[:6]}.tar.gz", {"truncate": True}),
                         (f"hollow-{uuid.uuid4().hex[:6]}.tar.gz", {})):  # readable, but not a model Rasa can run
        archive(registry.models_dir() / name, **kwargs)
        with WriteSession() as s:
            m = ModelVersion(name=name, config="config.yml", created_at=clock.now(), status="candidate", scores={})
            s.add(m)
            s.commit()
        r = signed_in().post(f"/console/api/admin/models/{m.id}/activate", json={})
        assert r.status_code == 409 and r.json()["detail"].startswith(f"模型文件已损坏，无法加载：{name}"), r.text
        assert status_of(m.id) == "broken" and live_name() == before
        assert "不客气" in ask(real_rasa, "谢谢你")  # the live model still answers
    tried = signed_in().post("/console/api/admin/models/try", json={"text": "谢谢你，我电话13857112345"}).json()
    assert tried["intent"] == "thank" and tried["confidence"] > 0.5 and tried["model"] == before


def test_activation_keeps_a_conversation_going_and_rolls_back(real_rasa, talk):
    # The same content as the live model under another name: a real PUT /model all the same.
    copy = registry.models_dir() / f"copy-{uuid.uuid4().hex[:6]}.tar.gz"
    shutil.copyfile(ROOT / "models" / "current.tar.gz", copy)
    with WriteSession() as s:
        m = ModelVersion(name=copy.name, config="config.yml", created_at=clock.now(), status="candidate", scores={})
        s.add(m)
        s.commit()
    before = live_name()
    reply = text_of(talk("楼下烧烤店油烟太大了，熏得不行"))
    assert "什么地方" in reply
    admin = signed_in()
    r = admin.post(f"/console/api/admin/models/{m.id}/activate", json={})
    assert r.status_code == 200, r.text
    assert "联系电话" in text_of(talk("柳岸新村5幢"))  # the report in progress carries on
    r = admin.post("/console/api/admin/models/rollback")
    assert r.status_code == 200 and r.json()["name"] == before, r.text
    assert "请核对" in text_of(talk("13857112345"))


NEW_PHRASES = ["唔该晒", "唔该晒你哋", "唔该你啊"]


def test_train_fast_evaluate_activate_understands_then_rollback(real_rasa, tmp_path, monkeypatch):
    """One real training: a copy of nlu_data/ with Cantonese thanks added, the fast configuration."""
    nlu = tmp_path / "nlu_data"
    shutil.copytree(ROOT / "nlu_data", nlu)
    (nlu / "reviewed.yml").write_text('version: "3.1"\nnlu:\n- intent: thank\n  examples: |\n'
                                      + "".join(f"    - {p}\n" for p in NEW_PHRASES), encoding="utf-8")
    monkeypatch.setenv("RSA_NLU_DIR", str(nlu))
    monkeypatch.setenv("RSA_TRAIN_CONFIG", str(ROOT / "tests" / "data" / "train-fast.yml"))
    get_settings.cache_clear()
    assert "不客气" not in ask(real_rasa, "唔该晒")

    admin = signed_in()
    r = admin.post("/console/api/admin/training")
    assert r.status_code == 202, r.text
    run = wait_run(admin, r.json()["id"], timeout=900)
    assert run["state"] == "done", (run["error"], run["log"][-3000:])
    assert "测试集：新模型宏F1" in run["log"]  # the evaluation's summary ends the log
    rep = admin.get(f"/console/api/admin/models/{run['model_id']}/report").json()
    assert rep["sets"]["test"]["count"] > 300 and rep["sets"]["test"]["live"]["macro_f1"] > 0.5
    assert rep["sets"]["test"]["new"]["per_intent"]["thank"]["support"] > 0
    if rep.get("dev_missing") is None:
        assert rep["sets"]["dev"]["count"] > 300
    png = admin.get(f"/console/api/admin/models/{run['model_id']}/confusion/test.png")
    assert png.status_code == 200 and png.headers["content-type"] == "image/png" and png.content[:4] == b"\x89PNG"

    body = {"override": bool(rep["worse"]), "reason": "测试：快速配置训练的模型" if rep["worse"] else ""}
    r = admin.post(f"/console/api/admin/models/{run['model_id']}/activate", json=body)
    assert r.status_code == 200, r.text
    assert "不客气" in ask(real_rasa, "唔该晒")
    assert admin.post("/console/api/admin/models/rollback").status_code == 200
    assert "不客气" not in ask(real_rasa, "唔该晒")


# ---- the evaluation script, with stand-in models ----------------------------------------------

def test_evaluation_compares_with_the_live_model_masks_texts_and_reads_the_live_model_once(tmp_path, monkeypatch):
    from scripts import evaluate_model as em
    monkeypatch.setattr(em, "test_set", lambda: [("我电话13857112345", "inform"), ("你好", "greet"),
                                                 ("居住证怎么办", "ask_service"), ("办个居住证", "ask_service")])
    monkeypatch.setattr(em, "dev_set", lambda: ([("路灯坏了好几天", "report_incident"), ("建议多开公交", "make_suggestion")], None))
    answers = {"new.tar.gz": {"我电话13857112345": "inform", "你好": "greet", "居住证怎么办": "ask_service",
                              "办个居住证": "ask_service", "路灯坏了好几天": "report_incident", "建议多开公交": "report_incident"},
               "live.tar.gz": {"我电话13857112345": "nlu_fallback", "你好": "greet", "居住证怎么办": "ask_service",
                               "办个居住证": "check_incident_status", "路灯坏了好几天": "report_incident",
                               "建议多开公交": "make_suggestion"}}
    loaded = []

    class Reader:
        def __init__(self, model):
            loaded.append(model.name)
            self.said = answers[model.name]

        def read(self, texts, label):
            return [self.said[t] for t in texts]

    monkeypatch.setattr(em, "Reader", Reader)
    new, live = tmp_path / "new.tar.gz", tmp_path / "live.tar.gz"
    for f in (new, live):
        f.write_bytes(f.name.encode())
    rep = em.evaluate(new, live, tmp_path / "out", tmp_path / "cache")
    test, dev = rep["sets"]["test"], rep["sets"]["dev"]
    assert test["new"]["accuracy"] == 1.0 and test["live"]["accuracy"] == 0.5
    assert test["f1_change"]["inform"] == 1.0 and test["new"]["per_intent"]["ask_service"]["support"] == 2
    assert dev["new"]["macro_f1"] < dev["live"]["macro_f1"]
    changed = {(c["set"], c["text"], c["live"], c["new"]) for c in rep["changed"]}
    assert changed == {("test", "我电话138****2345", "nlu_fallback", "inform"),
                       ("test", "办个居住证", "check_incident_status", "ask_service"),
                       ("dev", "建议多开公交", "make_suggestion", "report_incident")}
    assert evaluation.worse(rep) == [f"真实开发集的宏平均F1从{dev['live']['macro_f1']:.3f}降到{dev['new']['macro_f1']:.3f}"]
    for name in ("confusion-test.png", "confusion-dev.png"):
        assert (tmp_path / "out" / name).read_bytes()[:4] == b"\x89PNG"
    assert json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8")) == rep
    assert loaded == ["new.tar.gz", "live.tar.gz"]
    em.evaluate(new, live, tmp_path / "out2", tmp_path / "cache")
    assert loaded == ["new.tar.gz", "live.tar.gz", "new.tar.gz"]  # the live model's answers came from the cache
