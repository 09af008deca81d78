"""Training runs started from the console: one at a time, in the background, at low priority.

A run is one process group (bash: `rasa train`, then scripts/evaluate_model.py) started with
nice 10 (and ionice's lowest best-effort class where there is one), so the live assistant keeps
the CPU it needs (bench/training_load.py measures it). Its output goes to
var_dir/training/run-<id>/train.log, which is where progress is read from; the model goes to
var_dir/models/run-<id>.tar.gz. A watcher thread in the backend waits for the process, follows
its stage and, at the end, registers the model (a candidate) or records why the run failed.

One run at a time, across threads and processes: the check for a running run is made inside the
SQLite write lock (a WriteSession), and the run's process holds an flock on
var_dir/training/run.lock for as long as it lives, which also covers a run whose backend died.
"""
import fcntl
import logging
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import List, Optional, Tuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.admin import evaluation, registry
from api.admin.models import ModelVersion, TrainingRun
from api.admin.states import ModelStatus, RunState
from api.core import clock
from api.core.db import SessionLocal, WriteSession
from api.core.errors import DomainError, Kind
from api.staff.audit import AuditAction, audit
from api.staff.models import StaffUser
from shared.redact import mask_personal
from shared.settings import ROOT, get_settings

log = logging.getLogger(__name__)

PREPARE, NLU, POLICIES, EVALUATE, DONE = "准备数据", "训练NLU", "训练对话策略", "评估", "完成"
ACTIVE = (RunState.RUNNING.value, RunState.EVALUATING.value)
LOG_LINES = 200
POLL_SECONDS = 2
EVALUATE_MARK = "[评估] 开始评估新模型"
# The run's steps; the values come in the environment, so nothing typed by anyone is ever
# parsed by the shell. The exit code is written down so that a backend restarted during the run
# still learns how it ended.
SCRIPT = r"""
"$RSA_RUN_RASA" train --config "$RSA_RUN_CONFIG" --domain bot/domain --data "$RSA_RUN_NLU" bot/data \
  --out "$RSA_RUN_OUT" --fixed-model-name "$RSA_RUN_NAME"
rc=$?
if [ "$rc" -ne 0 ]; then echo "$rc" > "$RSA_RUN_DIR/exit-code"; exit "$rc"; fi
echo "[评估] 开始评估新模型"
if [ -n "$RSA_RUN_LIVE" ]; then
  "$RSA_RUN_PY" -m scripts.evaluate_model --model "$RSA_RUN_OUT/$RSA_RUN_NAME.tar.gz" --live "$RSA_RUN_LIVE" --out "$RSA_RUN_DIR"
else
  "$RSA_RUN_PY" -m scripts.evaluate_model --model "$RSA_RUN_OUT/$RSA_RUN_NAME.tar.gz" --out "$RSA_RUN_DIR"
fi
rc=$?
echo "$rc" > "$RSA_RUN_DIR/exit-code"
exit "$rc"
"""
_EPOCHS = re.compile(r"Epochs:\s+(\d+)%")
_COMPONENT = re.compile(r"(?:Starting to train|Restored) component '(\w+)'")
_EVAL_STEP = re.compile(r"^评估 .* (\d+)/(\d+)$")
_BIN = Path(sys.executable).parent


def _marker(run_id: int) -> str:
    return f"rsa-training-run-{run_id}"  # the process's $0, for people reading `ps`


def log_path(run_id: int) -> Path:
    return evaluation.run_dir(run_id) / "train.log"


def model_path(run_id: int) -> Path:
    return registry.models_dir() / f"run-{run_id}.tar.gz"


