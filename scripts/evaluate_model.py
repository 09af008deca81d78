"""Evaluate a trained Rasa model against the live one, for the admins' console.

    .venv/bin/python -m scripts.evaluate_model --model NEW.tar.gz [--live LIVE.tar.gz] --out DIR

Both models read every text of two sets and their top intents are compared with the expected ones:
- "test": the written NLU test set, tests/data/nlu_test.yml (never trained on);
- "dev": the real development set, data/real-messages/dev-ids.txt, each message's title (the
  text bench.real_routing sends by default) against its hand label's route, as an intent.
Writes DIR/report.json (per set and model: accuracy, macro-F1 over the set's intents, per-intent
precision/recall/F1/support; per-intent F1 changes; the texts whose answer changed, masked) and
DIR/confusion-test.png, DIR/confusion-dev.png (the new model's). The live model's answers are
cached by its file's sha256 (and the set's texts) in var_dir/training/eval-cache/, so it is read
once. Progress lines ("评估 测试集 120/332") go to stdout; texts are never printed.
"""
import argparse
import asyncio
import hashlib
import json
import os
import sys
from pathlib import Path
from typing import Dict, List, Optional, Tuple

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from shared.redact import mask_personal  # noqa: E402

TEST_SET = ROOT / "tests" / "data" / "nlu_test.yml"
# Routes as intents, as data/real-messages/build_training.py maps them into the training data, so
# the NLU is measured on what it was taught. "other" (thanks, chit-chat, out of scope, letters
# that fit no route) is left out: no one intent stands for it, any answer would be arbitrary.
ROUTE_INTENT = {"incident_report": "report_incident", "service_question": "ask_service",
                "suggestion": "make_suggestion", "complaint_staff": "request_human",
                "progress_query": "check_incident_status"}
SET_NAMES = {"test": "测试集", "dev": "开发集"}
CHANGED_LIMIT = 500  # the report stays readable in a page


def test_set() -> List[Tuple[str, str]]:
    from rasa.shared.nlu.training_data.loading import load_data
    data = load_data(str(TEST_SET))
    return [(m.get("text"), m.get("intent")) for m in data.intent_examples]


def dev_set() -> Tuple[List[Tuple[str, str]], Optional[str]]:
    """The development set's (title, intent) pairs; ([], why) when the messages are not here."""
    from scripts import real_messages as rm
    if not rm.SOURCE.exists():
        return [], f"真实留言不在 {rm.SOURCE}（可设置 RSA_REAL_MESSAGES）"
    source, ids = rm.messages(), rm.dev_ids()
    rows = [(source[x["id"]]["title"].strip(), ROUTE_INTENT[x["route"]]) for x in rm.labels()
            if x["id"] in ids and x["route"] in ROUTE_INTENT and x["id"] in source]
    return rows, None


