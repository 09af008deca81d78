"""Training data is valid, and the model clears the bar on the held-out test set."""
import subprocess
import sys

import yaml

from bench.nlu import MODEL, ROOT, TEST_SET, evaluate

RASA = [sys.executable.replace("/python", "/rasa")]


def texts(block):
    """A block's example texts: a `|` list of lines, or (nlu_data/reviewed.yml, written by the
    console) a list of examples each with its text and metadata."""
    got = block.get("examples") or ""
    if isinstance(got, list):
        return [str(e["text"]).strip() for e in got]
    return [e[2:].strip() for e in got.splitlines() if e.startswith("- ")]


def examples(path):
    out = []
    for block in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu", []):
        if "intent" in block:
            out += [(block["intent"], t) for t in texts(block)]
    return out


def plain(text):
    import re
    return re.sub(r"\[([^\]]+)\](\{[^}]*\}|\([^)]*\))", r"\1", text)


def test_rasa_data_validate_is_clean():
    r = subprocess.run(RASA + ["data", "validate", "--fail-on-warnings", "--config", "config.yml",
                               "--domain", "bot/domain", "--data", "nlu_data", "bot/data"],
                       cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]


def test_test_set_is_never_trained_on():
    train = {plain(t) for f in (ROOT / "nlu_data").glob("*.yml") for _, t in examples(f)}
    test = [plain(t) for _, t in examples(TEST_SET)]
    assert not [t for t in test if t in train]


def test_enough_examples_per_intent():
    from collections import Counter
    train = Counter(i for f in (ROOT / "nlu_data").glob("*.yml") for i, _ in examples(f))
    test = Counter(i for i, _ in examples(TEST_SET))
    assert min(train.values()) >= 40, train
    assert min(test.values()) >= 15, test
    assert set(train) == set(test)


def test_intent_macro_f1_on_the_test_set(tmp_path):
    assert MODEL.exists(), "no trained model: run scripts/test"
    result = evaluate(tmp_path)
    weakest = sorted(result["per_intent"].items(), key=lambda kv: kv[1])[:3]
    assert result["macro_f1"] >= 0.90, f"macro-F1 {result['macro_f1']:.3f}; weakest {weakest}"


def test_every_entity_annotation_aligns_with_jieba_tokens():
    """Rasa silently drops entity annotations that cut through a jieba token; the dictionary
    generated from the catalogue must keep every annotation intact."""
    import jieba
    from rasa.shared.nlu.training_data.loading import load_data

    from api.cli import dictionary_words
    from api.core.db import SessionLocal
    from shared.textnorm import normalise

    tok = jieba.Tokenizer()
    with SessionLocal() as s:
        for w, pos in dictionary_words(s).items():
            tok.add_word(w, 2000, pos)
    bad = []
    for f in sorted((ROOT / "nlu_data").glob("*.yml")):
        for msg in load_data(str(f)).nlu_examples:
            text = msg.get("text")
            bounds = set()
            for _word, start, end in tok.tokenize(normalise(text)):
                bounds |= {start, end}
            for e in msg.get("entities") or []:
                if e["start"] not in bounds or e["end"] not in bounds:
                    bad.append(f"{f.name}: {text} [{e['value']}]")
    assert not bad, f"{len(bad)} misaligned annotations, e.g. " + "; ".join(bad[:8])
