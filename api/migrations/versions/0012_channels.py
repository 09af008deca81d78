"""channels: inbound messages kept once, per-conversation state, an outbox to residents, media

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 14:30:00

For the WeChat Official Account and the hotline's speech gateway (issue #13).
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: Union[str, Sequence[str], None] = "0011"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table("channel_inbound",
                    sa.Column("id", sa.Integer(), nullable=False),
                    sa.Column("channel", sa.String(length=20), nullable=False),
                    sa.Column("key", sa.String(length=120), nullable=False),
                    sa.Column("sender", sa.String(length=100), nullable=False),
                    sa.Column("received_at", sa.DateTime(), nullable=False),
                    sa.Column("status", sa.String(length=12), nullable=False),
                    sa.Column("reply", sa.JSON(), nullable=True),
                    sa.PrimaryKeyConstraint("id"),
                    sa.UniqueConstraint("channel", "key", name="uq_channel_inbound_key"))
    with op.batch_alter_table("channel_inbound") as batch:
        batch.create_index(batch.f("ix_channel_inbound_sender"), ["sender"], unique=False)
    op.create_table("channel_state",
                    sa.Column("id", sa.Integer(), nullable=False),
                    sa.Column("channel", sa.String(length=20), nullable=False),
                    sa.Column("sender", sa.String(length=100), nullable=False),
                    sa.Column("data", sa.JSON(), nullable=False),
                    sa.Column("updated_at", sa.DateTime(), nullable=False),
                    sa.PrimaryKeyConstraint("id"),
                    sa.UniqueConstraint("channel", "sender", name="uq_channel_state_sender"))
    op.create_table("channel_outbox",
                    sa.Column("id", sa.Integer(), nullable=False),
                    sa.Column("channel", sa.String(length=20), nullable=False),
                    sa.Column("sender", sa.String(length=100), nullable=False),
                    sa.Column("payload", sa.JSON(), nullable=False),
                    sa.Column("created_at", sa.DateTime(), nullable=False),
                    sa.Column("status", sa.String(length=12), nullable=False),
                    sa.Column("attempts", sa.Integer(), nullable=False),
                    sa.Column("last_error", sa.String(length=200), nullable=True),
                    sa.Column("last_try_at", sa.DateTime(), nullable=True),
                    sa.Column("sent_at", sa.DateTime(), nullable=True),
                    sa.PrimaryKeyConstraint("id"))
    with op.batch_alter_table("channel_outbox") as batch:
        batch.create_index(batch.f("ix_channel_outbox_sender"), ["sender"], unique=False)
    op.create_table("channel_media",
                    sa.Column("id", sa.Integer(), nullable=False),
                    sa.Column("token", sa.String(length=40), nullable=False),
                    sa.Column("channel", sa.String(length=20), nullable=False),
                    sa.Column("sender", sa.String(length=100), nullable=False),
                    sa.Column("content_type", sa.String(length=60), nullable=False),
                    sa.Column("path", sa.String(length=300), nullable=False),
                    sa.Column("size", sa.Integer(), nullable=False),
                    sa.Column("created_at", sa.DateTime(), nullable=False),
                    sa.PrimaryKeyConstraint("id"),
                    sa.UniqueConstraint("token"))
    with op.batch_alter_table("channel_media") as batch:
        batch.create_index(batch.f("ix_channel_media_sender"), ["sender"], unique=False)


def downgrade() -> None:
    for table, index in (("channel_media", "sender"), ("channel_outbox", "sender"), ("channel_inbound", "sender")):
        with op.batch_alter_table(table) as batch:
            batch.drop_index(batch.f(f"ix_{table}_{index}"))
    for table in ("channel_media", "channel_outbox", "channel_state", "channel_inbound"):
        op.drop_table(table)
