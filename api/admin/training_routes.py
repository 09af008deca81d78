"""Training runs from the console, their evaluation, and the models: activate, roll back.
Admins only (the router's dependency); every change is audited by the rules."""
from typing import Optional

import httpx
from fastapi import APIRouter, Depends
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field

from api.admin import evaluation, registry, training
from api.admin.models import ModelVersion, TrainingRun
from api.admin.states import ModelStatus, RunState
from api.core.deps import by_method
from api.core.errors import DomainError, Kind
from api.core.labels import label_table
from api.staff.deps import require_admin
from shared.redact import mask_personal
from shared.settings import get_settings
from shared.textnorm import clean

router = APIRouter(prefix="/console/api/admin", dependencies=[Depends(require_admin)])


def _time(t) -> Optional[str]:
    return t.isoformat() if t else None


def _run(run: TrainingRun, with_log: bool = False) -> dict:
    if run.state in training.ACTIVE:
        stage, progress = training.progress(run.id)  # fresher than the stored stage
    else:
        stage, progress = run.stage, (1.0 if run.state == RunState.DONE else None)
    out = {"id": run.id, "state": run.state, "stage": stage, "progress": progress,
           "started_by": run.started_by.display_name if run.started_by else None,
           "started_at": _time(run.started_at), "finished_at": _time(run.finished_at), "error": run.error,
           "model_id": run.model_id, "config": run.config}
    if with_log:
        out["log"] = training.log_tail(run.id)
    return out


def _model(m: ModelVersion) -> dict:
    return {"id": m.id, "name": m.name, "status": m.status, "created_at": _time(m.created_at),
            "trained_by": m.trained_by.display_name if m.trained_by else None,
            "activated_at": _time(m.activated_at), "activated_by": m.activated_by.display_name if m.activated_by else None,
            "config": m.config, "scores": m.scores or {}}


LABELS = label_table(RunState, ModelStatus)


# ---- runs ------------------------------------------------------------------------------------

@router.post("/training", status_code=202)
def start_training(s=Depends(require_admin), db=Depends(by_method)):
    run = training.start(db, s.user)
    return {"id": run.id, "state": run.state}


@router.get("/training")
def list_runs(db=Depends(by_method)):
    return {"runs": [_run(r) for r in training.runs(db)], "labels": LABELS}


@router.get("/training/{run_id}")
def run_detail(run_id: int, db=Depends(by_method)):
    return _run(training.get(db, run_id), with_log=True)


@router.post("/training/{run_id}/cancel")
def cancel_training(run_id: int, s=Depends(require_admin), db=Depends(by_method)):
    return _run(training.cancel(db, s.user, run_id))


# ---- models ----------------------------------------------------------------------------------

@router.get("/models")
def list_models(db=Depends(by_method)):
    live = registry.live(db)
    return {"live": _model(live) if live else None, "models": [_model(m) for m in registry.history(db)],
            "labels": LABELS}


@router.get("/models/{model_id}/report")
def model_report(model_id: int, db=Depends(by_method)):
    model = registry.get(db, model_id)
    report = evaluation.report_for(db, model)
    if report is None:
        raise DomainError("这个模型没有评估报告（由 scripts/start 训练，未在控制台评估）", Kind.NOT_FOUND)
    view = dict(report, name=model.name, status=model.status, live_name=report.get("live"),
                worse=evaluation.worse(report))
    sets = {}
    for key, part in (report.get("sets") or {}).items():
        if not part:
            continue
        change = part.get("f1_change") or {}
        per = {k: dict(v, f1_change=change.get(k)) for k, v in part["new"]["per_intent"].items()}
        sets[key] = dict(part, title=evaluation.SETS.get(key, key), count=part.get("n"), per_intent=per)
    view["sets"] = sets
    return view


@router.get("/models/{model_id}/confusion/{which}.png")
def confusion(model_id: int, which: str, db=Depends(by_method)):
    model = registry.get(db, model_id)
    run = evaluation.run_of(db, model)
    if which not in evaluation.SETS or run is None:
        raise DomainError("没有这张混淆矩阵图", Kind.NOT_FOUND)
    path = evaluation.run_dir(run.id) / f"confusion-{which}.png"
    if not path.is_file():
        raise DomainError("没有这张混淆矩阵图", Kind.NOT_FOUND)
    return FileResponse(path, media_type="image/png", headers={"Cache-Control": "no-cache"})


class ActivateIn(BaseModel):
    override: bool = False
    reason: str = Field("", max_length=500)


@router.post("/models/rollback")
def rollback(s=Depends(require_admin), db=Depends(by_method)):
    return _model(registry.rollback(db, s.user))


@router.post("/models/{model_id}/activate")
def activate(model_id: int, body: ActivateIn = None, s=Depends(require_admin), db=Depends(by_method)):
    body = body or ActivateIn()
    return _model(registry.activate(db, s.user, model_id, body.override, clean(body.reason)))


class TryIn(BaseModel):
    text: str = Field(..., min_length=1, max_length=2000)


@router.post("/models/try")
def try_live(body: TryIn, db=Depends(by_method)):
    """How the live model reads a sentence (Rasa's /model/parse; nothing is stored)."""
    live = registry.live(db)
    db.commit()  # no write lock held while Rasa reads
    text, _ = mask_personal(clean(body.text))
    st = get_settings()
    try:
        r = httpx.post(f"{st.rasa_url}/model/parse", params={"token": st.rasa_token}, json={"text": text}, timeout=30)
        r.raise_for_status()
        intent = r.json().get("intent") or {}
    except (httpx.HTTPError, ValueError):
        raise DomainError("助手服务暂时连不上，请稍后再试", Kind.UNAVAILABLE) from None
    return {"intent": intent.get("name"), "confidence": intent.get("confidence"), "model": live.name if live else None}
