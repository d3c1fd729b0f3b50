"""The change feed as Atom 1.0 (RFC 4287), written by the `feedgen` library (escaping, dates, required elements)."""

from __future__ import annotations

import datetime as dt

from app.opendata.schemas import ChangePage

# feedgen (and lxml under it) is imported by the first feed asked for, not at start: a worker that never serves one
# does not hold it in memory (issue 12).

# Ids are tag URIs (RFC 4151): the same whatever address the service is reached at, as RFC 4287 §4.2.6 asks.
FEED_ID = "tag:post-internat.api,2026:changes"
# An empty feed still needs <updated>: the day the feed was introduced stands for "nothing since".
EMPTY_UPDATED = dt.datetime(2026, 12, 3, tzinfo=dt.UTC)


def render(page: ChangePage, *, public_url: str, query: str, changed_at: dt.datetime | None) -> bytes:
    from feedgen.feed import FeedGenerator

    feed = FeedGenerator()
    feed.id(FEED_ID + (f"?{query}" if query else ""))
    feed.title("Post-internat : modifications du catalogue")
    feed.subtitle("Dispositifs de post-internat : ce qui a changé (créé, nouvelle version, retiré, vérifié).")
    feed.language("fr")
    feed.author({"name": "Post-internat API"})
    feed.link(href=f"{public_url}/changes.atom" + (f"?{query}" if query else ""), rel="self",
              type="application/atom+xml")
    feed.link(href=f"{public_url}/changes" + (f"?{query}" if query else ""), rel="alternate", type="application/json")
    feed.rights("Licence Ouverte / Open Licence 2.0 (etalab-2.0)")
    if changed_at is not None and changed_at.tzinfo is None:
        changed_at = changed_at.replace(tzinfo=dt.UTC)  # SQLite gives it back naive
    newest = page.items[0].at if page.items else changed_at or EMPTY_UPDATED
    feed.updated(newest)
    for change in reversed(page.items):  # feedgen puts each new entry first: add the oldest first
        entry = feed.add_entry()
        entry.id(f"tag:post-internat.api,2026:change:{change.id}")
        entry.title(change.summary)
        entry.updated(change.at)
        entry.published(change.at)
        entry.category(term=change.kind)
        entry.category(term=change.entity, label=change.entity)
        if change.links.catalogue:
            entry.link(href=public_url + change.links.catalogue, rel="alternate", type="application/json")
        if change.links.record:
            entry.link(href=public_url + change.links.record, rel="related", type="application/json")
        for source in change.sources:
            if source.url:
                entry.link(href=source.url, rel="via", title=source.title)
        cited = "; ".join(s.title for s in change.sources)
        entry.content(change.summary + (f" Sources : {cited}." if cited else ""), type="text")
    document: bytes = feed.atom_str(pretty=True)  # feedgen has no type hints
    return document
