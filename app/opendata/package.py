"""The catalogue as a Frictionless Data Package: one CSV per table, each with its Table Schema, under Licence Ouverte.

Rows come from the catalogue's own read services (app/catalogue/service.py), so the CSV files carry exactly the
figures of the JSON API for the same day. CSV as data.gouv.fr asks: UTF-8, comma, one header row of snake_case
names, ISO 8601 dates, a point as decimal separator, empty cells for unknown values, public ids that join.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from pathlib import Path
from typing import Any, cast, get_args

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from app import memory
from app.catalogue import schemas as S
from app.catalogue import service
from app.core import vocabulary as V
from app.core.dates import today
from app.memory import Catalogue as Memory
from app.models import CatalogueVersion, PayParameter, PayParameterValue, SourceDocument

LICENSE = {
    "name": "etalab-2.0",
    "title": "Licence Ouverte / Open Licence version 2.0",
    "path": "https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
}
REGION_PATTERN = r"^[0-9]{2}$"


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    description: str
    required: bool = False
    enum: tuple[str, ...] | None = None
    pattern: str | None = None
    unique: bool = False

    def descriptor(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "type": self.type, "description": self.description}
        if self.type == "date":
            out["format"] = "default"  # ISO 8601, YYYY-MM-DD
        if self.type == "number":
            out["decimalChar"] = "."
        constraints: dict[str, Any] = {}
        if self.required:
            constraints["required"] = True
        if self.enum is not None:
            constraints["enum"] = list(self.enum)
        if self.pattern is not None:
            constraints["pattern"] = self.pattern
        if self.unique:
            constraints["unique"] = True
        if constraints:
            out["constraints"] = constraints
        return out


def enum(literal: Any) -> tuple[str, ...]:
    """The allowed values of a Literal type of the records (declared once, in app/records/schemas.py)."""
    return tuple(get_args(literal))


def _id(name: str, description: str) -> Column:
    return Column(name, "string", description, required=True)


def _region(name: str = "region", *, required: bool = True) -> Column:
    return Column(name, "string", "Code INSEE de la région (deux chiffres, voir regions.csv).", required=required,
                  pattern=REGION_PATTERN)


def _scheme() -> Column:
    return _id("scheme", "Identifiant (slug) du dispositif, voir schemes.csv.")


VALIDITY = (
    Column("valid_from", "date", "Premier jour d'application de cette version (vide : depuis l'origine)."),
    Column("valid_to", "date", "Dernier jour d'application (vide : sans fin connue)."),
)


@dataclass(frozen=True)
class Table:
    name: str
    title: str
    description: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...]
    rows: Callable[[Catalogue], Iterable[dict[str, Any]]]
    foreign_keys: tuple[tuple[tuple[str, ...], str, tuple[str, ...]], ...] = ()

    def schema(self) -> dict[str, Any]:
        out: dict[str, Any] = {"fields": [c.descriptor() for c in self.columns],
                               "primaryKey": list(self.primary_key), "missingValues": [""]}
        if self.foreign_keys:
            out["foreignKeys"] = [
                {"fields": list(fields), "reference": {"resource": resource, "fields": list(ref)}}
                for fields, resource, ref in self.foreign_keys
            ]
        return out


@dataclass
class Catalogue:
    """What the catalogue's read services give for one day, each read at most once for all the tables."""

    session: Session
    day: dt.date
    cat: Memory  # the in-memory catalogue the read services read

    @cached_property
    def schemes(self) -> list[S.SchemeDetail]:
        page = service.list_schemes(self.cat, limit=10_000, as_of=self.day)
        return [service.get_scheme(self.cat, slug=s.slug, as_of=self.day) for s in page.items]

    @cached_property
    def contacts(self) -> list[S.ContactOut]:
        return service.list_contacts(self.cat, as_of=self.day)

    @cached_property
    def events(self) -> list[S.CalendarEventOut]:
        return service.list_calendar(self.cat, as_of=self.day)

    @cached_property
    def offered(self) -> set[str]:
        return {s.slug for s in service.list_schemes(self.cat, limit=10_000, as_of=self.day).items}


# --- rows, from the read services ---------------------------------------------------------------------------


