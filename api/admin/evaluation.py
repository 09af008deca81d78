"""A training run's evaluation (written by scripts/evaluate_model.py into the run's folder) and
the gate: is the new model worse than the live one?

Two sets are measured, the written NLU test set ("test") and the real development set ("dev");
the new model is "worse" when its intent macro-F1 is lower than the live model's on either set by
more than the gate's tolerance (RSA_GATE_TOLERANCE).
"""
import json
from pathlib import Path
from typing import List, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.admin.models import ModelVersion, TrainingRun
from shared.settings import get_settings

SETS = {"test": "NLU测试集", "dev": "真实开发集"}
# One message more or less right moves the macro-F1 by about 0.005 on the test set (329 texts,
# 13 intents, the smallest 16) and by up to 0.014 on the development set (319 messages, 5
# intents, progress queries only 8). A drop within 0.015 is one message's worth: noise, not a
# worse model. A larger one is at least two messages, or a broad loss. Hence RSA_GATE_TOLERANCE's
# default, 0.015.


def training_dir() -> Path:
    return get_settings().var_dir / "training"


def run_dir(run_id: int) -> Path:
    return training_dir() / f"run-{run_id}"


def report_path(run_id: int) -> Path:
    return run_dir(run_id) / "report.json"


def read(run_id: int) -> Optional[dict]:
    path = report_path(run_id)
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def run_of(session: Session, model: ModelVersion) -> Optional[TrainingRun]:
    return session.scalars(select(TrainingRun).where(TrainingRun.model_id == model.id)).first()


def report_for(session: Session, model: ModelVersion) -> Optional[dict]:
    run = run_of(session, model)
    return read(run.id) if run is not None else None


def scores(report: Optional[dict], which: str = "new") -> dict:
    """{"test": {"macro_f1", "accuracy"}, "dev": {...}} of the new model (or of the live model it
    was compared with: `which="live"`), for the history."""
    out = {}
    for name, part in ((report or {}).get("sets") or {}).items():
        got = (part or {}).get(which)
        if got:
            out[name] = {"macro_f1": got["macro_f1"], "accuracy": got["accuracy"]}
    return out


def worse(report: Optional[dict]) -> List[str]:
    """Why the new model is worse than the live one, in words; empty when it is not (or when
    there was no live model to compare with)."""
    tolerance = get_settings().gate_tolerance
    reasons = []
    for name, part in ((report or {}).get("sets") or {}).items():
        new, old = (part or {}).get("new"), (part or {}).get("live")
        if not new or not old:
            continue
        if new["macro_f1"] >= old["macro_f1"] - tolerance:
            continue
        label = SETS.get(name, name)
        if new["macro_f1"] < old["macro_f1"]:
            reasons.append(f"{label}的宏平均F1从{old['macro_f1']:.3f}降到{new['macro_f1']:.3f}")
        else:  # a gate set below 0 asks for a gain
            reasons.append(f"{label}的宏平均F1为{new['macro_f1']:.3f}，没有比当前模型的{old['macro_f1']:.3f}高出{-tolerance:.3f}")
    return reasons


def worse_for(session: Session, model: ModelVersion) -> List[str]:
    """The gate for one model. A model without a report (the one scripts/start trained) is not
    gated: it comes from the repository's own training, not from the console."""
    return worse(report_for(session, model))
