"""the district row; staff sessions record when they began

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 15:00:00

A session counts as "on duty" at a time only between its start and its expiry; before,
any unexpired session counted, also for times before it began.
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: Union[str, Sequence[str], None] = "0004"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    # The district's own names, from places.json (filled by `seed`), instead of code.
    op.create_table("district",
                    sa.Column("id", sa.Integer(), nullable=False),
                    sa.Column("name", sa.String(length=50), nullable=False),
                    sa.Column("city", sa.String(length=50), nullable=False),
                    sa.Column("province", sa.String(length=50), nullable=False),
                    sa.PrimaryKeyConstraint("id"))
    # Sessions from before this revision get created_at = expires_at: they no longer count
    # as on duty for any past time; staff on duty simply sign in again.
    with op.batch_alter_table("staff_sessions") as batch:
        batch.add_column(sa.Column("created_at", sa.DateTime(), nullable=True))
    op.execute("UPDATE staff_sessions SET created_at = expires_at")
    with op.batch_alter_table("staff_sessions") as batch:
        batch.alter_column("created_at", existing_type=sa.DateTime(), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("staff_sessions") as batch:
        batch.drop_column("created_at")
    op.drop_table("district")
