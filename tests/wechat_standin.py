"""WeChat's side, on loopback. `Pusher` and `WeChatUser` play WeChat's servers pushing a user's
messages to the backend (signed, encrypted in safe mode, with wechatpy's own crypto), and read
the passive reply. `StandIn` plays WeChat's API servers, speaking their protocol for the three calls
the backend makes: GET /cgi-bin/token, POST /cgi-bin/message/custom/send and GET
/cgi-bin/media/get. It checks the app id and secret and the access token as WeChat does, and
answers with WeChat's error codes. Switches make it fail or be slow:

    standin.fail_next(45047, times=1)   # the next send answers with that errcode
    standin.expire_tokens()             # every token given so far is refused (42001)
    standin.delay = 3.0                 # every answer comes 3 s late
    standin.down = True                 # every call answers HTTP 503

Used by tests/test_wechat.py and bench/channel_latency.py."""
import json
import re
import secrets
import threading
import time
import uuid
import xml.etree.ElementTree as ET
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable, Dict, List, Optional, Tuple
from urllib.parse import parse_qs, urlparse

import requests
from wechatpy.crypto import WeChatCrypto
from wechatpy.utils import WeChatSigner

TEXT_LIMIT = 2048  # bytes of text WeChat takes in one customer-service message
APP_ID = "wx5f1e2d3c4b5a6978"                 # the Official Account the tests and the bench play
SECRET = "0123456789abcdef0123456789abcdef"


class StandIn:
    def __init__(self, appid: str = APP_ID, secret: str = SECRET):
        self.appid, self.secret = appid, secret
        self.tokens: Dict[str, bool] = {}              # access token → still valid
        self.sent: List[dict] = []                     # every message accepted, in order
        self.media: Dict[str, Tuple[bytes, str]] = {}  # media_id → (bytes, content type)
        self.token_calls = 0
        self.delay = 0.0
        self.down = False
        self._failures: List[int] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> "StandIn":
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    # ---- switches ----------------------------------------------------------------------------
    def fail_next(self, errcode: int, times: int = 1) -> None:
        with self._lock:
            self._failures += [errcode] * times

    def expire_tokens(self) -> None:
        with self._lock:
            self.tokens = {t: False for t in self.tokens}

    def reset(self) -> None:
        with self._lock:
            self.sent.clear()
            self._failures.clear()
            self.delay, self.down = 0.0, False

    def texts_to(self, openid: str) -> List[str]:
        with self._lock:
            return [m["text"]["content"] for m in self.sent if m.get("touser") == openid]

    def wait_for(self, openid: str, count: int = 1, timeout: float = 30) -> List[str]:
        """The texts sent to `openid`, once there are at least `count` (or what came by the timeout)."""
        end = time.time() + timeout
        while time.time() < end and len(self.texts_to(openid)) < count:
            time.sleep(0.1)
        return self.texts_to(openid)

    # ---- the protocol ------------------------------------------------------------------------
    def _answer(self, path: str, query: dict, body: bytes) -> Tuple[int, bytes, str]:
        one = {k: v[0] for k, v in query.items()}
        if path == "/cgi-bin/token":
            with self._lock:
                self.token_calls += 1
                if one.get("appid") != self.appid:
                    return _json({"errcode": 40013, "errmsg": "invalid appid"})
                if one.get("secret") != self.secret:
                    return _json({"errcode": 40125, "errmsg": "invalid appsecret"})
                token = secrets.token_hex(16)
                self.tokens[token] = True
            return _json({"access_token": token, "expires_in": 7200})
        with self._lock:
            valid = self.tokens.get(one.get("access_token", ""))
        if valid is None:
            return _json({"errcode": 40001, "errmsg": "invalid credential, access_token is invalid or not latest"})
        if valid is False:
            return _json({"errcode": 42001, "errmsg": "access_token expired"})
        if path == "/cgi-bin/message/custom/send":
            try:
                msg = json.loads(body.decode("utf-8"))
                content = msg["text"]["content"]
            except (ValueError, KeyError, TypeError):
                return _json({"errcode": 44002, "errmsg": "empty post data"})
            with self._lock:
                if self._failures:
                    code = self._failures.pop(0)
                    return _json({"errcode": code, "errmsg": f"stand-in failure {code}"})
            if msg.get("msgtype") != "text" or not msg.get("touser"):
                return _json({"errcode": 40008, "errmsg": "invalid message type"})
            if len(content.encode("utf-8")) > TEXT_LIMIT:
                return _json({"errcode": 45002, "errmsg": "content size out of limit"})
            with self._lock:
                self.sent.append(msg)
            return _json({"errcode": 0, "errmsg": "ok"})
        if path == "/cgi-bin/media/get":
            item = self.media.get(one.get("media_id", ""))
            if item is None:
                return _json({"errcode": 40007, "errmsg": "invalid media_id"})
            return 200, item[0], item[1]
        return _json({"errcode": 48001, "errmsg": "api unauthorized"}, status=404)

    def _handler(self):
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                if standin.delay:
                    time.sleep(standin.delay)
                if standin.down:
                    status, data, ctype = 503, b"Service Unavailable", "text/plain"
                else:
                    url = urlparse(self.path)
                    status, data, ctype = standin._answer(url.path, parse_qs(url.query), body)
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _serve

            def log_message(self, *args):  # quiet
                pass

        return Handler


