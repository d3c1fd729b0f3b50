"""Catalogue version: a counter bumped with every data change, so every worker can tell its snapshot is stale.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 21:09:07.995175
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('catalogue_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    # The single row exists from the start: readers never have to handle its absence.
    op.execute("INSERT INTO catalogue_version (id, version) VALUES (1, 0)")


def downgrade() -> None:
    op.drop_table('catalogue_version')
