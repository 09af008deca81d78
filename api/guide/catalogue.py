"""Import and export of the service catalogue (format: docs/catalogue-format.md), and the
console's edits of one item at a time.

Import is all-or-nothing: every record is validated first; the first problem is reported
with the record's index, code and field, and the database is left untouched. An edit is
validated by the same rules (ServiceItemIn, the same uniqueness check against the rest of the
catalogue) and refused in Chinese, naming the field.
"""
import hashlib
import json
import re
from collections import namedtuple
from typing import List, Literal, Optional, Tuple

from pydantic import BaseModel, Field, ValidationError, validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.core.errors import DomainError, Kind
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
    handled_at: Literal["community", "street", "police", "district"]
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


def _first_clash(items) -> Optional[tuple]:
    """(index, field, alias or None, other index) of the first code, name or alias that names two
    items; an alias may not be another item's name either. None when all are distinct."""
    seen = {"code": {}, "name": {}, "alias": {}}
    for i, it in enumerate(items):
        for key, val in (("code", it.code), ("name", it.name)):
            if val in seen[key]:
                return i, key, None, seen[key][val]
            seen[key][val] = i
    names = seen["name"]
    for i, it in enumerate(items):
        for alias in it.aliases:
            owner = seen["alias"].setdefault(alias, i)
            clash = names.get(alias, owner)
            if owner != i or clash != i:
                return i, "aliases", alias, owner if owner != i else clash
    return None


def _check_unique(items: List[ServiceItemIn]) -> None:
    found = _first_clash(items)
    if found is None:
        return
    i, key, alias, other = found
    code = items[i].code
    if alias is None:
        raise CatalogueError(f"services[{i}] (code {code!r}), field {key!r}: duplicate of services[{other}]")
    raise CatalogueError(f"services[{i}] (code {code!r}), field 'aliases': {alias!r} also names services[{other}]")


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


def service_record(s: ServiceItem) -> dict:
    """One item in the import format."""
    rec = {f: getattr(s, f) for f in ITEM_FIELDS}
    rec["department"] = s.department.code
    return rec


