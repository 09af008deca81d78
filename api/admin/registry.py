"""The models the assistant can serve: their history, the live one, activation through Rasa's
`PUT /model`, and rollback.

Models live in var_dir/models/. The pointer file var_dir/models/ACTIVE names the one an admin
activated; scripts/stack.py starts Rasa on it unless scripts/start trained models/current.tar.gz
after the pointer was written. At the backend's start-up `sync_served` makes the history agree:
whatever Rasa loads at start is the active model (models/current.tar.gz is registered as
"initial-<sha8>.tar.gz", trained by scripts/start, on first need).

Rasa's `PUT /model` (rasa/server.py, 3.6) builds a new agent on the same tracker store and lock
store and swaps it in only once the model has loaded, so conversations in progress carry on; a
model that fails to load leaves the old agent serving. Files are still checked here first, so a
missing or corrupt file is refused with a clear message and Rasa is never asked.
"""
import datetime as dt
import hashlib
import json
import logging
import os
import shutil
import tarfile
import threading
from pathlib import Path
from typing import List, Optional

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.admin import evaluation
from api.admin.models import ModelVersion
from api.admin.states import ModelStatus
from api.core import clock
from api.core.errors import DomainError, Kind
from api.staff.audit import AuditAction, audit
from api.staff.models import StaffUser
from shared.settings import ROOT, get_settings

log = logging.getLogger(__name__)

CURRENT = ROOT / "models" / "current.tar.gz"  # what scripts/start trains
POINTER = "ACTIVE"
# Loading the full model takes Rasa 10-30 s on two cores; more than that is a hung server.
LOAD_TIMEOUT = 300
_switching = threading.Lock()  # one activation at a time, so Rasa and the history agree


def models_dir() -> Path:
    return get_settings().var_dir / "models"


def path_of(model: ModelVersion) -> Path:
    return models_dir() / model.name


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def served_at_start(var_dir: Path, current: Path = CURRENT) -> Optional[Path]:
    """The model Rasa loads when it starts: the admin's choice (the ACTIVE pointer) when it was
    made after scripts/start last trained models/current.tar.gz, else current.tar.gz. The same
    rule as scripts/stack.py's (kept there in a few lines: the runner imports no backend code)."""
    pointer = var_dir / "models" / POINTER
    if pointer.exists():
        chosen = var_dir / "models" / pointer.read_text(encoding="utf-8").strip()
        if chosen.is_file() and (not current.exists() or pointer.stat().st_mtime > current.stat().st_mtime):
            return chosen
    return current if current.exists() else None


def _write_pointer(name: str) -> None:
    folder = models_dir()
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / (POINTER + ".tmp")
    tmp.write_text(name + "\n", encoding="utf-8")
    os.replace(tmp, folder / POINTER)  # atomic: a starting Rasa never reads half a name


def _register_initial(session: Session, current: Path) -> ModelVersion:
    """models/current.tar.gz in the history, as a file of its own, so a later scripts/start
    training cannot change a model the history names."""
    sha = sha256_of(current)
    name = f"initial-{sha[:8]}.tar.gz"
    target = models_dir() / name
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.exists():  # a copy, not a hard link: rasa train rewrites current.tar.gz in place
        partial = target.with_suffix(".partial")
        shutil.copy2(current, partial)
        os.replace(partial, target)
    row = session.scalars(select(ModelVersion).where(ModelVersion.name == name)).first()
    if row is not None:
        return row
    trained = clock.local(dt.datetime.fromtimestamp(current.stat().st_mtime, tz=dt.timezone.utc))
    row = ModelVersion(name=name, sha256=sha, config="config.yml", created_at=trained, trained_by_id=None,
                       status=ModelStatus.CANDIDATE.value, scores={})
    session.add(row)
    session.flush()
    return row


def sync_served(session: Session) -> Optional[ModelVersion]:
    """At start-up: the model Rasa loads at start is the active one in the history. Commits."""
    served = served_at_start(get_settings().var_dir)
    if served is None:
        return None
    if served.parent == models_dir():
        row = session.scalars(select(ModelVersion).where(ModelVersion.name == served.name)).first()
    else:
        row = _register_initial(session, served)
    if row is None:  # a pointer to a file the history does not know (copied by hand): leave it
        session.commit()
        return None
    if row.status != ModelStatus.ACTIVE:
        for other in session.scalars(select(ModelVersion).where(ModelVersion.status == ModelStatus.ACTIVE.value)):
            other.status = ModelStatus.RETIRED.value
            row.replaced_id = other.id  # what served before the restart is one rollback away
        row.status = ModelStatus.ACTIVE.value
        row.activated_at = row.activated_at or clock.now()
    session.commit()
    return row


def sync_at_start() -> None:
    """The backend's start-up: the history agrees with what Rasa loaded."""
    from api.core.db import WriteSession
    with WriteSession() as session:
        sync_served(session)


def live(session: Session) -> Optional[ModelVersion]:
    return session.scalars(select(ModelVersion).where(ModelVersion.status == ModelStatus.ACTIVE.value)
                           .order_by(ModelVersion.activated_at.desc(), ModelVersion.id.desc())).first()


def history(session: Session) -> List[ModelVersion]:
    return list(session.scalars(select(ModelVersion).order_by(ModelVersion.id.desc())))


def get(session: Session, model_id: int) -> ModelVersion:
    row = session.get(ModelVersion, model_id)
    if row is None:
        raise DomainError("没有这个模型", Kind.NOT_FOUND)
    return row


