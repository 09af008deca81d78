"""The hotline's webhooks, as jambonz calls them (docs/voice-gateway.md says which URL is which).
Public routes (not behind the service token): each request is checked against the gateway's
signature and/or basic auth first (api/channels/voice.py), before its body is read as JSON."""
import json
import logging

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from api.channels import voice

log = logging.getLogger(__name__)
router = APIRouter(prefix="/voice")
REFUSED = "签名或认证无效"
OFF = "语音热线未配置（RSA_VOICE_WEBHOOK_SECRET 或 RSA_VOICE_BASIC_AUTH）"


async def _payload(request: Request):
    """(payload, None) or (None, the refusal to answer)."""
    body = await request.body()
    if not voice.enabled():
        return None, JSONResponse({"detail": OFF}, status_code=503)
    if not voice.authorised(request.headers, body):
        return None, JSONResponse({"detail": REFUSED}, status_code=403)
    try:
        payload = json.loads(body or b"{}")
    except (ValueError, UnicodeDecodeError):
        return None, JSONResponse({"detail": "请求体不是 JSON"}, status_code=400)
    if not isinstance(payload, dict):
        return None, JSONResponse({"detail": "请求体必须是 JSON 对象"}, status_code=400)
    return payload, None


async def _verbs(request: Request, handle) -> Response:
    payload, refused = await _payload(request)
    if refused is not None:
        return refused
    try:
        return JSONResponse(await handle(payload))
    except voice.BadRequest as e:
        return JSONResponse({"detail": str(e)}, status_code=400)


@router.post("/call")
async def call(request: Request):
    """The application's call webhook: a new call is greeted and listened to."""
    return await _verbs(request, voice.call_started)


@router.post("/gather")
async def gathered(request: Request):
    """A gather's actionHook: what the caller said or keyed, one turn."""
    return await _verbs(request, voice.gathered)


@router.post("/dial")
async def dial_ended(request: Request):
    """The dial's actionHook: the transfer to a seat is over."""
    return await _verbs(request, voice.dial_ended)


@router.post("/whisper")
async def whisper(request: Request, case: str = ""):
    """The dial's confirmHook: the seat hears what the call is about before it is put through."""
    async def handle(_payload):
        return voice.whisper(case)
    return await _verbs(request, handle)


@router.post("/status")
async def status(request: Request):
    """The application's call status webhook: the end of the call is recorded."""
    payload, refused = await _payload(request)
    if refused is not None:
        return refused
    try:
        await voice.status_changed(payload)
    except voice.BadRequest as e:
        return JSONResponse({"detail": str(e)}, status_code=400)
    return JSONResponse({"ok": True})
