"""The router's weights, measured where they may be set: on the labelled training messages the
NLU never learnt (train.jsonl's rows without "nlu"), with the route reader cross-validated over
them (5 folds: each message routed by a reader that did not learn it), and on the tuning split.

    .venv/bin/python -m bench.router_weights [LEARNT_WEIGHT=1.5,LEARNT_MARGIN=0.4 ...]

Each argument is one setting of router constants to compare (none: as committed). The NLU's
ranking of each title comes from models/current.tar.gz, loaded in this process (about a minute);
the router runs in process too, on a freshly seeded database, as POST /api/route does for a
conversation's first message. Numbers, not pass/fail; the development set is never read here.
"""
import asyncio
import json
import os
import random
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FOLDS = 5
# What the router decided, as the hand labels name it (a hardship list answers with service items).
AS_LABEL = {"service": "service_question", "incident": "incident_report", "suggestion": "suggestion",
            "progress": "progress_query", "person": "complaint_staff", "hardship": "service_question",
            "clarify": "clarified", "other": "other", "case": "other"}


def _nlu_rankings(titles: dict) -> dict:
    from rasa.core.agent import Agent
    agent = Agent.load(str(ROOT / "models" / "current.tar.gz"))

    async def parse():
        out = {}
        for i, title in titles.items():
            parsed = await agent.parse_message(title)
            out[i] = {r["name"]: r["confidence"] for r in parsed.get("intent_ranking", [])}
        return out
    return asyncio.run(parse())


def main(argv) -> int:
    var = Path(tempfile.mkdtemp(prefix="rsa-bench-weights-"))
    os.environ.update(RSA_VAR_DIR=str(var), RSA_DATABASE_URL=f"sqlite:///{var / 'backend.db'}")
    from api import cli
    from api.core.db import SessionLocal
    from api.routing import route_reader
    from api.routing import router as decision
    from api.routing.routes import RouteIn, decide
    from bench.real_routing import figures
    from scripts import real_messages as rm
    cli.migrate()
    cli.seed()
    rows = [json.loads(line) for line in route_reader.TEXTS.read_text(encoding="utf-8").splitlines() if line.strip()]
    unseen = sorted({r["id"] for r in rows if not r.get("nlu")})
    tune = sorted(rm.split_ids("tune"))
    source, labels = rm.messages(), {x["id"]: x["route"] for x in rm.labels()}
    rankings = _nlu_rankings({i: source[i]["title"] for i in unseen + tune})
    random.Random(0).shuffle(unseen)
    folds = [set(unseen[k::FOLDS]) for k in range(FOLDS)]

    def reader(left_out: set):
        kept = [json.dumps(r, ensure_ascii=False) for r in rows if r["id"] not in left_out]
        path = var / "train.jsonl"
        path.write_text("\n".join(kept) + "\n", encoding="utf-8")
        return route_reader.from_file(path)

    groups = {"unseen by the NLU (reader cross-validated)": [(reader(f), sorted(f)) for f in folds],
              "tuning split": [(reader(set()), tune)]}
    settings = [dict(kv.split("=") for kv in a.split(",")) for a in argv] or [{}]
    for setting in settings:
        committed = {k: getattr(decision, k) for k in setting}
        for k, v in setting.items():
            setattr(decision, k, float(v))
        print(f"router constants {setting or 'as committed'}")
        with SessionLocal() as session:
            for name, parts in groups.items():
                pairs = []
                for built, ids in parts:
                    route_reader._cached["r"] = built
                    for i in ids:
                        made = decide(session, RouteIn(text=source[i]["title"], intents=rankings[i]))
                        pairs.append((labels[i], AS_LABEL.get(made.route, made.route)))
                f = figures(pairs)
                per = f["per"]
                print(f"  {name} (n={f['n']}): main-route macro-F1 {f['main_f1']:.3f}, incident recall "
                      f"{per['incident_report'][1]:.3f}, suggestions {per['suggestion'][1]:.3f}, "
                      f"questions {per['service_question'][1]:.3f}, asked back {f['clarified']}", flush=True)
        for k, v in committed.items():
            setattr(decision, k, v)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
