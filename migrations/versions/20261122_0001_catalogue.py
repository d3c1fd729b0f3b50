"""Catalogue: schemes, regions, specialties, sources, pay components, contacts, calendar.

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-22 20:48:14.870542
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('region',
    sa.Column('code', sa.String(length=2), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('sources', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('code')
    )
    op.create_table('scheme',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=80), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('short_name', sa.Text(), nullable=True),
    sa.Column('category', sa.String(length=20), nullable=False),
    sa.Column('scope', sa.String(length=20), nullable=False),
    sa.Column('audience', sa.String(length=20), nullable=False),
    sa.Column('audience_text', sa.Text(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('duration_initial_months', sa.Integer(), nullable=True),
    sa.Column('duration_renewals', sa.Integer(), nullable=False),
    sa.Column('duration_renewal_months', sa.Integer(), nullable=True),
    sa.Column('duration_standard_max_months', sa.Integer(), nullable=True),
    sa.Column('duration_max_months', sa.Integer(), nullable=True),
    sa.Column('duration_max_condition', sa.Text(), nullable=True),
    sa.Column('duration_extendable', sa.Boolean(), nullable=True),
    sa.Column('duration_text', sa.Text(), nullable=False),
    sa.Column('duration_sources', sa.JSON(), nullable=False),
    sa.Column('work_split', sa.JSON(), nullable=True),
    sa.Column('sources', sa.JSON(), nullable=False),
    sa.Column('sort_name', sa.String(length=300), nullable=False),
    sa.Column('search_text', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('slug')
    )
    with op.batch_alter_table('scheme', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_scheme_audience'), ['audience'], unique=False)
        batch_op.create_index(batch_op.f('ix_scheme_category'), ['category'], unique=False)
        batch_op.create_index(batch_op.f('ix_scheme_sort_name'), ['sort_name'], unique=False)

    op.create_table('specialty',
    sa.Column('code', sa.String(length=80), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('is_mg', sa.Boolean(), nullable=False),
    sa.Column('discipline', sa.String(length=20), nullable=False),
    sa.Column('sources', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('code')
    )
    op.create_table('calendar_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=80), nullable=False),
    sa.Column('region_code', sa.String(length=2), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('label', sa.Text(), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('precision', sa.String(length=20), nullable=False),
    sa.Column('when_text', sa.Text(), nullable=False),
    sa.Column('recurrence', sa.String(length=20), nullable=False),
    sa.Column('sources', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['region_code'], ['region.code'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key')
    )
    with op.batch_alter_table('calendar_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_calendar_event_date'), ['date'], unique=False)
        batch_op.create_index(batch_op.f('ix_calendar_event_region_code'), ['region_code'], unique=False)

    op.create_table('contact',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=80), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('organisation', sa.Text(), nullable=False),
    sa.Column('service', sa.Text(), nullable=True),
    sa.Column('person_name', sa.Text(), nullable=True),
    sa.Column('email', sa.Text(), nullable=True),
    sa.Column('phone', sa.Text(), nullable=True),
    sa.Column('website', sa.Text(), nullable=True),
    sa.Column('region_code', sa.String(length=2), nullable=False),
    sa.Column('faculty', sa.Text(), nullable=True),
    sa.Column('sources', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['region_code'], ['region.code'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key')
    )
    with op.batch_alter_table('contact', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contact_region_code'), ['region_code'], unique=False)

    op.create_table('pay_component',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=120), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('scheme_id', sa.Integer(), nullable=False),
    sa.Column('region_code', sa.String(length=2), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('label', sa.Text(), nullable=False),
    sa.Column('amount_cents', sa.BigInteger(), nullable=False),
    sa.Column('approximate', sa.Boolean(), nullable=False),
    sa.Column('basis', sa.String(length=20), nullable=False),
    sa.Column('frequency', sa.String(length=20), nullable=False),
    sa.Column('payment_frequency', sa.String(length=20), nullable=True),
    sa.Column('calculation', sa.String(length=20), nullable=False),
    sa.Column('year_from', sa.Integer(), nullable=True),
    sa.Column('year_to', sa.Integer(), nullable=True),
    sa.Column('periphery_share_pct', sa.Integer(), nullable=True),
    sa.Column('conditions', sa.JSON(), nullable=False),
    sa.Column('payer', sa.Text(), nullable=False),
    sa.Column('recipient', sa.Text(), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=True),
    sa.Column('valid_to', sa.Date(), nullable=True),
    sa.Column('headline', sa.Boolean(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('sources', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['region_code'], ['region.code'], ),
    sa.ForeignKeyConstraint(['scheme_id'], ['scheme.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code')
    )
    with op.batch_alter_table('pay_component', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pay_component_scheme_id'), ['scheme_id'], unique=False)

    op.create_table('scheme_region',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('scheme_id', sa.Integer(), nullable=False),
    sa.Column('region_code', sa.String(length=2), nullable=False),
    sa.Column('local_name', sa.Text(), nullable=True),
    sa.Column('since', sa.Date(), nullable=True),
    sa.Column('since_text', sa.Text(), nullable=True),
    sa.Column('funders', sa.JSON(), nullable=False),
    sa.Column('faculties', sa.JSON(), nullable=False),
    sa.Column('notes', sa.JSON(), nullable=False),
    sa.Column('sources', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['region_code'], ['region.code'], ),
    sa.ForeignKeyConstraint(['scheme_id'], ['scheme.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('scheme_id', 'region_code')
    )
    with op.batch_alter_table('scheme_region', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_scheme_region_region_code'), ['region_code'], unique=False)

    op.create_table('scheme_rule',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('scheme_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('data', sa.JSON(), nullable=True),
    sa.Column('sources', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['scheme_id'], ['scheme.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('scheme_id', 'position')
    )
    op.create_table('scheme_specialty',
    sa.Column('scheme_id', sa.Integer(), nullable=False),
    sa.Column('specialty_code', sa.String(length=80), nullable=False),
    sa.ForeignKeyConstraint(['scheme_id'], ['scheme.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['specialty_code'], ['specialty.code'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('scheme_id', 'specialty_code')
    )
    op.create_table('source_document',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=80), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('file', sa.String(length=200), nullable=True),
    sa.Column('publisher', sa.Text(), nullable=False),
    sa.Column('region_code', sa.String(length=2), nullable=True),
    sa.Column('published_on', sa.Date(), nullable=True),
    sa.Column('published_text', sa.Text(), nullable=True),
    sa.Column('url', sa.Text(), nullable=True),
    sa.Column('signed_by', sa.JSON(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['region_code'], ['region.code'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key')
    )
    op.create_table('calendar_event_scheme',
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('scheme_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['calendar_event.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['scheme_id'], ['scheme.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('event_id', 'scheme_id')
    )
    op.create_table('contact_scheme',
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.Column('scheme_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['contact_id'], ['contact.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['scheme_id'], ['scheme.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('contact_id', 'scheme_id')
    )


def downgrade() -> None:
    op.drop_table('contact_scheme')
    op.drop_table('calendar_event_scheme')
    op.drop_table('source_document')
    op.drop_table('scheme_specialty')
    op.drop_table('scheme_rule')
    with op.batch_alter_table('scheme_region', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_scheme_region_region_code'))

    op.drop_table('scheme_region')
    with op.batch_alter_table('pay_component', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pay_component_scheme_id'))

    op.drop_table('pay_component')
    with op.batch_alter_table('contact', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contact_region_code'))

    op.drop_table('contact')
    with op.batch_alter_table('calendar_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_calendar_event_region_code'))
        batch_op.drop_index(batch_op.f('ix_calendar_event_date'))

    op.drop_table('calendar_event')
    op.drop_table('specialty')
    with op.batch_alter_table('scheme', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_scheme_sort_name'))
        batch_op.drop_index(batch_op.f('ix_scheme_category'))
        batch_op.drop_index(batch_op.f('ix_scheme_audience'))

    op.drop_table('scheme')
    op.drop_table('region')
