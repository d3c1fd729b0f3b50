"""The schema comes only from Alembic: migrations match the models, and go down and up again."""

from __future__ import annotations

import copy
from collections.abc import Callable

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Engine

from app.migrate import downgrade, pending_migrations, upgrade
from app.models import metadata


def test_fresh_database_is_pending_then_at_head(new_database: Callable[[], Engine]) -> None:
    engine = new_database()
    assert pending_migrations(engine) is not None
    upgrade(engine)
    assert pending_migrations(engine) is None


def test_migrations_match_the_models(engine: Engine) -> None:
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}), metadata)
    assert diff == []


def test_downgrade_removes_everything_and_upgrade_restores_it(new_database: Callable[[], Engine]) -> None:
    engine = new_database()
    upgrade(engine)
    tables = set(inspect(engine).get_table_names())
    assert {"scheme", "region", "pay_component", "contact", "calendar_event"} <= tables
    downgrade(engine)
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    upgrade(engine)
    assert set(inspect(engine).get_table_names()) == tables


def _exported(engine: Engine) -> dict:
    """The catalogue in the database, as seed data (every record, every version)."""
    from sqlmodel import Session

    from app.records.export import export_seed, seed_data

    with Session(engine) as session:
        return seed_data(export_seed(session))


def _seeded(new_database: Callable[[], Engine]) -> tuple[Engine, dict]:
    """A new database at head with the seed loaded, and its catalogue as seed data."""
    from app.seed.loader import load_seed
    from tests.conftest import SEED_DIR

    engine = new_database()
    upgrade(engine)
    load_seed(engine, SEED_DIR)
    return engine, _exported(engine)


def test_upgrading_to_versioned_records_carries_the_data_over(new_database: Callable[[], Engine]) -> None:
    """0004 rebuilds nine tables: a catalogue loaded before it (at 0003) must come through it intact."""
    engine, before = _seeded(new_database)
    downgrade(engine, "0003")  # back to the shape of 0003, with the seed's data in it
    with engine.connect() as connection:
        tables = set(inspect(connection).get_table_names())
        assert "api_key" not in tables and "audit_entry" not in tables
    upgrade(engine)
    after = _exported(engine)
    for scheme in before["schemes"]:
        scheme.pop("verified", None)  # 0003 had no place for it
    assert after == _without_0005(_without_0006(_without_0007(_without_0009(before))))


def _without_0005(data: dict) -> dict:
    """The seed's data as a catalogue before 0005 holds it: derivations, evidence and reading dates take defaults."""
    out = copy.deepcopy(data)
    for source in out["sources"]:
        source.pop("read_on", None)
    for offer in out["availability"]:
        offer.pop("evidence", None)
    for component in out["pay_components"]:
        component.pop("derivation", None)
        component.pop("confirmed", None)
    for parameter in out["pay_parameters"]:
        for value in parameter["values"]:
            value.pop("derivation", None)
    return out


def _without_0006(data: dict) -> dict:
    """The seed's data as a catalogue before 0006 holds it: no unconfirmed specialty, links as plain codes."""
    out = copy.deepcopy(data)
    for scheme in out["schemes"]:
        if "eligible_specialties" in scheme:
            scheme["eligible_specialties"] = [
                e if isinstance(e, str) else e["code"]
                for e in scheme["eligible_specialties"]
                if isinstance(e, str) or e.get("confirmed", True)
            ]
    return out


def _without_0007(data: dict) -> dict:
    """The seed's data as a catalogue before 0007 holds it: eligibility rules without their criteria."""
    out = copy.deepcopy(data)
    for scheme in out["schemes"]:
        for rule in scheme.get("rules", []):
            rule.pop("criterion", None)
    return out


def _without_0009(data: dict) -> dict:
    """The seed's data as a catalogue before 0009 holds it: no quotas of posts, no notes on regions."""
    out = copy.deepcopy(data)
    out["quotas"] = []
    for region in out["regions"]:
        region.pop("notes", None)
    return out


def test_downgrading_0009_loses_only_quotas_and_region_notes(new_database: Callable[[], Engine]) -> None:
    engine, before = _seeded(new_database)
    assert before["quotas"] and any(r.get("notes") for r in before["regions"])
    downgrade(engine, "0008")
    with engine.connect() as connection:
        assert "post_quota" not in inspect(connection).get_table_names()
        assert "notes" not in {c["name"] for c in inspect(connection).get_columns("region")}
    upgrade(engine)
    assert _exported(engine) == _without_0009(before)


def test_downgrading_0007_loses_only_the_criteria(new_database: Callable[[], Engine]) -> None:
    """Down to 0006 and back: the rules' texts and sources stay; only what they test is gone (until the seed syncs)."""
    engine, before = _seeded(new_database)
    assert any(r.get("criterion") for s in before["schemes"] for r in s.get("rules", []))
    downgrade(engine, "0006")
    with engine.connect() as connection:
        assert "criterion" not in {c["name"] for c in inspect(connection).get_columns("scheme_rule")}
    upgrade(engine)
    after = _exported(engine)
    assert after == _without_0007(_without_0009(before))


def test_downgrading_0006_loses_only_its_own_facts(new_database: Callable[[], Engine]) -> None:
    """Down to 0005 and back: unconfirmed specialties are deleted (never left as plain eligible ones), the rest
    stays."""
    engine, before = _seeded(new_database)
    (ahu,) = [s for s in before["schemes"] if s["slug"] == "ahu"]
    assert any(isinstance(e, dict) and e.get("confirmed") is False for e in ahu["eligible_specialties"])
    downgrade(engine, "0005")
    with engine.connect() as connection:
        assert "confirmed" not in {c["name"] for c in inspect(connection).get_columns("scheme_specialty")}
    upgrade(engine)
    after = _exported(engine)
    (ahu_after,) = [s for s in after["schemes"] if s["slug"] == "ahu"]
    assert ahu_after["eligible_specialties"] == ["biologie-medicale"]
    assert after == _without_0006(_without_0007(_without_0009(before)))


def test_downgrading_0005_loses_only_its_own_facts(new_database: Callable[[], Engine]) -> None:
    """Down to 0004 and back: the catalogue comes back, less the facts only 0005 can hold."""
    engine, before = _seeded(new_database)
    assert any(v.get("derivation") for p in before["pay_parameters"] for v in p["values"])
    downgrade(engine, "0004")
    upgrade(engine)
    after = _exported(engine)
    assert after == _without_0005(_without_0006(_without_0007(_without_0009(before))))
