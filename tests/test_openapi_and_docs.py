"""The committed OpenAPI document, and the documentation pages working offline."""

from __future__ import annotations

import json
import re

from fastapi.testclient import TestClient

from app.openapi import TARGET, render


def test_committed_openapi_is_what_the_app_serves(client: TestClient) -> None:
    served = client.get("/openapi.json").json()
    committed = json.loads(TARGET.read_text(encoding="utf-8"))
    assert committed == served, "run `make openapi` and commit openapi/openapi.json"
    assert json.loads(render()) == served


def test_every_operation_is_described_with_a_stable_id(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    ids = []
    for path, methods in spec["paths"].items():
        for method, operation in methods.items():
            ids.append(operation["operationId"])
            assert operation.get("summary") and operation.get("description"), f"{method} {path} undocumented"
            for parameter in operation.get("parameters", []):
                assert parameter.get("description"), f"{method} {path}: parameter {parameter['name']} undocumented"
    assert sorted(ids) == sorted(
        ["list_schemes", "get_scheme", "list_regions", "get_region", "list_specialties", "list_contacts",
         "list_calendar", "list_sources", "get_source", "health", "ready", "simulate", "simulate_from_query",
         "compare_simulations", "get_simulation_options",
         "eligibility", "eligibility_from_query",
         "embed_guide", "embed_script", "embed_schemes", "embed_scheme", "embed_simulator", "embed_eligibility",
         *(f"{verb}_{kind}_record" for verb in ("read", "change", "create", "retire")
           for kind in ("schemes", "availability", "pay_components", "contacts", "calendar")),
         "read_pay_parameters_record", "create_pay_parameter", "add_pay_parameter_value", "retire_pay_parameter",
         "verify_scheme", "export_catalogue", "import_catalogue", "list_audit", "get_audit",
         "list_changes", "changes_atom", "datapackage", "opendata_csv"]
    )


def test_docs_pages_use_only_local_assets(client: TestClient) -> None:
    for page in ("/docs", "/redoc"):
        html = client.get(page).text
        assets = re.findall(r'(?:src|href)="([^"]+)"', html) + re.findall(r"url: ?'([^']+)'", html)
        assert assets, page
        for asset in assets:
            assert asset.startswith("/"), f"{page} loads {asset} from outside the app"
            if asset.startswith("/static/"):
                assert client.get(asset).status_code == 200, asset
        assert "https://" not in html.replace("https://www.rfc-editor.org", "")


def test_vendored_bundles_are_served(client: TestClient) -> None:
    for asset in ("/static/vendor/swagger-ui/swagger-ui-bundle.js", "/static/vendor/redoc/redoc.standalone.js"):
        response = client.get(asset)
        assert response.status_code == 200 and len(response.content) > 100_000
