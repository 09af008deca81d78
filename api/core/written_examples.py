"""The assistant's own written NLU examples (nlu_data/*.yml), as plain text with their intents.
The real residents' messages there (real_messages.yml) are left out: they are labelled by route
in data/real-messages/, and each reader takes them from there as it needs them."""
import re
from pathlib import Path
from typing import List, Optional, Tuple

import yaml

ROOT = Path(__file__).resolve().parents[2]
# [value](entity) and [value]{"entity": ...}: read as the plain words.
ANNOTATION = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})")
REAL = "real_messages.yml"


def plain(example: str) -> str:
    return ANNOTATION.sub(r"\1", example)


def written_examples(folder: Optional[Path] = None) -> List[Tuple[str, str]]:
    """(text, intent) of every written example, file by file in name order."""
    out = []
    for path in sorted((folder or ROOT / "nlu_data").glob("*.yml")):
        if path.name == REAL:
            continue
        for block in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu", []):
            examples = block.get("examples") or ""
            if not block.get("intent"):
                continue
            if isinstance(examples, str):
                out += [(plain(line.strip()[2:]), block["intent"]) for line in examples.splitlines() if line.strip().startswith("- ")]
            else:  # reviewed.yml: each example with its metadata
                out += [(plain(e.get("text", "")), block["intent"]) for e in examples if isinstance(e, dict) and e.get("text")]
    return out
