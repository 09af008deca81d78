"""The labelled sample of real residents' messages (docs/labelling-guide.md): which messages are
in it, which of them are the development set (measured, never trained or tuned on) and the tuning
split (tunes the router and the classifiers, never trained on), and reading them with their labels.

    python -m scripts.real_messages sample   # writes the sample's ids and dev-ids.txt
"""
import hashlib
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Not part of this repository (only the training split's texts are copied in): next to the
# checkout, as on the team's machines, or where RSA_REAL_MESSAGES says.
SOURCE = Path(os.environ.get("RSA_REAL_MESSAGES") or next(
    (p for p in (ROOT.parent / "shared/data/real-messages/messages.jsonl",
                 Path("/work/shared/data/real-messages/messages.jsonl")) if p.exists()),
    ROOT.parent / "shared/data/real-messages/messages.jsonl"))
HERE = ROOT / "data" / "real-messages"
LABELS = HERE / "labels.jsonl"
DEV_IDS = HERE / "dev-ids.txt"
# Labelled later from the rest of the board (the first 240 unlabelled non-dev ids by
# sha1("tune" + id), less 5 whose titles were already in training data). The NLU never learns
# them, so the router's weights can be set on a model's honest reading without touching dev.
TUNE_IDS = HERE / "tune-ids.txt"
SAMPLE_SIZE = 640
DEV_SIZE = 320  # half the sample: never trained on


def _h(salt: str, mid: str) -> int:
    return int(hashlib.sha256(f"{salt}:{mid}".encode()).hexdigest(), 16)


def messages(source: Path = SOURCE) -> dict:
    with source.open(encoding="utf-8") as f:
        return {m["id"]: m for m in map(json.loads, f)}


def sample(ids) -> list:
    return sorted(ids, key=lambda i: _h("rsa-sample", i))[:SAMPLE_SIZE]


def dev_ids() -> set:
    return set(DEV_IDS.read_text(encoding="utf-8").split())


def tune_ids() -> set:
    return set(TUNE_IDS.read_text(encoding="utf-8").split())


def held_out_ids() -> set:
    """Never trained on: the development set and the tuning split."""
    return dev_ids() | tune_ids()


def split_ids(split: str) -> set:
    """The labelled ids of one split: 'dev', 'tune' or 'train' (labelled, neither held-out split)."""
    if split == "dev":
        return dev_ids()
    if split == "tune":
        return tune_ids()
    return {x["id"] for x in labels()} - held_out_ids()


def labels() -> list:
    with LABELS.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def main(argv) -> int:
    if argv[:1] != ["sample"]:
        print(__doc__)
        return 2
    chosen = sample(messages())
    HERE.mkdir(parents=True, exist_ok=True)
    dev = sorted(chosen, key=lambda i: _h("rsa-split", i))[:DEV_SIZE]
    DEV_IDS.write_text("\n".join(sorted(dev, key=int)) + "\n", encoding="utf-8")
    print("\n".join(chosen))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
