"""The catalogue version counter: bumped in the transaction of every data change, read before serving a snapshot."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import text, update
from sqlalchemy.engine import Connection
from sqlmodel import Session, col

from app.models import CatalogueVersion


def bump(session: Session) -> None:
    """Mark the catalogue as changed; call inside the transaction that changes it."""
    session.execute(
        update(CatalogueVersion)
        .where(col(CatalogueVersion.id) == 1)
        .values(version=CatalogueVersion.version + 1, changed_at=dt.datetime.now(dt.UTC))
    )


def current(connection: Connection) -> int:
    return int(connection.execute(text("SELECT version FROM catalogue_version WHERE id = 1")).scalar_one())
