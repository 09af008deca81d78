"""Turn latency on the hotline: how long a caller waits between finishing a sentence and hearing
the answer start, as far as the backend is concerned (jambonz's gather actionHook → the verbs).

    .venv/bin/python -m bench.voice_latency [--calls 10]

Starts its own three processes (scripts.stack.Stack on ports apart from the tests' and the other
benchmarks', a throw-away data folder, models/current.tar.gz), then plays jambonz: each call posts
the call webhook and then the caller's lines as gather results, signed as jambonz signs them, one
after another. Prints p50/p95 (ms) of the spoken turns, of the call webhook (greeting and hints),
and, for comparison, the same lines typed on the chat's webhook (h5) in the same run. The speech
recogniser and synthesiser add their own time on top (jambonz measures them, not this).
Not run by the tests.
"""
import argparse
import hashlib
import hmac
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import requests

from bench.training_load import summary

ROOT = Path(__file__).resolve().parent.parent
PORTS = {"api": 28400, "actions": 25455, "rasa": 25405}
SECRET = "bench-voice-secret"
# A caller's lines, as a recogniser hands them over (spoken numbers and all).
SCRIPT = ["居住证要带什么材料", "在哪里办", "柳岸社区", "小区门口路灯坏了", "柳岸新村五幢门口", "幺三八 一二三四 五六七八", "确认提交"]


def post(url: str, payload: dict) -> tuple:
    """(milliseconds, verbs) for one signed webhook."""
    raw = json.dumps(payload, ensure_ascii=False).encode()
    stamp = str(int(time.time()))
    sig = hmac.new(SECRET.encode(), stamp.encode() + b"." + raw, hashlib.sha256).hexdigest()
    t0 = time.perf_counter()
    r = requests.post(url, data=raw, timeout=120, headers={"Content-Type": "application/json",
                                                           "Jambonz-Signature": f"t={stamp},v1={sig}"})
    r.raise_for_status()
    return (time.perf_counter() - t0) * 1000, r.json()


def one_call(api: str) -> tuple:
    """(call webhook ms, [spoken turn ms]) of one call through the script."""
    sid = "bench-" + uuid.uuid4().hex
    base = {"call_sid": sid, "from": "+8613912345678", "to": "12345", "direction": "inbound"}
    greeting, _ = post(api + "/voice/call", {**base, "call_status": "trying"})
    turns = []
    for line in SCRIPT:
        ms, verbs = post(api + "/voice/gather", {**base, "call_status": "in-progress", "reason": "speechDetected",
                                                 "speech": {"is_final": True, "alternatives": [
                                                     {"transcript": line, "confidence": 0.9}]}})
        turns.append(ms)
        if verbs[-1]["verb"] != "gather":  # put through to a person, or hung up: the call is over
            break
    post(api + "/voice/status", {**base, "call_status": "completed", "duration": 60})
    return greeting, turns


def typed(stack) -> list:
    """The same lines on the chat's webhook, for comparison."""
    url, sender, times = f"{stack.rasa_url}/webhooks/h5/webhook", "bench" + uuid.uuid4().hex[:10], []
    for line in SCRIPT:
        t0 = time.perf_counter()
        requests.post(url, json={"sender": sender, "message": line}, timeout=120,
                      headers={"X-Service-Token": stack.env["RSA_SERVICE_TOKEN"]}).raise_for_status()
        times.append((time.perf_counter() - t0) * 1000)
    return times


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=10, help="calls through the script (default 10)")
    args = parser.parse_args(argv)

    from scripts.stack import Stack
    var = Path(tempfile.mkdtemp(prefix="rsa-bench-voice-"))
    env = {**os.environ, "RSA_VAR_DIR": str(var), "RSA_DATABASE_URL": f"sqlite:///{var / 'backend.db'}",
           "RSA_TRACKER_DB": str(var / "tracker.db"), "RSA_VOICE_WEBHOOK_SECRET": SECRET,
           "RSA_CLOCK_START": "2026-11-24T09:00:00", "RSA_ADDRESS_BURST": "100000", "PYTHONPATH": str(ROOT)}
    subprocess.run([sys.executable, "-c", "from api import cli; cli.migrate(); cli.seed()"], cwd=ROOT, env=env,
                   check=True, stdout=subprocess.DEVNULL)
    stack = Stack(env=env, **PORTS).start()
    try:
        one_call(stack.api_url)  # the first call loads what the processes load lazily
        greetings, turns, chat = [], [], []
        for _ in range(args.calls):
            greeting, spoken = one_call(stack.api_url)
            greetings.append(greeting)
            turns += spoken
            chat += typed(stack)
        print(f"voice, spoken turns (gather actionHook → verbs): {summary(turns)}")
        print(f"voice, call webhook (greeting and recognition hints): {summary(greetings)}")
        print(f"chat webhook, the same lines typed: {summary(chat)}")
    finally:
        stack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
