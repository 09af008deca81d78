"""A stand-in for WeChat's API servers on loopback, speaking their protocol for the three calls
the backend makes: GET /cgi-bin/token, POST /cgi-bin/message/custom/send and GET
/cgi-bin/media/get. It checks the app id and secret and the access token as WeChat does, and
answers with WeChat's error codes. Switches make it fail or be slow:

    standin.fail_next(45047, times=1)   # the next send answers with that errcode
    standin.expire_tokens()             # every token given so far is refused (42001)
    standin.delay = 3.0                 # every answer comes 3 s late
    standin.down = True                 # every call answers HTTP 503

Used by tests/test_wechat.py and bench/channel_latency.py."""
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Dict, List, Tuple
from urllib.parse import parse_qs, urlparse

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
