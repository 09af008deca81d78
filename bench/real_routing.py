"""Routing on real residents' messages (the development set of data/real-messages/): what the
assistant does with a resident's first message, end to end through the h5 webhook with the
three processes running, against the hand labels; and a keyword rule for comparison.

    .venv/bin/python -m bench.real_routing [--full]    (after a model is trained)

The route the assistant took is read off the conversation's tracker (the actions it ran and the
form it started), not guessed from the wording of its reply. --full sends title and message
together (long messages), instead of the title alone (a first chat message).
"""
import argparse
import os
import subprocess
import sys
import tempfile
import uuid
from collections import Counter
from pathlib import Path

import requests

from scripts import real_messages as rm

ROOT = Path(__file__).resolve().parent.parent
ROUTES = ["incident_report", "service_question", "suggestion", "complaint_staff", "progress_query", "other"]
# What each action says about the route the assistant took (the first match in this order wins).
ACTION_ROUTE = [
    ("action_request_human", "complaint_staff"),  # handed to a person: right for complaints about staff
    ("incident_form", "incident_report"),
    ("action_start_incident", "incident_report"),
    ("suggestion_form", "suggestion"),
    ("action_start_suggestion", "suggestion"),
    ("action_submit_suggestion", "suggestion"),
    ("action_incident_status", "progress_query"),
    ("action_answer_service", "service_question"),
]

# The comparison: a short keyword rule, as a clerk might sort the post by its title.
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


def scores(pairs):
    """(macro-F1 over the routes present in the labels, {route: (precision, recall, n)}, confusion)."""
    per, f1s = {}, []
    for r in ROUTES:
        tp = sum(1 for gold, got in pairs if gold == r and got == r)
        pred = sum(1 for _, got in pairs if got == r)
        n = sum(1 for gold, _ in pairs if gold == r)
        if not n:
            continue
        p, rec = (tp / pred if pred else 0.0), tp / n
        per[r] = (p, rec, n)
        f1s.append(2 * p * rec / (p + rec) if p + rec else 0.0)
    return sum(f1s) / len(f1s), per, Counter(pairs)


def report(name, pairs):
    macro, per, confusion = scores(pairs)
    print(f"{name}: routing macro-F1 {macro:.3f} on {len(pairs)} messages")
    for r, (p, rec, n) in per.items():
        print(f"    {r:17s} precision {p:.2f} recall {rec:.2f} (n={n})")
    print("    confusion (label → what was done): " + "; ".join(
        f"{g}→{d} {c}" for (g, d), c in sorted(confusion.items(), key=lambda kv: -kv[1]) if g != d)[:900])


def assistant_route(events) -> str:
    names = {e.get("name") for e in events if e.get("event") in ("action", "active_loop")}
    for name, route in ACTION_ROUTE:
        if name in names:
            return route
    return "other"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="title and message, not the title alone")
    parser.add_argument("--limit", type=int, default=0, help="only the first N development messages")
    args = parser.parse_args(argv)
    if not rm.SOURCE.exists():
        print(f"the real messages are not at {rm.SOURCE} (set RSA_REAL_MESSAGES)")
        return 2
    source, dev = rm.messages(), rm.dev_ids()
    rows = [x for x in rm.labels() if x["id"] in dev]
    rows = rows[:args.limit] if args.limit else rows
    text = (lambda m: f"{m['title']}\n{m['message']}") if args.full else (lambda m: m["title"])

    report("Keyword rule", [(x["route"], keyword_route(text(source[x["id"]]))) for x in rows])

    from scripts.stack import Stack
    var = Path(tempfile.mkdtemp(prefix="rsa-bench-routing-"))
    env = {**os.environ, "RSA_VAR_DIR": str(var), "RSA_DATABASE_URL": f"sqlite:///{var / 'backend.db'}",
           "RSA_ADDRESS_BURST": "100000", "RSA_NEW_CHATS_PER_HOUR": "100000"}
    for step in ("migrate", "seed"):
        subprocess.run([sys.executable, "-m", "api.cli", step], env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    stack = Stack(env=env, api=28100, actions=25155, rasa=25105).start()
    try:
        headers = {"X-Service-Token": stack.env["RSA_SERVICE_TOKEN"]}
        pairs = []
        for x in rows:
            sender = "bench" + uuid.uuid4().hex[:12]
            requests.post(f"{stack.rasa_url}/webhooks/h5/webhook", json={"sender": sender, "message": text(source[x["id"]])},
                          headers=headers, timeout=120).raise_for_status()
            tracker = requests.get(f"{stack.rasa_url}/conversations/{sender}/tracker",
                                   params={"token": stack.env["RSA_RASA_TOKEN"]}, timeout=60).json()
            pairs.append((x["route"], assistant_route(tracker.get("events") or [])))
        report("The assistant (h5 webhook, " + ("title + message" if args.full else "title") + ")", pairs)
    finally:
        stack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
