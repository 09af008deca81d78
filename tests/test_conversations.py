"""Conversation regression tests: the trained model (NLU and dialogue policies) takes each step
of tests/conversations/*.yml as written there. Runs without the action server."""
import subprocess
import sys

from bench.nlu import MODEL, ROOT

RASA = sys.executable.replace("/python", "/rasa")


def test_conversations_go_as_written(tmp_path):
    assert MODEL.exists(), "no trained model: run scripts/test"
    r = subprocess.run([RASA, "test", "core", "--model", str(MODEL), "--stories", "tests/conversations",
                        "--out", str(tmp_path), "--fail-on-prediction-errors", "--no-plot"],
                       cwd=ROOT, capture_output=True, text=True, timeout=900)
    failed = tmp_path / "failed_test_stories.yml"
    assert r.returncode == 0, (failed.read_text(encoding="utf-8") if failed.exists() else "") + r.stdout[-3000:] + r.stderr[-3000:]
