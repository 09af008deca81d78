"""NLU examples as plain text with their intents: one file's (the test set, reviewed.yml), or the
assistant's written ones (nlu_data/*.yml). The real residents' messages there (real_messages.yml) are
left out: they are labelled by route in data/real-messages/, and each reader takes them from there."""
import re
from pathlib import Path
from typing import List, Optional, Tuple

import yaml

from shared.settings import ROOT

# [value](entity) and [value]{"entity": ...}: read as the plain words.
ANNOTATION = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})")
REAL = "real_messages.yml"


def plain(example: str) -> str:
    return ANNOTATION.sub(r"\1", example)


def examples_in(path: Path) -> List[Tuple[str, str]]:
    """(text, intent) of every example of one NLU file: a block's lines, or (reviewed.yml, the
    test set) its examples each with metadata."""
    out = []
    for block in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu") or []:
        examples = block.get("examples") or ""
        if not block.get("intent"):
            continue
        if isinstance(examples, str):
            out += [(plain(line.strip()[2:]), block["intent"]) for line in examples.splitlines() if line.strip().startswith("- ")]
        else:
            out += [(plain(e.get("text", "")), block["intent"]) for e in examples if isinstance(e, dict) and e.get("text")]
    return out


def written_examples(folder: Optional[Path] = None) -> List[Tuple[str, str]]:
    """(text, intent) of every written example, file by file in name order."""
    return [pair for path in sorted((folder or ROOT / "nlu_data").glob("*.yml")) if path.name != REAL
            for pair in examples_in(path)]
