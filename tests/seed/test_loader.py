"""python -m app.seed: validates everything first, writes in one transaction, and loading twice changes nothing."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from sqlalchemy import text
from sqlalchemy.engine import Engine

from app.migrate import upgrade
from app.models import metadata
from app.records import store
from app.records.store import SeedInvalid
from app.seed import __main__ as cli
from app.seed.loader import load_seed, read_seed
from tests.conftest import SEED_DIR


def snapshot(engine: Engine) -> dict[str, list[tuple]]:
    with engine.connect() as conn:
        return {
            table.name: [tuple(row) for row in conn.execute(text(f"SELECT * FROM {table.name} ORDER BY 1, 2"))]
            for table in metadata.sorted_tables
        }


def edit(seed_dir: Path, file: str, change: Callable[[list], None]) -> None:
    path = seed_dir / f"{file}.yaml"
    rows = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(rows)
    path.write_text(yaml.safe_dump(rows, allow_unicode=True, sort_keys=False), encoding="utf-8")


def row_index(rows: list, key: str, value: str) -> int:
    return next(i for i, row in enumerate(rows) if row.get(key) == value)


def test_seed_is_valid() -> None:
    seed = read_seed(SEED_DIR)
    assert len(seed.schemes) == 15 and len(seed.regions) == 18


def test_loading_twice_changes_nothing(engine: Engine) -> None:
    before = snapshot(engine)
    report = load_seed(engine, SEED_DIR)
    assert report.changes == 0, str(report)
    assert snapshot(engine) == before


def test_a_fresh_load_reports_what_it_inserted(new_database: Callable[[], Engine]) -> None:
    engine = new_database()
    upgrade(engine)
    report = load_seed(engine, SEED_DIR)
    assert report.inserted["scheme"] == 15 and report.inserted["region"] == 18
    assert not report.updated and not report.deleted


def test_bad_row_names_file_row_and_field_and_writes_nothing(engine: Engine, seed_copy: Path) -> None:
    before = snapshot(engine)
    edit(seed_copy, "pay_components", lambda rows: rows[2].update(amount="beaucoup"))
    edit(seed_copy, "schemes", lambda rows: rows[0].update(name="Nom changé"))  # a valid change, must not land either
    with pytest.raises(SeedInvalid) as caught:
        load_seed(engine, seed_copy)
    messages = [str(e) for e in caught.value.errors]
    assert any(m.startswith("seed/pay_components.yaml: row 3 (") and "field 'amount'" in m for m in messages), messages
    assert snapshot(engine) == before


def test_float_amounts_are_refused(seed_copy: Path) -> None:
    edit(seed_copy, "pay_components", lambda rows: rows[0].update(amount=1392.5))
    with pytest.raises(SeedInvalid) as caught:
        read_seed(seed_copy)
    assert "never as floats" in str(caught.value)


def test_broken_references_are_all_reported(seed_copy: Path) -> None:
    edit(seed_copy, "contacts", lambda rows: rows[0].update(schemes=["ccu-mg", "chef-de-gare"]))
    edit(seed_copy, "calendar", lambda rows: rows[0].update(region="99"))
    edit(seed_copy, "pay_components", lambda rows: rows[0]["sources"][0].update(doc="rumeur"))
    with pytest.raises(SeedInvalid) as caught:
        read_seed(seed_copy)
    text_ = str(caught.value)
    assert "seed/contacts.yaml: row 1" in text_ and "field 'schemes[1]': unknown scheme 'chef-de-gare'" in text_
    assert "seed/calendar.yaml: row 1" in text_ and "unknown region '99'" in text_
    assert "field 'sources[0].doc': unknown source 'rumeur'" in text_


def test_duplicate_ids_are_refused(seed_copy: Path) -> None:
    edit(seed_copy, "schemes", lambda rows: rows.append(dict(rows[0])))
    with pytest.raises(SeedInvalid, match="duplicate id"):
        read_seed(seed_copy)


def test_regional_pay_needs_the_scheme_offered_there(seed_copy: Path) -> None:
    def move(rows: list) -> None:
        rows[row_index(rows, "code", "aumg-financement-ars-paca")]["region"] = "53"

    edit(seed_copy, "pay_components", move)
    with pytest.raises(SeedInvalid, match="not offered in region '53'"):
        read_seed(seed_copy)


def test_invalid_yaml_says_where(seed_copy: Path) -> None:
    (seed_copy / "regions.yaml").write_text("- code: '11'\n  name: [unclosed\n", encoding="utf-8")
    with pytest.raises(SeedInvalid, match=r"seed/regions.yaml: not valid YAML \(line"):
        read_seed(seed_copy)


def test_failure_while_writing_rolls_everything_back(
    engine: Engine, seed_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = snapshot(engine)
    edit(seed_copy, "schemes", lambda rows: rows[0].update(name="Nom changé"))

    def fail(self: store._Sync) -> None:
        raise RuntimeError("connection lost")

    monkeypatch.setattr(store._Sync, "delete_stale", fail)
    with pytest.raises(RuntimeError):
        load_seed(engine, seed_copy)
    assert snapshot(engine) == before


def test_removed_rows_are_deleted_and_restored(engine: Engine, seed_copy: Path) -> None:
    before = snapshot(engine)
    edit(seed_copy, "calendar", lambda rows: rows.pop())
    report = load_seed(engine, seed_copy)
    assert report.deleted["calendar_event"] == 1
    report = load_seed(engine, SEED_DIR)
    assert report.inserted["calendar_event"] == 1
    after = snapshot(engine)
    # The event comes back with a new internal id; the version counter went up once per load that changed data
    # (so every worker drops its in-memory answers); everything else is identical.
    unchanged = {k for k in after if "calendar" not in k and k != "catalogue_version"}
    assert {k: after[k] for k in unchanged} == {k: before[k] for k in unchanged}
    assert len(after["calendar_event"]) == len(before["calendar_event"])
    assert after["catalogue_version"][0][1] == before["catalogue_version"][0][1] + 2


class TestCommand:
    def test_check_on_a_valid_seed(self, capsys: pytest.CaptureFixture[str]) -> None:
        assert cli.main(["--check"]) == 0
        assert "seed is valid: 15 schemes" in capsys.readouterr().out

    def test_check_on_an_invalid_seed_lists_problems(self, seed_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
        edit(seed_copy, "regions", lambda rows: rows[0].update(code="A1"))
        assert cli.main(["--check", "--seed-dir", str(seed_copy)]) == 1
        err = capsys.readouterr().err
        assert "the database was not changed" in err and "seed/regions.yaml: row 1" in err and "field 'code'" in err


def test_renaming_a_component_or_parameter_a_pay_model_names_fails_loudly(seed_copy: Path) -> None:
    # The simulation's pay models name components and parameters by code: a rename must not silently drop a line.
    def rename_component(rows: list) -> None:
        rows[row_index(rows, "code", "assistant-bachelot-pet")]["code"] = "assistant-bachelot-prime-territoriale"

    def rename_parameter(rows: list) -> None:
        rows[row_index(rows, "code", "ccu-mg-complement-cpam-seuil-actes-semaine")]["code"] = "cpam-seuil"

    edit(seed_copy, "pay_components", rename_component)
    edit(seed_copy, "pay_parameters", rename_parameter)
    with pytest.raises(SeedInvalid) as caught:
        read_seed(seed_copy)
    text_ = str(caught.value)
    assert ("seed/pay_components.yaml: pay component 'assistant-bachelot-pet' is missing: the pay model of scheme "
            "'assistant-bachelot'") in text_
    assert ("seed/pay_parameters.yaml: parameter 'ccu-mg-complement-cpam-seuil-actes-semaine' is missing: the pay "
            "model of scheme 'ccu-mg'") in text_