def check_file(path: Path) -> None:
    """A readable Rasa 3 model archive: a gzip tar whose every member can be read, with the
    metadata.json Rasa loads first (its domain and graph schemas). DomainError otherwise."""
    if not path.is_file():
        raise DomainError(f"模型文件不存在：{path.name}", Kind.CONFLICT)
    try:
        with tarfile.open(path, mode="r:gz") as tar:
            members = {m.name.lstrip("./"): m for m in tar}  # reading every header finds a truncated file
            meta = members.get("metadata.json")
            if meta is None:
                raise ValueError("no metadata.json")
            data = json.load(tar.extractfile(meta))
            missing = [k for k in ("domain", "train_schema", "predict_schema", "rasa_open_source_version") if k not in data]
            if missing:
                raise ValueError(f"metadata lacks {missing}")
            for m in members.values():  # every byte: a file cut short fails here, not in Rasa
                if m.isfile():
                    with tar.extractfile(m) as f:
                        while f.read(1 << 20):
                            pass
    except (tarfile.TarError, OSError, EOFError, ValueError, UnicodeDecodeError) as e:
        log.warning("model %s unreadable: %s", path.name, type(e).__name__)
        raise DomainError(f"模型文件已损坏，无法加载：{path.name}", Kind.CONFLICT) from None


def _put_model(path: Path) -> Optional[str]:
    """Ask Rasa to load `path`. None when it did; else why not, for the admin."""
    s = get_settings()
    try:
        r = httpx.put(f"{s.rasa_url}/model", params={"token": s.rasa_token},
                      json={"model_file": str(path.resolve())}, timeout=LOAD_TIMEOUT)
    except httpx.HTTPError as e:
        log.error("Rasa unreachable for PUT /model: %s", type(e).__name__)
        raise DomainError("助手服务暂时连不上，模型没有切换，请稍后再试", Kind.UNAVAILABLE) from None
    if r.status_code == 204:
        return None
    try:
        why = str(r.json().get("message") or "")[:300]
    except ValueError:
        why = ""
    log.error("Rasa refused the model %s: HTTP %s", path.name, r.status_code)
    if r.status_code in (401, 403):
        raise DomainError("助手服务拒绝了切换请求（令牌不对），模型没有切换", Kind.UNAVAILABLE)
    return why or f"HTTP {r.status_code}"


def _mark_broken(session: Session, model: ModelVersion) -> None:
    if model.status != ModelStatus.ACTIVE:
        model.status = ModelStatus.BROKEN.value
    session.commit()


def _switch(session: Session, user: StaffUser, model: ModelVersion, action: AuditAction, detail: str = "",
            rolling_back: bool = False) -> ModelVersion:
    """Check the file, have Rasa load it, then record it. The SQLite write lock is let go while
    Rasa loads (seconds); the live model serves throughout and still does if anything fails."""
    previous = live(session)
    session.commit()  # nobody queues behind us while the file is read and Rasa loads it
    try:
        check_file(path_of(model))
    except DomainError:
        _mark_broken(session, model)
        raise
    why = _put_model(path_of(model))
    if why is not None:
        _mark_broken(session, model)
        raise DomainError(f"模型文件已损坏，无法加载：{model.name}（{why}）。当前模型仍在使用", Kind.CONFLICT)
    session.refresh(model)
    if previous is not None and previous.id != model.id:
        session.refresh(previous)
        previous.status = ModelStatus.RETIRED.value
        if not rolling_back:  # a rollback keeps the model's own predecessor: rolling back again goes further back
            model.replaced_id = previous.id
    model.status = ModelStatus.ACTIVE.value
    model.activated_at = clock.now()
    model.activated_by_id = user.id if user else None
    _write_pointer(model.name)
    audit(session, user, action, f"model:{model.id}", detail or model.name)
    session.commit()
    return model


def _busy():
    if not _switching.acquire(blocking=False):
        raise DomainError("正在切换模型，请等这次切换完成后再试", Kind.CONFLICT)


def activate(session: Session, user: StaffUser, model_id: int, override: bool = False, reason: str = "") -> ModelVersion:
    """Serve model `model_id`. A model its evaluation finds worse than the live one needs the
    admin's override with a reason; the override is audited with the reasons and their words."""
    _busy()
    try:
        model = get(session, model_id)
        current = live(session)
        if current is not None and current.id == model.id:
            raise DomainError("这个模型已经在使用中", Kind.CONFLICT)
        worse = evaluation.worse_for(session, model)
        if worse and not override:
            raise DomainError("新模型没有通过与当前模型的比较，没有启用：" + "；".join(worse)
                              + "。如确需启用，请勾选“强制启用”并写明理由", Kind.CONFLICT)
        if worse:
            reason = (reason or "").strip()
            if not reason:
                raise DomainError("强制启用较差的模型时请写明理由", Kind.INVALID)
            audit(session, user, AuditAction.OVERRIDE_GATE, f"model:{model.id}",
                  f"{model.name}：{'；'.join(worse)}。理由：{reason}")
            session.commit()  # the override stands in the log even if the switch then fails
        return _switch(session, user, model, AuditAction.ACTIVATE_MODEL)
    finally:
        _switching.release()


def previous_model(session: Session) -> Optional[ModelVersion]:
    """The model that served before the live one was activated."""
    current = live(session)
    return session.get(ModelVersion, current.replaced_id) if current is not None and current.replaced_id else None


def rollback(session: Session, user: StaffUser) -> ModelVersion:
    """Back to the model that served before: no gate, it served already."""
    _busy()
    try:
        target = previous_model(session)
        if target is None:
            raise DomainError("没有可以回滚到的上一个模型", Kind.CONFLICT)
        current = live(session)
        detail = f"{current.name if current else '无'} → {target.name}"
        return _switch(session, user, target, AuditAction.ROLLBACK_MODEL, detail, rolling_back=True)
    finally:
        _switching.release()
