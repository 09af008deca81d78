"""Names defined once: a code stored in the database and a label shown to people."""
from enum import Enum
from typing import Dict, Type


class Labelled(str, Enum):
    """`Member = ("code", "标签")`; the member compares equal to its code."""

    def __new__(cls, code: str, label: str):
        obj = str.__new__(cls, code)
        obj._value_ = code
        obj.label = label
        return obj

    def __str__(self) -> str:  # the code, wherever the member is written out or stored
        return self.value

    __format__ = str.__format__

    @classmethod
    def labels(cls) -> Dict[str, str]:
        return {m.value: m.label for m in cls}

    @classmethod
    def codes(cls) -> tuple:
        return tuple(m.value for m in cls)


def label_table(*enums: Type[Labelled]) -> Dict[str, Dict[str, str]]:
    """{"CaseStatus": {"waiting": "等待中", ...}, ...} for pages that show the labels."""
    return {e.__name__: e.labels() for e in enums}
