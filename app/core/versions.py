"""The catalogue version counter: bumped in the transaction of every data change, read before serving a snapshot."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, bindparam, text
from sqlalchemy.engine import Connection
from sqlmodel import Session

# In SQL rather than through the table model: app.core imports no other package of the app (app.models uses it).
# The bound type stores `changed_at` as the table's DateTime(timezone=True) column does (same text on SQLite).
_BUMP = text("UPDATE catalogue_version SET version = version + 1, changed_at = :now WHERE id = 1").bindparams(
    bindparam("now", type_=DateTime(timezone=True))
)


def bump(session: Session) -> None:
    """Mark the catalogue as changed; call inside the transaction that changes it."""
    session.execute(_BUMP, {"now": dt.datetime.now(dt.UTC)})


CURRENT = "SELECT version FROM catalogue_version WHERE id = 1"  # also read on a driver connection (app/memory/watch.py)


def current(connection: Connection) -> int:
    return int(connection.execute(text(CURRENT)).scalar_one())
