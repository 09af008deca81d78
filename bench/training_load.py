"""The live assistant's turn latency while an admin trains a model from the console.

    .venv/bin/python -m bench.training_load [--config tests/data/train-fast.yml] [--turns 60]
                                            [--during 300] [--whole]

Starts its own three processes (scripts.stack.Stack on ports apart from the tests' and bench.run's,
a throw-away data folder, models/current.tar.gz as the live model), then sends residents' turns
over the h5 webhook, one after another, as bench.run's latency does:
1. idle: --turns turns with nothing else running;
2. training: a run started through the admin API (POST /console/api/admin/training, the full
   config.yml by default, --config for another), turns sent back to back while it runs, for
   --during seconds (then the run is cancelled; the full configuration trains for half an hour),
   or until it ends with --whole.
Prints p50/p95 (ms) of both phases, the turns of the training phase by stage (训练NLU, 评估 ...),
and the run's state. The run is niced (10) and ioniced by the backend; this shows what that
leaves for the live assistant. Waits for /tmp/rsa-train.lock, like every training on this machine.
Not run by the tests.
"""
import argparse
import fcntl
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
PORTS = {"api": 28200, "actions": 25255, "rasa": 25205}
SCRIPT = ["你好", "居住证要带什么材料", "那要多久能拿到", "要钱吗", "在哪里办", "柳岸社区", "低保要什么条件", "谢谢"]
ADMIN, PASSWORD = "benchtrainer", "bench-trainer-2026"
TRAIN_LOCK = "/tmp/rsa-train.lock"


class Turns:
    """Residents' turns through the webhook, a new conversation for each run through the script."""

    def __init__(self, stack):
        self.url = f"{stack.rasa_url}/webhooks/h5/webhook"
        self.headers = {"X-Service-Token": stack.env["RSA_SERVICE_TOKEN"]}
        self.i, self.sender = 0, ""

    def one(self) -> float:
        if self.i % len(SCRIPT) == 0:
            self.sender = f"bench{uuid.uuid4().hex[:10]}"
        t0 = time.perf_counter()
        requests.post(self.url, json={"sender": self.sender, "message": SCRIPT[self.i % len(SCRIPT)]}, timeout=120,
                      headers=self.headers).raise_for_status()
        self.i += 1
        return (time.perf_counter() - t0) * 1000


def summary(times) -> str:
    if len(times) < 2:
        return f"{len(times)} turns"
    q = statistics.quantiles(times, n=20, method="inclusive")
    return f"{len(times)} turns: p50 {statistics.median(times):.0f} ms, p95 {q[18]:.0f} ms, max {max(times):.0f} ms"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default=str(ROOT / "config.yml"), help="training configuration (default config.yml)")
    parser.add_argument("--turns", type=int, default=60, help="turns measured idle (default 60)")
    parser.add_argument("--during", type=float, default=300, help="seconds measured during the run (default 300)")
    parser.add_argument("--whole", action="store_true", help="measure until the run ends instead")
    args = parser.parse_args(argv)

    from scripts.stack import Stack
    var = Path(tempfile.mkdtemp(prefix="rsa-bench-training-"))
    env = {**os.environ, "RSA_VAR_DIR": str(var), "RSA_DATABASE_URL": f"sqlite:///{var / 'backend.db'}",
           "RSA_TRACKER_DB": str(var / "tracker.db"), "RSA_TRAIN_CONFIG": str(Path(args.config).resolve()),
           "RSA_ADDRESS_BURST": "100000", "RSA_NEW_CHATS_PER_HOUR": "100000", "PYTHONPATH": str(ROOT)}
    subprocess.run([sys.executable, "-c", "from api import cli; cli.migrate(); cli.seed(); "
                    f"cli.add_staff({ADMIN!r}, '压测管理员', 'admin', '', {PASSWORD!r})"],
                   cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    stack = Stack(env=env, **PORTS).start()
    try:
        turns = Turns(stack)
        turns.one()  # the first turn loads what Rasa loads lazily
        idle = [turns.one() for _ in range(args.turns)]
        print(f"idle: {summary(idle)}", flush=True)

        admin = requests.Session()
        r = admin.post(stack.api_url + "/console/api/login", json={"username": ADMIN, "password": PASSWORD})
        r.raise_for_status()
        admin.headers["X-CSRF-Token"] = r.json()["csrf"]
        print(f"waiting for {TRAIN_LOCK}", flush=True)
        with open(TRAIN_LOCK, "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # one training at a time on this machine
            r = admin.post(stack.api_url + "/console/api/admin/training")
            r.raise_for_status()
            run_id = r.json()["id"]
            started = time.monotonic()
            by_stage, during, run = defaultdict(list), [], {"state": "running", "stage": ""}
            last_check = 0.0
            while True:
                if time.monotonic() - last_check > 2:
                    run = admin.get(f"{stack.api_url}/console/api/admin/training/{run_id}").json()
                    last_check = time.monotonic()
                    if run["state"] not in ("running", "evaluating"):
                        break
                    if not args.whole and time.monotonic() - started > args.during:
                        admin.post(f"{stack.api_url}/console/api/admin/training/{run_id}/cancel").raise_for_status()
                        run = {**run, "state": f"cancelled by the benchmark after {args.during:.0f} s"}
                        break
                t = turns.one()
                during.append(t)
                by_stage[run["stage"]].append(t)
        print(f"during training ({Path(args.config).name}, {time.monotonic() - started:.0f} s, run {run['state']}): "
              f"{summary(during)}")
        for stage, times in by_stage.items():
            print(f"  {stage or '(starting)'}: {summary(times)}")
        if run.get("error"):
            print(f"  run error: {run['error']}")
    finally:
        stack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
