"""Which department a resident's letter is for, as real reports labelled by hand teach it.

The category keywords find a letter's matter when it names it in the catalogue's words; real
letters often do not ("村里的路灯当年装的电池不行了", a school's "补课费"), and keywords picked
from labelled letters fit those letters better than new ones. This reader learns the departments
from the training split's labelled reports (data/real-messages/reports.jsonl: title and opening,
written by build_training.py; never a development or tuning-split message), as a second opinion
on letters (api/incidents/categories.py)."""
import json
from pathlib import Path
from typing import Optional, Tuple

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
    def from_file(cls, path: Path = REPORTS) -> Optional["DepartmentReader"]:
        if not path.exists():
            return None
        with path.open(encoding="utf-8") as f:
            rows = [json.loads(line) for line in f if line.strip()]
        examples = [(r["text"], r["department"]) for r in rows if r.get("department")]
        return cls(LinearReader(examples, c=3.0)) if len({d for _, d in examples}) >= 2 else None

    def read(self, text: str) -> Reading:
        return self.reader.read(reading(*split_letter(text)))


_cached: dict = {}


def reader() -> Optional[DepartmentReader]:
    """The process's reader, built on first use (None without the labelled reports)."""
    if "r" not in _cached:
        _cached["r"] = DepartmentReader.from_file()
    return _cached["r"]