def _scheme_rows(c: Catalogue) -> Iterable[dict[str, Any]]:
    for s in c.schemes:
        pay = s.headline_pay
        yield {
            "slug": s.slug, "name": s.name, "short_name": s.short_name, "category": s.category, "scope": s.scope,
            "audience": s.audience, "audience_text": s.audience_text, "description": s.description,
            "duration_initial_months": s.duration.initial_months, "duration_max_months": s.duration.max_months,
            "duration_text": s.duration.text,
            "headline_pay_amount": pay.amount if pay else None, "headline_pay_basis": pay.basis if pay else None,
            "headline_pay_text": pay.text if pay else None,
            "last_verified_on": s.last_verified.date if s.last_verified else None,
            "sources_as_of": s.sources_as_of, "url": s.url, "valid_from": s.valid_from, "valid_to": s.valid_to,
        }


def _region_rows(c: Catalogue) -> Iterable[dict[str, Any]]:
    for r in service.list_regions(c.cat, as_of=c.day):
        yield {"code": r.code, "iso_code": r.iso_code, "name": r.name, "scheme_count": r.scheme_count}


def _specialty_rows(c: Catalogue) -> Iterable[dict[str, Any]]:
    for s in service.list_specialties(c.cat):
        yield {"code": s.code, "name": s.name, "is_mg": s.is_mg, "discipline": s.discipline}


def _availability_rows(c: Catalogue) -> Iterable[dict[str, Any]]:
    for s in c.schemes:
        for a in s.availability:
            yield {
                "scheme": s.slug, "region": a.region.code, "local_name": a.local_name, "since": a.since,
                "since_text": a.since_text, "evidence": a.evidence, "funders": " ; ".join(a.funders) or None,
                "faculties": " ; ".join(a.faculties) or None,
            }


def _amount_row(p: S.PayComponentOut) -> dict[str, Any]:
    return {
        "code": p.code, "scheme": p.scheme, "region": p.region.code if p.region else None, "kind": p.kind,
        "label": p.label, "amount": p.amount, "basis": p.basis, "frequency": p.frequency,
        "payment_frequency": p.payment_frequency, "calculation": p.calculation, "approximate": p.approximate,
        "year_from": p.contract_years.first, "year_to": p.contract_years.last, "payer": p.payer,
        "recipient": p.recipient, "origin": p.origin, "unconfirmed": p.unconfirmed, "headline": p.headline,
        "sources": " ".join(dict.fromkeys(c.doc for c in p.sources)), "valid_from": p.valid_from,
        "valid_to": p.valid_to,
    }


def _pay_rows(c: Catalogue) -> Iterable[dict[str, Any]]:
    for s in c.schemes:
        yield from (_amount_row(p) for p in (*s.pay_components, *s.published_totals))


def _funding_rows(c: Catalogue) -> Iterable[dict[str, Any]]:
    for s in c.schemes:
        yield from (_amount_row(p) for p in s.funding)


def _contact_rows(c: Catalogue) -> Iterable[dict[str, Any]]:
    for k in c.contacts:
        yield {"id": k.id, "organisation": k.organisation, "service": k.service, "person_name": k.person_name,
               "email": k.email, "phone": k.phone, "website": k.website, "region": k.region.code, "faculty": k.faculty,
               "valid_from": k.valid_from, "valid_to": k.valid_to}


def _contact_scheme_rows(c: Catalogue) -> Iterable[dict[str, Any]]:
    offered = c.offered
    for k in c.contacts:
        yield from ({"contact": k.id, "scheme": slug} for slug in k.schemes if slug in offered)


def _calendar_rows(c: Catalogue) -> Iterable[dict[str, Any]]:
    for e in c.events:
        yield {"id": e.id, "region": e.region.code, "kind": e.kind, "label": e.label, "date": e.date,
               "precision": e.precision, "when_text": e.when_text, "recurrence": e.recurrence, "next_date": e.next_date,
               "status": e.status, "valid_from": e.valid_from, "valid_to": e.valid_to}


def _calendar_scheme_rows(c: Catalogue) -> Iterable[dict[str, Any]]:
    offered = c.offered
    for e in c.events:
        yield from ({"event": e.id, "scheme": slug} for slug in e.schemes if slug in offered)


def _source_rows(c: Catalogue) -> Iterable[dict[str, Any]]:
    # Sources are not dated records: every one is listed (a reuser checks a citation against it).
    for d in c.session.exec(select(SourceDocument).order_by(col(SourceDocument.key))).all():
        yield {"id": d.key, "kind": d.kind, "title": d.title, "file": d.file, "publisher": d.publisher,
               "region": d.region_code, "published_on": d.published_on, "published_text": d.published_text,
               "url": d.url, "read_on": d.read_on, "note": d.note}