def export_catalogue(session: Session) -> dict:
    deps = session.scalars(select(Department).order_by(Department.code)).all()
    items = session.scalars(select(ServiceItem).order_by(ServiceItem.code)).all()
    return {
        "format": FORMAT,
        "departments": [{"code": d.code, "name": d.name, "phone": d.phone} for d in deps],
        "services": [service_record(s) for s in items],
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


# ---- the console: one item at a time ---------------------------------------------------------

SERVICE_LABELS = {
    "code": "编码", "name": "名称", "aliases": "别名", "keywords": "关键词", "type": "事项类型",
    "handling_level": "办理层级", "handled_at": "受理地点", "department": "实施部门", "summary": "简介",
    "conditions": "受理条件", "materials": "申请材料", "steps": "办理流程", "legal_limit_days": "法定时限",
    "promised_limit_days": "承诺时限", "fee": "收费", "window": "窗口", "hours_note": "时间说明",
    "phone": "咨询电话", "supervision_phone": "监督电话", "visits": "跑动次数", "online": "网上办理",
    "online_channel": "网办渠道", "tongban": "通办范围", "legal_basis": "设定依据", "simple_text": "通俗说明",
    "voice_text": "语音版",
}
MATERIAL_LABELS = {"name": "名称", "form": "形式", "count": "份数", "notes": "说明", "required": "必带"}
STALE = "这条记录已被其他管理员修改，请刷新后再改"
# The validators above speak English for the import's files; the console says the same in Chinese.
_VALIDATOR_WORDS = [
    (re.compile(r"^empty entry$"), "不能有空白的一项"),
    (re.compile(r"^promised limit (\d+) exceeds legal limit (\d+)$"), r"\1天超过了法定时限\2天"),
    (re.compile(r"^online item needs online_channel$"), "能网上办理的事项要写明网办渠道"),
    (re.compile(r"^grade must be one of"), "只能是 小微、一般、较大、重大"),
    (re.compile(r"^bad raise_keywords entry"), "等级只能是 小微、一般、较大、重大，每个等级下是一组词语"),
    (re.compile(r"^time_limits needs all four grades$"), "小微、一般、较大、重大四个等级都要有时限"),
]


class RecordError(CatalogueError):
    """One record refused by the console: the message names the field in Chinese and, in
    brackets, its path in the record (materials.2.form), which the page uses to mark it."""

    def __init__(self, field: str, label: str, reason: str, kind: Kind = Kind.INVALID):
        super().__init__(f"{label}（{field}）：{reason}", kind)
        self.field = field


def _reason(err: dict) -> str:
    kind, ctx = err["type"], err.get("ctx") or {}
    limit = ctx.get("limit_value")
    said = {
        "value_error.missing": "必须填写",
        "value_error.extra": "不是这个格式里的字段",
        "value_error.any_str.min_length": "不能为空" if limit == 1 else f"至少{limit}个字",
        "value_error.any_str.max_length": f"最多{limit}个字",
        "value_error.number.not_ge": f"不能小于{limit}",
        "value_error.number.not_le": f"不能大于{limit}",
        "value_error.list.min_items": f"至少要有{limit}项",
        "value_error.list.max_items": f"最多{limit}项",
        "value_error.str.regex": "格式不对",
        "type_error.integer": "应是整数",
        "type_error.bool": "应是“是”或“否”",
        "type_error.list": "应是一组（每行一项）",
        "type_error.dict": "应是一个对象",
        "type_error.str": "应是文字",
        "type_error.none.not_allowed": "不能为空",
    }.get(kind)
    if said:
        return said
    if kind == "value_error.const":
        return "只能是：" + "、".join(map(str, ctx.get("permitted", ())))
    for pattern, chinese in _VALIDATOR_WORDS:
        if pattern.search(err["msg"]):
            return pattern.sub(chinese, err["msg"]) if pattern.groups else chinese
    return err["msg"]


def record_error(exc: ValidationError, labels: dict, nested: dict = None) -> RecordError:
    """The first problem of a pydantic validation, in Chinese, naming the field."""
    err = exc.errors()[0]
    loc = [str(p) for p in err["loc"] if p != "__root__"] or ["record"]
    label = labels.get(loc[0], loc[0])
    for part in loc[1:]:
        label += f"第{int(part) + 1}项" if part.isdigit() else "·" + (nested or {}).get(part, part)
    return RecordError(".".join(loc), label, _reason(err))


def version_of(record) -> str:
    """A short hash of a record as stored: an edit must carry the one it started from."""
    return hashlib.sha256(json.dumps(record, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16]


def get_service(session: Session, code: str) -> ServiceItem:
    row = session.scalars(select(ServiceItem).where(ServiceItem.code == code)).first()
    if row is None:
        raise DomainError(f"没有编码为 {code} 的办事指南", Kind.NOT_FOUND)
    return row


_Names = namedtuple("_Names", "code name aliases")


def check_service(session: Session, record, editing: Optional[str] = None) -> ServiceItemIn:
    """Validate one record as the import would with it in the catalogue: editing is the code of
    the item it replaces (None for a new item)."""
    if not isinstance(record, dict):
        raise RecordError("record", "记录", "应是一个对象")
    try:
        item = ServiceItemIn.parse_obj(record)
    except ValidationError as e:
        raise record_error(e, SERVICE_LABELS, MATERIAL_LABELS) from None
    if editing is not None and item.code != editing:
        raise RecordError("code", SERVICE_LABELS["code"], f"编码不能修改（原为 {editing}）；需要新编码请新增一条")
    if editing is None and session.scalar(select(ServiceItem.id).where(ServiceItem.code == item.code)) is not None:
        raise RecordError("code", SERVICE_LABELS["code"], f"编码 {item.code} 已经有了，请换一个编码", Kind.CONFLICT)
    if session.scalar(select(Department.id).where(Department.code == item.department)) is None:
        raise RecordError("department", SERVICE_LABELS["department"], f"没有编码为 {item.department} 的部门")
    others = [_Names(c, n, a) for c, n, a in session.execute(
        select(ServiceItem.code, ServiceItem.name, ServiceItem.aliases).order_by(ServiceItem.code))
        if c != item.code]
    items = others + [item]
    found = _first_clash(items)
    if found is not None:
        i, key, alias, other = found
        if i != len(others):  # another item's alias is this item's name or one of its aliases
            key, other = ("name" if alias == item.name else "aliases"), i
        who = items[other]
        if key == "name":
            what = f"「{item.name}」已是 {who.name}（{who.code}）的" + ("名称" if alias is None else "别名")
        else:  # codes were checked above
            what = f"「{alias}」已是 {who.name}（{who.code}）的" + ("名称" if alias == who.name else "别名")
        raise RecordError(key, SERVICE_LABELS[key], what)
    return item


def save_service(session: Session, record, editing: Optional[str] = None,
                 version: Optional[str] = None) -> Tuple[ServiceItem, List[str]]:
    """Write one item (not committed): a new one when editing is None, else the item with that
    code, which must still be as it was when read (version). Returns the row and the names of
    the fields that changed."""
    row = None
    if editing is not None:
        row = get_service(session, editing)
        if not version:
            raise DomainError("缺少版本号（version）：请先打开这条记录再修改")
        before = service_record(row)
        if version != version_of(before):
            raise DomainError(STALE, Kind.CONFLICT)
    item = check_service(session, record, editing)
    if row is None:
        row, before = ServiceItem(code=item.code), {}
    data = item.dict()
    data["materials"] = [m.dict() for m in item.materials]
    changed = [f for f in ITEM_FIELDS if before.get(f) != data[f]] if before else list(ITEM_FIELDS)
    row.department = session.scalars(select(Department).where(Department.code == data.pop("department"))).one()
    for k, v in data.items():
        setattr(row, k, v)
    session.add(row)
    session.flush()
    return row, changed
