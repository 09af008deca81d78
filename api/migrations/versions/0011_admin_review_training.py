"""routing decisions, the admins' review inbox, training runs and model versions

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 12:00:00
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: Union[str, Sequence[str], None] = "0010"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "routing_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("sender", sa.String(length=100), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("intent", sa.String(length=64), nullable=True),
        sa.Column("intent_confidence", sa.Float(), nullable=True),
        sa.Column("route", sa.String(length=16), nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_routing_decisions_at"), "routing_decisions", ["at"], unique=False)
    op.create_index(op.f("ix_routing_decisions_sender"), "routing_decisions", ["sender"], unique=False)
    op.create_table(
        "review_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=60), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("sender", sa.String(length=100), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("group_key", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.String(length=24), nullable=False),
        sa.Column("intent", sa.String(length=64), nullable=True),
        sa.Column("intent_confidence", sa.Float(), nullable=True),
        sa.Column("route", sa.String(length=16), nullable=True),
        sa.Column("route_score", sa.Float(), nullable=True),
        sa.Column("context", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("label_intent", sa.String(length=64), nullable=True),
        sa.Column("label_route", sa.String(length=16), nullable=True),
        sa.Column("label_entities", sa.JSON(), nullable=True),
        sa.Column("labelled_by_id", sa.Integer(), nullable=True),
        sa.Column("labelled_at", sa.DateTime(), nullable=True),
        sa.Column("flagged_by_id", sa.Integer(), nullable=True),
        sa.Column("suggested", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(["labelled_by_id"], ["staff_users.id"]),
        sa.ForeignKeyConstraint(["flagged_by_id"], ["staff_users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("source"),
    )
    op.create_index(op.f("ix_review_items_sender"), "review_items", ["sender"], unique=False)
    op.create_index(op.f("ix_review_items_group_key"), "review_items", ["group_key"], unique=False)
    op.create_index(op.f("ix_review_items_status"), "review_items", ["status"], unique=False)
    op.create_table(
        "review_cursors",
        sa.Column("name", sa.String(length=20), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "model_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("config", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("trained_by_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("activated_at", sa.DateTime(), nullable=True),
        sa.Column("activated_by_id", sa.Integer(), nullable=True),
        sa.Column("scores", sa.JSON(), nullable=False),
        sa.Column("replaced_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["trained_by_id"], ["staff_users.id"]),
        sa.ForeignKeyConstraint(["activated_by_id"], ["staff_users.id"]),
        sa.ForeignKeyConstraint(["replaced_id"], ["model_versions.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "training_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("started_by_id", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("stage", sa.String(length=40), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=True),
        sa.Column("config", sa.String(length=200), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("model_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["started_by_id"], ["staff_users.id"]),
        sa.ForeignKeyConstraint(["model_id"], ["model_versions.id"]),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("training_runs")
    op.drop_table("model_versions")
    op.drop_table("review_cursors")
    op.drop_index(op.f("ix_review_items_status"), table_name="review_items")
    op.drop_index(op.f("ix_review_items_group_key"), table_name="review_items")
    op.drop_index(op.f("ix_review_items_sender"), table_name="review_items")
    op.drop_table("review_items")
    op.drop_index(op.f("ix_routing_decisions_sender"), table_name="routing_decisions")
    op.drop_index(op.f("ix_routing_decisions_at"), table_name="routing_decisions")
    op.drop_table("routing_decisions")
