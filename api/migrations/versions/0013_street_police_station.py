"""a street's police station: 户籍 items are handled at its window, not at the street centre

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04 12:00:00
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: Union[str, Sequence[str], None] = "0012"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table("streets") as batch:
        batch.add_column(sa.Column("police_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_streets_police_id", "service_centres", ["police_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("streets") as batch:
        batch.drop_constraint("fk_streets_police_id", type_="foreignkey")
        batch.drop_column("police_id")
