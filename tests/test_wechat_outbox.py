"""The WeChat channel's parts, in this process: the outbox against the stand-in for WeChat's API
(order, an expired access token, backoff, giving up with the reason, the 48-hour window and the
allowance), a place attached to a report after filing, and what fits WeChat (limits, sections,
numbered choices). Apart from tests/test_wechat.py, whose backends' push loops would send these
rows too: that module's backends are stopped when it ends, before this one starts."""
import datetime as dt
import uuid
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from api.channels import outbox, wechat_render
from api.channels.models import ChannelInbound, ChannelOutbox, ChannelState
from api.channels.wechat_routes import sender_for
from api.core import clock
from api.core.db import SessionLocal, WriteSession
from api.core.logsafe import redact
from api.incidents import tickets
from api.incidents.categories import classifier
from api.incidents.models import Ticket
from api.places.locate import locate
from tests.wechat_standin import APP_ID, SECRET, StandIn

TOKEN = "rsaWechatOutboxToken"
LIUAN_1 = (30.2526, 120.1726)  # by the centre of 柳岸1号网格 (api/seed/places.json)


@pytest.fixture(scope="module")
def standin():
    s = StandIn(APP_ID, SECRET).start()
    yield s
    s.stop()


def outbox_rows(sender):
    with SessionLocal() as s:
        return [(r.status, r.payload["text"], r.last_error)
                for r in s.scalars(select(ChannelOutbox).where(ChannelOutbox.sender == sender).order_by(ChannelOutbox.id))]


@pytest.fixture
def pushing(monkeypatch, standin):
    """This process's settings pointed at the stand-in; the resident's state as a push left it."""
    standin.reset()
    for k, v in dict(RSA_WECHAT_TOKEN=TOKEN, RSA_WECHAT_APP_ID=APP_ID, RSA_WECHAT_APP_SECRET=SECRET,
                     RSA_WECHAT_API_BASE=standin.url).items():
        monkeypatch.setenv(k, v)
    outbox._client.cache_clear()
    openid = "o" + uuid.uuid4().hex[:27]
    sender = sender_for(openid)
    with WriteSession() as w:
        outbox.noted(w, sender, openid)
        w.commit()
    yield SimpleNamespace(openid=openid, sender=sender)
    outbox._client.cache_clear()


def _queue(sender, *texts):
    with WriteSession() as w:
        outbox.enqueue(w, sender, texts, "reply")
        w.commit()


def _age(sender, **delta):
    """The resident wrote `delta` earlier than they did."""
    with WriteSession() as w:
        data = outbox.state(w, sender)
        data["seen"] = (dt.datetime.fromisoformat(data["seen"]) - dt.timedelta(**delta)).isoformat()
        outbox.save_state(w, sender, data)
        w.commit()


def _retry_now(sender):
    with WriteSession() as w:
        for row in w.scalars(select(ChannelOutbox).where(ChannelOutbox.sender == sender)):
            row.last_try_at = row.last_try_at and row.last_try_at - dt.timedelta(minutes=10)
        w.commit()


def test_pushes_go_in_order_and_an_expired_token_is_fetched_again(pushing, standin):
    _queue(pushing.sender, "第一条", "第二条")
    assert outbox.flush(pushing.sender) == 2
    standin.expire_tokens()
    calls = standin.token_calls
    _queue(pushing.sender, "第三条")
    assert outbox.flush(pushing.sender) == 1
    assert standin.token_calls == calls + 1
    assert standin.texts_to(pushing.openid) == ["第一条", "第二条", "第三条"]


def test_a_failing_push_is_retried_with_backoff_and_given_up_with_the_reason(pushing, standin):
    standin.down = True
    _queue(pushing.sender, "一", "二")
    assert outbox.flush(pushing.sender) == 0
    [(status, _, why), (later, _, _)] = outbox_rows(pushing.sender)
    assert (status, later) == ("pending", "pending") and "503" in why
    assert outbox.flush(pushing.sender) == 0  # not due yet (backoff): nothing tried
    standin.down = False
    _retry_now(pushing.sender)
    assert outbox.flush(pushing.sender) == 2
    assert standin.texts_to(pushing.openid) == ["一", "二"]
    standin.fail_next(-1, times=outbox.MAX_ATTEMPTS)  # WeChat's "system busy", every time
    _queue(pushing.sender, "三")
    for _ in range(outbox.MAX_ATTEMPTS):
        outbox.flush(pushing.sender)
        _retry_now(pushing.sender)
    status, _, why = outbox_rows(pushing.sender)[-1]
    assert status == "failed" and "-1" in why and f"{outbox.MAX_ATTEMPTS}次" in why


