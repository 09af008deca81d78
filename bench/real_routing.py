"""Routing of real residents' messages: a keyword rule, stock Rasa and the assistant side by side.

What is done with a resident's first message, on the development set of data/real-messages/
(or, with --split tune, on the tuning split: the one whose errors may be read), against the hand
labels, in three columns:

- a keyword rule, as a clerk might sort the post by its title;
- stock Rasa: the default pipeline and policies for Chinese (bench/stock/config.yml) trained on
  the assistant's own domain and data, loaded into the same three processes;
- the assistant (models/current.tar.gz).

    .venv/bin/python -m bench.real_routing [--full] [--limit N] [--columns keyword,stock,assistant] [--split tune]
    .venv/bin/python -m bench.real_routing --train-stock        (train or find the stock model, then stop)

The two Rasa columns send each message through the h5 webhook with the three processes running.
The route is read off the conversation's tracker (the actions it ran and the form it started),
and a hand-over to staff off the backend's handoff cases, not guessed from the reply's wording.
The stock model is trained once per set of inputs and kept as var/bench/stock-<hash>.tar.gz.
--full sends title and message together (long messages) instead of the title alone.
"""
import argparse
import fcntl
import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path

import requests

from scripts import real_messages as rm

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
ROUTES = ["incident_report", "service_question", "suggestion", "complaint_staff", "progress_query", "other"]
HANDED = "complaint_staff"  # the route that belongs with a person
# The first measure: report / question / suggestion or opinion (each route's F1 from the
# six-way reading, averaged over these three; the small routes are in the line above).
MAIN_ROUTES = ("incident_report", "service_question", "suggestion")
CLARIFIED = "clarified"  # the assistant asked "咨询还是反映问题？" back: never counted as right
# The question asked back: its own action, or one of its responses (bot/domain/routing.yml).
ASKED_BACK_ACTIONS = ("action_ask_route",)
ASKED_BACK_RESPONSES = "utter_which_"
# The route each action stands for. The last of them to run wins: an action may hand the turn to
# another (a "suggestion" the router finds to be a question goes on to action_answer_service).
# A hand-over to staff is read off the backend's cases instead: several actions make one.
ACTION_ROUTE = {
    "incident_form": "incident_report",
    "action_start_incident": "incident_report",
    "suggestion_form": "suggestion",
    "action_start_suggestion": "suggestion",
    "action_submit_suggestion": "suggestion",
    "action_incident_status": "progress_query",
    "action_answer_service": "service_question",
}
BENEFITS_OFFERED = "/request_human"  # the person button under a hardship answer (its benefits are service items)
PORTS = {"api": 28100, "actions": 25155, "rasa": 25105}  # apart from the tests' and bench.run's
STOCK_CONFIG = "bench/stock/config.yml"
STOCK_INPUTS = (STOCK_CONFIG, "bot/domain", "bot/data", "nlu_data")  # as scripts/lib.sh trains, minus our tokenizer
TRAIN_LOCK = "/tmp/rsa-train.lock"  # one training at a time on this machine

# The keyword rule: the first route whose words appear wins.
KEYWORDS = [
    ("progress_query", ("进展", "进度", "怎么还没", "何时解决", "什么时候解决", "结果如何", "有没有下文")),
    ("complaint_staff", ("态度", "不作为", "推诿", "乱作为", "工作人员")),
    ("suggestion", ("建议", "意见", "希望", "呼吁", "能否", "能不能", "规划", "增设", "增开")),
    ("service_question", ("咨询", "请问", "如何", "怎么办理", "怎样", "政策", "能否办理", "需要什么")),
    ("incident_report", ("投诉", "举报", "反映", "扰民", "噪音", "污染", "拖欠", "违规", "违法", "乱", "问题")),
]


def keyword_route(text: str) -> str:
    for route, words in KEYWORDS:
        if any(w in text for w in words):
            return route
    return "other"


