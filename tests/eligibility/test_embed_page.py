"""`/embed/eligibility` rendered by the server: the form pre-filled from the URL, cards by verdict, errors in HTML."""

from __future__ import annotations

import re
from decimal import Decimal

from fastapi.testclient import TestClient

from app.embed.i18n import money
from tests.eligibility.profiles import LAST_MONTH, START

QUERY = {"specialty": "medecine-generale", "region": "32", "des_completed_on": LAST_MONTH.isoformat(),
         "thesis_defended": "true", "ordre_registered": "true", "start": START.strftime("%Y-%m")}


def _cards(html: str, verdict: str) -> list[str]:
    match = re.search(rf'<section class="verdict verdict-{verdict}".*?</section>', html, re.S)
    return re.findall(r'<li class="card" data-slug="([a-z0-9-]+)"', match.group(0)) if match else []


def test_the_form_alone_until_a_profile_is_given(client: TestClient) -> None:
    page = client.get("/embed/eligibility")
    assert page.status_code == 200
    assert 'id="eligibility"' in page.text and 'class="verdict' not in page.text
    assert page.headers["content-security-policy"].startswith("default-src 'self'")


def test_a_profile_in_the_url_gives_the_cards_by_verdict_and_the_form_keeps_it(client: TestClient) -> None:
    page = client.get("/embed/eligibility", params=QUERY)
    assert page.status_code == 200
    assert {"ccu-mg", "aumg", "mg-400"} <= set(_cards(page.text, "eligible"))
    assert "ccu-ah" in _cards(page.text, "not_eligible")
    assert f'value="{LAST_MONTH.isoformat()}"' in page.text
    assert '<option value="32" selected>' in page.text
    answer = client.post("/eligibility", json={**{k: v for k, v in QUERY.items() if k not in ("region", "start")},
                                                "regions": ["32"], "thesis_defended": True, "ordre_registered": True,
                                                "start": START.isoformat()}).json()
    (ccu,) = [s for s in answer["schemes"] if s["scheme"]["slug"] == "ccu-mg"]
    income = ccu["regions"][0]["income"]
    assert f"<dt>Premier mois net</dt><dd>{money(Decimal(str(income['first_month_net'])), 'fr')}</dd>" in page.text


def test_english_page_keeps_the_rules_in_french(client: TestClient) -> None:
    page = client.get("/embed/eligibility", params={**QUERY, "lang": "en"})
    assert page.status_code == 200
    assert "Eligible (" in page.text and "Thesis defended." in page.text
    assert '<p lang="fr">Avoir soutenu sa thèse.</p>' in page.text


def test_a_bad_value_is_an_accessible_message_with_status_422(client: TestClient) -> None:
    page = client.get("/embed/eligibility", params={**QUERY, "des_completed_on": "2026-13-01"})
    assert page.status_code == 422
    assert 'role="alert"' in page.text and 'aria-invalid="true"' in page.text
    unknown = client.get("/embed/eligibility", params={**QUERY, "specialty": "cardiologie"})
    assert unknown.status_code == 422 and "Spécialité inconnue" in unknown.text
    late = client.get("/embed/eligibility", params={**QUERY, "start": "2099-11"})
    assert late.status_code == 422 and "Pas de données" in late.text
