"""Editing the service catalogue and the incident categories in the console, live at once.

A save is validated like the import, audited with the names of the fields that changed, and
committed; then, in the same request, the backend's search index and the incident classifier
are rebuilt on next use and the jieba dictionary and lookup tables are written again from the
database (the running Rasa server picks the dictionary's new words up within seconds; lookup
tables only matter to the next training run). Each record travels with a version (a hash of
what was read): a save over someone else's newer edit is refused with 409.
"""
import json
import logging
from typing import Literal, Optional, get_args, get_origin

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.core import clock
from api.core.deps import by_method
from api.guide import catalogue, index, nlu_resources
from api.guide.models import ServiceItem
from api.incidents import categories
from api.incidents.models import IncidentCategory
from api.places.models import Department
from api.staff.audit import AuditAction, audit
from api.staff.deps import require_admin
from api.staff.models import AuditEntry, StaffSession
from shared.textnorm import normalise

router = APIRouter(prefix="/console/api/admin", dependencies=[Depends(require_admin)])
log = logging.getLogger(__name__)
LOOKUPS_NOTE = "查询表已更新，重新训练后生效"


class NewRecord(BaseModel):
    record: dict


class EditedRecord(BaseModel):
    version: Optional[str] = None  # as GET gave it; required (422 without, 409 when stale)
    record: dict


def _service_target(code: str) -> str:
    return f"办事指南 {code}"


def _category_target(code: str) -> str:
    return f"事件分类 {code}"


def _last_edits(db: Session, actions, prefix: str) -> dict:
    """code → when it was last saved in the console (from the audit log)."""
    rows = db.execute(select(AuditEntry.target, func.max(AuditEntry.at))
                      .where(AuditEntry.action.in_([a.value for a in actions]), AuditEntry.target.like(prefix + "%"))
                      .group_by(AuditEntry.target))
    return {target[len(prefix):]: at.isoformat(timespec="seconds") for target, at in rows}


def _matches(q: str, *texts) -> bool:
    q = normalise(q.strip())
    return not q or any(q in normalise(t) for t in texts if t)


def _choices(model, field: str) -> list:
    t = model.__fields__[field].outer_type_
    return list(get_args(t)) if get_origin(t) is Literal else []