def _config_name(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


# ---- reading a run's log ---------------------------------------------------------------------

def _log_text(run_id: int, limit: int = 2_000_000) -> str:
    path = log_path(run_id)
    try:
        with open(path, "rb") as f:
            f.seek(max(0, path.stat().st_size - limit))
            return f.read().decode("utf-8", errors="replace")
    except OSError:
        return ""


def _lines(text: str) -> List[str]:
    """The log as a terminal shows it: a progress bar redrawn with \\r is one line, its latest."""
    return [line.rsplit("\r", 1)[-1] for line in text.split("\n")]


def log_tail(run_id: int, lines: int = LOG_LINES) -> str:
    shown = [mask_personal(x)[0] for x in _lines(_log_text(run_id)) if x.strip()]
    return "\n".join(shown[-lines:])


def progress(run_id: int) -> Tuple[str, float]:
    """(stage in words, 0–1) from the log: which component is training (NLU, then the dialogue
    policies), how far its epochs are (tqdm's "Epochs: 45%"), then the evaluation's steps."""
    stage, done = PREPARE, 0.0
    for part in re.split(r"[\r\n]", _log_text(run_id)):  # every redraw of a bar, in order
        if m := _COMPONENT.search(part):
            stage, done = (POLICIES if m.group(1).endswith("Policy") else NLU), 0.0
        elif EVALUATE_MARK in part:
            stage, done = EVALUATE, 0.0
        elif stage in (NLU, POLICIES) and (m := _EPOCHS.search(part)):
            done = int(m.group(1)) / 100
        elif stage == EVALUATE and (m := _EVAL_STEP.match(part.strip())):
            done = int(m.group(1)) / max(1, int(m.group(2)))
    span = {PREPARE: (0.0, 0.05), NLU: (0.05, 0.75), POLICIES: (0.75, 0.85), EVALUATE: (0.85, 0.99)}[stage]
    return stage, round(span[0] + (span[1] - span[0]) * min(done, 1.0), 3)


# ---- starting -------------------------------------------------------------------------------

def _busy_message(run: TrainingRun) -> str:
    who = run.started_by.display_name if run.started_by else "系统"
    return f"已有一个训练在进行中（第{run.id}次，{who}于{run.started_at:%H:%M}开始），请等它结束或取消后再试"


def _lock_file() -> Optional[int]:
    """The machine-wide run lock, taken without waiting; None when a run's process holds it."""
    folder = evaluation.training_dir()
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder / "run.lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return None
    return fd


def command(run_id: int) -> List[str]:
    """The run's command line: nice 10 (the live assistant comes first), ionice's lowest
    best-effort class where there is one; each execs the next, so the pid stays the run's."""
    cmd = ["bash", "-c", SCRIPT, _marker(run_id)]
    if shutil.which("ionice"):
        cmd = ["ionice", "-c", "2", "-n", "7"] + cmd
    return ["nice", "-n", "10"] + cmd


def _spawn(run: TrainingRun, live: Optional[Path], lock_fd: int) -> subprocess.Popen:
    s = get_settings()
    folder = evaluation.run_dir(run.id)
    folder.mkdir(parents=True, exist_ok=True)
    registry.models_dir().mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.update(RASA_TELEMETRY_ENABLED="false", TF_CPP_MIN_LOG_LEVEL="2", PYTHONWARNINGS="ignore",
               SQLALCHEMY_SILENCE_UBER_WARNING="1", RSA_RUN_RASA=str(_BIN / "rasa"), RSA_RUN_PY=sys.executable,
               RSA_RUN_CONFIG=str(s.train_config), RSA_RUN_NLU=str(s.nlu_dir), RSA_RUN_OUT=str(registry.models_dir()),
               RSA_RUN_NAME=f"run-{run.id}", RSA_RUN_DIR=str(folder), RSA_RUN_LIVE=str(live) if live else "")
    with open(log_path(run.id), "ab") as out:
        return subprocess.Popen(command(run.id), cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True,
                                pass_fds=(lock_fd,))  # the run holds the lock for as long as it lives


def active_run(session: Session) -> Optional[TrainingRun]:
    return session.scalars(select(TrainingRun).where(TrainingRun.state.in_(ACTIVE))
                           .order_by(TrainingRun.id.desc())).first()


def start(session: Session, user: StaffUser) -> TrainingRun:
    """Start a run in the background; refused while another is running or being evaluated.
    `session` is a WriteSession: its first statement takes SQLite's write lock, so two admins
    pressing at once are told one after the other. Commits."""
    if registry.live(session) is None:  # first use: models/current.tar.gz is the one to beat
        registry.sync_served(session)
    running = active_run(session)
    if running is not None:
        raise DomainError(_busy_message(running), Kind.CONFLICT)
    s = get_settings()
    if not s.train_config.is_file():
        raise DomainError(f"训练配置文件不存在：{s.train_config}", Kind.CONFLICT)
    if not s.nlu_dir.is_dir():
        raise DomainError(f"训练数据目录不存在：{s.nlu_dir}", Kind.CONFLICT)
    lock_fd = _lock_file()
    if lock_fd is None:
        raise DomainError("已有一个训练在进行中（由另一个后台进程启动），请等它结束后再试", Kind.CONFLICT)
    proc = None
    try:
        current = registry.live(session)
        live = registry.path_of(current) if current is not None and registry.path_of(current).is_file() else None
        run = TrainingRun(started_at=clock.now(), started_by_id=user.id if user else None, state=RunState.RUNNING.value,
                          stage=PREPARE, config=_config_name(s.train_config))
        session.add(run)
        session.flush()
        proc = _spawn(run, live, lock_fd)
        run.pid = proc.pid
        audit(session, user, AuditAction.START_TRAINING, f"run:{run.id}", f"配置 {run.config}")
        session.commit()
    except BaseException:
        if proc is not None:
            _kill_group(proc.pid)
        raise
    finally:
        os.close(lock_fd)
    _watch_in_background(run.id, proc)
    return run


# ---- watching -------------------------------------------------------------------------------

def _alive(run: TrainingRun) -> bool:
    """Whether the run's process still lives: its pid, with this run's folder in its environment
    (the environment survives bash exec'ing its last command; a reused pid has another)."""
    if not run.pid:
        return False
    try:
        environ = Path(f"/proc/{run.pid}/environ").read_bytes()
        stat = Path(f"/proc/{run.pid}/stat").read_text()
    except OSError:
        return False
    mine = b"\0RSA_RUN_DIR=" + str(evaluation.run_dir(run.id)).encode() + b"\0"
    return mine in b"\0" + environ and stat.rsplit(")", 1)[-1].split()[0] != "Z"


def _kill_group(pid: int, grace: float = 10) -> None:
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(pid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline:
            try:
                os.killpg(pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.1)


def _watch_in_background(run_id: int, proc: Optional[subprocess.Popen]) -> None:
    threading.Thread(target=_watch, args=(run_id, proc), name=f"training-{run_id}", daemon=True).start()


def _watch(run_id: int, proc: Optional[subprocess.Popen]) -> None:
    """Follow the run's stage until its process ends, then finish it. `proc` is None for a run
    found still going after a backend restart (not our child: polled by pid)."""
    shown = None
    try:
        while True:
            if proc is not None:
                try:
                    proc.wait(timeout=POLL_SECONDS)
                    break
                except subprocess.TimeoutExpired:
                    pass
            else:
                with SessionLocal() as s:
                    run = s.get(TrainingRun, run_id)
                    going = run is not None and run.state in ACTIVE and _alive(run)
                if not going:
                    break
                time.sleep(POLL_SECONDS)
            stage = progress(run_id)[0]
            if stage != shown:
                shown = stage
                _set_stage(run_id, stage)
        finish(run_id)
    except Exception:  # a locked database must not leave the run "running" silently
        log.exception("watching training run %s failed", run_id)


def _set_stage(run_id: int, stage: str) -> None:
    with WriteSession() as s:
        run = s.get(TrainingRun, run_id)
        if run is None or run.state not in ACTIVE:
            return
        run.stage = stage
        if stage == EVALUATE:
            run.state = RunState.EVALUATING.value
        s.commit()


def _exit_code(run_id: int) -> Optional[int]:
    try:
        return int((evaluation.run_dir(run_id) / "exit-code").read_text().strip())
    except (OSError, ValueError):
        return None


def _why_failed(run_id: int, code: Optional[int]) -> str:
    lines = [x.strip() for x in _lines(_log_text(run_id, 200_000)) if x.strip()]
    errors = [x for x in lines if re.search(r"Error|Exception|error:|错误", x)]
    last = mask_personal((errors or lines or [""])[-1])[0][:400]
    head = f"训练失败（退出码 {code}）" if code is not None else "训练进程意外结束"
    return f"{head}：{last}" if last else head


def finish(run_id: int, interrupted: bool = False) -> None:
    """The run's process has ended: register its model, or say why there is none. A run that
    was cancelled meanwhile is left as it is."""
    code, report, file = _exit_code(run_id), evaluation.read(run_id), model_path(run_id)
    ok = code == 0 and report is not None and file.is_file()
    sha = registry.sha256_of(file) if ok else None  # outside the write lock: tens of MB
    with WriteSession() as s:
        run = s.get(TrainingRun, run_id)
        if run is None or run.state not in ACTIVE:
            return
        if ok:
            model = ModelVersion(name=file.name, sha256=sha, config=run.config, created_at=clock.now(),
                                 trained_by_id=run.started_by_id, status=ModelStatus.CANDIDATE.value,
                                 scores=evaluation.scores(report))
            s.add(model)
            s.flush()
            run.model_id, run.state, run.stage = model.id, RunState.DONE.value, DONE
            # The model it was compared with (the one scripts/start trained has no report of its
            # own) gets its scores in the history too.
            compared = s.scalars(select(ModelVersion).where(ModelVersion.name == report.get("live"))).first()
            if compared is not None and not compared.scores:
                compared.scores = evaluation.scores(report, "live")
        else:
            run.state = RunState.FAILED.value
            run.error = "后台重启，训练中断" if interrupted and code is None else _why_failed(run_id, code)
            file.unlink(missing_ok=True)  # a failed run leaves no half-made model
        run.finished_at = clock.now()
        s.commit()


def recover() -> None:
    """At the backend's start-up: a run whose process is gone was interrupted (or ended while
    the backend was down: its exit code says so); one still going is watched again."""
    with SessionLocal() as s:
        found = list(s.scalars(select(TrainingRun).where(TrainingRun.state.in_(ACTIVE))))
    for run in found:
        if _alive(run):
            _watch_in_background(run.id, None)
        else:
            finish(run.id, interrupted=True)


# ---- cancelling and reading -----------------------------------------------------------------

def get(session: Session, run_id: int) -> TrainingRun:
    run = session.get(TrainingRun, run_id)
    if run is None:
        raise DomainError("没有这次训练", Kind.NOT_FOUND)
    return run


def cancel(session: Session, user: StaffUser, run_id: int) -> TrainingRun:
    """Stop a run: its whole process group, then its partial model. Commits."""
    run = get(session, run_id)
    if run.state not in ACTIVE:
        raise DomainError("这次训练已经结束，不能取消", Kind.CONFLICT)
    alive = _alive(run)
    run.state, run.finished_at = RunState.CANCELLED.value, clock.now()
    audit(session, user, AuditAction.CANCEL_TRAINING, f"run:{run.id}", run.stage)
    session.commit()  # the watcher sees "cancelled" and leaves the run alone
    if alive:
        _kill_group(run.pid)
    model_path(run.id).unlink(missing_ok=True)
    return run


def runs(session: Session, limit: int = 50) -> List[TrainingRun]:
    return list(session.scalars(select(TrainingRun).order_by(TrainingRun.id.desc()).limit(limit)))
