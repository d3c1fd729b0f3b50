"""National quotas of posts by region and period, and notes on regions (issue 13).

- post_quota: one row per (programme, region, period, kind of post) a note distributes, with its sources. Filled by
  the seed (seed/quotas.yaml) like every catalogue table; a catalogue migrated from 0008 has none until it is loaded.
- region.notes: what a reader of the region should know (no CHU there…), each stated by one of the region's
  quoted sources; empty for existing rows.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 12:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN, not batch mode (see 0008): `region` is referred to by seven tables.
    op.add_column("region", sa.Column("notes", sa.JSON(), nullable=False, server_default=sa.text("'[]'")))
    op.create_table(
        "post_quota",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("programme", sa.Text(), nullable=False),
        sa.Column("scheme_slug", sa.String(length=80), nullable=True),
        sa.Column("region_code", sa.String(length=2), nullable=False),
        sa.Column("period_start", sa.Integer(), nullable=False),
        sa.Column("period_end", sa.Integer(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=True),
        sa.Column("posts", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("sources", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["region_code"], ["region.code"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    op.create_index("ix_post_quota_scheme_slug", "post_quota", ["scheme_slug"])
    op.create_index("ix_post_quota_region_code", "post_quota", ["region_code"])


def downgrade() -> None:
    op.drop_index("ix_post_quota_region_code", table_name="post_quota")
    op.drop_index("ix_post_quota_scheme_slug", table_name="post_quota")
    op.drop_table("post_quota")
    op.drop_column("region", "notes")