def _quota_rows(c: Catalogue) -> Iterable[dict[str, Any]]:
    # Quotas are a note's figures for its period, not dated versions: every one is listed.
    for r in service.list_regions(c.cat, as_of=c.day):
        for q in service.region_quotas(c.cat, r.code):
            yield {"id": q.id, "programme": q.programme, "scheme": q.scheme, "region": r.code,
                   "period_start": q.period_start, "period_end": q.period_end, "kind": q.kind, "posts": q.posts,
                   "sources": " ".join(dict.fromkeys(s.doc for s in q.sources))}


def _parameter_rows(c: Catalogue) -> Iterable[dict[str, Any]]:
    # The values in force on the day and every earlier one: the simulation applies each over its own dates.
    rows = c.session.exec(
        select(PayParameter, PayParameterValue)
        .join(PayParameterValue, col(PayParameterValue.parameter_id) == col(PayParameter.id))
        .where(col(PayParameterValue.valid_from) <= c.day)
        .order_by(col(PayParameter.code), col(PayParameterValue.valid_from))
    ).all()
    for p, v in rows:
        yield {"code": p.code, "label": p.label, "unit": p.unit, "kind": p.kind, "value": v.value,
               "brackets": json.dumps(v.brackets, ensure_ascii=False) if v.brackets else None,
               "confirmed": v.confirmed, "sources": " ".join(dict.fromkeys(r["doc"] for r in v.sources)) or None,
               "valid_from": v.valid_from, "valid_to": v.valid_to}


# --- the tables ---------------------------------------------------------------------------------------------

AMOUNT_COLUMNS = (
    Column("code", "string", "Identifiant stable du montant.", required=True, unique=True),
    _scheme(),
    _region(required=False),
    Column("kind", "string", "`pay` : ce que perçoit le médecin ; `total` : un total publié par un document (à ne "
           "pas ajouter aux composantes) ; `funding` : ce qu'un financeur verse à un établissement.", required=True,
           enum=enum(V.PayKind)),
    Column("label", "string", "Libellé du montant.", required=True),
    Column("amount", "number", "Montant en euros, deux décimales, point décimal.", required=True),
    Column("basis", "string", "`gross` (brut), `net`, ou `unspecified` si le document ne le dit pas.", required=True,
           enum=enum(V.Basis)),
    Column("frequency", "string", "Période pour laquelle le montant est donné.", required=True, enum=enum(V.Frequency)),
    Column("payment_frequency", "string", "Fréquence de versement quand elle diffère.", enum=enum(V.Frequency)),
    Column("calculation", "string", "`fixed`, ou `top_up_to` : complément jusqu'au montant.", required=True,
           enum=enum(V.Calculation)),
    Column("approximate", "boolean", "Vrai quand le document donne le montant comme approximatif.", required=True),
    Column("year_from", "integer", "Première année de contrat concernée (vide : dès la première)."),
    Column("year_to", "integer", "Dernière année de contrat concernée (vide : sans limite)."),
    Column("payer", "string", "Qui verse le montant.", required=True),
    Column("recipient", "string", "Qui le reçoit.", required=True),
    Column("origin", "string", "`published` : un document l'énonce ; `derived` : calculé à partir de chiffres "
           "officiels.", required=True, enum=("published", "derived")),
    Column("unconfirmed", "boolean", "Vrai quand aucun texte officiel n'énonce le montant.", required=True),
    Column("headline", "boolean", "Vrai pour le montant mis en avant dans la liste des dispositifs.", required=True),
    Column("sources", "string", "Identifiants des sources citées (voir sources.csv), séparés par des espaces.",
           required=True),
    *VALIDITY,
)
AMOUNT_KEYS = ((("scheme",), "schemes", ("slug",)), (("region",), "regions", ("code",)))



def _link_table(name: str, title: str, description: str, owner: str, owners: str,
                rows: Callable[[Catalogue], Iterable[dict[str, Any]]]) -> Table:
    """A many-to-many table: each row joins one `owner` (an id of `owners`.csv) to one scheme."""
    return Table(name, title, description,
                 (_id(owner, f"Identifiant, voir {owners}.csv."), _scheme()), (owner, "scheme"), rows,
                 (((owner,), owners, ("id",)), (("scheme",), "schemes", ("slug",))))


