"""No raw phone or ID numbers in the assistant's tracker store (issue #9, item 6): the page's
messages go through the backend, which masks them and keeps the real phone for the ticket.
All three processes really run."""
import sqlite3

import pytest
import requests
from sqlalchemy import select

from api.core.db import SessionLocal
from api.handoff.relay import CHAT_COOKIE, sender_for
from api.incidents.models import Ticket
from api.incidents.tickets import reporter_ref
from shared.settings import get_settings

pytestmark = pytest.mark.e2e
PHONE, ID_NUMBER = "13912345678", "330106199001011234"


def test_tracker_store_holds_no_phone_or_id_number_while_the_ticket_has_the_phone(stack):
    page = requests.Session()
    page.get(stack["api"] + "/api/chat/info", timeout=10)
    sender = sender_for(page.cookies[CHAT_COOKIE])

    def say(text):
        r = page.post(stack["api"] + "/api/chat", json={"text": text}, timeout=60)
        assert r.status_code == 200, r.text
        return "\n".join(m.get("text", "") for m in r.json()["messages"])

    say(f"楼下烧烤店油烟太大了，熏得不行，我身份证{ID_NUMBER}")
    say("柳岸新村5幢")
    reply = say(f"我电话{PHONE}")
    assert "请核对" in reply and "139****5678" in reply and PHONE not in reply  # read back masked
    assert "工单号" in say("/affirm")
    with SessionLocal() as s:
        [t] = s.scalars(select(Ticket).where(Ticket.reporter_ref == reporter_ref(sender))).all()
        assert t.reporter_phone == PHONE  # staff can still call back
        assert ID_NUMBER not in t.description
    with sqlite3.connect(get_settings().tracker_db) as db:
        rows = [r[0] for r in db.execute("SELECT data FROM events WHERE sender_id = ?", (sender,))]
    assert rows and "139****5678" in "".join(rows)
    assert not [r for r in rows if PHONE in r or ID_NUMBER in r]
