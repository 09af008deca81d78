"""Incident categories (事项分类分级清单): loading, editing one in the console, and classifying
a resident's words into a category and grade. Text that fits no category goes to the command
centre (首问负责制)."""
import json
import re
from collections import Counter
from dataclasses import dataclass
from typing import List, Optional, Tuple

from pydantic import Field, ValidationError, validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.core.db import SessionLocal
from api.core.errors import DomainError, Kind
from api.guide.catalogue import STALE, CatalogueError, RecordError, Strict, record_error, version_of
from api.guide.search import Entry, TermIndex
from api.incidents.department_reader import DepartmentReader
from api.incidents.department_reader import reader as department_reader
from api.incidents.models import IncidentCategory
from api.places.models import Department
from shared.textnorm import clean, normalise

GRADES = ("小微", "一般", "较大", "重大")
# 司法局: its people's mediators (人民调解) take the disputes; a dispute led by another department
# (wages owed: 人社) may also be taken straight to that department.
MEDIATOR = "SF"
GRAVE = "较大"  # from this grade up, a dispute is no matter for mediation
COMMAND_CENTRE = "ZH"
GRID_STATION = "WG"
# Said anywhere, these make an emergency: the resident is told to call 119/110/120 first.
DANGER = ["起火", "着火", "失火", "火灾", "烧起来", "冒火", "煤气泄漏", "燃气泄漏", "煤气味", "燃气味", "漏气",
          "有人受伤", "受伤了", "流血", "昏倒", "晕倒", "触电", "电到人", "被困", "困在电梯", "关在电梯",
          "倒塌", "塌了", "塌陷", "爆炸", "掉进去了", "溺水", "有人落水",
          "困住", "困在里面", "关在里面", "困了一个", "困了个", "卡在电梯"]
# A danger feared is no emergency: "楼道里堆了好多纸板，怕着火" is a hazard to remove, not a fire.
FEARED = re.compile(r"(怕|担心|害怕|容易|万一|一旦|防止|避免|以防|小心|可能|会|引发|引起|导致|造成)"
                    r"(哪天|哪一天|有一天|以后|到时候|迟早|早晚|会|要|就)*(发生|出现|被)?$")
# Nor is a thing that guards against it: "燃气泄漏报警器在哪装", "火灾演练".
SAFEGUARD = re.compile(r"(报警器|报警装置|探测器|检测仪|切断阀|演练|预防|保险|知识|培训|隐患)")
CONFIDENT = 0.6
# A pension is no wage: "他是有退休工资的" asks about a pension, it reports no wages owed.
PENSION = re.compile(r"(退休|养老)工资")
# The street (grid) categories come first: a short report that fits one keeps it, however the
# wider catalogue (schools, wages, hospitals, shops …) might also read it.
GRID_GROUPS = ("SR", "JM", "SG", "SS", "XA", "WR", "WY", "MD", "TF", "YL", "JX", "QT")
# Longer than this, a text is a letter, not a chat line: fuzzy matching finds something in
# anything that long, so it is scored by the words it really contains, the opening most.
LONG = 60
OPENING = 40
OPENING_WEIGHT = 3
# An emergency is said first: in a letter, a fire or an injury told in passing (the history of a
# dispute, a danger feared) does not make the letter an emergency report.
EMERGENCY_GROUP = "TF"
# 乱收费 says what is wrong, not whose matter it is: a fee belongs to its sector's department
# (water and gas to 住建, taxis and tolls to 交通, schools to 教育; docs/labelling-guide.md), so
# in a letter that names a sector this category gives way to it.
FEES = "SJ-02"
# A letter's department is the keywords' and the reader's evidence added up (department_reader.py):
# the reader's score for each department plus this much times the keywords' share for it. Set by
# cross-validation on labelled letters no keyword had been picked from: keywords alone 0.69, the
# reader overruling them when sure 0.74, both added up 0.75 (tuning split 0.785 → 0.793).
KEYWORD_SHARE = 1.0
# With no keyword at all, the reader alone decides when it is at least this far ahead.
TRUST = 0.5


class TimeLimit(Strict):
    value: int = Field(..., ge=1, le=60)
    unit: str = Field(..., regex="^(hours|working_days)$")


