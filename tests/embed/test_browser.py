"""The embeddable pages in a real browser: Debian's Chromium, driven by playwright-core from npm (browser.mjs).

The app runs in a uvicorn subprocess on the test database; the host pages are served by a second server on
another origin and contain the snippet copied from the app's own /embed guide, as a webmaster would paste it.
Checks: the frame shows the MG schemes of a region in the host's colour, its height follows the content with no
scroll bar, the simulator shows the figures of /simulate, the keyboard reaches every control with a visible focus,
axe-core finds no serious or critical violation, and the pages work with JavaScript disabled. A screenshot of each
view is kept in test-artifacts/embed/.

Without Chromium, node or the npm packages (`make test` installs the packages) these tests are skipped, except
when CI is set: there a missing browser must fail the run, not hide behind a skip.
"""

from __future__ import annotations

import html
import http.server
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import Engine

from app.config import PROJECT_ROOT
from app.core.dates import today
from app.simulation.engine import add_months
from tests.eligibility.profiles import LAST_MONTH

# A real Chromium driven through Node (`make test-quick` leaves it out).
pytestmark = pytest.mark.slow

HERE = Path(__file__).resolve().parent
ARTIFACTS = PROJECT_ROOT / "test-artifacts" / "embed"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
MG_HDF = {"ccu-mg", "chef-clinique-region", "aumg", "mg-400", "docteur-junior-mg"}
HOST_COLOR = "#005ea5"


def _missing() -> str | None:
    if not Path(CHROMIUM).exists():
        return f"no Chromium at {CHROMIUM} (apt-get install chromium chromium-driver)"
    if shutil.which("node") is None:
        return "node is not installed"
    if not (HERE / "node_modules" / "playwright-core").is_dir() or not (HERE / "node_modules" / "axe-core").is_dir():
        return "npm packages not installed (make test runs `npm ci` in tests/embed)"
    return None


@pytest.fixture(scope="module", autouse=True)
def _browser_available() -> None:
    reason = _missing()
    if reason is None:
        return
    if os.environ.get("CI"):
        pytest.fail(f"browser tests cannot run in CI: {reason}")
    pytest.skip(f"browser tests skipped: {reason}")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for(url: str, process: subprocess.Popen[bytes], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the app exited with {process.returncode}")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {seconds} s")


