"""Grow the catalogue synthetically, and show the SQL plans of the listing queries.

`grow(engine, total)` adds clones of the seeded schemes until the `scheme` table holds `total` rows: each clone
copies a real scheme (its audience, category, texts, rules, eligible specialties and pay components) under a new
slug and name, and is offered in 1 to 3 of the 18 regions drawn at random (fixed seed), so every filter keeps a
realistic selectivity. `sort_name` and `search_text` are folded with `app.core.text.fold`, as the seed loader does.

`explain_listing(engine, app_factory, path)` sends one listing request through the app in-process, records the SQL
it issues, and returns each statement with its EXPLAIN ANALYZE (PostgreSQL) or EXPLAIN QUERY PLAN (SQLite).
"""

from __future__ import annotations

import random
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event, func, insert, select, text
from sqlalchemy.engine import Engine

from app.core.text import fold
from app.models import PayComponent, Region, Scheme, SchemeRegion, SchemeRule, SchemeSpecialty

SYNTH_PREFIX = "synth-"
TOWNS = [
    "Amiens", "Angers", "Besancon", "Bordeaux", "Brest", "Caen", "Clermont", "Dijon", "Grenoble", "Lille",
    "Limoges", "Lyon", "Marseille", "Montpellier", "Nancy", "Nantes", "Nice", "Nimes", "Paris", "Poitiers",
    "Reims", "Rennes", "Rouen", "Saint-Etienne", "Strasbourg", "Toulouse", "Tours", "Pointe-a-Pitre",
    "Fort-de-France", "Cayenne", "Saint-Denis", "Mamoudzou", "Ajaccio", "Bastia", "Orleans", "Metz",
]

SCHEME = Scheme.__table__  # type: ignore[attr-defined]
RULE = SchemeRule.__table__  # type: ignore[attr-defined]
SPECIALTY = SchemeSpecialty.__table__  # type: ignore[attr-defined]
REGION = SchemeRegion.__table__  # type: ignore[attr-defined]
PAY = PayComponent.__table__  # type: ignore[attr-defined]


@dataclass
class Templates:
    schemes: list[dict[str, Any]]
    rules: dict[int, list[dict[str, Any]]]  # by scheme version id
    specialties: dict[int, list[dict[str, Any]]]
    regions: dict[str, list[dict[str, Any]]]  # by scheme slug
    pay: dict[str, list[dict[str, Any]]]
    region_names: dict[str, str]


def _rows(conn: Any, table: Any, where: Any = None) -> list[dict[str, Any]]:
    stmt = select(table) if where is None else select(table).where(where)
    return [dict(r._mapping) for r in conn.execute(stmt)]


def _by_scheme(rows: list[dict[str, Any]], key: str = "scheme_id") -> dict[Any, list[dict[str, Any]]]:
    out: dict[Any, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        out[row[key]].append(row)
    return out


def _templates(conn: Any) -> Templates:
    schemes = _rows(conn, SCHEME, ~SCHEME.c.slug.startswith(SYNTH_PREFIX))
    schemes.sort(key=lambda r: r["slug"])
    return Templates(
        schemes=schemes,
        rules=_by_scheme(_rows(conn, RULE)),
        specialties=_by_scheme(_rows(conn, SPECIALTY)),
        regions=_by_scheme(_rows(conn, REGION), "scheme_slug"),
        pay=_by_scheme(_rows(conn, PAY), "scheme_slug"),
        region_names={r.code: r.name for r in conn.execute(select(Region.__table__))},  # type: ignore[attr-defined]
    )


def scheme_count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(SCHEME)).scalar_one())


def grow(engine: Engine, total: int, *, seed: int = 20261122, batch: int = 1000) -> int:
    """Add synthetic schemes until there are `total`; returns how many were added."""
    with engine.begin() as conn:
        current = int(conn.execute(select(func.count()).select_from(SCHEME)).scalar_one())
        if current >= total:
            return 0
        t = _templates(conn)
        codes = sorted(t.region_names)
        rng = random.Random(seed + current)
        added = 0
        while current + added < total:
            n_batch = min(batch, total - current - added)
            new_schemes, plan = [], []
            for k in range(n_batch):
                n = current + added + k
                template = t.schemes[n % len(t.schemes)]
                town = rng.choice(TOWNS)
                regions = rng.sample(codes, rng.choice((1, 1, 2, 3)))
                name = f"{template['name']} – {town} {n:05d}"
                slug = f"{SYNTH_PREFIX}{n:05d}-{template['slug']}"[:80]
                row = {k2: v for k2, v in template.items() if k2 != "id"}
                region_words = " ".join(t.region_names[c] for c in regions)
                row.update(
                    slug=slug, name=name, sort_name=fold(name)[:300],
                    search_text=fold(f"{slug} {name} {region_words} {template['search_text']}"),
                )
                new_schemes.append(row)
                plan.append((template["id"], template["slug"], slug, regions, n))
            ids = conn.execute(
                insert(SCHEME).returning(SCHEME.c.id, sort_by_parameter_order=True), new_schemes
            ).scalars().all()
            rules, specialties, availability, pay = [], [], [], []
            for new_id, (template_id, template_slug, slug, regions, n) in zip(ids, plan, strict=True):
                for r in t.rules.get(template_id, []):
                    rules.append({**{k: v for k, v in r.items() if k != "id"}, "scheme_id": new_id})
                for s in t.specialties.get(template_id, []):
                    specialties.append({**s, "scheme_id": new_id})
                template_regions = t.regions.get(template_slug, [])
                for i, code in enumerate(regions):
                    base = template_regions[i % len(template_regions)] if template_regions else {
                        "local_name": None, "since": None, "since_text": None, "funders": [], "faculties": [],
                        "notes": [], "sources": [],
                    }
                    availability.append(
                        {**{k: v for k, v in base.items() if k not in ("id", "scheme_slug", "region_code")},
                         "scheme_slug": slug, "region_code": code}
                    )
                for p in t.pay.get(template_slug, []):
                    pay.append({
                        **{k: v for k, v in p.items() if k != "id"}, "scheme_slug": slug,
                        "code": f"{p['code']}-{SYNTH_PREFIX}{n:05d}"[:120],
                        "region_code": regions[0] if p["region_code"] is not None else None,
                    })
            for table, rows in ((RULE, rules), (SPECIALTY, specialties), (REGION, availability), (PAY, pay)):
                if rows:
                    conn.execute(insert(table), rows)
            added += n_batch
    return added


