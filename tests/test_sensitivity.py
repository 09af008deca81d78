"""Which messages people should answer (api/sensitivity.py), on messages it never learnt from:
the held-out set, and the assistant's own held-out NLU test messages (ordinary ones)."""
import pytest

from api.handoff import sensitivity
from bench.handoff import held_out, score


def test_held_out_residents_at_risk_and_angry_residents_reach_a_person():
    r = score(held_out(), sensitivity.assess)
    assert r["handed"]["sensitive"] >= 0.88, r["missed"]
    assert r["handed"]["angry"] >= 0.75, r["missed"]
    assert r["handed"]["none"] <= 0.08, r["false_alarms"]  # hard negatives, sharing words with the rest


def test_ordinary_messages_stay_with_the_assistant():
    from pathlib import Path
    ordinary = [(text, label) for text, label in sensitivity.ordinary_messages(Path(__file__).parent / "data")]
    r = score(ordinary, sensitivity.assess)
    assert len(ordinary) > 250 and r["handed"]["none"] <= 0.03, r["false_alarms"]


@pytest.mark.parametrize("text, reason", [
    ("我不是要投诉，就是想问问残疾证怎么办", None),
    ("12345投诉电话是多少", None),
    ("社区有没有反家暴的讲座", None),
    ("?", None),
    ("   ", None),
    ("谢谢你们！！！", None),
    ("窗口那个工作人员故意刁难我，材料齐了也不给办", "sensitive"),
    ("我实在活不下去了", "sensitive"),
    ("你们这个破系统，问三遍了还答非所问", "angry"),
])
def test_patterns_and_what_they_leave_alone(text, reason):
    assert sensitivity.assess(text) == reason