def test_the_48_hour_window_and_the_allowance(pushing, standin):
    _queue(pushing.sender, *[f"第{i}条" for i in range(1, 7)])
    assert outbox.flush(pushing.sender) == 5  # five after a resident's message
    assert outbox_rows(pushing.sender)[-1][2] == outbox.WAITING_FOR_RESIDENT
    with WriteSession() as w:  # the resident writes again: the sixth goes
        outbox.noted(w, pushing.sender, pushing.openid)
        w.commit()
    assert outbox.flush(pushing.sender) == 1
    standin.fail_next(45047)  # WeChat counts differently: it waits too
    _queue(pushing.sender, "第7条")
    assert outbox.flush(pushing.sender) == 0 and outbox_rows(pushing.sender)[-1][0] == "pending"
    _age(pushing.sender, hours=49)
    assert outbox.flush(pushing.sender) == 0
    status, _, why = outbox_rows(pushing.sender)[-1]
    assert status == "failed" and "48小时" in why
    standin.fail_next(45015)
    with WriteSession() as w:
        outbox.noted(w, pushing.sender, pushing.openid)
        w.commit()
    _queue(pushing.sender, "第8条")
    outbox.flush(pushing.sender)
    assert outbox_rows(pushing.sender)[-1][0] == "failed"
    assert len(standin.texts_to(pushing.openid)) == 6


def test_unfollowing_fails_what_is_still_owed(pushing):
    _queue(pushing.sender, "一")
    with WriteSession() as w:
        outbox.forget(w, pushing.sender)
        w.commit()
    assert outbox_rows(pushing.sender) == [("failed", "一", "居民已取消关注")]


def test_a_place_sent_after_filing_locates_a_report_that_had_no_grid(var_dir):
    sender = "wx-" + uuid.uuid4().hex[:40]
    with WriteSession() as w:
        t, _ = tickets.file_ticket(w, classifier(w), description="这里路灯坏了", address="东门口",
                                   located=locate(w, "东门口"), phone="13857112345", channel="wechat", sender=sender)
        assert t.grid_id is None
        number = t.number
    with WriteSession() as w:
        t = tickets.attach_to_recent(w, sender, clock.now() - dt.timedelta(minutes=30), lat=LIUAN_1[0], lon=LIUAN_1[1])
        assert t.number == number
        w.commit()
    with SessionLocal() as s:
        t = s.scalars(select(Ticket).where(Ticket.number == number)).one()
        assert t.grid.name == "柳岸1号网格" and (t.lat, t.lon) == LIUAN_1
    with WriteSession() as w:  # once only
        assert tickets.attach_to_recent(w, sender, clock.now() - dt.timedelta(minutes=30), lat=1.0, lon=1.0) is None


# ---- what fits WeChat --------------------------------------------------------------------------------

def test_replies_fit_wechat_and_long_guides_split_at_sections():
    section = "所需材料：\n" + "\n".join(f"{i}. 身份证原件及复印件，户口簿，近期一寸照片" for i in range(1, 30))
    messages = [{"text": section}, {"text": "办理地点：柳岸社区党群服务中心\n地址：柳岸路35号"},
                {"text": "办理时限：5个工作日", "buttons": [{"title": "在哪里办", "payload": "/ask_service"},
                                                     {"title": "要多久", "payload": "/ask_service{}"}]}]
    parts, choices = wechat_render.render(messages)
    assert all(len(p.encode()) <= 2048 for p in parts) and len(parts) == 2
    assert parts[0].startswith("所需材料") and parts[1].endswith("回复2 要多久")
    assert "".join(parts).replace("\n", "") == "".join(
        [section, "办理地点：柳岸社区党群服务中心地址：柳岸路35号", "办理时限：5个工作日回复1 在哪里办回复2 要多久"]).replace("\n", "")
    assert wechat_render.chosen("２", choices) == "/ask_service{}"
    assert wechat_render.chosen("回复1", choices) == "/ask_service"
    assert wechat_render.chosen("3", choices) is None and wechat_render.chosen("1号楼", choices) is None
    one_line = wechat_render.pack(["很" * 3000])
    assert len(one_line) == 5 and all(len(p.encode()) <= 2048 for p in one_line)
    staff = wechat_render.render([{"text": "您好", "from": "staff", "name": "王芳"}])[0]
    assert staff == ["工作人员王芳：您好"]
    kept = wechat_render.render([{"text": "抱歉，服务系统暂时中断，这条消息还没有处理，您刚才输入的内容还在输入框里。"
                                          "请稍等一两分钟再点发送。", "keep": True}])[0][0]
    assert "输入框" not in kept and "服务系统暂时中断" in kept and "再发一次" in kept


