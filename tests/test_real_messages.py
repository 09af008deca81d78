"""The hand-labelled sample of real residents' messages (docs/labelling-guide.md): labels that
mean what the guide says, a development split fixed by id, and no development text in anything
the assistant is trained on."""
import json
from pathlib import Path

import pytest
import yaml

from scripts import real_messages as rm
from tests.test_nlu_data import texts

ROOT = Path(__file__).resolve().parent.parent
# The real texts learnt from: the NLU's and the route reader's (train.jsonl), the department
# reader's (reports.jsonl), the handoff letters model's (letter-sentences.jsonl).
LEARNT = [ROOT / "data/real-messages/train.jsonl", ROOT / "data/real-messages/reports.jsonl",
          ROOT / "data/real-messages/letter-sentences.jsonl"]
ROUTES = {"service_question", "incident_report", "suggestion", "complaint_staff", "progress_query", "other"}
TYPES = {"咨询", "求助", "投诉", "举报", "建议"}
DOMAINS = {"城乡建设", "环境保护", "交通运输", "教育文体", "商贸旅游", "劳动和社会保障", "卫生计生", "民政", "公安司法", "其他"}


def _codes(name):
    return {x["code"] for x in json.loads((ROOT / "api/seed" / name).read_text(encoding="utf-8"))}


def test_every_label_is_one_the_guide_defines():
    labels = rm.labels()
    departments, categories = _codes("departments.json"), _codes("incident_categories.json")
    assert len({x["id"] for x in labels}) == len(labels) >= 600
    for x in labels:
        assert x["route"] in ROUTES and x["type"] in TYPES and x["domain"] in DOMAINS, x
        needs_department = x["route"] in ("incident_report", "complaint_staff")
        assert (x["department"] in departments) if needs_department else x["department"] is None, x
        assert x["category"] is None or (x["route"] == "incident_report" and x["category"] in categories), x


def test_the_development_split_is_fixed_and_large_enough():
    dev = rm.dev_ids()
    assert len(dev) >= 300
    assert dev <= {x["id"] for x in rm.labels()}  # every development message is labelled
    if rm.SOURCE.exists():  # the split is the one the guide's rule gives
        assert dev == set(sorted(rm.sample(rm.messages()), key=lambda i: rm._h("rsa-split", i))[:rm.DEV_SIZE])


def _training_texts():
    """Every text the assistant learns from: NLU examples, the handoff classifier's examples, and
    real messages copied in for training."""
    texts = []
    for path in list((ROOT / "nlu_data").rglob("*.yml")) + [ROOT / "api/seed/handoff_training.yml"]:
        texts.append(path.read_text(encoding="utf-8"))
    for path in LEARNT:
        texts.append(path.read_text(encoding="utf-8"))
    return "\n".join(texts)


@pytest.mark.parametrize("split", ["development", "tuning"])
def test_no_held_out_message_is_trained_on(split):
    """Neither the development set (measured) nor the tuning split (router weights are set on the
    model's reading of it) may reach the NLU: by id, or by title copied into any training text."""
    held = rm.dev_ids() if split == "development" else rm.tune_ids()
    assert held
    for path in LEARNT:
        for line in path.read_text(encoding="utf-8").splitlines():
            assert json.loads(line)["id"] not in held, path
    if not rm.SOURCE.exists():
        pytest.skip(f"the real messages are not at {rm.SOURCE} (set RSA_REAL_MESSAGES): only ids were checked")
    source, training = rm.messages(), _training_texts()
    leaked = [i for i in held if source[i]["title"].strip() in training]
    assert not leaked, f"{split} titles found in training data: {leaked[:5]}"


def test_the_tuning_split_is_apart_from_the_development_set():
    assert len(rm.tune_ids()) >= 200
    assert not rm.tune_ids() & rm.dev_ids()


def test_nlu_test_set_is_not_in_training_either():
    """The written test set stays honest too: none of its examples is a training example."""
    test_examples = set()
    for block in yaml.safe_load((ROOT / "tests/data/nlu_test.yml").read_text(encoding="utf-8"))["nlu"]:
        test_examples |= {line[2:].strip() for line in block.get("examples", "").splitlines() if line.startswith("- ")}
    trained = set()
    for path in (ROOT / "nlu_data").rglob("*.yml"):
        for block in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu", []):
            trained |= set(texts(block))
    assert test_examples and trained
    assert not (test_examples & trained), sorted(test_examples & trained)[:5]


