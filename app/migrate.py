"""Running and checking Alembic migrations from code (tests, seed command, readiness)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.engine import Engine

from app.config import PROJECT_ROOT

if TYPE_CHECKING:
    from alembic.config import Config

# Alembic (with Mako and Pygments) is imported when a migration is run or checked, not when the app starts: about
# 10 MB a worker would otherwise hold for a check it makes once (issue 12).


def alembic_config() -> Config:
    from alembic.config import Config

    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    config.attributes["configure_logger"] = False
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    from alembic import command

    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def downgrade(engine: Engine, revision: str = "base") -> None:
    from alembic import command

    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def pending_migrations(engine: Engine) -> str | None:
    """None when the database is at the latest revision, else a short description of the gap."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    with engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
    if current == head:
        return None
    return f"at {current or 'no revision'}, latest is {head}"
