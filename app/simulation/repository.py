"""Reads what the engine needs from the catalogue database: scheme data, published pay, dated parameters."""

from __future__ import annotations

import datetime as dt
import threading
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlmodel import Session, col, select

from app.core import versions as version
from app.core.dates import in_force
from app.models import PayComponent, PayParameter, PayParameterValue, Scheme, SchemeRegion, SourceDocument
from app.simulation.engine import PublishedComponent, SchemeData
from app.simulation.parameters import Bracket, DatedValue, Parameter, ParameterSet


def _citations(refs: list[dict[str, Any]], docs: dict[str, SourceDocument]) -> tuple[str, ...]:
    out = []
    for ref in refs:
        doc = docs.get(ref["doc"])
        title = doc.title if doc else ref["doc"]
        where = f" ({doc.file})" if doc and doc.file else ""
        quote = f" : « {ref['quote']} »" if ref.get("quote") else ""
        out.append(f"{title}{where}{quote}")
    return tuple(out)


def load_parameters(session: Session) -> ParameterSet:
    docs = {d.key: d for d in session.exec(select(SourceDocument)).all()}
    values: dict[int | None, list[PayParameterValue]] = defaultdict(list)
    for value in session.exec(select(PayParameterValue).order_by(col(PayParameterValue.valid_from))).all():
        values[value.parameter_id].append(value)
    parameters = {}
    for p in session.exec(select(PayParameter)).all():
        dated = tuple(
            DatedValue(
                valid_from=v.valid_from, valid_to=v.valid_to, value=v.value,
                brackets=tuple(_bracket(b) for b in v.brackets) if v.brackets is not None else None,
                confirmed=v.confirmed, sources=_citations(v.sources, docs), derivation=v.derivation,
            )
            for v in values[p.id]
        )
        if dated:
            parameters[p.code] = Parameter(p.code, p.label, p.unit, dated)
    return ParameterSet(parameters)


def _bracket(stored: dict[str, str]) -> Bracket:
    inclusive = "from" in stored
    return Bracket(Decimal(stored["from" if inclusive else "above"]), inclusive, Decimal(stored["value"]))


def load_scheme(session: Session, slug: str, on: dt.date) -> SchemeData | None:
    """The scheme's version in force on `on` (a contract's start), its regions then, and every version of its
    amounts: the engine picks, month by month, the ones in force."""
    scheme = session.exec(select(Scheme).where(Scheme.slug == slug, in_force(Scheme, on))).first()
    if scheme is None:
        return None
    docs = {d.key: d for d in session.exec(select(SourceDocument)).all()}
    regions = tuple(
        session.exec(
            select(SchemeRegion.region_code)
            .where(SchemeRegion.scheme_slug == slug, in_force(SchemeRegion, on))
            .order_by(col(SchemeRegion.region_code))
        ).all()
    )
    components = session.exec(
        select(PayComponent)
        .where(PayComponent.scheme_slug == slug)
        .order_by(col(PayComponent.position), col(PayComponent.valid_from))
    ).all()
    split = scheme.work_split or {}
    return SchemeData(
        slug=scheme.slug,
        name=scheme.name,
        max_months=scheme.duration_max_months,
        duration_text=scheme.duration_text,
        duration_sources=_citations(scheme.duration_sources, docs),
        regions=regions,
        split_min=split.get("min_pct"),
        split_max=split.get("max_pct"),
        split_default=split.get("default_pct"),
        split_regions=tuple(split["regions"]) if split.get("regions") else None,
        published=tuple(
            PublishedComponent(
                code=c.code, label=c.label, kind=c.kind, amount=c.amount, basis=c.basis, frequency=c.frequency,
                payment_frequency=c.payment_frequency, calculation=c.calculation, year_from=c.year_from,
                year_to=c.year_to, periphery_share_pct=c.periphery_share_pct, region=c.region_code, payer=c.payer,
                valid_from=c.valid_from, valid_to=c.valid_to, conditions=tuple(c.conditions),
                sources=_citations(c.sources, docs), approximate=c.approximate, derivation=c.derivation,
                confirmed=c.confirmed,
            )
            for c in components
        ),
    )


@dataclass
class CatalogueData:
    """What simulations read, for one version of one database's catalogue."""

    key: tuple[str, int]
    parameters: ParameterSet
    schemes: dict[tuple[str, dt.date], SchemeData | None] = field(default_factory=dict)


_current: CatalogueData | None = None
_lock = threading.Lock()


def catalogue_data(session: Session) -> CatalogueData:
    """Parameters and scheme data loaded once per catalogue version, not on every simulation.

    The version is read in the request's own transaction, so the data used is never older than what the request
    could see; any write bumps the version and the next simulation reloads.
    """
    global _current
    key = (session.get_bind().engine.url.render_as_string(hide_password=True), version.current(session.connection()))
    with _lock:
        if _current is None or _current.key != key:
            _current = CatalogueData(key, load_parameters(session))
        return _current


def scheme_data(session: Session, data: CatalogueData, slug: str, on: dt.date) -> SchemeData | None:
    if (slug, on) not in data.schemes:
        if len(data.schemes) > 4096:  # start dates vary: keep the cache bounded
            data.schemes.clear()
        data.schemes[(slug, on)] = load_scheme(session, slug, on)
    return data.schemes[(slug, on)]
