"""Import and export of the service catalogue (format: docs/catalogue-format.md).

Import is all-or-nothing: every record is validated first; the first problem is reported
with the record's index, code and field, and the database is left untouched.
"""
import json
from typing import List, Literal, Optional

from pydantic import BaseModel, Field, ValidationError, validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.core.errors import DomainError
from api.guide.models import ServiceItem
from api.places.models import Department

FORMAT = "resident-service-catalogue/1"
ITEM_FIELDS = [
    "code", "name", "aliases", "keywords", "type", "handling_level", "handled_at", "summary",
    "conditions", "materials", "steps", "legal_limit_days", "promised_limit_days", "fee",
    "window", "hours_note", "phone", "supervision_phone", "visits", "online", "online_channel",
    "tongban", "legal_basis", "simple_text", "voice_text",
]


class CatalogueError(DomainError):
    """A rejected import; the message names the record and the field."""


class Strict(BaseModel):
    class Config:
        extra = "forbid"
        anystr_strip_whitespace = True


class DepartmentIn(Strict):
    code: str = Field(..., min_length=1, max_length=16)
    name: str = Field(..., min_length=1, max_length=100)
    phone: str = Field("", max_length=40)


class MaterialIn(Strict):
    name: str = Field(..., min_length=1, max_length=200)
    form: Literal["原件", "复印件", "原件和复印件", "电子版", "原件(核验后退回)"]
    count: int = Field(..., ge=0, le=20)
    notes: str = Field("", max_length=500)
    required: bool = True


class ServiceItemIn(Strict):
    code: str = Field(..., min_length=1, max_length=32)
    name: str = Field(..., min_length=2, max_length=100)
    aliases: List[str] = []
    keywords: List[str] = []
    type: Literal["行政许可", "行政确认", "行政给付", "行政裁决", "行政奖励", "行政备案", "其他行政权力", "公共服务"]
    handling_level: Literal["区级", "街道级", "社区级"]
    handled_at: Literal["community", "street", "district"]
    department: str
    summary: str = Field(..., min_length=1)
    conditions: List[str]
    materials: List[MaterialIn]
    steps: List[str] = Field(..., min_items=1)
    legal_limit_days: Optional[int] = Field(None, ge=0, le=365)
    promised_limit_days: int = Field(..., ge=0, le=365)
    fee: str = Field(..., min_length=1, max_length=200)
    window: str = Field(..., min_length=1, max_length=100)
    hours_note: str = Field("", max_length=200)
    phone: str = Field(..., min_length=1, max_length=40)
    supervision_phone: str = Field(..., min_length=1, max_length=40)
    visits: int = Field(..., ge=0, le=3)
    online: bool
    online_channel: str = Field("", max_length=200)
    tongban: Literal["全区通办", "全市通办", "全省通办", "跨省通办", "不通办"]
    legal_basis: List[str] = []
    simple_text: str = Field(..., min_length=1)
    voice_text: str = Field(..., min_length=1, max_length=80)

    @validator("aliases", "keywords", "conditions", "steps", "legal_basis", each_item=True)
    def _non_empty(cls, v):
        if not v or not v.strip():
            raise ValueError("empty entry")
        return v.strip()

    @validator("promised_limit_days")
    def _promise_within_law(cls, v, values):
        legal = values.get("legal_limit_days")
        if legal is not None and v > legal:
            raise ValueError(f"promised limit {v} exceeds legal limit {legal}")
        return v

    @validator("online_channel")
    def _channel_if_online(cls, v, values):
        if values.get("online") and not v:
            raise ValueError("online item needs online_channel")
        return v


def _first_error(kind: str, index: int, record, exc: ValidationError) -> CatalogueError:
    err = exc.errors()[0]
    field = ".".join(str(p) for p in err["loc"])
    code = record.get("code", "?") if isinstance(record, dict) else "?"
    return CatalogueError(f"{kind}[{index}] (code {code!r}), field {field!r}: {err['msg']}")


