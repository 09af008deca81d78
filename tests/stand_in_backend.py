"""A stand-in for the backend, for action tests that run without the three processes: a real
HTTP server on loopback that answers the routes the actions call with replies recorded from
the real backend (tests/data/backend/), and keeps what it was asked. Like the real one, it
refuses calls without the service token."""
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

from shared.settings import get_settings

RECORDED = Path(__file__).parent / "data" / "backend"


def recorded(name: str):
    return json.loads((RECORDED / f"{name}.json").read_text(encoding="utf-8"))


class StandInBackend:
    def __init__(self, token: str = None):
        self.token = token if token is not None else get_settings().service_token
        self.replies = {}  # (method, path) → (status, body)
        self.requests = []  # (method, path, query, body)
        backend = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self):
                url = urlparse(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"null") if length else None
                if hmac.compare_digest(self.headers.get("X-Service-Token", "").encode(), backend.token.encode()):
                    backend.requests.append((self.command, url.path, parse_qs(url.query), body))
                    status, reply = backend.replies.get((self.command, url.path), (404, {"detail": "not recorded"}))
                else:  # as the real backend refuses; not counted as asked
                    status, reply = 401, {"detail": "内部接口需要服务令牌"}
                data = json.dumps(reply, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _answer

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.on("GET", "/api/district", recorded("district"))

    def on(self, method: str, path: str, body, status: int = 200) -> "StandInBackend":
        self.replies[(method, path)] = (status, body)
        return self

    def asked(self, method: str, path: str) -> list:
        return [r for r in self.requests if r[0] == method and r[1] == path]

    def __enter__(self):
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
