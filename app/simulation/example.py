"""The example answer of `POST /simulate` in the OpenAPI document: a real answer of the seeded catalogue, kept in
`example.json` beside this module (tests/simulation/test_simulate.py checks it still is the live answer).

`python -m app.openapi --example` rewrites it from the catalogue at DATABASE_URL (default: the seeded SQLite file).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

# Two months of the cohort starting in November 2027: both share one breakdown, so the example shows how months
# refer to their detail.
REQUEST: dict[str, Any] = {"scheme": "ccu-ah", "region": "32", "start": "2027-11-01", "months": 2}
FILE = Path(__file__).with_name("example.json")


@cache
def answer() -> dict[str, Any]:
    """The stored example (empty when the file is missing: the document then has no example)."""
    if not FILE.exists():
        return {}
    loaded: dict[str, Any] = json.loads(FILE.read_text(encoding="utf-8"))
    return loaded
