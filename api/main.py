"""The backend app: every domain's routes, domain errors turned into HTTP answers, the pages,
and the background loop that expires unclaimed handoffs and flags overdue work orders."""
import asyncio
import logging
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool

from api.admin import catalogue_routes, inbox_routes, registry, training, training_routes
from api.channels import h5_routes, voice, voice_routes, wechat_routes
from api.core import clock
from api.core.db import WriteSession
from api.core.errors import DomainError
from api.core.guard import KB, AddressLimit, BodyLimit, SecurityHeaders
from api.core.logsafe import install_redaction
from api.guide import index
from api.guide import routes as guide_routes
from api.handoff import console_routes, rasa_client, relay, retention, sensitivity
from api.handoff import routes as handoff_routes
from api.incidents import categories as incident_categories
from api.incidents import open311, tickets
from api.incidents import routes as incident_routes
from api.places import locate
from api.places import routes as place_routes
from api.routing import route_reader
from api.routing import routes as routing_routes
from api.staff import routes as staff_routes
from shared.settings import get_settings

STATIC = Path(__file__).parent / "static"


class StaticPages(StaticFiles):
    def lookup_path(self, path: str):
        # A NUL (/static/chat.js%00.html) makes os.stat raise ValueError, which Starlette turns into a 500.
        return ("", None) if "\x00" in path else super().lookup_path(path)


log = logging.getLogger("api")
BACKGROUND_SECONDS = 30
_retained_on = None  # the district day the retention job last ran


def expire_and_supervise() -> None:
    """One round of the background work. A handoff that became a call-back wakes its assistant
    up again, through the outbox."""
    from api.admin import inbox
    from api.admin import retention as admin_retention
    with WriteSession() as session:
        for sender in relay.expire_all_unclaimed(session):
            rasa_client.resume(session, sender)
        session.commit()
    with WriteSession() as session:
        tickets.supervise_overdue(session)
    try:  # the admins' review inbox: what the assistant handled badly since the last round
        with WriteSession() as session:
            inbox.collect(session)
    except Exception:  # an unreadable tracker store must not stop the rest of the round
        log.exception("review inbox: collection failed; trying again next round")
    global _retained_on
    if _retained_on != clock.now().date():  # once a day (and at start-up)
        with WriteSession() as session:
            log.info("retention: deleted %s", retention.run(session))
        with WriteSession() as session:
            log.info("retention (admin): deleted %s", admin_retention.run(session))
        with WriteSession() as session:
            log.info("retention (hotline calls): deleted %s", voice.forget_old(session))
        _retained_on = clock.now().date()


async def _background():
    """Unclaimed handoffs become call-backs even when the resident's page is closed, and
    overdue work orders are flagged (督办) without waiting for anyone to read them."""
    while True:
        await asyncio.sleep(BACKGROUND_SECONDS)
        try:
            await run_in_threadpool(expire_and_supervise)
            # Calls Rasa has not confirmed yet (it was restarting): again, in order.
            await run_in_threadpool(rasa_client.deliver)
        except Exception:  # a locked database or a restarting Rasa must not end the loop
            log.exception("background round failed; trying again shortly")


@asynccontextmanager
async def lifespan(_app):
    get_settings()  # a wrong RSA_* variable stops start-up here, with its name
    install_redaction()  # after uvicorn has set up its log handlers
    loop = asyncio.create_task(_background())
    pushes = asyncio.create_task(wechat_routes.run())  # WeChat: staff replies and owed answers, every few seconds
    await run_in_threadpool(sensitivity.classifier)  # trained now, not on a resident's first message
    await run_in_threadpool(locate.warm_up)  # the address extractor (spaCy) loads now, likewise
    await run_in_threadpool(route_reader.warm_up)  # the readers learnt from real messages, likewise
    await run_in_threadpool(incident_categories.warm_up)  # with the department reader, likewise
    await run_in_threadpool(registry.sync_at_start)  # the model history names what Rasa loaded at start
    await run_in_threadpool(training.recover)  # runs a restart interrupted are failed; live ones watched again
    yield
    loop.cancel()
    pushes.cancel()


app = FastAPI(title="Resident service backend", version="0.1.0", lifespan=lifespan)
for module in (guide_routes, place_routes, incident_routes, routing_routes, open311, handoff_routes, h5_routes, staff_routes,
               console_routes, inbox_routes, training_routes, catalogue_routes):
    app.include_router(module.router)
app.include_router(voice_routes.router)  # the hotline's speech gateway (jambonz)
app.include_router(wechat_routes.router)  # the WeChat Official Account's pushes, and photos residents sent
open311.install_errors(app)
app.mount("/static", StaticPages(directory=STATIC), name="static")
# The last added runs first: every answer gets the security headers, then the per-address pace
# on the public routes, then the body cap, before anything parses the body.
app.add_middleware(BodyLimit, default=64 * KB, larger={"/api/catalogue/import": 1024 * KB, wechat_routes.PATH: 32 * KB})
# WeChat's pushes come from a few of Tencent's addresses for every resident: they are paced per
# conversation (turn.py) and must carry WeChat's signature, not paced per address.
app.add_middleware(AddressLimit, public=lambda path: not is_internal(path) and path != wechat_routes.PATH)
app.add_middleware(SecurityHeaders)


def is_internal(path: str) -> bool:
    """Machine-to-machine routes (behind RSA_SERVICE_TOKEN): /api/ apart from the chat page's."""
    return path.startswith("/api/") and not (path == "/api/chat" or path.startswith("/api/chat/"))


@app.exception_handler(DomainError)
def domain_error(_request: Request, exc: DomainError) -> JSONResponse:
    """The one place where a rule's refusal becomes an HTTP answer."""
    return JSONResponse({"detail": exc.message}, status_code=exc.kind.status)


@app.get("/healthz")
def healthz():
    return {"ok": True, "services": len(index.current().items)}


@app.get("/")
def chat_page():
    return FileResponse(STATIC / "chat.html", headers={"Cache-Control": "no-cache"})


@app.get("/console")
def console_page():
    return FileResponse(STATIC / "console.html", headers={"Cache-Control": "no-cache"})


@app.get("/console/admin")
def admin_page():
    """Admins' page: the review inbox, training and models, the catalogue (the API checks the role)."""
    return FileResponse(STATIC / "admin.html", headers={"Cache-Control": "no-cache"})
