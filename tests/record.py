"""Record the trackers and backend replies that tests/test_actions_offline.py replays.

    .venv/bin/python -m tests.record     # needs a trained model; starts its own three processes

Each conversation below is held with the real assistant, on its own ports and a throw-away
database, with the suite's settings (RSA_HOTLINE=96345, the clock on a Tuesday morning). The
tracker is saved as the action server saw it when the named action ran: the events up to the
last resident message, and the slots as they stood then. Backend replies are saved as the
backend gave them.
"""
import json
import os
import secrets
import tempfile
import uuid
from pathlib import Path

import requests

HERE = Path(__file__).parent / "data"
CONVERSATIONS = {
    # name: (what the resident says, turn by turn; the action whose view of the tracker is kept)
    "ask_for_a_person": (["你好", "我住柳岸社区", "转人工"], "action_request_human"),
    "report_confirmed": (["小区门口井盖没了", "柳岸新村5幢", "13857100003", "/affirm"], "action_submit_incident"),
    "status_by_number": (["WG202611240001进度怎么样了"], "action_incident_status"),
}


def tracker_as_seen_by(state: dict, action: str) -> dict:
    """The tracker as the action server saw it when `action` last ran: the events before it,
    and the slots and active form as those events left them."""
    events = state["events"]
    cut = max(i for i, e in enumerate(events) if e["event"] == "action" and e.get("name") == action)
    events = events[:cut]
    slots, loop = {k: None for k in state["slots"]}, {}
    for e in events:
        if e["event"] == "slot":
            slots[e["name"]] = e["value"]
        elif e["event"] == "active_loop":
            loop = {"name": e["name"]} if e.get("name") else {}
    user = [e for e in events if e["event"] == "user"][-1]
    return {"sender_id": state["sender_id"], "slots": slots, "latest_message": {**user["parse_data"], "text": user["text"]},
            "events": events, "paused": False, "followup_action": None, "active_loop": loop,
            "latest_action_name": events[-1].get("name"), "latest_input_channel": user.get("input_channel")}


def main():
    var = Path(tempfile.mkdtemp(prefix="rsa-record-"))
    env = {**os.environ, "RSA_VAR_DIR": str(var), "RSA_DATABASE_URL": f"sqlite:///{var / 'backend.db'}",
           "RSA_HOTLINE": "96345", "RSA_CLOCK_START": "2026-11-24T09:00:00",
           "RSA_SERVICE_TOKEN": secrets.token_urlsafe(24)}
    service = {"X-Service-Token": env["RSA_SERVICE_TOKEN"]}  # internal routes and the h5 webhook refuse calls without it
    os.environ.update(env)
    from api import cli
    from scripts.stack import Stack
    cli.migrate()
    cli.seed()
    stack = Stack(env=env, api=28000, actions=25055, rasa=25005).start()
    try:
        (HERE / "trackers").mkdir(parents=True, exist_ok=True)
        for name, (turns, action) in CONVERSATIONS.items():
            sender = "rec" + uuid.uuid4().hex[:12]
            for text in turns:
                requests.post(f"{stack.rasa_url}/webhooks/h5/webhook", json={"sender": sender, "message": text},
                              headers=service, timeout=60).raise_for_status()
            state = requests.get(f"{stack.rasa_url}/conversations/{sender}/tracker",
                                 params={"token": stack.env["RSA_RASA_TOKEN"]}, timeout=30).json()
            (HERE / "trackers" / f"{name}.json").write_text(
                json.dumps(tracker_as_seen_by(state, action), ensure_ascii=False, indent=1), encoding="utf-8")
        api = stack.api_url
        (HERE / "backend").mkdir(parents=True, exist_ok=True)
        replies = {
            "district": requests.get(f"{api}/api/district", headers=service, timeout=10).json(),
            "ticket_filed": requests.post(f"{api}/api/tickets", headers=service, timeout=10, json={
                "description": "文昌路的路灯一到晚上就不亮", "address": "文昌路150号", "phone": "13857100004",
                "sender": "rec-reporter", "idempotency_key": "rec-1"}).json(),
            # The conversation's problem reported a second time: merged into the first (并单).
            "ticket_merged": requests.post(f"{api}/api/tickets", headers=service, timeout=10, json={
                "description": "小区门口井盖没了", "address": "柳岸新村5幢", "phone": "13857100005",
                "sender": "rec-neighbour", "idempotency_key": "rec-2"}).json(),
            "handoff_waiting": requests.post(f"{api}/api/handoff", headers=service, timeout=10, json={
                "sender": "rec-person", "reason": "asked", "community": "柳岸社区"}).json(),
        }
        # The same request on a Saturday evening, when nobody is on duty: a call-back.
        import datetime as dt

        from fastapi.testclient import TestClient

        from api.core import clock
        from api.main import app
        with clock.freeze(dt.datetime(2026, 11, 28, 20, 0)):
            replies["handoff_callback"] = TestClient(app, headers=service).post("/api/handoff", json={
                "sender": "rec-evening", "reason": "asked", "community": "柳岸社区"}).json()
        replies["ticket_progress"] = requests.get(f"{api}/api/tickets/{replies['ticket_filed']['number']}",
                                                  headers=service, timeout=10).json()
        for name, body in replies.items():
            (HERE / "backend" / f"{name}.json").write_text(json.dumps(body, ensure_ascii=False, indent=1),
                                                           encoding="utf-8")
    finally:
        stack.stop()


if __name__ == "__main__":
    main()
