"""Citations and the blocks of a scheme's detail are built once per catalogue version (app.catalogue.service.cite
and once, through Catalogue.kept)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.engine import Engine

from app import memory
from app.catalogue.service import calendar_events, cite, get_scheme


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


def test_a_schemes_blocks_are_built_once_per_version_and_record(engine: Engine) -> None:
    """A scheme's detail is assembled on every request from blocks (rules, regions offered, pay lines, sources…)
    each built once per catalogue version and record (app.catalogue.service.once)."""
    cat = memory.read(engine)
    slug = next(s.slug for s in cat.schemes if cat.rules_of.get(s.id) and cat.pay_of.get(s.slug))
    first, second = get_scheme(cat, slug=slug), get_scheme(cat, slug=slug)
    assert first.rules and first.pay_components and first.availability and first.sources
    assert second.rules[0] is first.rules[0] and second.availability[0] is first.availability[0]
    assert second.pay_components[0] is first.pay_components[0] and second.sources[0] is first.sources[0]
    assert second.model_dump_json() == first.model_dump_json()
    # Another version reads its own records: its own blocks.
    following = get_scheme(memory.read(engine), slug=slug)
    assert following.rules[0] is not first.rules[0] and following.model_dump_json() == first.model_dump_json()


def test_a_calendar_block_is_kept_per_next_occurrence(engine: Engine) -> None:
    """An event's block says when it next happens: a yearly event seen from another date is another block."""
    cat = memory.read(engine)
    day = dt.date(2026, 12, 1)
    yearly = [e for e in calendar_events(cat, day) if e.recurrence == "yearly"]
    assert yearly
    event = yearly[0]
    later = next(e for e in calendar_events(cat, day, start=dt.date(event.next_date.year + 2, 1, 1))
                 if e.id == event.id)
    assert later.next_date != event.next_date and later is not event
    assert later.status == "expected" and later.status_note
    assert next(e for e in calendar_events(cat, day) if e.id == event.id) is event
    # Seen from dates a client chooses (`from`), nothing is kept: a yearly event has a next date for every year.
    kept = len(cat.kept("events", dict))
    for year in range(2030, 2060):
        calendar_events(cat, day, start=dt.date(year, 1, 1))
    assert len(cat.kept("events", dict)) == kept