# --- the columns: each returns [(label, outcome)] in the order of `rows` ---------------------

def keyword_column(rows, text):
    return [(x["route"], keyword_route(text(x))) for x in rows]


def stock_column(rows, text):
    return webhook_column(rows, text, stock_model())


def assistant_column(rows, text):
    if not assistant_model_is_current():
        print("warning: models/current.tar.gz was trained on other inputs than those on disk now "
              "(scripts/start retrains it); stock Rasa is trained on those on disk", flush=True)
    return webhook_column(rows, text, ROOT / "models" / "current.tar.gz")


COLUMNS = {"keyword": ("keyword rule", keyword_column), "stock": ("stock Rasa", stock_column),
           "assistant": ("the assistant", assistant_column)}


# --- the two Rasa columns: the same stack, another model ---------------------------------------

def outcome(events, handed: bool) -> str:
    """What was done with the conversation's first message, from its tracker's events."""
    if handed:
        return HANDED
    if any(_asked_back(e) for e in events):
        return CLARIFIED
    for e in reversed(events):
        if e.get("event") in ("action", "active_loop") and e.get("name") in ACTION_ROUTE:
            return ACTION_ROUTE[e["name"]]
    buttons = [b.get("payload") for e in events if e.get("event") == "bot" for b in (e.get("data") or {}).get("buttons") or []]
    return "service_question" if BENEFITS_OFFERED in buttons else "other"


def _asked_back(e: dict) -> bool:
    if e.get("event") == "action":
        return e.get("name") in ASKED_BACK_ACTIONS
    return e.get("event") == "bot" and str((e.get("metadata") or {}).get("utter_action") or "").startswith(ASKED_BACK_RESPONSES)


