"""Every setting of the three processes, from RSA_* environment variables, validated once.

`get_settings()` is read at call time, not at import, so a process (or a test) that changes
the environment and calls `get_settings.cache_clear()` sees the new values. The README's
configuration table is checked against this class by a test.
"""
import base64
import binascii
import datetime as dt
from functools import lru_cache
from pathlib import Path
from typing import List, Optional
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseSettings, Field, ValidationError, validator

ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    # Where things are
    var_dir: Path = Field(ROOT / "var", description="data directory: databases, logs")
    database_url: str = Field("", description="backend database (SQLAlchemy URL) [sqlite:///var/backend.db]")
    seed_dir: Path = Field(ROOT / "api" / "seed", description="demo district and catalogue to seed from")
    tracker_dialect: str = Field("sqlite", description="Rasa's SQLTrackerStore dialect")
    tracker_db: str = Field("", description="Rasa's tracker database [var/tracker.db]")
    # The processes and how they reach each other (all on loopback)
    api_port: int = Field(8000, ge=1, le=65535, description="backend port")
    actions_port: int = Field(5055, ge=1, le=65535, description="action server port")
    rasa_port: int = Field(5005, ge=1, le=65535, description="Rasa server port")
    backend_url: str = Field("", description="the backend, as the action server calls it [from RSA_API_PORT]")
    db_lock_seconds: float = Field(8, gt=0, description="seconds a backend write queues for SQLite's write lock")
    backend_timeout: float = Field(
        20, gt=0, description="seconds the action server waits for the backend (longer than RSA_DB_LOCK_SECONDS)")
    rasa_url: str = Field("", description="the Rasa server, as the backend calls it [from RSA_RASA_PORT]")
    action_url: str = Field("", description="the action server, as Rasa calls it [from RSA_ACTIONS_PORT]")
    rasa_token: str = Field("", description="token for Rasa's HTTP API (set by scripts/start)")
    service_token: str = Field(
        "", description="secret the processes show each other: actions → backend /api/, Rasa → actions, "
                        "backend → Rasa's h5 webhook (set by scripts/start) [unset: internal calls refused]")
    trusted_proxies: str = Field(
        "", description="comma-separated addresses/CIDRs of reverse proxies whose X-Forwarded-For/-Proto is believed")
    admin_token: str = Field("", description="X-Admin-Token for catalogue import and work-order actions [unset: off]")
    open311_keys: str = Field("", description="comma-separated Open311 API keys [unset: POST refused]")
    # The district
    timezone: str = Field("Asia/Shanghai", description="the district's time zone: hours, deadlines, times shown")
    clock_start: Optional[dt.datetime] = Field(
        None, description="start the district clock at this wall-clock time (tests, demonstrations) [unset: real time]")
    hotline: str = Field("12345", regex=r"^[0-9-]{3,20}$", description="the government service hotline residents are given")
    # Residents and staff
    # At most 2000: a case keeps that much of each resident line and staff file reports of up to that length.
    max_message_chars: int = Field(
        2000, ge=10, le=2000, description="longest resident message the assistant reads (at most 2000)")
    chat_burst: int = Field(10, ge=1, description="messages a resident may send at once")
    chat_per_second: float = Field(1, gt=0, description="messages per second after the burst")
    claim_timeout_minutes: float = Field(10, gt=0, description="unclaimed handoffs become call-backs after this")
    staff_session_hours: float = Field(8, gt=0, description="console sign-ins expire after this")
    address_burst: int = Field(300, ge=1, description="requests one client address may make at once to public routes")
    address_per_second: float = Field(20, gt=0, description="requests per second per client address after the burst")
    new_chats_per_hour: int = Field(30, ge=1, description="new conversations one client address may start per hour")
    open311_per_minute: int = Field(30, ge=1, description="Open311 POSTs per API key per minute")
    retention_days: int = Field(180, ge=1, description="conversations and closed cases older than this are deleted")
    # Admins retraining the assistant from the console
    train_config: Path = Field(ROOT / "config.yml", description="the NLU pipeline and policies a console training run uses")
    nlu_dir: Path = Field(ROOT / "nlu_data", description="training data; labels from the review inbox go to reviewed.yml here")
    jieba_dict: Path = Field(
        ROOT / "bot" / "jieba" / "catalogue.txt",
        description="the jieba dictionary generated from the catalogue; the running Rasa server adds words saved in "
                    "the console from it (training reads bot/jieba, as config.yml says)")
    review_confidence: float = Field(
        0.6, gt=0, le=1, description="a message whose top intent is less sure than this goes to the review inbox")
    gate_tolerance: float = Field(
        0.015, ge=-1, le=1,
        description="how much lower than the live model's a new model's intent macro-F1 may be on either evaluation set "
                    "before activating it needs an admin's override; below 0, a new model must be better by that much")
    real_messages: Path = Field(
        ROOT.parent / "shared" / "data" / "real-messages" / "messages.jsonl",
        description="the real residents' messages (not in the repository); the review inbox refuses to train on "
                    "the development set's and the tuning split's")
    # WeChat Official Account (api/channels/wechat*.py)
    wechat_token: str = Field(
        "", description="the Token of the Official Account's server configuration (服务器配置) [unset: the WeChat channel is off]")
    wechat_aes_key: str = Field(
        "", description="the EncodingAESKey (43 characters); when set only encrypted pushes (safe or compatible mode) "
                        "are taken [unset: plaintext mode]")
    wechat_app_id: str = Field("", description="the Official Account's AppID (safe mode checks it)")
    wechat_app_secret: str = Field(
        "", description="the AppSecret, for the access token of the customer-service message API "
                        "[unset: answers only in reply, nothing pushed]")
    wechat_api_base: str = Field("https://api.weixin.qq.com", description="WeChat's API servers (a stand-in in tests)")
    wechat_passive_seconds: float = Field(
        4, ge=0, le=4.5, description="seconds a push waits for the answer to reply in place; WeChat gives up at 5, "
                                     "a later answer goes by the customer-service message API")
    wechat_push_seconds: float = Field(
        2, gt=0, description="how often staff replies and owed answers are pushed to WeChat residents")
    wechat_public_url: str = Field(
        "", description="the backend's public address (https://…) for links to photos residents sent "
                        "[unset: RSA_BACKEND_URL]")
    # The hotline's speech gateway, jambonz (api/channels/voice*.py)
    voice_webhook_secret: str = Field(
        "", description="the jambonz account's webhook secret: each webhook must carry a valid Jambonz-Signature "
                        "[unset: not checked]; with RSA_VOICE_BASIC_AUTH also unset the voice webhooks are refused")
    voice_basic_auth: str = Field(
        "", description="user:password the jambonz application sends with its webhooks (HTTP basic auth) [unset: not checked]")
    voice_public_url: str = Field(
        "", description="the backend's address as jambonz reaches it, for the hooks in the verbs it is sent "
                        "[unset: paths relative to the call webhook]")
    voice_seat: str = Field(
        "", description="where a transfer to a person rings, for every centre: a phone number or a sip: URI "
                        "[unset: the phone of the caller's community centre]")
    voice_recognizer: str = Field(
        "default", regex=r"^[a-z0-9_:-]{1,40}$",
        description="the speech recogniser (jambonz vendor name) the recognition hints are given to; default: the application's own")
    voice_language: str = Field("zh-CN", regex=r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$", description="the callers' language, for the recogniser")
    voice_timeout: float = Field(8, ge=2, le=60, description="seconds of silence before the caller is asked again (twice silent: a person)")
    voice_min_confidence: float = Field(
        0.4, ge=0, le=1, description="a transcript the recogniser is less sure of than this is asked again, not answered")
    voice_sms: bool = Field(
        False, description="offer callers the whole guide by SMS; on only where the district's SMS gateway sends the "
                           "pending `sms` rows of channel_outbox (nothing here sends them)")

    class Config:
        env_prefix = "RSA_"

    @validator("timezone")
    def _known_zone(cls, v):
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {v!r}; use an IANA name such as Asia/Shanghai") from None
        return v

    @validator("backend_timeout")
    def _longer_than_lock(cls, v, values):
        # Otherwise the action gives up while the backend still commits: a ticket filed, the
        # resident told it failed.
        lock = values.get("db_lock_seconds", 8)
        if v <= lock:
            raise ValueError(f"must be longer than RSA_DB_LOCK_SECONDS ({lock:g})")
        return v

    @validator("clock_start")
    def _naive(cls, v):
        return v.replace(tzinfo=None) if v else v  # a wall-clock time in the district's zone

    @validator("database_url", always=True)
    def _database(cls, v, values):
        return v or f"sqlite:///{values.get('var_dir', ROOT / 'var') / 'backend.db'}"

    @validator("tracker_db", always=True)
    def _tracker(cls, v, values):
        return v or str(values.get("var_dir", ROOT / "var") / "tracker.db")

    @validator("backend_url", always=True)
    def _backend(cls, v, values):
        return (v or f"http://127.0.0.1:{values.get('api_port', 8000)}").rstrip("/")

    @validator("rasa_url", always=True)
    def _rasa(cls, v, values):
        return (v or f"http://127.0.0.1:{values.get('rasa_port', 5005)}").rstrip("/")

    @validator("action_url", always=True)
    def _actions(cls, v, values):
        return v or f"http://127.0.0.1:{values.get('actions_port', 5055)}/webhook"

    @validator("wechat_aes_key")
    def _aes_key(cls, v):
        # WeChat shows it as 43 base64 characters: a 32-byte AES key without its "=".
        try:
            ok = not v or len(v) == 43 and len(base64.b64decode(v + "=", validate=True)) == 32
        except (binascii.Error, ValueError):
            ok = False
        if not ok:
            raise ValueError("must be the 43-character EncodingAESKey shown in the Official Account's settings")
        return v

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def trusted_proxy_list(self) -> List[str]:
        return [k.strip() for k in self.trusted_proxies.split(",") if k.strip()]

    @property
    def open311_key_list(self) -> List[str]:
        return [k.strip() for k in self.open311_keys.split(",") if k.strip()]


class SettingsError(SystemExit):
    """Raised at start-up when an RSA_* variable is wrong; the message names it."""


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as e:
        lines = [f"  RSA_{'_'.join(map(str, err['loc'])).upper()}: {err['msg']}" for err in e.errors()]
        raise SettingsError("error: invalid settings in the environment:\n" + "\n".join(lines)) from None


def env_names() -> List[str]:
    return sorted("RSA_" + name.upper() for name in Settings.__fields__)
