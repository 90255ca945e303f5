"""Suggestions, embeddings, duplicate links, issues and membership, reviews, audit log, API keys.

Revision ID: 0001
Revises:
"""
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "suggestions",
        sa.Column("pk", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("id", sa.String(200), nullable=False, unique=True),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("original_title", sa.Text, nullable=False),
        sa.Column("original_body", sa.Text, nullable=False),
        sa.Column("submitter", sa.String(200), nullable=False),
        sa.Column("org_name", sa.String(500), nullable=False),
        sa.Column("org_type", sa.String(200), nullable=False),
        sa.Column("sector", sa.String(200), nullable=False),
        sa.Column("district", sa.String(200), nullable=False),
        sa.Column("submitted_at", sa.DateTime, nullable=True),
        sa.Column("endorsements", sa.Integer, nullable=False),
        sa.Column("opposes", sa.Integer, nullable=False),
        sa.Column("extra", sa.JSON, nullable=False),
        sa.Column("source", sa.String(500), nullable=False),
        sa.Column("row", sa.Integer, nullable=False),
        sa.Column("payload_hash", sa.String(64), nullable=False),
        sa.Column("result", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
    )
    op.create_index("ix_suggestions_sector", "suggestions", ["sector"])
    op.create_index("ix_suggestions_district", "suggestions", ["district"])
    op.create_table(
        "embeddings",
        sa.Column("suggestion_id", sa.String(200), sa.ForeignKey("suggestions.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("embedder", sa.String(200), primary_key=True),
        sa.Column("dim", sa.Integer, nullable=False),
        sa.Column("vector", sa.LargeBinary, nullable=False),
    )
    op.create_table(
        "duplicate_links",
        sa.Column("suggestion_id", sa.String(200), sa.ForeignKey("suggestions.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("original_id", sa.String(200), sa.ForeignKey("suggestions.id"), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_duplicate_links_original_id", "duplicate_links", ["original_id"])
    op.create_table(
        "issues",
        sa.Column("id", sa.String(100), primary_key=True),
        sa.Column("label", sa.Text, nullable=False),
        sa.Column("keywords", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "issue_members",
        sa.Column("suggestion_id", sa.String(200), sa.ForeignKey("suggestions.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("issue_id", sa.String(100), sa.ForeignKey("issues.id"), nullable=False),
        sa.Column("assigned_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_issue_members_issue_id", "issue_members", ["issue_id"])
    op.create_table(
        "reviews",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("target_type", sa.String(20), nullable=False),
        sa.Column("target_id", sa.String(200), nullable=False),
        sa.Column("decision", sa.String(30), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("reviewer", sa.String(100), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_reviews_target", "reviews", ["target_type", "target_id"])
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("action", sa.String(50), nullable=False),
        sa.Column("target_type", sa.String(20), nullable=False),
        sa.Column("target_id", sa.String(200), nullable=False),
        sa.Column("detail", sa.JSON, nullable=False),
    )
    op.create_index("ix_audit_target", "audit_log", ["target_type", "target_id"])
    op.create_table(
        "api_keys",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("key_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("revoked_at", sa.DateTime, nullable=True),
    )


def downgrade() -> None:
    for table in ("api_keys", "audit_log", "reviews", "issue_members", "issues", "duplicate_links", "embeddings",
                  "suggestions"):
        op.drop_table(table)
