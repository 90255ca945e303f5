"""Implementation tracking of adopted items: an append-only history of status changes.

Revision ID: 0003
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "implementations",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("target_type", sa.String(20), nullable=False),
        sa.Column("target_id", sa.String(200), nullable=False),
        sa.Column("status", sa.String(30), nullable=False),
        sa.Column("happened_on", sa.Date, nullable=False),
        sa.Column("department", sa.String(200), nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("evidence_url", sa.String(2000), nullable=True),
        sa.Column("recorder", sa.String(100), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_implementations_target", "implementations", ["target_type", "target_id"])


def downgrade() -> None:
    op.drop_index("ix_implementations_target", "implementations")
    op.drop_table("implementations")
