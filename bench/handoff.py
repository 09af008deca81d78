"""Scoring the handoff detector (api/sensitivity.py) on labelled messages."""
from collections import Counter
from pathlib import Path

import yaml

HELD_OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "sensitivity_test.yml"


def held_out() -> list:
    return [(e["text"], e["label"]) for e in yaml.safe_load(HELD_OUT.read_text(encoding="utf-8"))["examples"]]


def score(examples, assess) -> dict:
    """handed: share of each label a person gets (either reason counts: both reach a person);
    exact: share labelled right; misses and false alarms listed."""
    got = [(text, label, assess(text) or "none") for text, label in examples]
    n = Counter(label for _, label, _ in got)
    handed = Counter(label for _, label, p in got if p != "none")
    return {
        "exact": sum(label == p for _, label, p in got) / len(got),
        "handed": {label: handed[label] / n[label] for label in n},
        "missed": [(t, label) for t, label, p in got if label != "none" and p == "none"],
        "false_alarms": [(t, p) for t, label, p in got if label == "none" and p != "none"],
        "n": dict(n),
    }
