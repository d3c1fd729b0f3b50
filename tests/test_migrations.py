"""The schema comes only from Alembic: migrations match the models, and go down and up again."""

from __future__ import annotations

from collections.abc import Callable

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Engine

from app.migrate import downgrade, pending_migrations, upgrade
from app.models import metadata


def test_fresh_database_is_pending_then_at_head(new_database: Callable[[], Engine]) -> None:
    engine = new_database()
    assert pending_migrations(engine) is not None
    upgrade(engine)
    assert pending_migrations(engine) is None


def test_migrations_match_the_models(engine: Engine) -> None:
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}), metadata)
    assert diff == []


def test_downgrade_removes_everything_and_upgrade_restores_it(new_database: Callable[[], Engine]) -> None:
    engine = new_database()
    upgrade(engine)
    tables = set(inspect(engine).get_table_names())
    assert {"scheme", "region", "pay_component", "contact", "calendar_event"} <= tables
    downgrade(engine)
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    upgrade(engine)
    assert set(inspect(engine).get_table_names()) == tables
