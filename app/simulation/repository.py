"""Reads what the engine needs from the catalogue database: scheme data, published pay, dated parameters."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, cast

from app.memory import Catalogue
from app.models import PayParameterValue, SourceDocument
from app.simulation.engine import PublishedComponent, SchemeData
from app.simulation.parameters import Bracket, DatedValue, Parameter, ParameterSet


class Citation(str):
    """A source as the engine carries it (a sentence: title, file, quote), which also knows the catalogue document
    it cites and the quoted words, so that an answer can list each document once and refer to it."""

    document: str
    document_title: str
    file: str | None
    quote: str | None

    def __new__(cls, document: str, title: str, file: str | None, quote: str | None) -> Citation:
        where = f" ({file})" if file else ""
        said = f" : « {quote} »" if quote else ""
        self = super().__new__(cls, f"{title}{where}{said}")
        self.document, self.document_title, self.file, self.quote = document, title, file, quote
        return self


def _citations(refs: list[dict[str, Any]], docs: dict[str, SourceDocument]) -> tuple[str, ...]:
    out = []
    for ref in refs:
        doc = docs.get(ref["doc"])
        out.append(Citation(ref["doc"], doc.title if doc else ref["doc"], doc.file if doc else None,
                            ref.get("quote") or None))
    return tuple(out)


def load_parameters(cat: Catalogue) -> ParameterSet:
    docs = cat.docs
    values: dict[int | None, list[PayParameterValue]] = defaultdict(list)
    for value in sorted(cat.parameter_values, key=lambda v: v.valid_from):
        values[value.parameter_id].append(value)
    parameters = {}
    for p in cat.parameters_rows:
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


def load_scheme(cat: Catalogue, slug: str, on: dt.date) -> SchemeData | None:
    """The scheme's version in force on `on` (a contract's start), its regions then, and every version of its
    amounts: the engine picks, month by month, the ones in force."""
    view = cat.on(on)
    scheme = view.schemes.get(slug)
    if scheme is None:
        return None
    docs = cat.docs
    regions = tuple(o.region_code for o in view.offers[slug])
    components = cat.pay_of.get(slug, [])
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
    """What simulations read, for one version of the catalogue: derived once from it (`Catalogue.kept`)."""

    version: int
    parameters: ParameterSet
    schemes: dict[tuple[str, dt.date], SchemeData | None] = field(default_factory=dict)


def catalogue_data(cat: Catalogue) -> CatalogueData:
    """Parameters (and, as asked, scheme data) built once per catalogue version, not on every simulation."""
    return cast(CatalogueData, cat.kept("simulation", lambda: CatalogueData(cat.version, load_parameters(cat))))


def scheme_data(cat: Catalogue, slug: str, on: dt.date) -> SchemeData | None:
    data = catalogue_data(cat)
    key = (slug, on)
    if key not in data.schemes:
        if len(data.schemes) > 4096:  # start dates vary: keep the cache bounded
            data.schemes.clear()
        data.schemes[key] = load_scheme(cat, slug, on)
    return data.schemes[key]
