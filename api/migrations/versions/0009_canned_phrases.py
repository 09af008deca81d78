"""canned phrases of the staff console

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 10:00:00

A centre's own ready-made lines for staff replies (greetings, closings, "请稍等，我查一下"),
and the district-wide ones (no centre); supervisors edit them in the console.
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: Union[str, Sequence[str], None] = "0008"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "canned_phrases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("centre_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=30), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["centre_id"], ["service_centres.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_canned_phrases_centre_id"), "canned_phrases", ["centre_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_canned_phrases_centre_id"), table_name="canned_phrases")
    op.drop_table("canned_phrases")
