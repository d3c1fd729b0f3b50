"""The public change feed: the audit log told as what changed in the catalogue, without who changed it.

Each audit entry (app/records/service.py writes one per change, in the change's own transaction) becomes one change:
its record, its kind, when, a French summary and links. Actor names, record bodies and audit ids' URLs stay in the
audit log (`GET /audit`, behind a `read` key).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal
from typing import Any, Literal

from sqlalchemy.orm import defer
from sqlmodel import Session, col, select

from app.catalogue.service import check_region_filter
from app.core.money import short_euros
from app.errors import unknown_filter
from app.models import AuditEntry, Region, Scheme, SchemeRegion, SourceDocument
from app.opendata.schemas import Change, ChangeLinks, ChangePage, ChangeSource

ChangeKind = Literal["created", "new_version", "retired", "verified", "imported"]
KINDS: dict[str, ChangeKind] = {
    "create": "created", "update": "new_version", "retire": "retired", "verify": "verified", "import": "imported",
}
RECORD_ACTIONS = [action for action in KINDS if action != "import"]
WHAT = {
    "schemes": "Dispositif", "availability": "Offre régionale", "pay-components": "Montant", "contacts": "Contact",
    "calendar": "Événement du calendrier", "pay-parameters": "Paramètre de paie",
}
BASIS = {"gross": " brut", "net": " net", "unspecified": ""}
MONTHS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre",
          "décembre"]


def french_date(day: dt.date) -> str:
    """« 1er juillet 2025 », « 16 février 2024 »."""
    return f"{'1er' if day.day == 1 else day.day} {MONTHS[day.month - 1]} {day.year}"


def _date(value: str | None) -> dt.date | None:
    return None if value is None else dt.date.fromisoformat(value)


def _docs(value: Any) -> Iterator[str]:
    """Every source id a record cites, at any depth (`sources`, `duration_sources`, a rule's `sources`…)."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "doc" and isinstance(item, str):
                yield item
            else:
                yield from _docs(item)
    elif isinstance(value, list):
        for item in value:
            yield from _docs(item)


def _schemes_of(entity: str, key: str | None, versions: list[dict[str, Any]]) -> set[str]:
    if entity == "schemes" and key:
        return {key}
    out: set[str] = set()
    for v in versions:
        if isinstance(v.get("scheme"), str):
            out.add(v["scheme"])
        out.update(s for s in v.get("schemes", []) if isinstance(s, str))
    return out


def _regions_of(versions: list[dict[str, Any]]) -> set[str]:
    return {v["region"] for v in versions if isinstance(v.get("region"), str)}


def _added(before: list[dict[str, Any]], after: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The version the change added (the newest one not in the record's history before)."""
    new = [v for v in after if v not in before]
    return new[-1] if new else None


def summary(entry: AuditEntry, before: list[dict[str, Any]]) -> tuple[str, dict[str, Any] | None, dt.date | None]:
    """The French summary of a change, the version it is about, and the day it takes effect."""
    after: list[dict[str, Any]] = entry.after if isinstance(entry.after, list) else []
    kind = KINDS.get(entry.action)
    if kind == "imported":
        changes = (entry.after or {}).get("changes", {}) if isinstance(entry.after, dict) else {}
        rows = sum(sum(counts) for counts in changes.values())
        return f"Catalogue importé en entier : {rows} ligne(s) ajoutée(s), modifiée(s) ou supprimée(s).", None, None
    what = WHAT.get(entry.entity, entry.entity)
    key = entry.record_key or ""
    latest = after[-1] if after else None
    if kind == "created" and latest is not None:
        starts = _date(latest.get("valid_from"))
        text = f"{what} « {key} » ajouté" + (f" à partir du {french_date(starts)}" if starts else "")
        if entry.entity == "pay-components":
            text = (f"{latest['label']} ({latest['scheme'].upper()}) : {short_euros(Decimal(latest['amount']))}"
                    f"{BASIS.get(latest.get('basis', ''), '')}, nouveau montant"
                    + (f" à partir du {french_date(starts)}" if starts else ""))
        return text + ".", latest, starts
    if kind == "retired" and latest is not None:
        ends = _date(latest.get("valid_to"))
        text = f"{what} « {key} » retiré" + (f" : en vigueur jusqu'au {french_date(ends)} inclus" if ends else "")
        return text + ".", latest, ends
    if kind == "verified" and latest is not None:
        verified = latest.get("verified") or {}
        on = _date(verified.get("date"))
        sources = ", ".join(verified.get("sources", []))
        text = f"{what} « {key} » vérifié sur ses sources" + (f" le {french_date(on)}" if on else "")
        return text + (f" ({sources})." if sources else "."), latest, on
    added = _added(before, after)
    if added is None:
        return f"{what} « {key} » modifié.", latest, None
    starts = _date(added.get("valid_from"))
    since = f" à partir du {french_date(starts)}" if starts else ""
    if entry.entity == "pay-components" and before:
        old = before[-1]
        was, now = (f"{short_euros(Decimal(v['amount']))}{BASIS.get(v.get('basis', ''), '')}" for v in (old, added))
        return f"{added['label']} ({added['scheme'].upper()}) : {was} → {now}{since}.", added, starts
    if entry.entity == "pay-parameters":
        values = added.get("values", [])
        old_values = before[-1].get("values", []) if before else []
        new_values = [v for v in values if v not in old_values]
        if new_values and "value" in new_values[-1]:
            value = new_values[-1]
            starts = _date(value.get("valid_from"))
            return (f"{what} « {key} » : nouvelle valeur {value['value']} à partir du "
                    f"{french_date(starts) if starts else '?'}."), added, starts
    fields = sorted(k for k in set(added) | set(before[-1] if before else {})
                    if k not in ("valid_from", "valid_to") and added.get(k) != (before[-1] if before else {}).get(k))
    changed = f" (modifié : {', '.join(fields)})" if fields else ""
    return f"{what} « {key} » : nouvelle version{since}{changed}.", added, starts


def _catalogue_link(entity: str, key: str, record: dict[str, Any] | None) -> str | None:
    record = record or {}
    if entity == "schemes":
        return f"/schemes/{key}"
    if entity in ("availability", "pay-components") and record.get("scheme"):
        return f"/schemes/{record['scheme']}"
    if entity == "contacts" and record.get("region"):
        return f"/contacts?region={record['region']}"
    if entity == "calendar" and record.get("region"):
        return f"/calendar?region={record['region']}"
    return None


def list_changes(
    session: Session, *, region: str | None = None, scheme: str | None = None, limit: int = 50, offset: int = 0,
) -> ChangePage:
    """The catalogue's changes, newest first, optionally only those about one region or one scheme."""
    check_region_filter(session.exec(select(Region.code)).all(), region)
    slugs = set(session.exec(select(Scheme.slug)).all())
    if scheme is not None and scheme not in slugs:
        raise unknown_filter("scheme slug", scheme, field="scheme", allowed=sorted(slugs))
    offered: dict[str, set[str]] = defaultdict(set)  # scheme → regions it is (or was) offered in
    for slug, code in session.exec(select(SchemeRegion.scheme_slug, SchemeRegion.region_code)).all():
        offered[slug].add(code)
    docs = {d.key: d for d in session.exec(select(SourceDocument)).all()}
    # An import's `before` is the whole catalogue it replaced: never loaded here, the feed does not need it.
    entries = session.exec(
        select(AuditEntry).options(defer(AuditEntry.before))
        .where(col(AuditEntry.action).in_(list(KINDS))).order_by(col(AuditEntry.id).desc())
    ).all()
    befores: dict[int | None, list[dict[str, Any]]] = {
        audit_id: before for audit_id, before in session.exec(
            select(AuditEntry.id, AuditEntry.before).where(col(AuditEntry.action).in_(RECORD_ACTIONS))
        ).all() if isinstance(before, list)
    }
    changes: list[Change] = []
    for entry in entries:
        before = befores.get(entry.id or 0, [])
        versions = [*before, *(entry.after if isinstance(entry.after, list) else [])]
        schemes = _schemes_of(entry.entity, entry.record_key, versions)
        regions = _regions_of(versions) or {r for s in schemes for r in offered[s]}
        imported = entry.action == "import"  # may touch anything: shown under every filter
        if scheme is not None and not imported and scheme not in schemes:
            continue
        if region is not None and not imported and region not in regions:
            continue
        changes.append(_change(entry, before, schemes, regions, docs))
    return ChangePage(items=changes[offset:offset + limit], total=len(changes), limit=limit, offset=offset)


def _change(entry: AuditEntry, before: list[dict[str, Any]], schemes: set[str], regions: set[str],
            docs: dict[str, SourceDocument]) -> Change:
    text, record, effective = summary(entry, before)
    at = entry.at if entry.at.tzinfo else entry.at.replace(tzinfo=dt.UTC)  # SQLite gives it back naive
    key = entry.record_key
    cited = list(dict.fromkeys(_docs(record))) if record else []
    record_link = f"/records/{entry.entity}/{key}" if key and entry.entity in WHAT else None
    return Change(
        id=entry.id or 0, at=at, kind=KINDS[entry.action], entity=entry.entity, record=key, effective=effective,
        summary=text, schemes=sorted(schemes), regions=sorted(regions),
        links=ChangeLinks(record=record_link, catalogue=_catalogue_link(entry.entity, key or "", record)),
        sources=[ChangeSource(id=d, title=docs[d].title if d in docs else d, url=docs[d].url if d in docs else None)
                 for d in cited],
    )