def _download(doc, stem: str) -> Response:
    name = f"{stem}-{clock.now():%Y-%m-%d}.json"  # the district's date
    return Response(json.dumps(doc, ensure_ascii=False, indent=1), media_type="application/json",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _refresh_resources() -> dict:
    """The jieba dictionary and lookup tables from the committed catalogue."""
    try:
        written = nlu_resources.write_resources()
    except OSError:
        log.exception("could not write the NLU resources after a catalogue edit")
        return {"search": True, "dictionary": False,
                "note": "办事指南已保存，搜索已生效；但分词词典和查询表没能写入，请联系技术人员运行 nlu-resources"}
    return {"search": True, "dictionary": True, "dictionary_words": written["dictionary_words"], "note": LOOKUPS_NOTE}


@router.get("/catalogue/form")
def form(db: Session = Depends(by_method)):
    """What the edit forms need: field names, the allowed values and the departments."""
    item, material = catalogue.ServiceItemIn, catalogue.MaterialIn
    return {
        "services": {"labels": catalogue.SERVICE_LABELS, "material_labels": catalogue.MATERIAL_LABELS,
                     "choices": {f: _choices(item, f) for f in ("type", "handling_level", "handled_at", "tongban")}
                     | {"materials.form": _choices(material, "form")}},
        "categories": {"labels": categories.CATEGORY_LABELS, "grades": list(categories.GRADES),
                       "units": ["hours", "working_days"]},
        "departments": [{"code": c, "name": n}
                        for c, n in db.execute(select(Department.code, Department.name).order_by(Department.code))],
    }


# ---- service items ---------------------------------------------------------------------------

@router.get("/services")
def services(q: str = "", db: Session = Depends(by_method)):
    """The items whose code, name, aliases or keywords contain q (all without q)."""
    edited = _last_edits(db, (AuditAction.EDIT_SERVICE, AuditAction.ADD_SERVICE), _service_target(""))
    rows = db.scalars(select(ServiceItem).order_by(ServiceItem.code)).all()
    return [{"code": s.code, "name": s.name, "department": s.department.name, "updated": edited.get(s.code)}
            for s in rows if _matches(q[:100], s.code, s.name, *s.aliases, *s.keywords)]


@router.get("/catalogue/export")
def export_catalogue(db: Session = Depends(by_method)):
    return _download(catalogue.export_catalogue(db), "catalogue")


@router.get("/services/{code}")
def service(code: str, db: Session = Depends(by_method)):
    rec = catalogue.service_record(catalogue.get_service(db, code))
    return {"record": rec, "version": catalogue.version_of(rec)}


def _saved_service(db: Session, s: StaffSession, row: ServiceItem, changed: list, new: bool) -> dict:
    if changed:
        if new:
            audit(db, s.user, AuditAction.ADD_SERVICE, _service_target(row.code), f"{row.name}（{row.department.name}）")
        else:
            names = "、".join(catalogue.SERVICE_LABELS[f] for f in changed)
            audit(db, s.user, AuditAction.EDIT_SERVICE, _service_target(row.code), f"{row.name}：修改了 {names}")
    rec = catalogue.service_record(row)
    db.commit()
    live = {}
    if changed:
        index.invalidate()
        live = _refresh_resources()
    return {"record": rec, "version": catalogue.version_of(rec), "changed": changed, "live": live}


@router.put("/services/{code}")
def edit_service(code: str, body: EditedRecord, s: StaffSession = Depends(require_admin),
                 db: Session = Depends(by_method)):
    row, changed = catalogue.save_service(db, body.record, editing=code, version=body.version)
    return _saved_service(db, s, row, changed, new=False)


@router.post("/services", status_code=201)
def add_service(body: NewRecord, s: StaffSession = Depends(require_admin), db: Session = Depends(by_method)):
    row, changed = catalogue.save_service(db, body.record)
    return _saved_service(db, s, row, changed, new=True)


# ---- incident categories ---------------------------------------------------------------------

@router.get("/categories")
def category_list(q: str = "", db: Session = Depends(by_method)):
    edited = _last_edits(db, (AuditAction.EDIT_CATEGORY, AuditAction.ADD_CATEGORY), _category_target(""))
    rows = db.scalars(select(IncidentCategory).order_by(IncidentCategory.code)).all()
    return [{"code": c.code, "name": c.name, "group": c.group, "department": c.lead_department.name,
             "updated": edited.get(c.code)}
            for c in rows if _matches(q[:100], c.code, c.name, c.group, *c.keywords)]


@router.get("/categories/export")
def export_categories(db: Session = Depends(by_method)):
    return _download(categories.export_categories(db), "incident-categories")


@router.get("/categories/{code}")
def category(code: str, db: Session = Depends(by_method)):
    rec = categories.category_record(categories.get_category(db, code))
    return {"record": rec, "version": catalogue.version_of(rec)}


def _saved_category(db: Session, s: StaffSession, row: IncidentCategory, changed: list, new: bool) -> dict:
    if changed:
        if new:
            audit(db, s.user, AuditAction.ADD_CATEGORY, _category_target(row.code), f"{row.name}（{row.group}）")
        else:
            names = "、".join(categories.CATEGORY_LABELS[f] for f in changed)
            audit(db, s.user, AuditAction.EDIT_CATEGORY, _category_target(row.code), f"{row.name}：修改了 {names}")
    rec = categories.category_record(row)
    db.commit()
    if changed:
        categories.invalidate()
    return {"record": rec, "version": catalogue.version_of(rec), "changed": changed,
            "live": {"classifier": True} if changed else {}}


@router.put("/categories/{code}")
def edit_category(code: str, body: EditedRecord, s: StaffSession = Depends(require_admin),
                  db: Session = Depends(by_method)):
    row, changed = categories.save_category(db, body.record, editing=code, version=body.version)
    return _saved_category(db, s, row, changed, new=False)


@router.post("/categories", status_code=201)
def add_category(body: NewRecord, s: StaffSession = Depends(require_admin), db: Session = Depends(by_method)):
    row, changed = categories.save_category(db, body.record)
    return _saved_category(db, s, row, changed, new=True)
