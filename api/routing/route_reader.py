"""What a message is, as real residents' messages labelled by hand teach it: one more piece of
evidence for the router. It learns the real ones (data/real-messages/train.jsonl, training split
only), so the board's style (反映……问题, 关于……的建议) is read as residents meant it, and the
assistant's written chat examples (nlu_data/), so a chat line is read as chat: "今天好冷啊" is
small talk to it, not a letter's complaint. By 5-fold cross-validation over the 978 labelled
training messages the NLU never learnt (main-route macro-F1 of the reader alone): 0.831 on real
letters alone, 0.830 with the chat examples."""
import json
from pathlib import Path
from typing import Optional

from api.core.linear_reader import LinearReader, Reading
from api.core.written_examples import written_examples
from api.routing.router import OTHER, head

ROOT = Path(__file__).resolve().parents[2]
TEXTS = ROOT / "data" / "real-messages" / "train.jsonl"
# The router's names for the intents the texts are filed under (data/real-messages/README.md).
ROUTE_OF_INTENT = {"report_incident": "incident", "ask_service": "service", "make_suggestion": "suggestion",
                   "check_incident_status": "progress", "request_human": "person"}


def from_file(path: Path = TEXTS) -> Optional[LinearReader]:
    if not path.exists():
        return None
    with path.open(encoding="utf-8") as f:
        rows = [json.loads(line) for line in f if line.strip()]
    examples = [(r["text"], ROUTE_OF_INTENT[r["intent"]]) for r in rows if r.get("intent") in ROUTE_OF_INTENT]
    # Greetings, yes and no, an address alone, off-topic: no request of any route.
    examples += [(text, ROUTE_OF_INTENT.get(intent, OTHER)) for text, intent in written_examples()]
    return LinearReader(examples) if len({r for _, r in examples}) >= 2 else None


_cached: dict = {}


def warm_up() -> None:
    if "r" not in _cached:
        _cached["r"] = from_file()


def read(text: str) -> Optional[Reading]:
    """The reader's reading of a text (None without the labelled texts). Built on first use. It
    learnt titles and openings: of a letter it reads the head, where the letter says what it asks."""
    warm_up()
    return _cached["r"].read(head(text)) if _cached["r"] else None
