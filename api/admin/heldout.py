"""The held-out guard: nothing an admin labels may copy a text of the written NLU test set or of
the real messages kept apart (the development set, measured; the tuning split, which the
router's weights are read from) into training data, or the scores of every later model would
flatter it. A text is held out when, normalised, it equals one of theirs, or one contains the
other and both are at least MIN_CONTAINED characters (a resident pasting a message's title into
a longer one, or the first sentence of its content)."""
import json
import logging
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import List, Optional, Tuple

from api.admin.inbox import text_key
from api.core.written_examples import examples_in
from shared.settings import ROOT, get_settings

log = logging.getLogger("api")

NLU_TEST = ROOT / "tests" / "data" / "nlu_test.yml"
REAL = ROOT / "data" / "real-messages"
SPLITS = (("dev-ids.txt", "真实消息开发集", "评估就不可信了"),
          ("tune-ids.txt", "真实消息调优集", "调优集只用来调整路由，学过之后再调就不准了"))
MIN_CONTAINED = 8


@dataclass(frozen=True)
class Held:
    key: str
    why: str


def _test_examples(path: Path) -> List[str]:
    return [text for text, _ in examples_in(path)]


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


@lru_cache(maxsize=2)
def _lookup(source: str, _stamp: Tuple[float, ...]) -> Tuple[Held, ...]:
    """Every held-out text, keyed. Built once per version of the files (their mtimes are the
    cache key), so a label costs a scan of ~1,500 short strings, not a read of the files."""
    held = []
    if NLU_TEST.is_file():
        why = f"这句话出自NLU测试集（{NLU_TEST.relative_to(ROOT)}），不能加入训练数据，否则评估就不可信了"
        held += [Held(text_key(t), why) for t in _test_examples(NLU_TEST)]
    path = Path(source)
    if not path.is_file():
        # Deployments without the real messages cannot compare titles; the ids in data/ still keep
        # them out of train.jsonl (tests/test_real_messages.py). Said once, in the log.
        log.warning("held-out guard: the real messages are not at %s (RSA_REAL_MESSAGES); only the NLU test set "
                    "is checked", path)
        return tuple(h for h in held if h.key)
    with path.open(encoding="utf-8") as f:
        messages = {m["id"]: m for m in map(json.loads, filter(str.strip, f))}
    for name, split, because in SPLITS:
        ids_file = REAL / name
        if not ids_file.is_file():
            continue
        for mid in ids_file.read_text(encoding="utf-8").split():
            m = messages.get(mid)
            if not m:
                continue
            why = f"这句话出自{split}（data/real-messages/{name} 第{mid}号消息），不能加入训练数据，否则{because}"
            held += [Held(text_key(m.get(part) or ""), why) for part in ("title", "message")]
    return tuple(h for h in held if h.key)


def held_out() -> Tuple[Held, ...]:
    source = get_settings().real_messages
    stamp = tuple(_mtime(p) for p in (NLU_TEST, REAL / SPLITS[0][0], REAL / SPLITS[1][0], Path(source)))
    return _lookup(str(source), stamp)


def why_held_out(text: str) -> Optional[str]:
    """None when the text may be trained on; else why not, in words for the admin."""
    key = text_key(text)
    if not key:
        return None
    for h in held_out():
        if key == h.key or (min(len(key), len(h.key)) >= MIN_CONTAINED and (key in h.key or h.key in key)):
            return h.why
    return None
