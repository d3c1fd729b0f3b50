"""Eligibility of a specialty for a scheme: confirmed by a text, or only a lead.

- scheme_specialty.confirmed: False when no text read places the DES in the scheme's disciplines (AHU: the DES named
  as leads for the « disciplines biologiques, mixtes et pharmaceutiques »); True for the rows already there;
- scheme_specialty.note: why the link is (un)confirmed, in French as the catalogue shows it;
- scheme_specialty.sources: the citations of the link itself (null: none recorded, as before 0006).

Downgrading deletes the unconfirmed rows first: 0005 has no way to mark them, and keeping them would make every lead
a plain eligible specialty.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 23:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("scheme_specialty") as batch:
        batch.add_column(sa.Column("confirmed", sa.Boolean(), nullable=False, server_default=sa.true()))
        batch.add_column(sa.Column("note", sa.Text(), nullable=True))
        batch.add_column(sa.Column("sources", sa.JSON(), nullable=True))


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM scheme_specialty WHERE confirmed = :no").bindparams(no=False))
    with op.batch_alter_table("scheme_specialty") as batch:
        batch.drop_column("sources")
        batch.drop_column("note")
        batch.drop_column("confirmed")
