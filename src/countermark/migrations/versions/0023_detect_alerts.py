"""listing detection: stored scores, alerts and verdicts (issue 15)

Revision ID: 0023
Revises: 0022

The detection models kept in the blob store (the version scores refer to), each stored listing's latest
score with its reasons as codes and values, the alerts above the operating threshold, and the verdicts
people give them (training data for the next model).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from countermark.core.db import UTCDateTime

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def _fk(
    table: str, column: str, target: str, key: str = "id", ondelete: str | None = None
) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.{key}"], name=op.f(f"fk_{table}_{column}_{target}"), ondelete=ondelete
    )


def upgrade() -> None:
    op.create_table(
        "detect_models",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.String(length=64), nullable=False),
        sa.Column("blob_sha256", sa.String(length=64), nullable=False),
        sa.Column("threshold", sa.Double(), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        _fk("detect_models", "blob_sha256", "blobs", "sha256"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_detect_models")),
        sa.UniqueConstraint("version", name=op.f("uq_detect_models_version")),
    )
    op.create_index(op.f("ix_detect_models_active"), "detect_models", ["active"])
    op.create_table(
        "detect_scores",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("listing_id", sa.Integer(), nullable=False),
        sa.Column("listing_version", sa.Integer(), nullable=False),
        sa.Column("owner_org_id", sa.Integer(), nullable=False),
        sa.Column("model_version", sa.String(length=64), nullable=False),
        sa.Column("score", sa.Double(), nullable=False),
        sa.Column("threshold", sa.Double(), nullable=False),
        sa.Column("alert", sa.Boolean(), nullable=False),
        sa.Column("brand", sa.String(length=200), nullable=True),
        sa.Column("product", sa.String(length=200), nullable=True),
        sa.Column("platform", sa.String(length=100), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=True),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("seller", sa.String(length=200), nullable=True),
        sa.Column("rule", sa.String(length=32), nullable=True),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("signals", sa.JSON(), nullable=False),
        sa.Column("signal_names", sa.String(length=1000), nullable=False),
        sa.Column("features", sa.JSON(), nullable=False),
        sa.Column("scored_at", UTCDateTime(timezone=True), nullable=False),
        _fk("detect_scores", "listing_id", "listings", ondelete="CASCADE"),
        _fk("detect_scores", "owner_org_id", "organisations"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_detect_scores")),
        sa.UniqueConstraint("listing_id", name=op.f("uq_detect_scores_listing_id")),
    )
    op.create_index(op.f("ix_detect_scores_brand"), "detect_scores", ["brand"])
    op.create_index("ix_detect_scores_owner_score", "detect_scores", ["owner_org_id", "score"])
    op.create_table(
        "detect_alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("listing_id", sa.Integer(), nullable=False),
        sa.Column("owner_org_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        _fk("detect_alerts", "listing_id", "listings", ondelete="CASCADE"),
        _fk("detect_alerts", "owner_org_id", "organisations"),
        _fk("detect_alerts", "case_id", "cases", ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_detect_alerts")),
        sa.UniqueConstraint("listing_id", name=op.f("uq_detect_alerts_listing_id")),
    )
    op.create_index("ix_detect_alerts_owner_status", "detect_alerts", ["owner_org_id", "status"])
    op.create_table(
        "detect_verdicts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("listing_id", sa.Integer(), nullable=False),
        sa.Column("owner_org_id", sa.Integer(), nullable=False),
        sa.Column("verdict", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("actor", sa.String(length=254), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("seller", sa.String(length=300), nullable=False),
        sa.Column("model_version", sa.String(length=64), nullable=False),
        sa.Column("features", sa.JSON(), nullable=False),
        _fk("detect_verdicts", "alert_id", "detect_alerts", ondelete="CASCADE"),
        _fk("detect_verdicts", "listing_id", "listings", ondelete="CASCADE"),
        _fk("detect_verdicts", "owner_org_id", "organisations"),
        _fk("detect_verdicts", "user_id", "users", ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_detect_verdicts")),
    )
    op.create_index(op.f("ix_detect_verdicts_alert_id"), "detect_verdicts", ["alert_id"])
    op.create_index(op.f("ix_detect_verdicts_listing_id"), "detect_verdicts", ["listing_id"])
    op.create_index(op.f("ix_detect_verdicts_owner_org_id"), "detect_verdicts", ["owner_org_id"])


def downgrade() -> None:
    op.drop_table("detect_verdicts")
    op.drop_table("detect_alerts")
    op.drop_table("detect_scores")
    op.drop_table("detect_models")