def _sha(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


class Reader:
    """One model, loaded once, reading texts (Rasa's Agent: the same NLU the server runs)."""

    def __init__(self, model: Path):
        import logging

        from rasa.core.agent import Agent
        from rasa.utils.common import configure_logging_and_warnings
        from rasa.utils.log_utils import configure_structlog
        # Unconfigured, Rasa's structlog prints every parse with its text at debug level.
        configure_logging_and_warnings(logging.WARNING)
        configure_structlog(logging.WARNING)
        self.agent = Agent.load(str(model))

    def read(self, texts: List[str], label: str) -> List[str]:
        async def run():
            out = []
            for i, text in enumerate(texts, 1):
                parsed = await self.agent.parse_message(text)
                out.append(((parsed.get("intent") or {}).get("name")) or "")
                if i % 50 == 0 or i == len(texts):
                    print(f"评估 {label} {i}/{len(texts)}", flush=True)
            return out
        return asyncio.run(run())


def predictions(model: Path, sets: Dict[str, List[Tuple[str, str]]], cache_dir: Optional[Path], who: str) -> dict:
    """{set: [intent per text]}; from the cache when this file read these texts before."""
    key = _sha(model)
    cached, todo = {}, {}
    for name, rows in sets.items():
        texts_sha = hashlib.sha256("\n".join(t for t, _ in rows).encode()).hexdigest()[:16]
        file = cache_dir / f"{key}-{name}-{texts_sha}.json" if cache_dir else None
        if file is not None and file.is_file():
            cached[name] = json.loads(file.read_text(encoding="utf-8"))
        else:
            todo[name] = (rows, file)
    if todo:
        print(f"加载{who}模型 {model.name}", flush=True)
        reader = Reader(model)
        for name, (rows, file) in todo.items():
            cached[name] = reader.read([t for t, _ in rows], f"{who} {SET_NAMES[name]}")
            if file is not None:
                file.parent.mkdir(parents=True, exist_ok=True)
                tmp = file.with_suffix(".tmp")
                tmp.write_text(json.dumps(cached[name]), encoding="utf-8")
                os.replace(tmp, file)
    return cached


def figures(expected: List[str], predicted: List[str]) -> dict:
    """Accuracy, macro-F1 over the intents the set expects (a set's own intents: answers outside
    them, such as nlu_fallback, count against recall), and per-intent figures."""
    from sklearn.metrics import accuracy_score, precision_recall_fscore_support
    labels = sorted(set(expected))
    p, r, f, s = precision_recall_fscore_support(expected, predicted, labels=labels, zero_division=0)
    return {"accuracy": round(float(accuracy_score(expected, predicted)), 4),
            "macro_f1": round(float(sum(f) / len(f)), 4) if len(f) else 0.0,
            "per_intent": {lab: {"precision": round(float(p[i]), 4), "recall": round(float(r[i]), 4),
                                 "f1": round(float(f[i]), 4), "support": int(s[i])} for i, lab in enumerate(labels)}}


def confusion_png(expected: List[str], predicted: List[str], title: str, out: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.metrics import confusion_matrix
    labels = sorted(set(expected) | set(predicted))
    cm = confusion_matrix(expected, predicted, labels=labels)
    size = max(5.0, 0.45 * len(labels) + 2)
    fig, ax = plt.subplots(figsize=(size + 1, size))
    im = ax.imshow(cm, cmap="Blues")
    ax.set_xticks(range(len(labels)), labels, rotation=60, ha="right", fontsize=8)
    ax.set_yticks(range(len(labels)), labels, fontsize=8)
    ax.set_xlabel("predicted")
    ax.set_ylabel("expected")
    ax.set_title(title)
    top = cm.max() or 1
    for i in range(len(labels)):
        for j in range(len(labels)):
            if cm[i, j]:
                ax.text(j, i, str(cm[i, j]), ha="center", va="center", fontsize=7,
                        color="white" if cm[i, j] > top / 2 else "black")
    fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04)
    fig.tight_layout()
    fig.savefig(out, dpi=90)
    plt.close(fig)


def evaluate(model: Path, live: Optional[Path], out: Path, cache_dir: Optional[Path]) -> dict:
    out.mkdir(parents=True, exist_ok=True)
    sets = {"test": test_set()}
    dev, dev_missing = dev_set()
    if dev:
        sets["dev"] = dev
    new = predictions(model, sets, None, "新")
    old = predictions(live, sets, cache_dir, "当前") if live else None
    report = {"model": model.name, "live": live.name if live else None, "sets": {}, "changed": []}
    for name, rows in sets.items():
        expected = [i for _, i in rows]
        part = {"n": len(rows), "new": figures(expected, new[name]), "live": None, "f1_change": {},
                "confusion": f"confusion-{name}.png"}
        if old is not None:
            part["live"] = figures(expected, old[name])
            part["f1_change"] = {k: round(v["f1"] - part["live"]["per_intent"][k]["f1"], 4)
                                 for k, v in part["new"]["per_intent"].items()}
            for (text, exp), was, now in zip(rows, old[name], new[name]):
                if was != now and len(report["changed"]) < CHANGED_LIMIT:
                    report["changed"].append({"set": name, "text": mask_personal(text)[0], "expected": exp,
                                              "live": was, "new": now})
        confusion_png(expected, new[name], f"{model.name}: {name}", out / part["confusion"])
        report["sets"][name] = part
    if "dev" not in sets:
        report["sets"]["dev"] = None
        report["dev_missing"] = dev_missing
    tmp = out / "report.json.tmp"
    tmp.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp, out / "report.json")
    return report


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True, type=Path)
    parser.add_argument("--live", type=Path, default=None)
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--cache", type=Path, default=None, help="cache folder for the live model's answers")
    args = parser.parse_args(argv)
    if args.cache is None:
        from shared.settings import get_settings
        args.cache = get_settings().var_dir / "training" / "eval-cache"
    report = evaluate(args.model, args.live, args.out, args.cache)
    for name, part in report["sets"].items():
        if part:
            live = f"，当前模型 {part['live']['macro_f1']:.3f}" if part["live"] else ""
            print(f"{SET_NAMES[name]}：新模型宏F1 {part['new']['macro_f1']:.3f}{live}", flush=True)
    print(f"答案变化的消息：{len(report['changed'])} 条", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
