"""The worker's long-lived objects stay out of the garbage collector's generations (app.memory.watch)."""

from __future__ import annotations

import gc
import weakref

from sqlalchemy.engine import Engine

from app.memory.watch import Catalogues


def test_a_loaded_catalogue_is_frozen_and_the_one_it_replaces_is_freed(engine: Engine) -> None:
    catalogues = Catalogues(engine)
    first = catalogues._load(version=-1)  # no catalogue of that version yet: read one
    assert gc.get_freeze_count() > 10_000  # modules, the app, the catalogue: out of every collection
    assert catalogues._load(version=first.version) is first  # the same version is not read again
    replaced = weakref.ref(first)
    del first
    second = catalogues._load(version=-2)  # another version: a new read replaces the first
    # No reference cycle holds a catalogue: it is freed by reference counting, although it was frozen.
    assert replaced() is None
    assert second.version == catalogues.catalogue.version  # type: ignore[union-attr]