INTENT_OF_ROUTE = {"incident_report": "report_incident", "service_question": "ask_service",
                   "suggestion": "make_suggestion", "complaint_staff": "request_human",
                   "progress_query": "check_incident_status"}


def test_real_training_examples_come_from_labelled_training_messages():
    """Every real text the NLU learns from (nlu_data/real_messages.yml) is listed in
    data/real-messages/train.jsonl, marked for the NLU, with the id of a labelled training-split
    message, under the intent its hand label's route maps to, and carries no phone or ID number.
    The rest of train.jsonl teaches only the route reader."""
    import re
    rows = [json.loads(line) for line in (ROOT / "data/real-messages/train.jsonl").read_text(encoding="utf-8").splitlines()]
    by_text = {r["text"]: r for r in rows}
    route = {x["id"]: x["route"] for x in rm.labels()}
    dev = rm.dev_ids()
    examples = []
    for block in yaml.safe_load((ROOT / "nlu_data/real_messages.yml").read_text(encoding="utf-8"))["nlu"]:
        examples += [(block["intent"], line[2:].strip()) for line in block["examples"].splitlines() if line.startswith("- ")]
    assert len(examples) == sum(r["nlu"] for r in rows) >= 500
    for intent, text in examples:
        row = by_text.get(text)
        assert row and row["nlu"], f"not in train.jsonl for the NLU: {text}"
        assert row["id"] not in dev and row["id"] in route, row
        assert INTENT_OF_ROUTE[route[row["id"]]] == intent == row["intent"], row
        assert not re.search(r"\d{7,}", text), text


def test_the_department_reader_learns_labelled_training_reports_only():
    """reports.jsonl (api/incidents/department_reader.py) holds labelled training-split reports,
    each under its hand label's department, with no phone or ID number in the text."""
    import re
    labels = {x["id"]: x for x in rm.labels()}
    held = rm.held_out_ids()
    rows = [json.loads(line) for line in LEARNT[1].read_text(encoding="utf-8").splitlines()]
    assert len(rows) >= 500
    for r in rows:
        label = labels[r["id"]]
        assert r["id"] not in held
        assert label["route"] in ("incident_report", "complaint_staff")
        assert r["department"] == label["department"], r["id"]
        assert not re.search(r"\d{7,}", r["text"]), r["id"]


def test_the_letters_model_learns_sentences_of_training_letters_that_need_no_person():
    """letter-sentences.jsonl (api/handoff/sensitivity.py) holds sentences of labelled
    training-split reports, questions and suggestions, no complaint about staff among them, with
    no phone or ID number, and none the handoff patterns would send to a person."""
    import re

    from api.handoff.sensitivity import by_pattern, load_letters
    labels = {x["id"]: x for x in rm.labels()}
    rows = [json.loads(line) for line in LEARNT[2].read_text(encoding="utf-8").splitlines()]
    assert len(rows) >= 1000
    for r in rows:
        assert r["id"] not in rm.held_out_ids()
        assert labels[r["id"]]["route"] in ("incident_report", "service_question", "suggestion"), r["id"]
        assert not re.search(r"\d{7,}", r["text"]) and by_pattern(r["text"]) is None, r
    assert set(r["text"] for r in rows) <= set(load_letters())


def test_the_department_reader_also_learns_the_category_catalogues_words():
    """A matter the labelled letters never named reaches its category's lead department through
    the catalogue's keywords, and an admin's new keyword is learnt on the next build."""
    from types import SimpleNamespace

    from api.incidents.department_reader import reader
    letter = "小区旁边那个蹦床馆的弹簧网破了好几处，孩子容易受伤"
    trampoline = SimpleNamespace(code="XX-99", lead_department_code="TY", keywords=("蹦床馆", "弹簧网"))
    assert reader([]).read(letter).label != "TY"
    assert reader([trampoline]).read(letter).label == "TY"