TABLES: tuple[Table, ...] = (
    Table("schemes", "Dispositifs", "Les dispositifs de post-internat en vigueur au jour de référence.", (
        Column("slug", "string", "Identifiant stable du dispositif (utilisé dans l'API : /schemes/{slug}).",
               required=True, unique=True),
        Column("name", "string", "Nom du dispositif.", required=True),
        Column("short_name", "string", "Sigle."),
        Column("category", "string", "`universitaire`, `hospitalier`, ou `des` (dernière année de DES).",
               required=True, enum=enum(V.Category)),
        Column("scope", "string", "`national` (statut national) ou `regional`.", required=True, enum=enum(V.Scope)),
        Column("audience", "string", "`mg` : médecine générale seule ; `specialist` : toutes les spécialités sauf la "
               "médecine générale ; `all` : non restreint ; `disciplines` : spécialités listées.", required=True,
               enum=enum(V.Audience)),
        Column("audience_text", "string", "Qui peut candidater, selon les documents.", required=True),
        Column("description", "string", "Description.", required=True),
        Column("duration_initial_months", "integer", "Durée de la première nomination, en mois."),
        Column("duration_max_months", "integer", "Durée totale maximale, en mois."),
        Column("duration_text", "string", "Durée, telle que les documents la décrivent.", required=True),
        Column("headline_pay_amount", "number", "Rémunération mensuelle mise en avant, en euros (total publié, ou "
               "somme des composantes de base de la première année)."),
        Column("headline_pay_basis", "string", "Brut ou net de ce montant.", enum=enum(V.Basis)),
        Column("headline_pay_text", "string", "Ce montant en toutes lettres."),
        Column("last_verified_on", "date", "Dernière vérification des données du dispositif sur ses sources."),
        Column("sources_as_of", "date", "Date de la source la plus récente citée."),
        Column("url", "string", "Adresse du dispositif dans l'API (relative au service).", required=True),
        *VALIDITY,
    ), ("slug",), _scheme_rows),
    Table("regions", "Régions", "Les 18 régions françaises, codes INSEE et ISO 3166-2.", (
        Column("code", "string", "Code INSEE de la région (deux chiffres, une chaîne : « 02 »).", required=True,
               pattern=REGION_PATTERN, unique=True),
        Column("iso_code", "string", "Code ISO 3166-2:FR (FR-HDF…).", pattern=r"^FR-[0-9A-Z]{2,3}$", unique=True),
        Column("name", "string", "Nom officiel.", required=True),
        Column("scheme_count", "integer", "Nombre de dispositifs décrits dans la région.", required=True),
    ), ("code",), _region_rows),
    Table("specialties", "Spécialités", "Les DES (diplômes d'études spécialisées).", (
        Column("code", "string", "Identifiant stable de la spécialité.", required=True, unique=True),
        Column("name", "string", "Nom du DES.", required=True),
        Column("is_mg", "boolean", "Vrai pour la médecine générale.", required=True),
        Column("discipline", "string", "Discipline du DES.", required=True, enum=enum(V.Discipline)),
    ), ("code",), _specialty_rows),
    Table("availability", "Offres régionales", "Un dispositif tel qu'il est proposé dans une région.", (
        _scheme(), _region(),
        Column("local_name", "string", "Nom local du dispositif dans la région."),
        Column("since", "date", "Depuis quand il y est proposé."),
        Column("since_text", "string", "Depuis quand, tel que le document le dit."),
        Column("evidence", "string", "`documented` : un document décrit l'offre ; `mentioned` : un document la "
               "nomme seulement ; `national_text` : des textes nationaux la fixent.", required=True,
               enum=("documented", "mentioned", "national_text")),
        Column("funders", "string", "Financeurs, séparés par « ; »."),
        Column("faculties", "string", "Facultés ou subdivisions, séparées par « ; »."),
    ), ("scheme", "region"), _availability_rows, AMOUNT_KEYS),
    Table("pay_components", "Rémunérations", "Ce que perçoit le médecin (`pay`) et les totaux publiés (`total`).",
          AMOUNT_COLUMNS, ("code",), _pay_rows, AMOUNT_KEYS),
    Table("funding", "Financements", "Ce qu'un financeur verse à un établissement (jamais ajouté à la "
          "rémunération).", AMOUNT_COLUMNS, ("code",), _funding_rows, AMOUNT_KEYS),
    Table("calendar", "Calendrier", "Appels, dates limites, commissions, prises de fonction.", (
        Column("id", "string", "Identifiant stable de l'événement.", required=True, unique=True),
        _region(),
        Column("kind", "string", "Nature de l'événement.", required=True, enum=enum(V.EventKind)),
        Column("label", "string", "Libellé.", required=True),
        Column("date", "date", "Date (première occurrence pour un événement annuel).", required=True),
        Column("precision", "string", "`day`, `month` (seul le mois est connu) ou `approximate`.", required=True,
               enum=enum(V.Precision)),
        Column("when_text", "string", "La date telle que la source la donne.", required=True),
        Column("recurrence", "string", "`none` ou `yearly`.", required=True, enum=enum(V.Recurrence)),
        Column("next_date", "date", "Prochaine occurrence à partir du jour de référence."),
        Column("status", "string", "`announced` : date énoncée par une source ; `expected` : projetée d'une année "
               "antérieure.", required=True, enum=("announced", "expected")),
        *VALIDITY,
    ), ("id",), _calendar_rows, ((("region",), "regions", ("code",)),)),
    _link_table("calendar_schemes", "Événements par dispositif", "Les dispositifs concernés par chaque événement.",
                "event", "calendar", _calendar_scheme_rows),
    Table("contacts", "Contacts", "À qui écrire, par région.", (
        Column("id", "string", "Identifiant stable du contact.", required=True, unique=True),
        Column("organisation", "string", "Organisme.", required=True),
        Column("service", "string", "Service."),
        Column("person_name", "string", "Personne à contacter, quand un document la nomme."),
        Column("email", "string", "Adresse électronique."),
        Column("phone", "string", "Téléphone."),
        Column("website", "string", "Site."),
        _region(),
        Column("faculty", "string", "Faculté ou subdivision servie."),
        *VALIDITY,
    ), ("id",), _contact_rows, ((("region",), "regions", ("code",)),)),
    _link_table("contact_schemes", "Contacts par dispositif", "Les dispositifs dont chaque contact s'occupe.",
                "contact", "contacts", _contact_scheme_rows),
    Table("sources", "Sources", "Les documents, textes officiels, pages et jeux de données cités.", (
        Column("id", "string", "Identifiant stable de la source (cité par les autres fichiers).", required=True,
               unique=True),
        Column("kind", "string", "Nature de la source.", required=True, enum=enum(V.SourceKind)),
        Column("title", "string", "Titre.", required=True),
        Column("file", "string", "Nom du fichier du document lu."),
        Column("publisher", "string", "Éditeur.", required=True),
        _region(required=False),
        Column("published_on", "date", "Date de publication."),
        Column("published_text", "string", "Date de publication telle que le document la donne."),
        Column("url", "string", "Adresse de la source.", ),
        Column("read_on", "date", "Jour où la page a été lue."),
        Column("note", "string", "Remarques sur la source."),
    ), ("id",), _source_rows, ((("region",), "regions", ("code",)),)),
    Table("quotas", "Quotas nationaux de postes", "Postes qu'une note nationale (DGOS) répartit par région et par "
          "période.", (
        Column("id", "string", "Identifiant stable de la ligne.", required=True, unique=True),
        Column("programme", "string", "Le programme, tel que la note le nomme.", required=True),
        Column("scheme", "string", "Le dispositif du catalogue correspondant, s'il y en a un."),
        _region(),
        Column("period_start", "integer", "Première année de la période couverte.", required=True),
        Column("period_end", "integer", "Dernière année de la période couverte.", required=True),
        Column("kind", "string", "Catégorie de postes de la note."),
        Column("posts", "integer", "Nombre de postes.", required=True),
        Column("sources", "string", "Identifiants des sources citées, séparés par des espaces."),
    ), ("id",), _quota_rows, ((("region",), "regions", ("code",)),)),
    Table("pay_parameters", "Paramètres de paie",
          "Taux, plafonds, grilles et barèmes datés qu'utilise la simulation.", (
        Column("code", "string", "Identifiant stable du paramètre.", required=True),
        Column("label", "string", "Libellé.", required=True),
        Column("unit", "string", "Unité de la valeur.", required=True, enum=enum(V.ParameterUnit)),
        Column("kind", "string", "`value` (une valeur) ou `scale` (un barème, voir brackets).", required=True,
               enum=("value", "scale")),
        Column("value", "number", "La valeur (un taux : 0.0695 pour 6,95 %) ; vide pour un barème."),
        Column("brackets", "string", "Les tranches d'un barème, en JSON ; vide pour une valeur."),
        Column("confirmed", "boolean", "Faux quand aucune source n'énonce la valeur.", required=True),
        Column("sources", "string", "Identifiants des sources citées, séparés par des espaces."),
        Column("valid_from", "date", "Premier jour d'application de la valeur.", required=True),
        Column("valid_to", "date", "Dernier jour d'application (vide : sans fin connue)."),
    ), ("code", "valid_from"), _parameter_rows),
)
TABLE_NAMES = tuple(t.name for t in TABLES)
BY_NAME = {t.name: t for t in TABLES}


