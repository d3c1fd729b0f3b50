"""Regions carry their ISO 3166-2:FR code (FR-HDF…) beside the INSEE code.

- region.iso_code: nullable (a region imported without one keeps working); filled here for the 18 INSEE codes of
  seed/regions.yaml, so that a catalogue migrated from 0007 answers /regions/FR-HDF without a reload. The values are
  those of seed/regions.yaml (source iso-3166-2-fr), copied because a migration must not read files that change later.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 14:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

ISO_CODES = {
    "01": "FR-971", "02": "FR-972", "03": "FR-973", "04": "FR-974", "06": "FR-976",
    "11": "FR-IDF", "24": "FR-CVL", "27": "FR-BFC", "28": "FR-NOR", "32": "FR-HDF", "44": "FR-GES",
    "52": "FR-PDL", "53": "FR-BRE", "75": "FR-NAQ", "76": "FR-OCC", "84": "FR-ARA", "93": "FR-PAC", "94": "FR-20R",
}


# Plain ALTER TABLE, not batch mode: a batch rebuild of `region` on SQLite drops the table that seven others refer to,
# which foreign_keys=ON (app/db.py) refuses. SQLite has ADD and DROP COLUMN natively (3.35+).
def upgrade() -> None:
    op.add_column("region", sa.Column("iso_code", sa.String(length=6), nullable=True))
    region = sa.table("region", sa.column("code", sa.String), sa.column("iso_code", sa.String))
    for code, iso_code in ISO_CODES.items():
        op.execute(region.update().where(region.c.code == code).values(iso_code=iso_code))


def downgrade() -> None:
    op.drop_column("region", "iso_code")