class CategoryIn(Strict):
    code: str = Field(..., min_length=1, max_length=16)
    group: str = Field(..., min_length=2, max_length=20)
    name: str = Field(..., min_length=2, max_length=50)
    open311_code: str = Field(..., regex=r"^[a-z0-9][a-z0-9-]{1,49}$")
    description: str = Field(..., min_length=1)
    keywords: List[str] = Field(..., min_items=1)
    default_grade: str
    raise_keywords: dict = {}
    lead_department: str
    co_departments: List[str] = []
    handled_by_grid: bool
    mediation: bool = False
    time_limits: dict

    @validator("default_grade")
    def _grade(cls, v):
        if v not in GRADES:
            raise ValueError(f"grade must be one of {GRADES}")
        return v

    @validator("raise_keywords")
    def _raise(cls, v):
        for grade, words in v.items():
            if grade not in GRADES or not isinstance(words, list):
                raise ValueError(f"bad raise_keywords entry {grade!r}")
        return v

    @validator("time_limits")
    def _limits(cls, v):
        if set(v) != set(GRADES):
            raise ValueError("time_limits needs all four grades")
        return {g: TimeLimit.parse_obj(x).dict() for g, x in v.items()}


def load_categories(session: Session, path) -> int:
    """Validate and upsert the category catalogue in one transaction."""
    records = json.loads(path.read_text(encoding="utf-8"))
    cats = []
    for i, rec in enumerate(records):
        try:
            cats.append(CategoryIn.parse_obj(rec))
        except ValidationError as e:
            err = e.errors()[0]
            raise CatalogueError(f"categories[{i}] ({rec.get('code', '?')!r}), field "
                                 f"{'.'.join(map(str, err['loc']))!r}: {err['msg']}") from None
    with session.begin():
        deps = {d.code: d for d in session.scalars(select(Department))}
        existing = {c.code: c for c in session.scalars(select(IncidentCategory))}
        for i, c in enumerate(cats):
            for code in [c.lead_department, *c.co_departments]:
                if code not in deps:
                    raise CatalogueError(f"categories[{i}] ({c.code!r}): unknown department {code!r}")
            row = existing.get(c.code) or IncidentCategory(code=c.code)
            data = c.dict()
            row.lead_department = deps[data.pop("lead_department")]
            for k, v in data.items():
                setattr(row, k, v)
            session.add(row)
    return len(cats)


# The seed file's order of fields (api/seed/incident_categories.json), which export keeps.
CATEGORY_FIELDS = ["code", "group", "name", "open311_code", "description", "keywords", "default_grade",
                   "raise_keywords", "lead_department", "co_departments", "handled_by_grid", "mediation", "time_limits"]
CATEGORY_LABELS = {
    "code": "编码", "group": "分组", "name": "名称", "open311_code": "Open311 编码", "description": "说明",
    "keywords": "关键词", "default_grade": "默认等级", "raise_keywords": "升级关键词", "lead_department": "牵头部门",
    "co_departments": "协办部门", "handled_by_grid": "网格处置", "mediation": "需要调解", "time_limits": "处置时限",
}
TIME_LIMIT_LABELS = {"value": "数值", "unit": "单位", **{g: g for g in GRADES}}


def category_record(c: IncidentCategory) -> dict:
    """One category in the seed file's format."""
    rec = {f: getattr(c, f) for f in CATEGORY_FIELDS if f != "lead_department"}
    rec["lead_department"] = c.lead_department.code
    return {f: rec[f] for f in CATEGORY_FIELDS}


def export_categories(session: Session) -> list:
    return [category_record(c) for c in session.scalars(select(IncidentCategory).order_by(IncidentCategory.code))]


def get_category(session: Session, code: str) -> IncidentCategory:
    row = session.scalars(select(IncidentCategory).where(IncidentCategory.code == code)).first()
    if row is None:
        raise DomainError(f"没有编码为 {code} 的事件分类", Kind.NOT_FOUND)
    return row


def check_category(session: Session, record, editing: Optional[str] = None) -> CategoryIn:
    """Validate one record as load_categories would (CategoryIn, known departments), and the
    names the database keeps unique: code, name, Open311 code."""
    if not isinstance(record, dict):
        raise RecordError("record", "记录", "应是一个对象")
    try:
        c = CategoryIn.parse_obj(record)
    except ValidationError as e:
        raise record_error(e, CATEGORY_LABELS, TIME_LIMIT_LABELS) from None
    if editing is not None and c.code != editing:
        raise RecordError("code", CATEGORY_LABELS["code"], f"编码不能修改（原为 {editing}）；需要新编码请新增一条")
    deps = set(session.scalars(select(Department.code)))
    for field, codes in (("lead_department", [c.lead_department]), ("co_departments", c.co_departments)):
        for code in codes:
            if code not in deps:
                raise RecordError(field, CATEGORY_LABELS[field], f"没有编码为 {code} 的部门")
    for field in ("code", "name", "open311_code"):
        column = getattr(IncidentCategory, field)
        other = session.scalars(select(IncidentCategory).where(column == getattr(c, field))).first()
        if other is not None and (editing is None or other.code != editing):
            raise RecordError(field, CATEGORY_LABELS[field], f"「{getattr(c, field)}」已被 {other.name}（{other.code}）使用",
                              Kind.CONFLICT if field == "code" else Kind.INVALID)
    return c


