"""media_url of work orders

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 18:30:00

Open311 clients send a photo's address with a request; it is kept and returned with the request.
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: Union[str, Sequence[str], None] = "0007"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("media_url", sa.String(length=500), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.drop_column("media_url")
