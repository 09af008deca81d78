"""What the channels keep: each inbound message once (WeChat retries the same push up to three
times), small per-conversation state (the numbered choices last offered, a call's silences),
messages owed to residents outside a reply (WeChat's customer-service API), and media residents
sent (a photo for a report)."""
from sqlalchemy import JSON, Column, DateTime, Integer, String, UniqueConstraint

from api.core.db import Base


class ChannelInbound(Base):
    """One inbound message or event, by the channel's own id (WeChat: MsgId, or sender +
    CreateTime for events): a retry finds it and gets the same answer, never a second turn."""
    __tablename__ = "channel_inbound"
    __table_args__ = (UniqueConstraint("channel", "key", name="uq_channel_inbound_key"),)
    id = Column(Integer, primary_key=True)
    channel = Column(String(20), nullable=False)
    key = Column(String(120), nullable=False)
    sender = Column(String(100), nullable=False, index=True)
    received_at = Column(DateTime, nullable=False)
    status = Column(String(12), nullable=False)  # working | replied | pushed (answered through the outbox)
    reply = Column(JSON, nullable=True)          # what was answered, for a retry that comes in time


class ChannelState(Base):
    """Small state of one conversation on one channel (JSON), e.g. the choices last offered."""
    __tablename__ = "channel_state"
    __table_args__ = (UniqueConstraint("channel", "sender", name="uq_channel_state_sender"),)
    id = Column(Integer, primary_key=True)
    channel = Column(String(20), nullable=False)
    sender = Column(String(100), nullable=False)
    data = Column(JSON, nullable=False, default=dict)
    updated_at = Column(DateTime, nullable=False)


class ChannelOutbox(Base):
    """A message owed to a resident outside a reply (a slow turn's answer, a staff line), sent
    and retried until the channel accepts it; what could not be delivered stays, marked failed."""
    __tablename__ = "channel_outbox"
    id = Column(Integer, primary_key=True)
    channel = Column(String(20), nullable=False)
    sender = Column(String(100), nullable=False, index=True)
    payload = Column(JSON, nullable=False)
    created_at = Column(DateTime, nullable=False)
    status = Column(String(12), nullable=False)  # pending | sent | failed
    attempts = Column(Integer, nullable=False, default=0)
    last_error = Column(String(200), nullable=True)
    last_try_at = Column(DateTime, nullable=True)
    sent_at = Column(DateTime, nullable=True)


class ChannelMedia(Base):
    """A file a resident sent (a photo), kept under the data directory and served by id."""
    __tablename__ = "channel_media"
    id = Column(Integer, primary_key=True)
    token = Column(String(40), nullable=False, unique=True)  # the unguessable part of its URL
    channel = Column(String(20), nullable=False)
    sender = Column(String(100), nullable=False, index=True)
    content_type = Column(String(60), nullable=False)
    path = Column(String(300), nullable=False)
    size = Column(Integer, nullable=False)
    created_at = Column(DateTime, nullable=False)