# --- CSV and descriptor ---------------------------------------------------------------------------------------


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def table_csv(table: Table, catalogue: Catalogue) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")  # RFC 4180
    names = [c.name for c in table.columns]
    writer.writerow(names)
    for row in table.rows(catalogue):
        writer.writerow([_cell(row.get(name)) for name in names])
    return out.getvalue()


def last_update(session: Session) -> dt.datetime | None:
    stamp = session.exec(select(CatalogueVersion.changed_at)).first()
    if stamp is not None and stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=dt.UTC)  # SQLite gives it back naive
    return stamp


def descriptor(session: Session, day: dt.date, *, as_of_query: bool) -> dict[str, Any]:
    """The datapackage.json of the catalogue on `day`; with `as_of_query`, each path asks for that day."""
    updated = last_update(session)
    updated_text = updated.date().isoformat() if updated else day.isoformat()
    suffix = f"?as_of={day.isoformat()}" if as_of_query else ""
    sources = session.exec(select(SourceDocument).order_by(col(SourceDocument.key))).all()
    return {
        "profile": "tabular-data-package",
        "name": "post-internat",
        "title": "Dispositifs de post-internat en France",
        "description": "Le catalogue des dispositifs de post-internat (chef de clinique, assistant spécialiste, AUMG, "
        "400 MG…) : régions, spécialités, rémunérations, financements, calendrier, contacts, et les sources citées "
        f"par chaque chiffre. État au {day.isoformat()}.",
        "homepage": "/",
        "version": updated_text,
        "created": (updated or dt.datetime.combine(day, dt.time(), dt.UTC)).isoformat(),
        "as_of": day.isoformat(),
        "licenses": [LICENSE],
        # Licence Ouverte 2.0 asks reusers to name the source and the date of its last update.
        "attribution": f"Source : Post-internat API, catalogue des dispositifs de post-internat, mis à jour le "
        f"{updated_text}. Licence Ouverte / Open Licence 2.0 (etalab-2.0). Les documents cités gardent leurs propres "
        "conditions (voir sources.csv).",
        "sources": [{"title": s.title, **({"path": s.url} if s.url else {})} for s in sources],
        "keywords": ["post-internat", "internat", "médecine", "chef de clinique", "assistant spécialiste"],
        "resources": [
            {
                "profile": "tabular-data-resource",
                "name": t.name,
                "title": t.title,
                "description": t.description,
                "path": f"{t.name}.csv{suffix}",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "dialect": {"delimiter": ",", "header": True},
                "licenses": [LICENSE],
                "schema": t.schema(),
            }
            for t in TABLES
        ],
    }


def write_package(session: Session, folder: Path, *, day: dt.date | None = None) -> list[Path]:
    """Write datapackage.json and every CSV to `folder` (created if needed); returns the files written."""
    day = day or today()
    folder.mkdir(parents=True, exist_ok=True)
    catalogue = Catalogue(session, day, memory.read(cast(Engine, session.get_bind())))
    written = []
    for table in TABLES:
        path = folder / f"{table.name}.csv"
        path.write_text(table_csv(table, catalogue), encoding="utf-8", newline="")
        written.append(path)
    path = folder / "datapackage.json"
    path.write_text(json.dumps(descriptor(session, day, as_of_query=False), ensure_ascii=False, indent=2) + "\n",
                    encoding="utf-8")
    return [path, *written]