def save_category(session: Session, record, editing: Optional[str] = None,
                  version: Optional[str] = None) -> Tuple[IncidentCategory, List[str]]:
    """Write one category (not committed): a new one when editing is None, else the category
    with that code, which must still be as it was when read (version). Returns the row and the
    names of the fields that changed. The caller calls invalidate() after committing."""
    row, before = None, {}
    if editing is not None:
        row = get_category(session, editing)
        if not version:
            raise DomainError("缺少版本号（version）：请先打开这条记录再修改")
        before = category_record(row)
        if version != version_of(before):
            raise DomainError(STALE, Kind.CONFLICT)
    c = check_category(session, record, editing)
    data = c.dict()
    changed = [f for f in CATEGORY_FIELDS if before.get(f) != data[f]] if before else list(CATEGORY_FIELDS)
    row = row or IncidentCategory(code=c.code)
    row.lead_department = session.scalars(select(Department).where(Department.code == data.pop("lead_department"))).one()
    for k, v in data.items():
        setattr(row, k, v)
    session.add(row)
    session.flush()
    return row, changed


@dataclass(frozen=True)
class CategoryInfo:
    """A snapshot of a category: safe to keep in a cache across sessions."""
    id: int
    code: str
    name: str
    default_grade: str
    raise_keywords: dict
    handled_by_grid: bool
    mediation: bool
    time_limits: dict
    lead_department_code: str
    lead_department_name: str
    keywords: tuple

    @classmethod
    def of(cls, c: IncidentCategory) -> "CategoryInfo":
        return cls(c.id, c.code, c.name, c.default_grade, c.raise_keywords, c.handled_by_grid, c.mediation, c.time_limits,
                   c.lead_department.code, c.lead_department.name, tuple(c.keywords))


@dataclass
class Classified:
    category: Optional[CategoryInfo]
    grade: str
    confidence: float
    emergency: bool
    department_code: str  # who gets the work order first

    @property
    def mediation(self) -> bool:
        """A dispute the community's mediators take with the resident; not once it is grave
        (较大 or worse: a boss who fled owing twenty workers is labour inspection's, filed now)."""
        return bool(self.category and self.category.mediation and GRADES.index(self.grade) < GRADES.index(GRAVE))


def danger_words(text: str) -> List[str]:
    """The danger words said as happening, not as feared."""
    t = normalise(clean(text))
    return [w for w in DANGER if any(not FEARED.search(t[:m.start()]) and not SAFEGUARD.match(t, m.end())
                                     for m in re.finditer(re.escape(w), t))]


