"""Which department a resident's letter is for, as real reports labelled by hand teach it.

The category keywords find a letter's matter when it names it in the catalogue's words; real
letters often do not ("村里的路灯当年装的电池不行了", a school's "补课费"), and keywords picked
from labelled letters fit those letters better than new ones. This reader learns the departments
from the training split's labelled reports (data/real-messages/reports.jsonl: title and opening,
written by build_training.py; never a development or tuning-split message), as a second opinion
on letters (api/incidents/categories.py)."""
import json
from pathlib import Path
from typing import Iterable, Optional, Tuple

from api.core.linear_reader import LinearReader, Reading

ROOT = Path(__file__).resolve().parents[2]
REPORTS = ROOT / "data" / "real-messages" / "reports.jsonl"
# What it reads: the title twice (a letter names its matter there) and the opening. The opening's
# length by 5-fold cross-validation over the training and tuning splits' reports, keywords and
# reader together: 200 characters 0.790, 400 0.800, 1000 0.795.
OPENING = 400


def reading(title: str, message: str = "") -> str:
    return f"{title}。{title}。{message[:OPENING]}"


def split_letter(text: str) -> Tuple[str, str]:
    """(title, message) of a text as a resident sends it: the first sentence is the title."""
    for i, ch in enumerate(text):
        if ch in "。！？!?\n":
            return text[:i], text[i + 1:]
    return text, ""


class DepartmentReader:
    def __init__(self, reader: LinearReader):
        self.reader = reader

    @classmethod
    def from_file(cls, path: Path = REPORTS, categories: Iterable = ()) -> Optional["DepartmentReader"]:
        """Learnt from the labelled reports and, as short letters of their own, the category
        catalogue's keywords with each category's lead department: what the catalogue says of a
        matter reaches letters that name it in other company. By 5-fold cross-validation over the
        training split's reports (keywords and reader together): 0.793 without them, 0.811 with."""
        if not path.exists():
            return None
        with path.open(encoding="utf-8") as f:
            rows = [json.loads(line) for line in f if line.strip()]
        examples = [(r["text"], r["department"]) for r in rows if r.get("department")]
        examples += [(reading(w), c.lead_department_code) for c in categories for w in c.keywords]
        return cls(LinearReader(examples, c=3.0)) if len({d for _, d in examples}) >= 2 else None

    def read(self, text: str) -> Reading:
        return self.reader.read(reading(*split_letter(text)))


_cached: dict = {}


def reader(categories: Iterable = ()) -> Optional[DepartmentReader]:
    """The process's reader for these categories (api.incidents.categories.CategoryInfo), built
    on first use and again when an admin changes their keywords or departments (None without the
    labelled reports)."""
    categories = list(categories)
    key = tuple(sorted((c.code, c.lead_department_code, tuple(c.keywords)) for c in categories))
    if _cached.get("key") != key or "r" not in _cached:
        _cached["r"], _cached["key"] = DepartmentReader.from_file(categories=categories), key
    return _cached["r"]
