"""How far two readers of the labelling guide agree: a second, blind reading of 160 development
messages (data/real-messages/second-reading.jsonl, labelled without seeing the first labels)
against labels.jsonl. It is the ceiling the routing and department figures are read against.

    .venv/bin/python -m bench.label_agreement
"""
import json
from collections import Counter
from pathlib import Path

from bench.real_routing import MAIN_ROUTES, ROUTES, figures
from scripts import real_messages as rm

SECOND = Path(__file__).resolve().parent.parent / "data" / "real-messages" / "second-reading.jsonl"
REPORTS = ("incident_report", "complaint_staff")


def main() -> int:
    first = {x["id"]: x for x in rm.labels()}
    second = [json.loads(line) for line in SECOND.read_text(encoding="utf-8").splitlines() if line.strip()]
    pairs = [(first[x["id"]]["route"], x["route"]) for x in second]
    f = figures(pairs)
    print(f"Second reading of {len(second)} development messages against the labels")
    print(f"  route agreement {sum(a == b for a, b in pairs) / len(pairs):.3f}; macro-F1 {f['macro_f1']:.3f} "
          f"over {len(f['per'])} routes, {f['main_f1']:.3f} over the three main routes")
    for r in ROUTES:
        if r in f["per"]:
            p, rec, n = f["per"][r]
            print(f"  {r:17s} n={n:3d}  P {p:.2f}  R {rec:.2f}{'  (main)' if r in MAIN_ROUTES else ''}")
    both = [(first[x["id"]]["department"], x["department"]) for x in second
            if first[x["id"]]["route"] in REPORTS and x["route"] in REPORTS]
    print(f"  department agreement where both read a report: {sum(a == b for a, b in both) / len(both):.3f} "
          f"(n={len(both)})")
    print("  route disagreements (label → second reading): " + "; ".join(
        f"{a}→{b} {k}" for (a, b), k in Counter(pairs).most_common() if a != b))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
