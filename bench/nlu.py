"""NLU evaluation on the held-out test set with Rasa's own `rasa test nlu`."""
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEST_SET = ROOT / "tests" / "data" / "nlu_test.yml"
MODEL = ROOT / "models" / "current.tar.gz"


def evaluate(out_dir: Path, model: Path = MODEL, test_set: Path = TEST_SET) -> dict:
    """Run `rasa test nlu`; return {'accuracy', 'macro_f1', 'per_intent': {intent: f1}, 'errors': [...]}."""
    out_dir.mkdir(parents=True, exist_ok=True)
    rasa = Path(sys.executable).parent / "rasa"
    subprocess.run([str(rasa), "test", "nlu", "--model", str(model), "--nlu", str(test_set), "--out", str(out_dir),
                    "--no-plot", "--quiet"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    report = json.loads((out_dir / "intent_report.json").read_text(encoding="utf-8"))
    errors_file = out_dir / "intent_errors.json"
    errors = json.loads(errors_file.read_text(encoding="utf-8")) if errors_file.exists() else []
    per_intent = {k: v["f1-score"] for k, v in report.items() if isinstance(v, dict) and "support" in v
                  and k not in ("macro avg", "weighted avg", "micro avg")}
    return {"accuracy": report["accuracy"] if "accuracy" in report else report["micro avg"]["f1-score"],
            "macro_f1": report["macro avg"]["f1-score"], "per_intent": per_intent, "errors": errors}