@pytest.fixture(scope="module")
def app_url(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The real app, served by uvicorn in a subprocess, on the test database (SQLite file or PostgreSQL schema)."""
    port = _free_port()
    log = tmp_path_factory.mktemp("uvicorn") / "uvicorn.log"
    # PUBLIC_URL: the address the browser reaches the app at, which the guide's snippet names.
    env = {**os.environ, "DATABASE_URL": engine.url.render_as_string(hide_password=False), "FRAME_ANCESTORS": "*",
           "PUBLIC_URL": f"http://127.0.0.1:{port}"}
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "app.main:app", "--host", "127.0.0.1", "--port", str(port),
             "--log-level", "warning"],
            cwd=PROJECT_ROOT, env=env, stdout=output, stderr=subprocess.STDOUT,
        )
        try:
            _wait_for(f"http://127.0.0.1:{port}/health", process)
            yield f"http://127.0.0.1:{port}"
        except RuntimeError:
            process.terminate()
            raise RuntimeError(log.read_text(errors="replace")[-3000:]) from None
        finally:
            process.terminate()
            process.wait(timeout=10)


def _snippet(app_url: str, **params: str) -> str:
    """The snippet exactly as the guide shows it to a webmaster."""
    page = httpx.get(f"{app_url}/embed", params=params).text
    match = re.search(r'<code id="snippet">(.*?)</code>', page, re.S)
    assert match, "the guide shows a snippet"
    return html.unescape(match.group(1))


def _add_data(snippet: str, **data: str) -> str:
    extra = "".join(f' data-{name}="{value}"' for name, value in data.items())
    return snippet.replace("></script>", extra + "></script>", 1)


HOST_PAGE = """<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>Faculté de médecine – {title}</title>
<style>body{{font-family:Georgia,serif;margin:0 auto;max-width:1000px;padding:16px;color:#222}}
header{{border-bottom:4px solid {color};margin-bottom:16px}} h1{{color:{color}}}</style></head>
<body><header><h1>Faculté de médecine — {title}</h1></header>
<p>Page d'un site de faculté, servie par une autre origine que l'API.</p>
{body}
<footer><p>Bas de page du site hôte.</p></footer></body></html>
"""


@pytest.fixture(scope="module")
def host_url(app_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A plain static site on another origin (localhost vs 127.0.0.1, another port) holding the snippets."""
    root = tmp_path_factory.mktemp("host")
    schemes = _snippet(app_url, view="schemes", audience="mg", region="32", color=HOST_COLOR)
    simulator = _add_data(_snippet(app_url, view="simulator", scheme="ccu-ah", region="32", color=HOST_COLOR),
                          start="2024-11", months="24")
    eligibility = _add_data(_snippet(app_url, view="eligibility", region="32", color=HOST_COLOR),
                            **{"specialty": "medecine-generale", "des-completed-on": LAST_MONTH.isoformat(),
                               "thesis-defended": "true", "ordre-registered": "true"})
    pages = {
        "host-eligibility.html": ("Éligibilité", eligibility),
        "host-schemes.html": ("Post-internat", schemes),
        "host-simulator.html": ("Simulateur", simulator),
        "host-both.html": ("Les deux", schemes + "\n<p>Entre les deux cadres.</p>\n" + simulator),
    }
    for name, (title, body) in pages.items():
        (root / name).write_text(HOST_PAGE.format(title=title, body=body, color=HOST_COLOR), encoding="utf-8")
    handler = partial(_QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://localhost:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # `format`: the base class's name
        pass


@pytest.fixture(scope="module")
def seen(app_url: str, host_url: str) -> dict[str, Any]:
    """Everything browser.mjs saw, as JSON (one browser session for all the checks below)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob("*.png"):
        old.unlink()
    eligibility = {"des": LAST_MONTH.isoformat(), "fiveYearsBefore": add_months(LAST_MONTH, -60).isoformat()}
    config = {"chromium": CHROMIUM, "app": app_url, "host": host_url, "artifacts": str(ARTIFACTS),
              "eligibility": eligibility}
    run = subprocess.run(["node", str(HERE / "browser.mjs"), json.dumps(config)], capture_output=True, text=True,
                         timeout=300, cwd=HERE)
    assert run.returncode == 0, f"browser.mjs failed:\n{run.stderr[-4000:]}"
    return json.loads(run.stdout)


def _euros(text: str) -> Decimal:
    """« 3 882,00 € » → Decimal('3882.00')."""
    return Decimal(re.sub(r"[^\d,]", "", text).replace(",", "."))


def _fitted(heights: dict[str, float]) -> None:
    assert abs(heights["outer"] - heights["inner"]) <= 1, heights
    assert heights["scrollHeight"] <= heights["clientHeight"] + 1, f"vertical scroll bar: {heights}"
    assert heights["scrollWidth"] <= heights["clientWidth"] + 1, f"horizontal scroll bar: {heights}"


def test_host_page_shows_the_mg_schemes_of_a_region_in_its_colour(seen: dict[str, Any]) -> None:
    schemes = seen["schemes"]
    assert schemes["hostOrigin"] != schemes["frameOrigin"]
    assert set(schemes["slugs"]) == MG_HDF
    assert schemes["title"] == "Dispositifs de post-internat"
    assert "audience=mg" in schemes["src"] and "region=32" in schemes["src"] and "color=%23005ea5" in schemes["src"]
    assert schemes["bar"] == ["rgb(0, 94, 165)", "rgb(255, 255, 255)"]
    assert schemes["button"] == ["rgb(0, 94, 165)", "rgb(255, 255, 255)"]
    assert schemes["link"] == "rgb(0, 94, 165)"
    assert not seen["console"], seen["console"]  # no script error, no CSP refusal
    # The only failed requests: browsers asking for a favicon, and the simulator's deliberate error (months=999).
    unexpected = [(status, url) for status, url in seen["failed"]
                  if not url.endswith("/favicon.ico") and not (status == 422 and "months=999" in url)]
    assert not unexpected, unexpected


def test_frame_height_follows_the_content(seen: dict[str, Any]) -> None:
    schemes = seen["schemes"]
    _fitted(schemes["heights"])
    assert schemes["heights"]["outer"] > 400  # grew from the initial 400 px to the content
    assert schemes["afterForgedMessage"] == schemes["heights"]["outer"], "a message not from the frame resized it"
    assert schemes["all"]["count"] == 15 and schemes["one"]["count"] == 1
    _fitted(schemes["all"]["heights"])
    _fitted(schemes["one"]["heights"])
    assert schemes["all"]["heights"]["outer"] > schemes["heights"]["outer"] > schemes["one"]["heights"]["outer"]
    _fitted(seen["scheme"]["heights"])
    _fitted(seen["simulator"]["heights"])
    _fitted(seen["simulator"]["after"]["heights"])
    assert seen["simulator"]["after"]["heights"]["outer"] < seen["simulator"]["heights"]["outer"]
    _fitted(seen["simulator"]["error"]["heights"])
    _fitted(seen["both"]["schemes"])
    _fitted(seen["both"]["simulator"])
    assert seen["both"]["schemes"]["outer"] != seen["both"]["simulator"]["outer"]


def test_scheme_page_from_its_card(seen: dict[str, Any]) -> None:
    scheme = seen["scheme"]
    assert "/embed/schemes/aumg?" in scheme["url"] and "color=%23005ea5" in scheme["url"]
    assert scheme["h1"] == "Assistant universitaire de médecine générale"
    for section in ("Rémunération", "Durée", "Qui peut candidater", "Prochaines échéances", "Contacts"):
        assert section in scheme["sections"]
    assert scheme["emails"]


def _compare(rows: list[dict[str, str]], totals: list[dict[str, str]], api: dict[str, Any]) -> None:
    assert [row["month"] for row in rows] == [m["month"] for m in api["months"]]
    for row, month in zip(rows, api["months"], strict=True):
        assert _euros(row["shown"]) == Decimal(str(month["net"])).quantize(Decimal("0.01")), row
    shown = {item["label"]: _euros(item["shown"]) for item in totals if "€" in item["shown"]}
    assert shown["Net total sur le contrat"] == Decimal(str(api["totals"]["net"])).quantize(Decimal("0.01"))
    assert shown["Net mensuel moyen"] == Decimal(str(api["monthly_average"]["net"])).quantize(Decimal("0.01"))


def test_simulator_shows_the_figures_of_simulate(seen: dict[str, Any], app_url: str) -> None:
    simulator = seen["simulator"]
    assert "scheme=ccu-ah" in simulator["src"] and "start=2024-11" in simulator["src"]
    assert simulator["title"] == "Simulateur de revenu post-internat"
    api = httpx.get(f"{app_url}/simulate", params={"scheme": "ccu-ah", "region": "32", "start": "2024-11-01",
                                                   "months": 24}).json()
    assert len(simulator["rows"]) == 24 and simulator["chartBars"] == 24
    _compare(simulator["rows"], simulator["totals"], api)
    # The official net by default, under the brochure's 3 882 € (1 392 + 1 480 + 1 010 « net »).
    assert all(_euros(row["shown"]) < Decimal("3882.00") for row in simulator["rows"])
    assert simulator["bar"] == "rgb(0, 94, 165)"
    # Changed from the keyboard: the state is in the URL, and the figures are still those of /simulate.
    after = simulator["after"]
    assert "months=12" in after["url"] and "scheme=ccu-ah" in after["url"]
    api12 = httpx.get(f"{app_url}/simulate", params={"scheme": "ccu-ah", "region": "32", "start": "2024-11-01",
                                                     "months": 12}).json()
    _compare(after["rows"], after["totals"], api12)


def test_simulator_error_is_an_accessible_message(seen: dict[str, Any]) -> None:
    error = seen["simulator"]["error"]
    assert "Ce calcul n'est pas possible" in error["alert"] and "48 mois" in error["alert"]
    assert error["invalid"][0] == "true" and "problem-months" in error["invalid"][1]


def test_keyboard_reaches_the_controls_with_a_visible_focus(seen: dict[str, Any]) -> None:
    reached = seen["schemes"]["keyboard"]
    assert len(reached) >= 4, reached
    assert {"audience", "region"} <= {item["name"] for item in reached}
    assert all(item["outline"] for item in reached), reached


def test_no_serious_accessibility_violation(seen: dict[str, Any]) -> None:
    assert set(seen["axe"]) == {"schemes", "scheme", "simulator", "simulator-error", "guide", "eligibility"}
    for page, rules in seen["axeRules"].items():
        assert rules["passes"] >= 15, f"axe checked too little on {page}: {rules}"
    serious = {
        page: [v for v in found if v["impact"] in ("serious", "critical")] for page, found in seen["axe"].items()
    }
    assert not any(serious.values()), json.dumps(serious, indent=1, ensure_ascii=False)


def test_guide_preview_and_snippet(seen: dict[str, Any], app_url: str) -> None:
    guide = seen["guide"]
    assert guide["snippet"].startswith(f'<script src="{app_url}/embed.js" data-view="schemes"')
    assert 'data-lang="en"' in guide["snippet"] and 'data-color="#005ea5"' in guide["snippet"]
    _fitted(guide["preview"])
    assert guide["copyVisible"]


def test_pages_work_without_javascript(seen: dict[str, Any]) -> None:
    assert set(seen["noJs"]["slugs"]) == MG_HDF
    assert seen["noJs"]["scheme"] == "Chef de clinique des universités de médecine générale"
    assert seen["noJs"]["simulatorRows"] == 6


def test_eligibility_view_groups_the_schemes_by_verdict_with_reasons_and_income(
    seen: dict[str, Any], app_url: str
) -> None:
    eligibility = seen["eligibility"]
    assert eligibility["title"] == "À quels postes de post-internat puis-je candidater ?"
    assert "des_completed_on=" + LAST_MONTH.isoformat() in eligibility["src"]
    assert {"ccu-mg", "aumg", "mg-400"} <= set(eligibility["groups"]["eligible"])
    assert "ccu-ah" in eligibility["groups"]["not_eligible"]
    assert eligibility["reasons"] >= 10 and eligibility["sources"] >= eligibility["reasons"]
    _fitted(eligibility["heights"])
    # The income shown is the API's: the same profile (the page starts at the next intake) through POST /eligibility.
    profile = {"specialty": "medecine-generale", "regions": ["32"], "des_completed_on": LAST_MONTH.isoformat(),
               "thesis_defended": True, "ordre_registered": True, "start": _next_intake() + "-01"}
    answer = httpx.post(f"{app_url}/eligibility", json=profile).json()
    (ccu,) = [s for s in answer["schemes"] if s["scheme"]["slug"] == "ccu-mg"]
    income = ccu["regions"][0]["income"]
    shown = {fact["label"]: fact["shown"] for fact in eligibility["facts"]}
    assert _euros(shown["Premier mois net"]) == Decimal(str(income["first_month_net"]))
    assert _euros(shown[f"Total net sur {income['months']} mois"]) == Decimal(str(income["contract_total_net"]))
    cardio = eligibility["cardio"]
    assert "specialty=medecine-cardiovasculaire" in cardio["url"]
    assert {"ccu-mg", "mg-400"} <= set(cardio["groups"]["not_eligible"])
    assert "ccu-ah" in cardio["groups"].get("eligible", []) + cardio["groups"].get("unknown", [])
    _fitted(cardio["heights"])
    late = eligibility["late"]  # five years after the DES: past CCU-MG's three years, with the sentence quoted
    assert "ccu-mg" in late["groups"]["not_eligible"] and "mg-400" in late["groups"]["eligible"]
    (rule,) = [r for r in late["ccuReasons"] if "reason-no" in r["met"]]
    assert any("dans un délai de trois années suivant l'obtention de leur DES" in q for q in rule["quotes"])
    assert {"ccu-mg", "mg-400"} <= set(eligibility["noThesis"]["groups"]["not_eligible"])


def _next_intake() -> str:
    from app.embed.pages import next_intake

    return next_intake(today()).strftime("%Y-%m")


def test_eligibility_works_without_javascript_in_english(seen: dict[str, Any]) -> None:
    plain = seen["noJs"]["eligibility"]
    assert {"ccu-mg", "aumg", "mg-400"} <= set(plain["groups"]["eligible"])
    assert plain["headings"][0].startswith("Eligible (")


def test_a_screenshot_of_each_view_is_kept(seen: dict[str, Any]) -> None:
    names = sorted(Path(path).name for path in seen["screenshots"])
    assert names == ["eligibility.png", "guide.png", "scheme.png", "schemes.png", "simulator.png"]
    for path in seen["screenshots"]:
        assert Path(path).stat().st_size > 10_000, path
