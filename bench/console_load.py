"""A busy afternoon at the service centres, against the real processes on the embedded SQLite:
residents in handoff keep their chat pages open (polling every 2 s) and write now and then;
staff keep the console open (queue and case every 1.5 s), claim and reply. Prints latency per
request kind and every unexpected status; 409 (someone else claimed first) is expected."""
import random
import statistics
import threading
import time
from collections import defaultdict

import requests

PASSWORD = "bench-console-2026"
COMMUNITIES = ["柳岸社区", "荷花社区", "桃源社区", "翠苑社区"]


def _staff_users():
    from sqlalchemy import select

    from api.core.db import WriteSession
    from api.places.models import Community
    from api.staff.auth import hash_password
    from api.staff.models import StaffUser
    with WriteSession() as s:
        names = []
        for i, community in enumerate(COMMUNITIES * 2):
            name = f"bench{i}"
            if not s.scalars(select(StaffUser).where(StaffUser.username == name)).first():
                centre = s.scalars(select(Community).where(Community.name == community)).one().centre_id
                s.add(StaffUser(username=name, display_name=name, password_hash=hash_password(PASSWORD), role="staff",
                                centre_id=centre))
            names.append(name)
        s.commit()
    return names


def run(api: str, seconds: int = 30, residents: int = 60):
    staff_names = _staff_users()
    times, surprises, lock = defaultdict(list), defaultdict(int), threading.Lock()
    stop = threading.Event()

    def timed(kind, call, expected=(200,)):
        t0 = time.perf_counter()
        try:
            r = call()
            status = r.status_code
        except requests.RequestException as e:
            r, status = None, type(e).__name__
        with lock:
            times[kind].append((time.perf_counter() - t0) * 1000)
            if status not in expected:
                surprises[f"{kind} → {status}"] += 1
        return r

    def staff_desk(name):
        c = requests.Session()
        c.headers["X-CSRF-Token"] = c.post(api + "/console/api/login", json={"username": name, "password": PASSWORD}).json()["csrf"]
        mine, rnd = None, random.Random(name)
        while not stop.is_set():
            queue = timed("staff: queue", lambda: c.get(api + "/console/api/queue")).json()
            if mine is None:
                waiting = [x["id"] for x in queue if x["status"] == "waiting"]
                if waiting:
                    cid = rnd.choice(waiting)
                    r = timed("staff: claim", lambda: c.post(f"{api}/console/api/cases/{cid}/claim"), (200, 409))
                    mine = cid if r is not None and r.status_code == 200 else None
            else:
                timed("staff: case view", lambda: c.get(f"{api}/console/api/cases/{mine}"))
                if rnd.random() < 0.3:
                    timed("staff: reply", lambda: c.post(f"{api}/console/api/cases/{mine}/reply", json={"text": "好的，我帮您查一下"}))
                if rnd.random() < 0.05:
                    timed("staff: hand back", lambda: c.post(f"{api}/console/api/cases/{mine}/handback"))
                    mine = None
            time.sleep(1.5)

    def resident_page(i):
        rnd = random.Random(i)
        # The page's conversation is its cookie (from /api/chat/info), as in a browser.
        cookies = requests.get(api + "/api/chat/info", timeout=60).cookies
        chat = lambda text: requests.post(api + "/api/chat", json={"text": text}, cookies=cookies, timeout=60)
        chat(f"我住{COMMUNITIES[i % len(COMMUNITIES)]}")
        chat("转人工")
        while not stop.is_set():
            timed("resident: poll", lambda: requests.post(api + "/api/chat/updates", json={}, cookies=cookies, timeout=60))
            if rnd.random() < 0.25:
                timed("resident: message", lambda: chat(f"我再补充一点：第{rnd.randint(1, 99)}条情况"), (200, 429))
            time.sleep(2)

    pages = [threading.Thread(target=resident_page, args=(i,)) for i in range(residents)]
    desks = [threading.Thread(target=staff_desk, args=(n,)) for n in staff_names]
    for t in desks + pages:
        t.start()
    time.sleep(seconds)
    stop.set()
    for t in desks + pages:
        t.join()
    print(f"Console under load ({residents} resident pages, {len(staff_names)} staff desks, {seconds} s, SQLite):")
    for kind, ms in sorted(times.items()):
        q = statistics.quantiles(ms, n=20, method="inclusive") if len(ms) > 1 else ms * 19
        print(f"    {kind:20s} n={len(ms):5d}  p50 {statistics.median(ms):6.0f} ms  p95 {q[18]:6.0f} ms  max {max(ms):6.0f} ms")
    print("    unexpected statuses:", dict(surprises) or "none")
