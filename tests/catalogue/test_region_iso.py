"""Regions' ISO 3166-2:FR codes: checked against pycountry's copy of the standard, served, and redirected to."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pycountry
import pytest
import yaml
from fastapi.testclient import TestClient

from app.records.store import SeedInvalid
from app.seed.loader import read_seed
from tests.conftest import SEED_DIR


def _letters(name: str) -> str:
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z]", "", folded)


def test_every_region_has_the_iso_code_of_its_name() -> None:
    regions = yaml.safe_load((SEED_DIR / "regions.yaml").read_text(encoding="utf-8"))
    assert len(regions) == 18
    for region in regions:
        subdivision = pycountry.subdivisions.get(code=region["iso_code"])
        assert subdivision is not None, region
        assert subdivision.parent_code is None, region  # a region, not a department inside one
        # pycountry: « Guyane (française) », « Grand-Est », « Provence-Alpes-Côte-d’Azur »
        assert _letters(subdivision.name).startswith(_letters(region["name"])), (region, subdivision.name)
        assert "iso-3166-2-fr" in [s["doc"] for s in region["sources"]]
    assert len({r["iso_code"] for r in regions}) == 18


def test_the_migration_fills_the_same_codes_as_the_seed() -> None:
    path = SEED_DIR.parent / "migrations" / "versions" / "20261203_0008_region_iso_code.py"
    namespace: dict = {}
    exec(compile(path.read_text(encoding="utf-8"), str(path), "exec"), namespace)  # our own file
    regions = yaml.safe_load((SEED_DIR / "regions.yaml").read_text(encoding="utf-8"))
    assert namespace["ISO_CODES"] == {r["code"]: r["iso_code"] for r in regions}


def test_regions_list_and_detail_carry_the_iso_code(client: TestClient) -> None:
    listed = {r["code"]: r["iso_code"] for r in client.get("/regions").json()}
    assert listed["32"] == "FR-HDF" and listed["28"] == "FR-NOR" and listed["94"] == "FR-20R"
    detail = client.get("/regions/32").json()
    assert detail["iso_code"] == "FR-HDF" and detail["name"] == "Hauts-de-France"


@pytest.mark.parametrize("iso, code", [("FR-HDF", "32"), ("fr-nor", "28"), ("FR-971", "01")])
def test_an_iso_code_redirects_to_the_insee_address(client: TestClient, iso: str, code: str) -> None:
    response = client.get(f"/regions/{iso}?as_of=2024-06-30", follow_redirects=False)
    assert response.status_code == 301
    assert response.headers["location"] == f"/regions/{code}?as_of=2024-06-30"
    assert client.get(f"/regions/{iso}").json()["code"] == code


def test_an_unknown_iso_code_is_a_404_listing_the_known_ones(client: TestClient) -> None:
    response = client.get("/regions/FR-XYZ", headers={"Accept-Language": "en"})
    assert response.status_code == 404
    error = response.json()["errors"][0]
    assert error["field"] == "code" and error["in"] == "path"
    assert "FR-HDF" in error["allowed"] and len(error["allowed"]) == 18
    assert "ISO 3166-2" in client.get("/regions/FR-XYZ").json()["detail"]


def test_two_regions_may_not_share_an_iso_code(seed_copy: Path) -> None:
    path = seed_copy / "regions.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("iso_code: FR-NOR", "iso_code: FR-HDF"), encoding="utf-8")
    with pytest.raises(SeedInvalid) as raised:
        read_seed(seed_copy)
    assert "FR-HDF" in str(raised.value)