def _json(obj: dict, status: int = 200) -> Tuple[int, bytes, str]:
    return status, json.dumps(obj, ensure_ascii=False).encode("utf-8"), "application/json; charset=utf-8"


# ---- pushes, as WeChat's servers send them ----------------------------------------------------------

def sign(*parts) -> str:
    signer = WeChatSigner()
    signer.add_data(*parts)
    return signer.signature


class Pusher:
    """WeChat's servers pushing to one backend: `aes_key` set, in safe mode. `now`: the Unix time
    by the backend's clock (a test stack's clock starts at RSA_CLOCK_START)."""

    def __init__(self, url: str, token: str, aes_key: Optional[str] = None, app_id: str = APP_ID,
                 now: Callable[[], int] = lambda: int(time.time()), standin: "StandIn" = None):
        self.url, self.token, self.aes, self.now, self.standin = url, token, bool(aes_key), now, standin
        self.crypto = WeChatCrypto(token, aes_key, app_id) if aes_key else None

    def query(self, timestamp=None, nonce=None, **extra) -> dict:
        timestamp = str(self.now() if timestamp is None else timestamp)
        nonce = nonce or str(uuid.uuid4().int % 10 ** 10)
        q = {"signature": sign(self.token, timestamp, nonce), "timestamp": timestamp, "nonce": nonce}
        if self.aes:
            q["encrypt_type"] = "aes"
        q.update(extra)
        return q

    def post(self, xml, query=None, timeout=15) -> requests.Response:
        """A push of `xml` (encrypted in safe mode); the raw HTTP response."""
        query = dict(query or self.query())
        body = xml.encode() if isinstance(xml, str) else xml
        if self.aes and query.get("encrypt_type") == "aes":
            sealed = self.crypto.encrypt_message(body.decode("utf-8", "replace"), query["nonce"], query["timestamp"])
            query["msg_signature"] = re.search(r"<MsgSignature><!\[CDATA\[(\w+)\]\]>", sealed).group(1)
            body = sealed.encode()
        return requests.post(self.url + "/wechat", params=query, data=body,
                             headers={"Content-Type": "text/xml"}, timeout=timeout)

    def reply_text(self, r: requests.Response) -> str:
        """The passive reply's text ('' for "success"), its signature checked in safe mode."""
        assert r.status_code == 200, (r.status_code, r.text)
        if r.text in ("success", ""):
            return ""
        xml = r.text
        if self.aes:
            root = ET.fromstring(xml)
            xml = self.crypto.decrypt_message(xml, root.findtext("MsgSignature"), root.findtext("TimeStamp"),
                                              root.findtext("Nonce"))
        root = ET.fromstring(xml)
        assert root.findtext("MsgType") == "text"
        return root.findtext("Content")


class WeChatUser:
    """One WeChat user writing to the Official Account."""

    def __init__(self, pusher: Pusher, openid: str = None):
        self.pusher = pusher
        self.openid = openid or "o" + uuid.uuid4().hex[:27]  # openids are 28 characters
        self._id = int(time.time() * 1000) % 10 ** 12 * 1000 + uuid.uuid4().int % 1000 * 10 ** 6
        self.how = None

    def msg_id(self) -> int:
        self._id += 1
        return self._id

    def xml(self, msg_type: str, fields: dict, msg_id=None, created=None) -> str:
        inner = "".join(f"<{k}><![CDATA[{v}]]></{k}>" if isinstance(v, str) else f"<{k}>{v}</{k}>"
                        for k, v in fields.items())
        mid = "" if msg_type == "event" else f"<MsgId>{msg_id or self.msg_id()}</MsgId>"
        return (f"<xml><ToUserName><![CDATA[gh_0123456789ab]]></ToUserName>"
                f"<FromUserName><![CDATA[{self.openid}]]></FromUserName>"
                f"<CreateTime>{created or self.pusher.now()}</CreateTime><MsgType><![CDATA[{msg_type}]]></MsgType>"
                f"{inner}{mid}</xml>")

    def push(self, msg_type: str, fields: dict, answered: bool = True, **kw) -> str:
        """What the user sees: the passive reply, or (a busy machine, a slow turn) what the
        customer-service API brought instead. `how` says which; never both (checked here)."""
        standin = self.pusher.standin
        before = len(standin.texts_to(self.openid))
        # WeChat names the user in the URL too (openid=...), which is why logs redact it.
        query = self.pusher.query(openid=self.openid)
        text = self.pusher.reply_text(self.pusher.post(self.xml(msg_type, fields, **kw), query))
        if text or not answered:
            self.how = "reply" if text else None
            time.sleep(0.3 if text else 0)
            assert len(standin.texts_to(self.openid)) == before or not text, "answered in the reply and pushed"
            return text
        standin.wait_for(self.openid, before + 1, timeout=30)
        time.sleep(0.5)  # the rest of a long answer
        self.how = "pushed"
        return "\n\n".join(standin.texts_to(self.openid)[before:])

    def says(self, text: str) -> str:
        return self.push("text", {"Content": text})

    def event(self, event: str, key: str = None, answered: bool = True) -> str:
        fields = {"Event": event, **({"EventKey": key} if key is not None else {})}
        return self.push("event", fields, answered=answered)