class IncidentClassifier:
    def __init__(self, categories: List[CategoryInfo], reader: Optional[DepartmentReader] = None):
        self.reader = reader
        self.by_code = {c.code: c for c in categories}
        self.index = TermIndex([Entry(c.code, c.name, [], c.keywords) for c in categories])
        self.grid_index = TermIndex([Entry(c.code, c.name, [], c.keywords) for c in categories
                                     if c.code.split("-")[0] in GRID_GROUPS])
        self.words = {c.code: [w for w in {normalise(c.name), *map(normalise, c.keywords)} if w] for c in categories}

    @classmethod
    def from_db(cls, session: Session) -> "IncidentClassifier":
        infos = [CategoryInfo.of(c) for c in session.scalars(select(IncidentCategory))]
        return cls(infos, department_reader(infos))

    def _short(self, text: str):
        """(code, score) from the term index: the grid categories first, then the whole catalogue."""
        for index in (self.grid_index, self.index):
            matches = index.search(text, limit=2)
            if matches and matches[0].score >= CONFIDENT:
                return matches[0].code, matches[0].score
        return None, 0.0

    def _long(self, t: str, text: str):
        """(code, score, department or None) for a letter: each category scores the length of
        every keyword found, three times over in the opening (the title), plus its lead
        department's total; the
        earliest hit breaks a tie. The street gets no head start here: a letter names its matter
        in the title, and a street word in its body (垃圾, 消防通道, 物业) is usually background.
        An emergency category counts only when the opening names it. The reader learnt from real
        letters adds its scores to the keywords' for the department: the letter gets its best
        category in the department with the most, or none and that department."""
        opening = re.split(r"[。！？!?\n]", t, maxsplit=1)[0][:OPENING]
        scored = []
        for code, words in self.words.items():
            found = [w for w in words if w in t]
            if code.split("-")[0] == EMERGENCY_GROUP and not any(w in opening for w in found):
                continue
            if not found:
                continue
            score = sum(len(w) * (OPENING_WEIGHT if w in opening else 1) for w in found)
            scored.append((score, -min(t.find(w) for w in found), code))
        learnt = self.reader.read(text) if self.reader else None
        if not scored:  # no keyword word for word: homophones, words apart (ASR text)
            code, score = self._short(t)
            sure = learnt and learnt.margin >= TRUST
            return (code, score, None) if code or not sure else (None, 0.0, learnt.label)
        # A department's evidence adds up over its categories: a letter about a school's fees
        # names the school (教育) as well as the fees (收费, also the market regulator's word).
        by_department = Counter()
        for score, _, code in scored:
            by_department[self.by_code[code].lead_department_code] += score
        def rank(s):
            return s[0] + by_department[self.by_code[s[2]].lead_department_code], s[1]
        best = max(scored, key=rank)
        if best[2] == FEES:
            sectors = [s for s in scored if s[2].split("-")[0] != EMERGENCY_GROUP  # a fee is no emergency
                       and self.by_code[s[2]].lead_department_code != self.by_code[FEES].lead_department_code]
            best = max(sectors, key=rank) if sectors else best
        if learnt:
            total = sum(by_department.values())
            floor = min(learnt.scores.values())
            fused = {d: learnt.scores.get(d, floor) + KEYWORD_SHARE * by_department[d] / total
                     for d in {*learnt.scores, *by_department}}
            chosen = max(fused, key=fused.get)
            if self.by_code[best[2]].lead_department_code != chosen:
                # The letter's department on all the evidence: its best category there, or none.
                theirs = [s for s in scored if self.by_code[s[2]].lead_department_code == chosen]
                if not theirs:
                    return None, min(1.0, 0.5 + best[0] / 20), chosen
                best = max(theirs, key=rank)
        score, _, code = best
        return code, min(1.0, 0.5 + score / 20), None

    def classify(self, text: str) -> Classified:
        t = PENSION.sub("退休金", normalise(clean(text)))
        code, score, learnt = self._long(t, text) if len(t) > LONG else (*self._short(t), None)
        category = self.by_code[code] if code else None
        danger = danger_words(text)
        grade = category.default_grade if category else "一般"
        if category:
            for g, words in category.raise_keywords.items():
                if any(normalise(w) in t for w in words) and GRADES.index(g) > GRADES.index(grade):
                    grade = g
        if danger:
            grade = "重大"
        if category is None:
            dept = learnt or COMMAND_CENTRE
        elif grade == "小微" and category.handled_by_grid:
            dept = GRID_STATION
        else:
            dept = category.lead_department_code
        return Classified(category, grade, round(score, 3), bool(danger), dept)


_cached: dict = {}


def classifier(session: Session = None) -> IncidentClassifier:
    """The process's classifier, built on first use; with the caller's session when given, so
    a request that already holds SQLite's write lock does not wait on a second connection."""
    built = _cached.get("c")
    if built is None:
        generation = _cached.get("generation", 0)
        if session is not None:
            built = IncidentClassifier.from_db(session)
        else:
            with SessionLocal() as s:
                built = IncidentClassifier.from_db(s)
        if _cached.get("generation", 0) == generation:  # no edit while it was being built from older rows
            _cached["c"] = built
    return built


def warm_up() -> None:
    """Build the classifier (and its department reader) before the first report, once the
    district's categories are loaded: built from none, it would stay empty until an edit."""
    with SessionLocal() as s:
        if s.scalar(select(IncidentCategory.id).limit(1)) is not None:
            classifier(s)


def invalidate() -> None:
    """After a category changed (committed): the next report builds the classifier afresh."""
    _cached["generation"] = _cached.get("generation", 0) + 1
    _cached.pop("c", None)
