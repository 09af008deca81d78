"""Abuse: one resident sends 100 messages in a second while staff hold the conversation. Every
message either reaches the case (and is recorded once) or is refused with a clear 429; the
processes keep serving, and staff and resident still reach each other afterwards."""
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from sqlalchemy import select

from api.core.db import WriteSession
from api.core.ratelimit import RateLimiter
from api.places.models import Community
from api.staff.auth import hash_password
from api.staff.models import StaffUser

PASSWORD = "abuse-test-2026"


def test_token_bucket_allows_a_burst_then_one_per_interval():
    rl = RateLimiter(burst=3, per_second=0.5)
    assert [rl.allow("a", now=0) for _ in range(4)] == [True, True, True, False]
    assert rl.retry_after("a", now=0) == 2
    assert rl.allow("b", now=0)  # each conversation has its own bucket
    assert not rl.allow("a", now=1.0) and rl.allow("a", now=2.1)


def test_forgets_idle_conversations_beyond_its_size():
    rl = RateLimiter(burst=1, per_second=0.001, max_keys=2)
    rl.allow("a", now=0), rl.allow("b", now=0), rl.allow("c", now=0)
    assert rl.allow("a", now=0)  # forgotten, so a fresh bucket


@pytest.fixture(scope="module")
def officers():
    with WriteSession() as s:
        centre = s.scalars(select(Community).where(Community.name == "翠苑社区")).one().centre_id
        for name, role, centre_id in [("cuiyuan", "staff", centre), ("abuse-boss", "supervisor", None)]:
            if not s.scalars(select(StaffUser).where(StaffUser.username == name)).first():
                s.add(StaffUser(username=name, display_name=name, password_hash=hash_password(PASSWORD), role=role,
                                centre_id=centre_id))
        s.commit()


def console(api, username):
    c = requests.Session()
    r = c.post(api + "/console/api/login", json={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    c.headers["X-CSRF-Token"] = r.json()["csrf"]
    return c


def resident(api):
    """A resident's page: its conversation cookie, and the conversation's id derived from it."""
    from api.handoff.relay import CHAT_COOKIE, sender_for
    token = requests.get(api + "/api/chat/info", timeout=10).cookies[CHAT_COOKIE]
    return {CHAT_COOKIE: token}, sender_for(token)


@pytest.mark.e2e
def test_a_hundred_messages_in_a_second(stack, officers):
    api = stack["api"]
    cookies, sender = resident(api)
    staff = console(api, "cuiyuan")  # signed in, so the centre is on duty whatever the hour
    chat = lambda text: requests.post(api + "/api/chat", json={"text": text}, cookies=cookies, timeout=60)
    assert chat("我住翠苑社区").status_code == 200
    assert "已为您转接" in "".join(m.get("text", "") for m in chat("转人工").json()["messages"])
    case = next(c for c in staff.get(api + "/console/api/queue").json() if c["sender"] == sender)

    t0 = time.time()

    def send(i):
        time.sleep(max(0.0, t0 + i * 0.01 - time.time()))  # 100 messages spread over one second
        r = chat(f"第{i}条：快点来人")
        return i, r.status_code, r.json()

    with ThreadPoolExecutor(max_workers=100) as pool:
        results = list(pool.map(send, range(100)))
    statuses = [s for _, s, _ in results]
    assert set(statuses) <= {200, 429}, statuses
    accepted = {i for i, s, _ in results if s == 200}
    refused = [body for _, s, body in results if s == 429]
    assert 5 <= len(accepted) <= 20, len(accepted)  # the burst, plus what refills while they arrive
    assert all("太快" in b["detail"] and "没有发出" in b["detail"] and b["retry_after"] >= 1 for b in refused)

    # Nothing accepted is lost or doubled: staff see exactly the accepted messages.
    view = staff.get(f"{api}/console/api/cases/{case['id']}").json()
    flood = [m["text"] for m in view["messages"] if m["author"] == "resident" and m["text"].startswith("第")]
    assert sorted(flood) == sorted(f"第{i}条：快点来人" for i in accepted)

    # Everything still works: the bucket refills, staff reply, the resident gets it.
    assert requests.get(api + "/healthz", timeout=10).status_code == 200
    time.sleep(2.5)
    assert chat("我还在").status_code == 200
    assert staff.post(f"{api}/console/api/cases/{case['id']}/claim").status_code == 200
    assert staff.post(f"{api}/console/api/cases/{case['id']}/reply", json={"text": "您好，我来了"}).status_code == 200
    got = requests.post(api + "/api/chat/updates", json={}, cookies=cookies, timeout=10).json()
    assert [m["text"] for m in got["messages"] if m["from"] == "staff"] == ["您好，我来了"]
    staff.post(f"{api}/console/api/cases/{case['id']}/handback")


@pytest.mark.e2e
def test_racing_staff_actions_never_fail_with_a_locked_database(stack, officers):
    """Two people click 认领 on the same case at once while residents keep writing: one claim
    wins, the others are told clearly, nothing errors."""
    from api.handoff import cases as handoff
    api = stack["api"]
    with WriteSession() as s:
        cid = handoff.open_case(s, sender="race-" + str(int(time.time())), channel="h5", reason="asked",
                                community="翠苑社区", context={}, transcript=[]).id
    staff, boss = console(api, "cuiyuan"), console(api, "abuse-boss")
    jobs = [lambda c=c: c.post(f"{api}/console/api/cases/{cid}/claim") for c in (staff, boss) * 10]
    jobs += [lambda i=i: requests.post(api + "/api/chat", json={"text": "你好"}, timeout=60) for i in range(20)]
    with ThreadPoolExecutor(max_workers=40) as pool:
        results = list(pool.map(lambda job: job(), jobs))
    claims = [r.status_code for r in results[:20]]
    assert sorted(claims) == [200] + [409] * 19, claims
    assert all("已被认领" in r.json()["detail"] for r in results[:20] if r.status_code == 409)
    assert all(r.status_code == 200 for r in results[20:])


@pytest.mark.e2e
def test_a_call_back_keeps_what_the_resident_writes_and_claiming_it_quiets_the_assistant(stack, officers):
    import datetime as dt

    from api.handoff import cases as handoff
    api = stack["api"]
    cookies, sender = resident(api)
    with WriteSession() as s:  # asked on a Saturday night: a call-back
        cid = handoff.open_case(s, sender=sender, channel="h5", reason="asked", community="翠苑社区", context={},
                                transcript=[], at=dt.datetime(2026, 11, 28, 21, 0)).id
    chat = lambda text: requests.post(api + "/api/chat", json={"text": text}, cookies=cookies, timeout=60).json()
    answered = chat("居住证要带什么材料")
    assert "居住证" in "".join(m.get("text", "") for m in answered["messages"]) and not answered["with_staff"]
    staff = console(api, "cuiyuan")
    assert staff.post(f"{api}/console/api/cases/{cid}/claim").status_code == 200
    later = chat("你好，我还想问问孩子上学的事")
    # The person answers now, not the assistant: the page is told so once, then stays quiet.
    assert [m["from"] for m in later["messages"]] == ["system"] and later["with_staff"]
    again = chat("在吗")
    assert again["messages"] == [] and again["with_staff"]
    texts = [m["text"] for m in staff.get(f"{api}/console/api/cases/{cid}").json()["messages"] if m["author"] == "resident"]
    assert texts[:2] == ["居住证要带什么材料", "你好，我还想问问孩子上学的事"]
    staff.post(f"{api}/console/api/cases/{cid}/handback")
