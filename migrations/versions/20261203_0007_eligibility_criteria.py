"""What an eligibility rule tests, as data: scheme_rule.criterion.

- scheme_rule.criterion: a JSON object (app/records/schemas.py Criterion: thesis, years_after, specialty,
  ordre_registration, research_master, trained_in_region, not_a_condition) evaluated by app/eligibility/rules.py;
  null for every other rule and for an eligibility rule stated only in words (its verdict is then `unknown`).

The rows already there get null: their criteria come with the seed (`python -m app.seed` syncs them) or through the
records API.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 14:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("scheme_rule") as batch:
        batch.add_column(sa.Column("criterion", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("scheme_rule") as batch:
        batch.drop_column("criterion")
