"""Benchmarks: prints numbers, asserts nothing.

    .venv/bin/python -m bench.run            (after scripts/start or scripts/test has trained a model)

1. intent accuracy and macro-F1 on the held-out NLU test set (tests/data/nlu_test.yml)
2. service-item top-1 accuracy on a paraphrase set of residents' questions (bench/data/service_paraphrases.yml)
3. incident category and grade accuracy on residents' descriptions (bench/data/incidents.yml)
4. turn latency p50/p95 over the REST webhook with all three processes running
5. handoff triggers (sensitive / angry) on a held-out set, and 5-fold cross-validation on the training set
6. the staff console and residents' pages under load (bench/console_load.py)
7. the department and category chosen for real residents' reports (bench/real_departments.py)
"""
import os
import statistics
import tempfile
import time
import uuid
from pathlib import Path

import requests
import yaml

ROOT = Path(__file__).resolve().parent.parent


def nlu():
    from bench.nlu import evaluate
    r = evaluate(Path(tempfile.mkdtemp(prefix="rsa-bench-nlu-")))
    print(f"NLU test set: intent accuracy {r['accuracy']:.3f}, macro-F1 {r['macro_f1']:.3f}")
    for intent, f1 in sorted(r["per_intent"].items(), key=lambda kv: kv[1]):
        print(f"    {intent:24s} F1 {f1:.3f}")


def paraphrases():
    from api.core.db import SessionLocal
    from api.guide.search import CatalogueIndex, decide
    with SessionLocal() as s:
        index = CatalogueIndex.from_db(s)
    cases = yaml.safe_load((ROOT / "bench" / "data" / "service_paraphrases.yml").read_text(encoding="utf-8"))
    right, wrong = 0, []
    for case in cases:
        decision, chosen = decide(index.search(case["text"]))
        expect = case["expect"]
        if expect is None:
            ok = decision == "unknown"
        elif expect == "ambiguous":
            ok = decision == "ambiguous"
        else:
            ok = decision == "confident" and chosen[0].name == expect
        right += ok
        if not ok:
            wrong.append((case["text"], expect, decision, [m.name for m in chosen]))
    print(f"Service items: top-1 accuracy {right / len(cases):.3f} on {len(cases)} paraphrases "
          f"(named items, 'not in catalogue' and 'ambiguous' cases)")
    for w in wrong:
        print("    miss:", *w)


def incidents():
    from api.core.db import SessionLocal
    from api.incidents.categories import IncidentClassifier
    with SessionLocal() as s:
        clf = IncidentClassifier.from_db(s)
    cases = yaml.safe_load((ROOT / "bench" / "data" / "incidents.yml").read_text(encoding="utf-8"))
    cat_ok = grade_ok = 0
    misses = []
    for case in cases:
        c = clf.classify(case["text"])
        got = c.category.name if c.category else None
        cat_ok += got == case["category"]
        grade_ok += c.grade == case["grade"]
        if got != case["category"]:
            misses.append((case["text"][:40], case["category"], got))
    n = len(cases)
    print(f"Incidents: category accuracy {cat_ok / n:.3f}, grade accuracy {grade_ok / n:.3f} on {n} descriptions")
    for m in misses:
        print("    miss:", *m)


def real_departments():
    from bench.real_departments import run
    run()


