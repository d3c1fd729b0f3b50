"""`python -m app.openapi`: write the OpenAPI document the app serves to openapi/openapi.json.

`--check` exits 1 (and writes nothing) when the committed file differs from what the app serves.
`--example` first rewrites the example answer of POST /simulate (app/simulation/example.json) from the catalogue at
DATABASE_URL (default: the seeded SQLite file): run it when the catalogue changes what that answer says.
"""

from __future__ import annotations

import json
import sys

from app.config import PROJECT_ROOT, Settings

TARGET = PROJECT_ROOT / "openapi" / "openapi.json"


def render() -> str:
    from app.main import create_app

    # An in-memory database: the document depends on the code only, never on data.
    app = create_app(Settings(database_url="sqlite://"))
    return json.dumps(app.openapi(), ensure_ascii=False, indent=2, sort_keys=False) + "\n"


def write_example() -> int:
    from starlette.testclient import TestClient

    from app.main import create_app
    from app.simulation import example

    with TestClient(create_app(Settings()), base_url="http://127.0.0.1") as client:
        response = client.post("/simulate", json=example.REQUEST)
    if response.status_code != 200:
        print(f"POST /simulate answered {response.status_code}: {response.text}", file=sys.stderr)
        return 1
    example.FILE.write_text(json.dumps(response.json(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    example.answer.cache_clear()
    print(f"wrote {example.FILE.relative_to(PROJECT_ROOT)} ({len(response.content)} bytes as served)")
    return 0


def main(argv: list[str]) -> int:
    if "--example" in argv and write_example():
        return 1
    current = render()
    if "--check" in argv:
        if not TARGET.exists() or TARGET.read_text(encoding="utf-8") != current:
            print(f"{TARGET.relative_to(PROJECT_ROOT)} is out of date: run `make openapi`", file=sys.stderr)
            return 1
        print(f"{TARGET.relative_to(PROJECT_ROOT)} is up to date")
        return 0
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    TARGET.write_text(current, encoding="utf-8")
    print(f"wrote {TARGET.relative_to(PROJECT_ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
