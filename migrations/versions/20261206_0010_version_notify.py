"""PostgreSQL: notify the workers when the catalogue version moves (issue 12).

Each worker keeps the catalogue in memory and listens on `post_internat_catalogue` (app/memory/watch.py). This
trigger sends, in the transaction that bumps `catalogue_version`, a notification naming the schema of the table (a
database may hold several catalogues, one per schema: the tests and the benchmarks do) and the new version.
PostgreSQL delivers it at commit, to every listener; nothing is sent for a transaction that rolls back.

SQLite has no notifications: a worker reads `PRAGMA data_version` instead, and this migration does nothing there.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 17:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        """
        CREATE FUNCTION catalogue_version_notify() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('post_internat_catalogue', TG_TABLE_SCHEMA || ' ' || NEW.version::text);
            RETURN NEW;
        END
        $$
        """
    )
    op.execute(
        "CREATE TRIGGER catalogue_version_notify AFTER UPDATE ON catalogue_version "
        "FOR EACH ROW EXECUTE FUNCTION catalogue_version_notify()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER IF EXISTS catalogue_version_notify ON catalogue_version")
    op.execute("DROP FUNCTION IF EXISTS catalogue_version_notify()")
