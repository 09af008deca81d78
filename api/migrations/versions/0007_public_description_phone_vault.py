"""public description of work orders; phone vault behind masked numbers

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 17:00:00

Open311 and strangers see a description without phone/ID numbers, names or flats; existing
work orders get one written from their description. The phone vault keeps the real numbers the
assistant's tracker store no longer sees.
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

from shared.redact import public_text

revision: str = "0007"
down_revision: Union[str, Sequence[str], None] = "0006"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("public_description", sa.Text(), nullable=True))
    conn = op.get_bind()
    for tid, description in conn.execute(sa.text("SELECT id, description FROM tickets")).fetchall():
        conn.execute(sa.text("UPDATE tickets SET public_description = :p WHERE id = :i"),
                     {"p": public_text(description), "i": tid})
    with op.batch_alter_table("tickets") as batch:
        batch.alter_column("public_description", existing_type=sa.Text(), nullable=False)
    op.create_table("phone_vault",
                    sa.Column("id", sa.Integer(), nullable=False),
                    sa.Column("owner_ref", sa.String(length=64), nullable=False),
                    sa.Column("masked", sa.String(length=20), nullable=False),
                    sa.Column("phone", sa.String(length=20), nullable=False),
                    sa.Column("created_at", sa.DateTime(), nullable=False),
                    sa.PrimaryKeyConstraint("id"))
    op.create_index("ix_phone_vault_owner_ref", "phone_vault", ["owner_ref"])


def downgrade() -> None:
    op.drop_index("ix_phone_vault_owner_ref", table_name="phone_vault")
    op.drop_table("phone_vault")
    with op.batch_alter_table("tickets") as batch:
        batch.drop_column("public_description")
