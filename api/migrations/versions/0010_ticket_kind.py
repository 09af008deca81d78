"""kind of work orders (投诉/举报/求助/咨询/建议)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 12:00:00

12345 treats a suggestion (建议) as a work order of its own type, answered by the department
within its own time limit. Existing work orders are residents' reports of problems: 投诉.
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: Union[str, Sequence[str], None] = "0009"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("kind", sa.String(length=4), nullable=True))
    op.execute(sa.text("UPDATE tickets SET kind = '投诉'"))
    with op.batch_alter_table("tickets") as batch:
        batch.alter_column("kind", existing_type=sa.String(length=4), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.drop_column("kind")
