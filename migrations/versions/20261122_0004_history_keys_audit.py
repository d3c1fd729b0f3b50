"""History, API keys and audit: versioned records, references by slug, api_key and audit_entry.

- scheme, scheme_region, pay_component, contact and calendar_event rows become versions of a record: each has
  `valid_from`/`valid_to` and the unique key becomes (public id, valid_from).
- Rows that point to a scheme (availability, pay, contact and calendar links) now name it by slug, so they hold
  for every version of it; rules and eligible specialties stay attached to one version's row.
- scheme gets `verified_on/by/sources` (when its data was last checked against which sources).
- New tables: api_key (hashed keys with scopes) and audit_entry (who changed what, before and after).

The nine tables concerned are rebuilt (new table, copy, drop, rename) rather than altered: SQLite cannot drop
an unnamed unique constraint in place, and rebuilding parents and children together means no cascade ever fires
on data being carried over. Downgrading keeps only the latest version of each record (earlier ones cannot fit
the old unique keys).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 23:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

TMP = "v4_"
# Parents before children.
TABLES = ("scheme", "scheme_rule", "scheme_specialty", "scheme_region", "pay_component", "contact", "contact_scheme",
          "calendar_event", "calendar_event_scheme")
WITH_SERIAL_ID = ("scheme", "scheme_rule", "scheme_region", "pay_component", "contact", "calendar_event")


def _validity() -> list[sa.Column]:
    return [sa.Column('valid_from', sa.Date(), nullable=True), sa.Column('valid_to', sa.Date(), nullable=True)]


def _scheme_columns() -> list[sa.Column]:
    return [
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
    ]


def _rule_columns() -> list[sa.Column]:
    return [
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('scheme_id', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('data', sa.JSON(), nullable=True),
        sa.Column('sources', sa.JSON(), nullable=False),
    ]


def _region_columns() -> list[sa.Column]:
    return [
        sa.Column('region_code', sa.String(length=2), nullable=False),
        sa.Column('local_name', sa.Text(), nullable=True),
        sa.Column('since', sa.Date(), nullable=True),
        sa.Column('since_text', sa.Text(), nullable=True),
        sa.Column('funders', sa.JSON(), nullable=False),
        sa.Column('faculties', sa.JSON(), nullable=False),
        sa.Column('notes', sa.JSON(), nullable=False),
        sa.Column('sources', sa.JSON(), nullable=False),
    ]


def _pay_columns() -> list[sa.Column]:
    return [
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
    ]


def _contact_columns() -> list[sa.Column]:
    return [
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
    ]


def _event_columns() -> list[sa.Column]:
    return [
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
    ]


def _names(columns: list[sa.Column]) -> str:
    return ", ".join(c.name for c in columns)


def _swap(prefix: str, indexes: dict[str, list[tuple[str, list[str]]]]) -> None:
    """Drop the old tables (children first), give the new ones their names, then index them."""
    for name in reversed(TABLES):
        op.drop_table(name)
    for name in TABLES:
        op.rename_table(prefix + name, name)
    for table, wanted in indexes.items():
        for index_name, columns in wanted:
            op.create_index(index_name, table, columns, unique=False)
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        # Ids were copied explicitly: move each serial sequence past them.
        for name in WITH_SERIAL_ID:
            bind.execute(sa.text(
                f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), COALESCE((SELECT MAX(id) FROM {name}), 0) + 1, "
                "false)"
            ))


def upgrade() -> None:
    op.create_table('api_key',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('prefix', sa.String(length=16), nullable=False),
    sa.Column('secret_hash', sa.String(length=64), nullable=False),
    sa.Column('scopes', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name'),
    sa.UniqueConstraint('secret_hash')
    )
    op.create_table('audit_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=80), nullable=False),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('entity', sa.String(length=30), nullable=False),
    sa.Column('record_key', sa.String(length=200), nullable=True),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('before', sa.JSON(), nullable=True),
    sa.Column('after', sa.JSON(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_audit_entry_at', 'audit_entry', ['at'], unique=False)
    op.create_index('ix_audit_entry_entity', 'audit_entry', ['entity'], unique=False)
    op.create_index('ix_audit_entry_record_key', 'audit_entry', ['record_key'], unique=False)

    t = TMP
    scheme = _scheme_columns()
    op.create_table(t + 'scheme', *scheme,
    sa.Column('verified_on', sa.Date(), nullable=True),
    sa.Column('verified_by', sa.Text(), nullable=True),
    sa.Column('verified_sources', sa.JSON(), nullable=False),
    *_validity(),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('slug', 'valid_from', name='uq_scheme_slug_valid_from')
    )
    rule = _rule_columns()
    op.create_table(t + 'scheme_rule', *rule,
    sa.ForeignKeyConstraint(['scheme_id'], [t + 'scheme.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('scheme_id', 'position', name='uq_scheme_rule_scheme_id_position')
    )
    op.create_table(t + 'scheme_specialty',
    sa.Column('scheme_id', sa.Integer(), nullable=False),
    sa.Column('specialty_code', sa.String(length=80), nullable=False),
    sa.ForeignKeyConstraint(['scheme_id'], [t + 'scheme.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['specialty_code'], ['specialty.code'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('scheme_id', 'specialty_code')
    )
    region = _region_columns()
    op.create_table(t + 'scheme_region',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('scheme_slug', sa.String(length=80), nullable=False),
    *region, *_validity(),
    sa.ForeignKeyConstraint(['region_code'], ['region.code'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('scheme_slug', 'region_code', 'valid_from', name='uq_scheme_region_version')
    )
    pay = _pay_columns()
    op.create_table(t + 'pay_component',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=120), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('scheme_slug', sa.String(length=80), nullable=False),
    *pay,
    sa.ForeignKeyConstraint(['region_code'], ['region.code'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code', 'valid_from', name='uq_pay_component_code_valid_from')
    )
    contact = _contact_columns()
    op.create_table(t + 'contact', *contact, *_validity(),
    sa.ForeignKeyConstraint(['region_code'], ['region.code'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key', 'valid_from', name='uq_contact_key_valid_from')
    )
    op.create_table(t + 'contact_scheme',
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.Column('scheme_slug', sa.String(length=80), nullable=False),
    sa.ForeignKeyConstraint(['contact_id'], [t + 'contact.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('contact_id', 'scheme_slug')
    )
    event = _event_columns()
    op.create_table(t + 'calendar_event', *event, *_validity(),
    sa.ForeignKeyConstraint(['region_code'], ['region.code'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key', 'valid_from', name='uq_calendar_event_key_valid_from')
    )
    op.create_table(t + 'calendar_event_scheme',
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('scheme_slug', sa.String(length=80), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], [t + 'calendar_event.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('event_id', 'scheme_slug')
    )

    # Carry the data over; the seed's rows had no validity of their own (open-ended), and were never verified.
    cols = _names(scheme)
    op.execute(f"INSERT INTO {t}scheme ({cols}, verified_sources) SELECT {cols}, '[]' FROM scheme")
    op.execute(f"INSERT INTO {t}scheme_rule ({_names(rule)}) SELECT {_names(rule)} FROM scheme_rule")
    op.execute(f"INSERT INTO {t}scheme_specialty (scheme_id, specialty_code) SELECT scheme_id, specialty_code FROM "
               "scheme_specialty")
    cols = _names(region)
    op.execute(
        f"INSERT INTO {t}scheme_region (id, scheme_slug, {cols}) "
        f"SELECT r.id, s.slug, {', '.join('r.' + c.name for c in region)} FROM scheme_region r JOIN scheme s ON s.id = "
        "r.scheme_id"
    )
    cols = _names(pay)
    op.execute(
        f"INSERT INTO {t}pay_component (id, code, position, scheme_slug, {cols}) "
        f"SELECT p.id, p.code, p.position, s.slug, {', '.join('p.' + c.name for c in pay)} "
        "FROM pay_component p JOIN scheme s ON s.id = p.scheme_id"
    )
    op.execute(f"INSERT INTO {t}contact ({_names(contact)}) SELECT {_names(contact)} FROM contact")
    op.execute(
        f"INSERT INTO {t}contact_scheme (contact_id, scheme_slug) "
        "SELECT l.contact_id, s.slug FROM contact_scheme l JOIN scheme s ON s.id = l.scheme_id"
    )
    op.execute(f"INSERT INTO {t}calendar_event ({_names(event)}) SELECT {_names(event)} FROM calendar_event")
    op.execute(
        f"INSERT INTO {t}calendar_event_scheme (event_id, scheme_slug) "
        "SELECT l.event_id, s.slug FROM calendar_event_scheme l JOIN scheme s ON s.id = l.scheme_id"
    )
    _swap(t, {
        'scheme': [('ix_scheme_audience', ['audience']), ('ix_scheme_category', ['category']),
                   ('ix_scheme_sort_name', ['sort_name']), ('ix_scheme_slug', ['slug'])],
        'scheme_region': [('ix_scheme_region_region_code', ['region_code']),
                          ('ix_scheme_region_scheme_slug', ['scheme_slug'])],
        'pay_component': [('ix_pay_component_code', ['code']), ('ix_pay_component_scheme_slug', ['scheme_slug'])],
        'contact': [('ix_contact_region_code', ['region_code']), ('ix_contact_key', ['key'])],
        'calendar_event': [('ix_calendar_event_date', ['date']), ('ix_calendar_event_region_code', ['region_code']),
                           ('ix_calendar_event_key', ['key'])],
    })


def _latest_only(table: str, key: str) -> str:
    """Delete every version that a later version of the same record follows (NULL valid_from is the earliest)."""
    return (
        f"DELETE FROM {table} WHERE EXISTS (SELECT 1 FROM {table} later WHERE "
        f"{' AND '.join(f'later.{k} = {table}.{k}' for k in key.split(','))} "
        f"AND COALESCE(later.valid_from, '0001-01-01') > COALESCE({table}.valid_from, '0001-01-01'))"
    )


def downgrade() -> None:
    op.drop_index('ix_audit_entry_record_key', table_name='audit_entry')
    op.drop_index('ix_audit_entry_entity', table_name='audit_entry')
    op.drop_index('ix_audit_entry_at', table_name='audit_entry')
    op.drop_table('audit_entry')
    op.drop_table('api_key')

    for table, key in (("scheme", "slug"), ("scheme_region", "scheme_slug,region_code"), ("pay_component", "code"),
                       ("contact", "key"), ("calendar_event", "key")):
        op.execute(_latest_only(table, key))

    t = TMP
    scheme = _scheme_columns()
    op.create_table(t + 'scheme', *scheme, sa.PrimaryKeyConstraint('id'), sa.UniqueConstraint('slug'))
    rule = _rule_columns()
    op.create_table(t + 'scheme_rule', *rule,
    sa.ForeignKeyConstraint(['scheme_id'], [t + 'scheme.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('scheme_id', 'position')
    )
    op.create_table(t + 'scheme_specialty',
    sa.Column('scheme_id', sa.Integer(), nullable=False),
    sa.Column('specialty_code', sa.String(length=80), nullable=False),
    sa.ForeignKeyConstraint(['scheme_id'], [t + 'scheme.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['specialty_code'], ['specialty.code'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('scheme_id', 'specialty_code')
    )
    region = _region_columns()
    op.create_table(t + 'scheme_region',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('scheme_id', sa.Integer(), nullable=False),
    *region,
    sa.ForeignKeyConstraint(['region_code'], ['region.code'], ),
    sa.ForeignKeyConstraint(['scheme_id'], [t + 'scheme.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('scheme_id', 'region_code')
    )
    pay = _pay_columns()
    op.create_table(t + 'pay_component',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=120), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('scheme_id', sa.Integer(), nullable=False),
    *pay,
    sa.ForeignKeyConstraint(['region_code'], ['region.code'], ),
    sa.ForeignKeyConstraint(['scheme_id'], [t + 'scheme.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code')
    )
    contact = _contact_columns()
    op.create_table(t + 'contact', *contact,
    sa.ForeignKeyConstraint(['region_code'], ['region.code'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key')
    )
    op.create_table(t + 'contact_scheme',
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.Column('scheme_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['contact_id'], [t + 'contact.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['scheme_id'], [t + 'scheme.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('contact_id', 'scheme_id')
    )
    event = _event_columns()
    op.create_table(t + 'calendar_event', *event,
    sa.ForeignKeyConstraint(['region_code'], ['region.code'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key')
    )
    op.create_table(t + 'calendar_event_scheme',
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('scheme_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], [t + 'calendar_event.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['scheme_id'], [t + 'scheme.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('event_id', 'scheme_id')
    )
    op.execute(f"INSERT INTO {t}scheme ({_names(scheme)}) SELECT {_names(scheme)} FROM scheme")
    op.execute(f"INSERT INTO {t}scheme_rule ({_names(rule)}) SELECT {_names(rule)} FROM scheme_rule WHERE scheme_id IN "
               "(SELECT id FROM scheme)")
    op.execute(f"INSERT INTO {t}scheme_specialty (scheme_id, specialty_code) SELECT scheme_id, specialty_code FROM "
               "scheme_specialty WHERE scheme_id IN (SELECT id FROM scheme)")
    cols = _names(region)
    op.execute(
        f"INSERT INTO {t}scheme_region (id, scheme_id, {cols}) "
        f"SELECT r.id, s.id, {', '.join('r.' + c.name for c in region)} FROM scheme_region r JOIN scheme s ON s.slug = "
        "r.scheme_slug"
    )
    cols = _names(pay)
    op.execute(
        f"INSERT INTO {t}pay_component (id, code, position, scheme_id, {cols}) "
        f"SELECT p.id, p.code, p.position, s.id, {', '.join('p.' + c.name for c in pay)} "
        "FROM pay_component p JOIN scheme s ON s.slug = p.scheme_slug"
    )
    op.execute(f"INSERT INTO {t}contact ({_names(contact)}) SELECT {_names(contact)} FROM contact")
    op.execute(
        f"INSERT INTO {t}contact_scheme (contact_id, scheme_id) "
        "SELECT l.contact_id, s.id FROM contact_scheme l JOIN scheme s ON s.slug = l.scheme_slug "
        "WHERE l.contact_id IN (SELECT id FROM contact)"
    )
    op.execute(f"INSERT INTO {t}calendar_event ({_names(event)}) SELECT {_names(event)} FROM calendar_event")
    op.execute(
        f"INSERT INTO {t}calendar_event_scheme (event_id, scheme_id) "
        "SELECT l.event_id, s.id FROM calendar_event_scheme l JOIN scheme s ON s.slug = l.scheme_slug "
        "WHERE l.event_id IN (SELECT id FROM calendar_event)"
    )
    _swap(t, {
        'scheme': [('ix_scheme_audience', ['audience']), ('ix_scheme_category', ['category']),
                   ('ix_scheme_sort_name', ['sort_name'])],
        'scheme_region': [('ix_scheme_region_region_code', ['region_code'])],
        'pay_component': [('ix_pay_component_scheme_id', ['scheme_id'])],
        'contact': [('ix_contact_region_code', ['region_code'])],
        'calendar_event': [('ix_calendar_event_date', ['date']), ('ix_calendar_event_region_code', ['region_code'])],
    })