# --- EXPLAIN of the SQL the app issues ----------------------------------------------------------------------------


@dataclass
class Plan:
    sql: str
    parameters: Any
    plan: str
    indexes: list[str]
    full_scans: list[str]  # PostgreSQL "Seq Scan", SQLite "SCAN" (a whole table, or a whole index in its order)


_INDEX_RE = re.compile(
    r"(?:Index Scan|Index Only Scan)(?: Backward)? using (\S+)|Bitmap Index Scan on (\S+)"
    r"|USING (?:COVERING )?INDEX (\S+)|USING INTEGER PRIMARY KEY"
)
_FULL_RE = re.compile(r"Seq Scan on (\S+)|^\s*SCAN (\S+)")


def _explain(engine: Engine, statement: str, parameters: Any) -> Plan:
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            rows = conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters).all()
            plan = "\n".join(r[0] for r in rows)
        else:
            rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
            plan = "\n".join(str(r[-1]) for r in rows)
    indexes = sorted(
        {m.group(1) or m.group(2) or m.group(3) or "INTEGER PRIMARY KEY" for m in _INDEX_RE.finditer(plan)}
    )
    full = []
    for line in plan.splitlines():
        m = _FULL_RE.search(line)
        if m:
            full.append((m.group(1) or m.group(2)) + (" (via its index)" if "USING" in line else ""))
    return Plan(statement, parameters, plan, indexes, sorted(set(full)))


def capture_sql(engine: Engine, action: Callable[[], Any]) -> list[tuple[str, Any]]:
    """The statements `action` makes the engine execute."""
    captured: list[tuple[str, Any]] = []

    def listener(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        captured.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", listener)
    try:
        action()
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    return captured


def explain_statements(engine: Engine, statements: list[tuple[str, Any]]) -> list[Plan]:
    plans = []
    for statement, parameters in statements:
        if not statement.lstrip().upper().startswith("SELECT"):
            continue
        plans.append(_explain(engine, statement, parameters))
    return plans


def pg_table_sizes(engine: Engine) -> dict[str, int]:
    if engine.dialect.name != "postgresql":
        return {}
    with engine.connect() as conn:
        return {
            r[0]: int(r[1])
            for r in conn.execute(
                text("SELECT relname, n_live_tup FROM pg_stat_user_tables WHERE schemaname = current_schema()")
            )
        }


# --- candidate indexes (PostgreSQL, in the bench's own throwaway database only) -----------------------------------

CANDIDATE_INDEXES = [
    (
        "trigram index on scheme.search_text, for q= (LIKE '%word%')",
        [
            "CREATE EXTENSION IF NOT EXISTS pg_trgm",
            "CREATE INDEX bench_ix_scheme_search_text_trgm ON scheme USING gin (search_text gin_trgm_ops)",
        ],
    ),
    (
        "scheme_region (region_code, scheme_slug), for region= (the schemes of a region from the index alone)",
        ["CREATE INDEX bench_ix_scheme_region_region_scheme ON scheme_region (region_code, scheme_slug)"],
    ),
]


def add_candidate_indexes(engine: Engine) -> list[dict[str, Any]]:
    """Create the candidate indexes; each reported as created or with the error that prevented it."""
    out = []
    for label, statements in CANDIDATE_INDEXES:
        try:
            with engine.begin() as conn:
                for statement in statements:
                    conn.execute(text(statement))
            out.append({"index": label, "statements": statements, "created": True})
        except Exception as exc:  # reported, the bench goes on without it
            out.append({"index": label, "statements": statements, "created": False,
                        "error": str(exc).splitlines()[0]})
    return out
