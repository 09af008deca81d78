"""The action server: rasa_sdk's own Sanic app, on loopback, answering only the Rasa server.

    python -m actions.server [--port 5055] [--host 127.0.0.1]

`python -m rasa_sdk` binds 0.0.0.0 and answers anyone: a made-up call to /webhook with
another resident's sender id runs any action for them (their reports, their phone number).
Here every route but /health needs the X-Service-Token header Rasa sends (bot/endpoints.yml),
compared in constant time, and the server listens on loopback unless told otherwise."""
import argparse
import hmac
import logging
import os
import sys

from rasa_sdk import utils
from rasa_sdk.endpoint import create_app
from sanic import response

from shared.settings import get_settings

HEADER = "X-Service-Token"
OPEN = ("/health",)
# Rasa sends the whole tracker with each call; it grows with the conversation, so more than a
# resident's message, yet far below Sanic's default of 100 MB.
MAX_BODY = 4 * 1024 * 1024
log = logging.getLogger(__name__)


def build(package: str = "actions", token: str = None):
    """The app with the token check in front of every route but /health."""
    token = get_settings().service_token if token is None else token
    app = create_app(package, cors_origins="")  # no CORS: only the Rasa server calls, never a browser
    app.config.REQUEST_MAX_SIZE = MAX_BODY

    async def require_token(request):
        if request.path in OPEN:
            return None
        given = request.headers.get(HEADER, "")
        if not token or not hmac.compare_digest(given.encode(), token.encode()):
            return response.json({"error": "需要服务令牌"}, status=401)
        return None

    app.register_middleware(require_token, "request")
    return app


def main(argv=None):
    parser = argparse.ArgumentParser(description="the action server, behind the service token")
    parser.add_argument("--actions", default="actions", help="package with the actions")
    parser.add_argument("--port", type=int, default=None, help="port [RSA_ACTIONS_PORT]")
    parser.add_argument("--host", default=os.environ.get("SANIC_HOST", "127.0.0.1"),
                        help="interface [SANIC_HOST, else 127.0.0.1]")
    args = parser.parse_args(argv)
    settings = get_settings()  # a wrong RSA_* variable stops here, named
    if not settings.service_token:
        sys.exit("error: RSA_SERVICE_TOKEN is not set; the action server would refuse every call")
    utils.configure_colored_logging(os.environ.get("LOG_LEVEL", "INFO"))
    utils.update_sanic_log_level()
    app = build(args.actions, settings.service_token)
    port = args.port or settings.actions_port
    log.info("action server on http://%s:%s", args.host, port)
    app.run(args.host, port, workers=utils.number_of_sanic_workers(), access_log=False)


if __name__ == "__main__":
    main()