def webhook_column(rows, text, model: Path):
    """Each message as a new conversation's first line, through the h5 webhook of a fresh stack."""
    from scripts.stack import Stack
    if not model.exists():
        raise SystemExit(f"no model at {model} (scripts/start trains the assistant's)")
    var = Path(tempfile.mkdtemp(prefix="rsa-bench-routing-"))
    env = {**os.environ, "RSA_VAR_DIR": str(var), "RSA_DATABASE_URL": f"sqlite:///{var / 'backend.db'}",
           "RSA_ADDRESS_BURST": "100000", "RSA_NEW_CHATS_PER_HOUR": "100000"}
    for step in ("migrate", "seed"):
        subprocess.run([sys.executable, "-m", "api.cli", step], env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    stack = Stack(env=env, model=model, **PORTS).start()
    started = time.perf_counter()
    try:
        headers = {"X-Service-Token": stack.env["RSA_SERVICE_TOKEN"]}
        runs = []
        for x in rows:
            sender = "bench" + uuid.uuid4().hex[:12]
            requests.post(f"{stack.rasa_url}/webhooks/h5/webhook", json={"sender": sender, "message": text(x)},
                          headers=headers, timeout=120).raise_for_status()
            tracker = requests.get(f"{stack.rasa_url}/conversations/{sender}/tracker",
                                   params={"token": stack.env["RSA_RASA_TOKEN"]}, timeout=60).json()
            runs.append((x["route"], sender, tracker.get("events") or []))
    finally:
        stack.stop()
    print(f"{model.name}: {len(runs)} messages in {time.perf_counter() - started:.0f} s", flush=True)
    with sqlite3.connect(var / "backend.db") as db:  # a case opened, waiting or as a call-back
        handed = {s for (s,) in db.execute("SELECT DISTINCT sender FROM handoff_cases")}
    return [(label, outcome(events, sender in handed)) for label, sender, events in runs]


def stock_model() -> Path:
    """The stock model for the current inputs: found under var/bench/, or trained from a snapshot
    of the inputs taken once this process holds the machine's training lock (another training
    may be changing or reading them until then), so the name's hash is of what was trained."""
    with tempfile.TemporaryDirectory(prefix="rsa-bench-stock-") as tmp:
        model = _stock_path(_snapshot(Path(tmp) / "before"))
        if model.exists():
            print(f"stock Rasa: using {model.relative_to(ROOT)}", flush=True)
            return model
        print(f"stock Rasa: waiting for {TRAIN_LOCK}, then training (several minutes)", flush=True)
        with open(TRAIN_LOCK, "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # the lock `flock /tmp/rsa-train.lock` takes
            snap = _snapshot(Path(tmp) / "inputs")
            model = _stock_path(snap)
            if not model.exists():
                env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2",
                       "PYTHONWARNINGS": "ignore", "SQLALCHEMY_SILENCE_UBER_WARNING": "1"}
                subprocess.run(["nice", "-n", "10", str(BIN / "rasa"), "train", "--config", STOCK_CONFIG,
                                "--domain", "bot/domain", "--data", "nlu_data", "bot/data", "--out", "out",
                                "--fixed-model-name", "stock", "--force", "--quiet"], cwd=snap, env=env, check=True)
                model.parent.mkdir(parents=True, exist_ok=True)
                partial = model.with_suffix(".partial")
                shutil.copyfile(snap / "out" / "stock.tar.gz", partial)
                os.replace(partial, model)
        print(f"stock Rasa: trained {model.relative_to(ROOT)}", flush=True)
        return model


def _snapshot(snap: Path) -> Path:
    for rel in STOCK_INPUTS:
        src, dst = ROOT / rel, snap / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        (shutil.copytree if src.is_dir() else shutil.copy2)(src, dst)
    return snap


def _stock_path(snap: Path) -> Path:
    import rasa
    digest = hashlib.sha256(rasa.__version__.encode())
    for f in sorted(p for p in snap.rglob("*") if p.is_file()):
        digest.update(str(f.relative_to(snap)).encode() + b"\0" + f.read_bytes())
    return ROOT / "var" / "bench" / f"stock-{digest.hexdigest()[:16]}.tar.gz"


def assistant_model_is_current() -> bool:
    """Whether models/current.tar.gz was trained on the inputs now on disk (scripts/lib.sh's hash),
    i.e. on the same data as the stock model is."""
    inputs = ("find config.yml bot/domain bot/data bot/components bot/jieba nlu_data -type f "
              "\\( -name '*.yml' -o -name '*.py' -o -name '*.txt' \\) | sort | xargs cat | sha256sum | cut -d' ' -f1")
    now = subprocess.run(["bash", "-c", inputs], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    stamp = ROOT / "models" / ".inputs.sha"
    return stamp.exists() and stamp.read_text().strip() == now


# --- the figures ------------------------------------------------------------------------------

def figures(pairs) -> dict:
    """Macro-F1 over the routes present in the labels, per-route precision/recall, the share
    clarified, and the messages handed to a person whose label did not need one."""
    per, f1 = {}, {}
    for r in ROUTES:
        tp = sum(1 for gold, got in pairs if gold == r and got == r)
        pred = sum(1 for _, got in pairs if got == r)
        n = sum(1 for gold, _ in pairs if gold == r)
        if not n:
            continue
        p, rec = (tp / pred if pred else 0.0), tp / n
        per[r] = (p, rec, n)
        f1[r] = 2 * p * rec / (p + rec) if p + rec else 0.0
    main = [f1[r] for r in MAIN_ROUTES if r in f1]
    handed = [gold for gold, got in pairs if got == HANDED]
    return {"macro_f1": sum(f1.values()) / len(f1), "main_f1": sum(main) / len(main) if main else 0.0,
            "per": per, "n": len(pairs),
            "clarified": sum(got == CLARIFIED for _, got in pairs), "handed": len(handed),
            "handed_needless": sum(gold != HANDED for gold in handed), "confusion": Counter(pairs)}


def table(results: dict):
    """results: {column title: figures}; one line per figure, the columns side by side."""
    names = list(results)
    width = max(16, *(len(n) + 2 for n in names))
    line = lambda label, cells: print(f"{label:34s}" + "".join(f"{c:>{width}s}" for c in cells))
    line("", names)
    line("routing macro-F1", [f"{f['macro_f1']:.3f}" for f in results.values()])
    line("  over the three main routes", [f"{f['main_f1']:.3f}" for f in results.values()])
    routes = [r for r in ROUTES if any(r in f["per"] for f in results.values())]
    for r in routes:
        n = next(f["per"][r][2] for f in results.values() if r in f["per"])
        line(f"  {r} (n={n}) P / R", [f"{f['per'][r][0]:.2f} / {f['per'][r][1]:.2f}" for f in results.values()])
    for r, title in (("incident_report", "incident recall"), ("suggestion", "suggestions recall")):
        line(title, [f"{f['per'][r][1]:.3f}" if r in f["per"] else "-" for f in results.values()])
    line("clarified (a question asked back)", [_share(f["clarified"], f["n"]) for f in results.values()])
    line("handed to staff", [_share(f["handed"], f["n"]) for f in results.values()])
    line("  of them not needed (of all)", [_share(f["handed_needless"], f["n"]) for f in results.values()])
    line("  of them not needed (of handed)", [_share(f["handed_needless"], f["handed"]) for f in results.values()])
    for name, f in results.items():
        print(f"confusion, {name} (label → what was done, off the diagonal): " + "; ".join(
            f"{g}→{d} {c}" for (g, d), c in f["confusion"].most_common() if g != d))


def _share(k: int, n: int) -> str:
    return f"{k} ({k / n:.0%})" if n else "-"


def departments(split: str = "dev"):
    """The department is the backend's choice whatever recognised the report, so it is one
    figure for stock Rasa and the assistant, beside a keyword baseline (bench/real_departments.py)."""
    from bench.real_departments import run
    from bench.run import _fresh_database
    print("Department on incident reports: chosen by the backend's classifier, the same for stock Rasa and "
          "the assistant (bench/real_departments.py)")
    _fresh_database()
    run(split)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="title and message, not the title alone")
    parser.add_argument("--limit", type=int, default=0, help="only the first N messages (0: all)")
    parser.add_argument("--split", choices=("dev", "tune"), default="dev",
                        help="the development set (measure only) or the tuning split (default dev)")
    parser.add_argument("--columns", default=",".join(COLUMNS), help="which of keyword,stock,assistant (default all)")
    parser.add_argument("--train-stock", action="store_true", help="train (or find) the stock model and stop")
    args = parser.parse_args(argv)
    if args.train_stock:
        stock_model()
        return 0
    columns = [c.strip() for c in args.columns.split(",") if c.strip()]
    if unknown := [c for c in columns if c not in COLUMNS]:
        parser.error(f"unknown column(s): {', '.join(unknown)}")
    if not rm.SOURCE.exists():
        print(f"the real messages are not at {rm.SOURCE} (set RSA_REAL_MESSAGES)")
        return 2
    source, ids = rm.messages(), rm.split_ids(args.split)
    rows = [x for x in rm.labels() if x["id"] in ids]
    rows = rows[:args.limit] if args.limit else rows
    text = (lambda x: f"{source[x['id']]['title']}\n{source[x['id']]['message']}") if args.full \
        else (lambda x: source[x["id"]]["title"])
    results = {COLUMNS[c][0]: figures(COLUMNS[c][1](rows, text)) for c in columns}
    name = "development set" if args.split == "dev" else "tuning split"
    print(f"\nRouting on the real {name} ({len(rows)} messages, "
          f"{'title + message' if args.full else 'title'} as the first chat message)")
    table(results)
    print()
    departments(args.split)
    return 0


if __name__ == "__main__":
    sys.exit(main())
