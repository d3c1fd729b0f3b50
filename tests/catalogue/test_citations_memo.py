"""Citations are built once per catalogue version (app.catalogue.service.cite, through Catalogue.kept)."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from app import memory
from app.catalogue.service import cite


def test_a_citation_is_reused_within_a_version_and_rebuilt_for_the_next(engine: Engine) -> None:
    cat = memory.read(engine)
    docs = cat.docs
    key = next(iter(docs))
    refs = [{"doc": key, "quote": "une phrase citée"}]
    first = cite(refs, cat)
    assert cite(refs, cat)[0] is first[0]  # the same version: built once
    # The next version (a write changed this document's title): its own citation, with the new title.
    following = memory.read(engine)
    following.docs[key] = docs[key]._replace(title="Titre après une modification")
    again = cite(refs, following)
    assert again[0] is not first[0] and again[0].title == "Titre après une modification"
    assert first[0].title == docs[key].title and again[0].quote == "une phrase citée"
