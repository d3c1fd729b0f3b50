"""Derived amounts and evidence: say how a figure no text states was computed, and how a regional offer is known.

- pay_parameter_value.derivation, pay_component.derivation: the arithmetic from official figures, when no text
  states the value itself (the engine then reports `origin: derived`, never `published`);
- pay_component.confirmed: False when no official text states the amount;
- source_document.read_on: the day a web page (or an official text's copy on the web) was read;
- scheme_region.evidence: `documented` (a document describes the offer in the region) or `mentioned` (a document only
  names it there).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 22:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("pay_parameter_value") as batch:
        batch.add_column(sa.Column("derivation", sa.Text(), nullable=True))
    with op.batch_alter_table("pay_component") as batch:
        batch.add_column(sa.Column("derivation", sa.Text(), nullable=True))
        batch.add_column(sa.Column("confirmed", sa.Boolean(), nullable=False, server_default=sa.true()))
    with op.batch_alter_table("source_document") as batch:
        batch.add_column(sa.Column("read_on", sa.Date(), nullable=True))
    with op.batch_alter_table("scheme_region") as batch:
        batch.add_column(sa.Column("evidence", sa.String(length=20), nullable=False, server_default="documented"))


def downgrade() -> None:
    with op.batch_alter_table("scheme_region") as batch:
        batch.drop_column("evidence")
    with op.batch_alter_table("source_document") as batch:
        batch.drop_column("read_on")
    with op.batch_alter_table("pay_component") as batch:
        batch.drop_column("confirmed")
        batch.drop_column("derivation")
    with op.batch_alter_table("pay_parameter_value") as batch:
        batch.drop_column("derivation")