def handoff_triggers():
    import random

    from api.handoff import sensitivity
    from bench.handoff import held_out, score

    def show(title, r, details=False):
        h = r["handed"]
        print(f"{title}: to a person: sensitive {h.get('sensitive', 0):.3f}, angry {h.get('angry', 0):.3f}, "
              f"none (false alarms) {h.get('none', 0):.3f}; exact label {r['exact']:.3f}  (n={r['n']})")
        if details:
            for t, label in r["missed"]:
                print(f"    missed {label}: {t}")
            for t, p in r["false_alarms"]:
                print(f"    false alarm ({p}): {t}")

    train, ordinary = sensitivity.load_examples(), sensitivity.ordinary_messages()
    random.Random(7).shuffle(train)
    folds, got = 5, []
    for k in range(folds):
        test = train[k::folds]
        rest = [e for i, e in enumerate(train) if i % folds != k]
        clf = sensitivity.Classifier(*zip(*(rest + ordinary)))
        got.append(score(test, lambda t: sensitivity.by_pattern(t) or clf.predict(t)))
    mean = lambda key, label: sum(r[key].get(label, 0) for r in got) / folds
    print(f"Handoff triggers, 5-fold CV on {len(train)} training examples (+{len(ordinary)} ordinary): to a person: sensitive "
          f"{mean('handed', 'sensitive'):.3f}, angry {mean('handed', 'angry'):.3f}, none {mean('handed', 'none'):.3f}")
    examples = held_out()
    show("Handoff triggers, held-out, patterns only", score(examples, sensitivity.by_pattern))
    show("Handoff triggers, held-out, patterns + classifier", score(examples, sensitivity.assess), details=True)
    # As the assistant judges: a question about a catalogue item needs the classifier to be sure.
    _fresh_database()
    from api.guide import index
    from api.guide.search import asks_about_item
    catalogue = index.current()
    show("Handoff triggers, held-out, with the catalogue",
         score(examples, lambda t: sensitivity.assess(t, asks_about_item(catalogue, t))), details=True)
    start = time.perf_counter()
    for text, _ in examples:
        sensitivity.assess(text)
    print(f"    {1000 * (time.perf_counter() - start) / len(examples):.2f} ms per message")


def latency(turns=60):
    from scripts.stack import Stack
    stack = Stack(api=28000, actions=25055, rasa=25005).start()
    try:
        url = f"{stack.rasa_url}/webhooks/h5/webhook"
        script = ["你好", "居住证要带什么材料", "那要多久能拿到", "要钱吗", "在哪里办", "柳岸社区", "低保要什么条件", "谢谢"]
        times, sender = [], ""
        for i in range(turns):
            if i % len(script) == 0:  # a new conversation for each run through the script
                sender = f"bench{uuid.uuid4().hex[:10]}"
            t0 = time.perf_counter()
            requests.post(url, json={"sender": sender, "message": script[i % len(script)]}, timeout=60,
                          headers={"X-Service-Token": stack.env["RSA_SERVICE_TOKEN"]}).raise_for_status()
            times.append((time.perf_counter() - t0) * 1000)
        q = statistics.quantiles(times, n=20, method="inclusive")
        print(f"Turn latency over the REST webhook ({turns} turns): p50 {statistics.median(times):.0f} ms, p95 {q[18]:.0f} ms")
    finally:
        stack.stop()


def console_load():
    from bench.console_load import run
    from scripts.stack import Stack
    # 60 pages and 8 consoles from one address (this machine) are a crowd, not one visitor:
    # the per-address limits are lifted for this run.
    crowd = {**os.environ, "RSA_ADDRESS_BURST": "100000", "RSA_ADDRESS_PER_SECOND": "100000",
             "RSA_NEW_CHATS_PER_HOUR": "100000"}
    stack = Stack(env=crowd, api=28000, actions=25055, rasa=25005).start()
    try:
        run(stack.api_url)
    finally:
        stack.stop()


def _fresh_database():
    """A throw-away database seeded from the repository, like the tests use."""
    var = Path(tempfile.mkdtemp(prefix="rsa-bench-"))
    os.environ["RSA_VAR_DIR"] = str(var)
    os.environ["RSA_DATABASE_URL"] = f"sqlite:///{var / 'backend.db'}"
    from api import cli
    cli.migrate()
    cli.seed()


if __name__ == "__main__":
    _fresh_database()
    handoff_triggers()
    nlu()
    paraphrases()
    incidents()
    real_departments()
    latency()
    console_load()
