"""Turn latency per channel, and how many WeChat turns are answered in WeChat's reply.

    .venv/bin/python -m bench.channel_latency [--rounds 5] [--residents 20]

Starts its own three processes (scripts.stack.Stack on ports apart from the tests' and the other
benchmarks', a throw-away data folder, models/current.tar.gz) with the WeChat channel in safe
mode, and a stand-in for WeChat's API servers (tests/wechat_standin.py). Each conversation is the
same script: a greeting, a service question and a follow-up, then a street-light report with its
place and phone, confirmed (on WeChat by the number of its choice, "1").

1. one resident at a time, --rounds conversations per channel: p50/p95 of a turn on the chat page
   (POST /api/chat) and on WeChat (a signed, encrypted push until its answer: the reply, or the
   customer-service message when the turn outlasted RSA_WECHAT_PASSIVE_SECONDS);
2. --residents residents at once on each channel (a second between messages, as people type): the
   same figures, and the share of WeChat turns answered in the reply within WeChat's 5 seconds.
Not run by the tests.
"""
import argparse
import base64
import hashlib
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

from bench.training_load import summary
from tests.wechat_standin import Pusher, StandIn, WeChatUser

ROOT = Path(__file__).resolve().parent.parent
PORTS = {"api": 28600, "actions": 25655, "rasa": 25605}
TOKEN = "benchWechatToken"
AES_KEY = base64.b64encode(hashlib.sha256(b"rsa-bench-wechat").digest()).decode().rstrip("=")
SCRIPT = ["你好", "居住证要什么材料", "在哪里办", "柳岸社区", "小区门口路灯坏了", "柳岸新村5幢", "13857112345", "确认提交"]
WECHAT_SCRIPT = SCRIPT[:-1] + ["1"]
WECHAT_GIVES_UP = 5.0


def chat_conversation(api: str, pause: float = 0) -> list:
    """Milliseconds of each turn of one conversation on the chat page."""
    cookies = requests.get(api + "/api/chat/info", timeout=60).cookies
    times = []
    for text in SCRIPT:
        t0 = time.perf_counter()
        r = requests.post(api + "/api/chat", json={"text": text}, cookies=cookies, timeout=120)
        times.append((time.perf_counter() - t0) * 1000)
        assert r.status_code == 200, (r.status_code, r.text[:200])
        time.sleep(pause)
    return times


def wechat_conversation(pusher: Pusher, pause: float = 0) -> list:
    """(milliseconds until the answer, answered in the reply within 5 s) of each turn of one conversation."""
    user, out = WeChatUser(pusher), []
    for text in WECHAT_SCRIPT:
        before = len(pusher.standin.texts_to(user.openid))
        t0 = time.perf_counter()
        reply = pusher.reply_text(pusher.post(user.xml("text", {"Content": text}), pusher.query(openid=user.openid),
                                              timeout=120))
        replied = time.perf_counter() - t0
        if not reply:  # "success": the answer comes by the customer-service API
            while len(pusher.standin.texts_to(user.openid)) == before and time.perf_counter() - t0 < 120:
                time.sleep(0.02)
        out.append(((time.perf_counter() - t0) * 1000, bool(reply) and replied < WECHAT_GIVES_UP))
        time.sleep(pause)
    return out


def crowd(n: int, conversation) -> list:
    """Every turn of n conversations run at once."""
    results, lock = [], threading.Lock()

    def one():
        got = conversation()
        with lock:
            results.extend(got)

    threads = [threading.Thread(target=one) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="conversations per channel, one at a time (default 5)")
    parser.add_argument("--residents", type=int, default=20, help="residents writing at once (default 20)")
    args = parser.parse_args(argv)

    from scripts.stack import Stack
    standin = StandIn().start()
    var = Path(tempfile.mkdtemp(prefix="rsa-bench-channels-"))
    env = {**os.environ, "RSA_VAR_DIR": str(var), "RSA_DATABASE_URL": f"sqlite:///{var / 'backend.db'}",
           "RSA_TRACKER_DB": str(var / "tracker.db"), "RSA_ADDRESS_BURST": "100000", "RSA_NEW_CHATS_PER_HOUR": "100000",
           "RSA_WECHAT_TOKEN": TOKEN, "RSA_WECHAT_AES_KEY": AES_KEY, "RSA_WECHAT_APP_ID": standin.appid,
           "RSA_WECHAT_APP_SECRET": standin.secret, "RSA_WECHAT_API_BASE": standin.url, "PYTHONPATH": str(ROOT)}
    env.pop("RSA_CLOCK_START", None)  # WeChat's timestamps are real time, so the backend's clock is too
    subprocess.run([sys.executable, "-c", "from api import cli; cli.migrate(); cli.seed()"], cwd=ROOT, env=env,
                   check=True, stdout=subprocess.DEVNULL)
    stack = Stack(env=env, **PORTS).start()
    pusher = Pusher(stack.api_url, TOKEN, AES_KEY, app_id=standin.appid, standin=standin)
    try:
        chat_conversation(stack.api_url)  # the first turns load what the processes load lazily
        wechat_conversation(pusher)
        chat = [ms for _ in range(args.rounds) for ms in chat_conversation(stack.api_url)]
        wechat = [x for _ in range(args.rounds) for x in wechat_conversation(pusher)]
        print("one resident at a time:")
        print(f"  chat page (POST /api/chat): {summary(chat)}")
        print(f"  WeChat (push → answer):     {summary([ms for ms, _ in wechat])}; "
              f"in the reply within 5 s: {sum(p for _, p in wechat)}/{len(wechat)}")
        n = args.residents
        chat = crowd(n, lambda: chat_conversation(stack.api_url, pause=1))
        wechat = crowd(n, lambda: wechat_conversation(pusher, pause=1))
        passive = sum(p for _, p in wechat)
        print(f"{n} residents at once (a second between messages):")
        print(f"  chat page (POST /api/chat): {summary(chat)}")
        print(f"  WeChat (push → answer):     {summary([ms for ms, _ in wechat])}")
        print(f"  WeChat turns answered in the reply within 5 s: {passive}/{len(wechat)} ({passive / len(wechat):.1%}); "
              f"the rest by the customer-service API")
    finally:
        stack.stop()
        standin.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