def test_state_records_are_the_channels_own(pushing):
    with SessionLocal() as s:
        row = s.scalars(select(ChannelState).where(ChannelState.sender == pushing.sender)).one()
        assert row.channel == "wechat" and row.data["openid"] == pushing.openid
        assert s.scalars(select(ChannelInbound).where(ChannelInbound.sender == pushing.sender)).all() == []


def test_openids_in_logged_urls_are_redacted():
    line = 'POST /wechat?signature=1f&timestamp=1&nonce=2&openid=oAbC-12_xYz0123456789abcdef HTTP/1.1'
    assert "oAbC" not in redact(line) and "openid=***" in redact(line)


def test_housekeeping_keeps_what_a_work_order_needs(var_dir):
    """Retries are long over after two days; photos no work order took go with the conversations;
    a photo on a work order stays."""
    from api.channels import media
    from api.channels.models import ChannelMedia
    from shared.settings import get_settings
    now, old = clock.now(), clock.now() - dt.timedelta(days=get_settings().retention_days + 1)
    sender = "wx-" + uuid.uuid4().hex[:40]
    folder = media.folder()
    folder.mkdir(parents=True, exist_ok=True)
    tokens = [uuid.uuid4().hex for _ in range(3)]
    with WriteSession() as w:
        for token in tokens:
            (folder / f"{token}.jpg").write_bytes(b"\xff\xd8\xff")
            w.add(ChannelMedia(token=token, channel="wechat", sender=sender, content_type="image/jpeg",
                               path=str(folder / f"{token}.jpg"), size=3, created_at=old if token != tokens[2] else now))
        w.add(ChannelInbound(channel="wechat", key="m-old-" + sender, sender=sender, status="replied",
                             received_at=now - dt.timedelta(days=3)))
        w.add(ChannelInbound(channel="wechat", key="m-new-" + sender, sender=sender, status="replied", received_at=now))
        t, _ = tickets.file_ticket(w, classifier(w), description="井盖没了", address="柳岸新村5幢",
                                   located=locate(w, "柳岸新村5幢"), phone="13857112345", channel="wechat", sender=sender,
                                   media_url=media.url(tokens[0]))
    with WriteSession() as w:
        outbox.tidy(w, now)
        media.tidy(w, now)
    with SessionLocal() as s:
        kept = set(s.scalars(select(ChannelMedia.token).where(ChannelMedia.sender == sender)))
        keys = set(s.scalars(select(ChannelInbound.key).where(ChannelInbound.sender == sender)))
    assert kept == {tokens[0], tokens[2]} and keys == {"m-new-" + sender}
    assert (folder / f"{tokens[0]}.jpg").exists() and not (folder / f"{tokens[1]}.jpg").exists()


def test_a_long_answer_in_the_reply_sends_the_rest_once_the_reply_is_out(pushing, standin):
    """The first message is the reply; the others were queued in the same step and are pushed by
    the reply's background task. A second claim of the same answer (a retry) gets nothing."""
    import asyncio

    from api.channels import wechat, wechat_routes
    key = "m-long-" + pushing.sender
    with WriteSession() as w:
        w.add(ChannelInbound(channel="wechat", key=key, sender=pushing.sender, status="working", received_at=clock.now()))
        w.commit()
    parts = ["第一部分", "第二部分", "第三部分"]
    assert wechat_routes._settle(key, pushing.sender, parts, "replied")
    assert not wechat_routes._settle(key, pushing.sender, parts, "pushed")
    inbound = wechat.Inbound("text", openid=pushing.openid, created=1, msg_id=1, target="gh_test")
    response = wechat_routes._reply(inbound, pushing.sender, parts, {}, rest=True)
    assert "第一部分" in response.body.decode() and standin.texts_to(pushing.openid) == []
    asyncio.run(response.background())
    assert standin.texts_to(pushing.openid) == ["第二部分", "第三部分"]


@pytest.mark.parametrize("key", ["tooshort", "!" * 43, "A" * 44])
def test_a_wrong_encoding_aes_key_stops_start_up_with_its_name(monkeypatch, key):
    from shared.settings import SettingsError, get_settings
    monkeypatch.setenv("RSA_WECHAT_AES_KEY", key)
    get_settings.cache_clear()
    with pytest.raises(SettingsError) as e:
        get_settings()
    assert "RSA_WECHAT_AES_KEY" in str(e.value) and "EncodingAESKey" in str(e.value)
