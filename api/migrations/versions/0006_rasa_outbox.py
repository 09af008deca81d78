"""rasa_outbox: calls to the assistant (pause, resume, staff lines) kept until Rasa confirms

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 16:30:00

Before, a call that failed (Rasa restarting) was only logged, and a handed-back conversation
stayed paused for good.
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: Union[str, Sequence[str], None] = "0005"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table("rasa_outbox",
                    sa.Column("id", sa.Integer(), nullable=False),
                    sa.Column("sender", sa.String(length=100), nullable=False),
                    sa.Column("kind", sa.String(length=12), nullable=False),
                    sa.Column("events", sa.JSON(), nullable=False),
                    sa.Column("created_at", sa.DateTime(), nullable=False),
                    sa.Column("attempts", sa.Integer(), nullable=False),
                    sa.Column("last_error", sa.String(length=100), nullable=True),
                    sa.Column("last_try_at", sa.DateTime(), nullable=True),
                    sa.PrimaryKeyConstraint("id"))
    with op.batch_alter_table("rasa_outbox") as batch:
        batch.create_index(batch.f("ix_rasa_outbox_sender"), ["sender"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("rasa_outbox") as batch:
        batch.drop_index(batch.f("ix_rasa_outbox_sender"))
    op.drop_table("rasa_outbox")
