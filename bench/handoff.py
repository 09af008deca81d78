"""Scoring the handoff detector (api/sensitivity.py) on labelled messages, and how often it hands
real residents' messages (title + message, often long letters) to a person.

    python -m bench.handoff   # held-out set, then real messages by length and route
"""
import sys
from collections import Counter
from pathlib import Path

import yaml

HELD_OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "sensitivity_test.yml"
BUCKETS = [(0, 200, "<200"), (200, 500, "200-500"), (500, 1000, "500-1000"), (1000, 2000, "1000-2000"),
           (2000, 10 ** 6, "2000+")]


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


def real(split: str) -> list:
    """(text, route) of real messages: 'train' (labelled, trained on), 'tune' (the tuning split),
    'dev' (report only, never tune on it) or 'pool' (unlabelled, route '-')."""
    from scripts import real_messages as rm
    source = rm.messages()
    routes = {x["id"]: x["route"] for x in rm.labels()}
    chosen = None if split == "pool" else rm.split_ids(split)
    ids = [i for i in source if i not in routes] if chosen is None else [i for i in routes if i in chosen]
    return [(source[i]["title"] + "\n" + source[i]["message"], routes.get(i, "-")) for i in ids]


def inside_letters(examples, by_pattern, seeds=(3, 4, 5, 6)) -> list:
    """Each held-out message at the end of real letters that need no person (one for each seed;
    the tuning split's, whose sentences no model learnt: 300 to 1,500 characters, not a complaint
    about staff, no pattern in them): is a risk told in the last sentence of a long letter still heard?"""
    import random
    letters = [t for t, route in real("tune") if route != "complaint_staff" and 300 <= len(t) <= 1500
               and not by_pattern(t)]
    out = []
    for seed in seeds:
        rnd = random.Random(seed)
        out += [(rnd.choice(letters) + "\n" + text, label) for text, label in examples]
    return out


def bucket(text: str) -> str:
    return next(name for low, high, name in BUCKETS if low <= len(text) < high)


def handed_share(messages, assess) -> dict:
    """Share handed to a person, overall, by length bucket and by route: {key: (handed, n)}."""
    n, handed = Counter(), Counter()
    for text, route in messages:
        keys = ["all", bucket(text), route]
        n.update(keys)
        if assess(text):
            handed.update(keys)
    return {key: (handed[key], n[key]) for key in n}


def show_shares(title: str, shares: dict) -> None:
    order = ["all"] + [name for _, _, name in BUCKETS] + sorted(k for k in shares if k != "all" and k not in
                                                                   {name for _, _, name in BUCKETS})
    print(title)
    for key in order:
        if key in shares:
            h, n = shares[key]
            print(f"    {key:18s} {h:4d}/{n:<4d} {h / n:6.1%}")


def main(argv) -> int:
    from api.handoff import sensitivity
    r = score(held_out(), sensitivity.assess)
    h = r["handed"]
    print(f"Held-out: to a person: sensitive {h['sensitive']:.3f}, angry {h['angry']:.3f}, none {h['none']:.3f}")
    h = score(inside_letters(held_out(), sensitivity.by_pattern), sensitivity.assess)["handed"]
    print(f"Held-out, each at the end of four real letters: sensitive {h['sensitive']:.3f}, angry {h['angry']:.3f}, "
          f"none {h['none']:.3f}")
    for split in argv or ["train", "tune", "dev"]:
        show_shares(f"Real messages ({split}{', report only' if split == 'dev' else ''}), handed to a person:",
                    handed_share(real(split), sensitivity.assess))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