def validate(doc) -> tuple:
    """Validate a whole document; return (departments, services) or raise CatalogueError."""
    if not isinstance(doc, dict):
        raise CatalogueError("document: expected a JSON object")
    if doc.get("format") != FORMAT:
        raise CatalogueError(f"document, field 'format': expected {FORMAT!r}")
    unknown = set(doc) - {"format", "departments", "services"}
    if unknown:
        raise CatalogueError(f"document: unknown field(s) {sorted(unknown)}")
    deps, items = [], []
    for i, rec in enumerate(doc.get("departments", [])):
        try:
            deps.append(DepartmentIn.parse_obj(rec))
        except ValidationError as e:
            raise _first_error("departments", i, rec, e) from None
    for i, rec in enumerate(doc.get("services", [])):
        if not isinstance(rec, dict):
            raise CatalogueError(f"services[{i}]: expected an object")
        try:
            items.append(ServiceItemIn.parse_obj(rec))
        except ValidationError as e:
            raise _first_error("services", i, rec, e) from None
    _check_unique(items)
    return deps, items


def _check_unique(items: List[ServiceItemIn]) -> None:
    seen = {"code": {}, "name": {}, "alias": {}}
    for i, it in enumerate(items):
        for key, val in (("code", it.code), ("name", it.name)):
            if val in seen[key]:
                raise CatalogueError(f"services[{i}] (code {it.code!r}), field {key!r}: duplicate of services[{seen[key][val]}]")
            seen[key][val] = i
    names = seen["name"]
    for i, it in enumerate(items):
        for alias in it.aliases:
            owner = seen["alias"].setdefault(alias, i)
            clash = names.get(alias, owner)
            if owner != i or clash != i:
                other = owner if owner != i else clash
                raise CatalogueError(f"services[{i}] (code {it.code!r}), field 'aliases': {alias!r} also names services[{other}]")


def import_catalogue(session: Session, doc, replace: bool = False) -> dict:
    """Validate, then upsert departments and items in one transaction."""
    deps, items = validate(doc)
    with session.begin():
        dep_by_code = {d.code: d for d in session.scalars(select(Department))}
        for d in deps:
            row = dep_by_code.get(d.code) or Department(code=d.code)
            row.name, row.phone = d.name, d.phone
            session.add(row)
            dep_by_code[d.code] = row
        for i, it in enumerate(items):
            if it.department not in dep_by_code:
                raise CatalogueError(f"services[{i}] (code {it.code!r}), field 'department': unknown department {it.department!r}")
        existing = {s.code: s for s in session.scalars(select(ServiceItem))}
        # Names are unique: free the names of rows being renamed or removed before inserting.
        incoming = {it.code for it in items}
        if replace:
            for code, row in existing.items():
                if code not in incoming:
                    session.delete(row)
        session.flush()
        for it in items:
            row = existing.get(it.code) or ServiceItem(code=it.code)
            data = it.dict()
            data["materials"] = [m.dict() for m in it.materials]
            row.department = dep_by_code[data.pop("department")]
            for k, v in data.items():
                setattr(row, k, v)
            session.add(row)
        session.flush()
    return {"departments": len(deps), "services": len(items)}


def export_catalogue(session: Session) -> dict:
    deps = session.scalars(select(Department).order_by(Department.code)).all()
    items = session.scalars(select(ServiceItem).order_by(ServiceItem.code)).all()
    services = []
    for s in items:
        rec = {f: getattr(s, f) for f in ITEM_FIELDS}
        rec["department"] = s.department.code
        services.append(rec)
    return {
        "format": FORMAT,
        "departments": [{"code": d.code, "name": d.name, "phone": d.phone} for d in deps],
        "services": services,
    }


def load_seed_document(seed_dir) -> dict:
    """Merge the demo seed files into one catalogue document."""
    services = []
    for path in sorted((seed_dir / "services").glob("*.json")):
        services.extend(json.loads(path.read_text(encoding="utf-8")))
    return {
        "format": FORMAT,
        "departments": json.loads((seed_dir / "departments.json").read_text(encoding="utf-8")),
        "services": services,
    }
