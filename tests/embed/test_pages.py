"""The embeddable pages without a browser: HTML served without JavaScript, filters, languages, the host's colour,
the HTTP headers (CSP on embed pages only, ETag/304), embed.js's size, and no 500 whatever the input."""

from __future__ import annotations

import datetime as dt
import random
import re
from html.parser import HTMLParser
from urllib.parse import quote, urlencode

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from app.config import Settings
from app.core.dates import today as france_today
from app.embed import colors
from app.embed.i18n import month_label
from app.embed.pages import next_intake
from app.embed.router import SCRIPT, SCRIPT_BUDGET
from app.main import create_app

MG_HDF = {"ccu-mg", "chef-clinique-region", "aumg", "mg-400", "docteur-junior-mg"}


class Page(HTMLParser):
    """Collects what the tests look at: tags with their attributes, and the text."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def all(self, tag: str, **attrs: str) -> list[dict[str, str | None]]:
        return [a for t, a in self.tags if t == tag and all(a.get(k) == v for k, v in attrs.items())]

    @property
    def plain(self) -> str:
        return " ".join(" ".join(self.text).split())


def cards(html: str) -> list[str]:
    return [a["data-slug"] or "" for a in Page(html).all("li") if "data-slug" in a]


def get_html(client: TestClient, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code, response.text[:500])
    assert response.headers["content-type"].startswith("text/html"), url
    return response.text


# --- the list ----------------------------------------------------------------------------------------------------


def test_list_shows_the_mg_schemes_of_a_region_without_javascript(client: TestClient) -> None:
    html = get_html(client, "/embed/schemes?audience=mg&region=32")
    assert set(cards(html)) == MG_HDF
    page = Page(html)
    # Every scheme is a link to its page, carrying the filters; the form keeps the chosen values.
    links = {a["href"] for a in page.all("a") if a.get("href", "").startswith("/embed/schemes/")}
    assert {f"/embed/schemes/{slug}?audience=mg&region=32" for slug in MG_HDF} <= links
    assert any("selected" in a for a in page.all("option", value="32"))
    # The only script is our own, deferred; the page is complete without it.
    assert [a["src"] for a in page.all("script")] == ["/static/embed/frame.js"]
    assert "5 dispositifs" in page.plain


@pytest.mark.parametrize(
    "query",
    [{}, {"audience": "specialist"}, {"category": "universitaire"}, {"region": "28"}, {"q": "medecine generale"},
     {"specialty": "biologie-medicale"}, {"audience": "mg", "category": "hospitalier", "region": "28"}],
)
def test_list_filters_are_those_of_get_schemes(client: TestClient, query: dict[str, str]) -> None:
    expected = [item["slug"] for item in client.get("/schemes", params={**query, "limit": 200}).json()["items"]]
    html = get_html(client, "/embed/schemes?" + urlencode(query))
    assert cards(html) == expected


def test_every_region_lists_its_schemes_and_marks_the_national_ones(client: TestClient) -> None:
    for region in client.get("/regions").json():
        items = client.get("/schemes", params={"region": region["code"], "limit": 200}).json()["items"]
        html = get_html(client, f"/embed/schemes?region={region['code']}")
        assert cards(html) == [item["slug"] for item in items] and items, region["name"]
        national = sum(item["region_evidence"] == "national_text" for item in items)
        assert html.count("Cadre national : aucune source régionale lue") == national, region["name"]


def test_french_by_default_english_with_lang_en(client: TestClient) -> None:
    fr = get_html(client, "/embed/schemes")
    en = get_html(client, "/embed/schemes?lang=en")
    assert '<html lang="fr">' in fr and "Dispositifs de post-internat" in fr
    assert '<html lang="en">' in en and "Post-internship schemes" in en and "Who may apply" in en
    # English pages mark the catalogue's French texts, and carry lang=en in their links and forms.
    assert 'lang="fr"' in en
    assert re.search(r'href="/embed/schemes/ccu-ah\?lang=en"', en)
    assert '<input type="hidden" name="lang" value="en">' in en
    assert get_html(client, "/embed/schemes?lang=xx").startswith("<!doctype html>\n<html lang=\"fr\">")


@pytest.mark.parametrize("path", ["/embed/schemes", "/embed/schemes/ccu-ah", "/embed/simulator", "/embed"])
def test_pages_load_only_their_own_assets(client: TestClient, path: str) -> None:
    page = Page(get_html(client, path))
    for tag, attr in (("script", "src"), ("link", "href"), ("img", "src"), ("iframe", "src")):
        for attrs in page.all(tag):
            url = attrs.get(attr)
            if url is None:
                continue
            if path == "/embed" and tag == "script" and url.endswith("/embed.js"):
                assert url == "http://testserver/embed.js"  # the live preview: our own script, same origin
                continue
            assert url.startswith("/static/embed/"), (path, tag, url)
            assert client.get(url).status_code == 200
    html = get_html(client, path)
    assert "@import" not in html and "url(" not in html  # no stylesheet or font fetched from the inline style
    # The policy allows no inline script and no style attribute: the page must need none.
    assert not [attrs for _, attrs in page.tags if "style" in attrs or any(k.startswith("on") for k in attrs)]
    assert all(attrs.get("src") for attrs in page.all("script")), "inline script"


def test_stylesheet_and_scripts_fetch_nothing_from_elsewhere() -> None:
    static = SCRIPT.parent
    css = (static / "embed.css").read_text(encoding="utf-8")
    assert "url(" not in css and "@import" not in css and "@font-face" not in css
    for script in ("frame.js", "embed.js"):
        source = (static / script).read_text(encoding="utf-8")
        assert "fetch(" not in source and "XMLHttpRequest" not in source and "import(" not in source


# --- the host's colour ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "accent"),
    [("#005ea5", "#005ea5"), ("#ABC", "#aabbcc"), ("#FFCC00", "#ffcc00"), (None, colors.DEFAULT_COLOR),
     ("red", colors.DEFAULT_COLOR), ("#12345", colors.DEFAULT_COLOR), ("#1234567", colors.DEFAULT_COLOR),
     ("#fff;}body{display:none", colors.DEFAULT_COLOR), ('#fff"><script>', colors.DEFAULT_COLOR),
     ("javascript:alert(1)", colors.DEFAULT_COLOR), ("rgb(0,0,0)", colors.DEFAULT_COLOR),
     ("#ggg", colors.DEFAULT_COLOR), ("#fff\n", colors.DEFAULT_COLOR), (" #fff", colors.DEFAULT_COLOR)],
)
def test_color_is_accepted_only_as_rgb_or_rrggbb(client: TestClient, given: str | None, accent: str) -> None:
    url = "/embed/schemes" + (f"?color={quote(given, safe='')}" if given is not None else "")
    html = get_html(client, url)
    style = re.search(r"<style>(.*?)</style>", html, re.S)
    assert style is not None
    assert style.group(1).startswith(f":root{{--accent:{accent};")
    assert re.fullmatch(r":root\{--accent:#[0-9a-f]{6};--on-accent:#[0-9a-f]{6};--ink:#[0-9a-f]{6}\}", style.group(1))
    if given is not None and accent == colors.DEFAULT_COLOR:
        assert "color=" not in html  # an invalid colour is not carried on either


def test_text_on_any_host_colour_reaches_aa() -> None:
    rng = random.Random(7)
    samples = ["#ffffff", "#000000", "#ffff00", "#777777", "#00ff00", "#0000ff", "#ff0000", "#808080", "#767676"]
    samples += [f"#{rng.randrange(0x1000000):06x}" for _ in range(500)]
    for color in samples:
        theme = colors.theme(color)
        assert colors.contrast(theme.on_accent, theme.accent) >= 4.5, color
        assert colors.contrast(theme.ink, "#ffffff") >= 4.5, color


def test_color_is_carried_through_links_and_forms(client: TestClient) -> None:
    html = get_html(client, "/embed/schemes?color=%23005ea5&audience=mg")
    assert "href=\"/embed/schemes/aumg?color=%23005ea5&amp;audience=mg\"" in html
    assert '<input type="hidden" name="color" value="#005ea5">' in html
    sim = get_html(client, "/embed/simulator?color=%23abc&lang=en")
    assert '<input type="hidden" name="color" value="#aabbcc">' in sim and "--accent:#aabbcc" in sim


# --- HTTP headers ----------------------------------------------------------------------------------------------------


EMBED_PAGES = ["/embed", "/embed/schemes", "/embed/schemes/ccu-ah", "/embed/simulator",
               "/embed/simulator?scheme=ccu-ah&region=32&start=2024-11&months=24"]


@pytest.mark.parametrize("path", EMBED_PAGES)
def test_embed_pages_send_frame_ancestors_and_a_strict_policy(client: TestClient, path: str) -> None:
    response = client.get(path)
    policy = response.headers["content-security-policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["frame-ancestors"] == "*"
    assert directives["default-src"] == "'self'" and directives["script-src"] == "'self'"
    assert directives["object-src"] == "'none'" and directives["base-uri"] == "'none'"
    # The inline stylesheet (the host's colour) is allowed by its hash, nothing else inline.
    style = re.search(r"<style>(.*?)</style>", response.text, re.S)
    assert style is not None
    from app.embed.pages import style_hash

    assert directives["style-src"] == f"'self' {style_hash(style.group(1))}"
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy


@pytest.mark.parametrize("path", ["/schemes", "/schemes/ccu-ah",
                                  "/simulate?scheme=ccu-ah&region=32&start=2024-11-01&months=24",
                                  "/regions", "/health"])
def test_the_json_api_sends_no_frame_policy(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert "content-security-policy" not in response.headers


def test_frame_ancestors_come_from_the_setting(engine: Engine) -> None:
    settings = Settings(database_url="sqlite://", frame_ancestors="https://www.univ-lille.fr, https://*.chu-lille.fr")
    with TestClient(create_app(settings, engine=engine)) as client:
        policy = client.get("/embed/schemes").headers["content-security-policy"]
        assert policy.endswith("frame-ancestors https://www.univ-lille.fr https://*.chu-lille.fr")
        assert "https://www.univ-lille.fr https://*.chu-lille.fr" in client.get("/embed").text
        assert "content-security-policy" not in client.get("/schemes").headers


@pytest.mark.parametrize("bad", ["https://a.fr; script-src *", "https://a.fr 'unsafe-inline'", "a b", "https://a.fr\n"])
def test_a_frame_ancestor_that_would_break_the_header_is_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        Settings(database_url="sqlite://", frame_ancestors=[bad])


@pytest.mark.parametrize("path", [*EMBED_PAGES, "/embed.js", "/embed/schemes?lang=en&color=%23005ea5"])
def test_embed_pages_get_etag_cache_control_and_304(client: TestClient, path: str) -> None:
    first = client.get(path)
    assert first.status_code == 200
    etag = first.headers["etag"]
    assert first.headers["cache-control"].startswith("public, max-age=")
    again = client.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert client.get(path).headers["etag"] == etag  # stable: no per-response nonce in the page


# --- embed.js ---------------------------------------------------------------------------------------------------------


def test_embed_js_is_small_and_served_as_javascript(client: TestClient) -> None:
    size = len(SCRIPT.read_bytes())
    assert size <= SCRIPT_BUDGET, f"embed.js is {size} bytes, over its budget of {SCRIPT_BUDGET}"
    response = client.get("/embed.js")
    assert response.status_code == 200 and response.content == SCRIPT.read_bytes()
    assert response.headers["content-type"].startswith("text/javascript")
    assert response.headers["cross-origin-resource-policy"] == "cross-origin"
    source = response.text
    # What the script must do: check who talks to it, title its iframe, build the URL from its own src.
    for needed in ("event.origin !== origin", "event.source !== frame.contentWindow", "frame.title",
                   "document.currentScript"):
        assert needed in source
    for forbidden in ("eval(", "innerHTML", "document.write", "http://", "https://"):
        assert forbidden not in source.replace("https://HOST/embed.js", "")


# --- one scheme -------------------------------------------------------------------------------------------------------


def test_scheme_page_shows_pay_duration_eligibility_contacts_and_dates(client: TestClient) -> None:
    detail = client.get("/schemes/atp-regional").json()
    html = get_html(client, "/embed/schemes/atp-regional?region=32")
    page = Page(html)
    for heading in ("Rémunération", "Durée", "Qui peut candidater", "Prochaines échéances", "Contacts"):
        assert any(heading == text.strip() for text in page.text), heading
    for contact in detail["contacts"]:
        if contact["email"]:
            assert f'href="mailto:{contact["email"]}"' in html
    assert detail["duration"]["text"].replace("'", "&#39;") in html
    for event in detail["calendar"]:
        assert event["label"].replace("'", "&#39;") in html
    assert 'href="/embed/simulator?scheme=atp-regional&amp;region=32"' in html
    assert 'href="/embed/schemes?region=32"' in html  # back to the list it came from
    assert "Données vérifiées le 22 novembre 2026 contre leurs sources." in html  # last_verified


def test_scheme_page_region_keeps_that_regions_contacts(client: TestClient) -> None:
    everywhere = get_html(client, "/embed/schemes/aumg")
    paca = get_html(client, "/embed/schemes/aumg?region=93")
    hdf = [c["email"] for c in client.get("/contacts?scheme=aumg&region=32").json() if c["email"]]
    assert hdf and all(email in everywhere for email in hdf)
    assert not any(email in paca for email in hdf)
    assert "Aucun contact publié." in paca


def test_unknown_scheme_is_an_html_404(client: TestClient) -> None:
    html = get_html(client, "/embed/schemes/nope?lang=en", status=404)
    assert "No scheme “nope”." in html and 'role="alert"' in html


# --- the simulator ----------------------------------------------------------------------------------------------------


def net_cells(html: str) -> dict[str, str]:
    rows = re.findall(r'<tr data-month="(\d{4}-\d{2})">.*?<td class="num net" data-value="([0-9.]+)">', html, re.S)
    return dict(rows)


@pytest.mark.parametrize(
    "query",
    [
        {"scheme": "ccu-ah", "region": "32", "start": "2024-11", "months": "24"},
        {"scheme": "atp-regional", "region": "32", "start": "2024-11", "months": "24", "periphery_share": "50",
         "gardes_per_month": "4", "tax": "neutral"},
        {"scheme": "ccu-mg", "region": "32", "start": "2025-05", "months": "96", "acts_per_week": "30",
         "cpam_contract": "true", "method": "statutory", "tax": "personal", "tax_rate": "7.5"},
        {"scheme": "mg-400", "region": "28", "start": "2024-11", "months": "24", "hospital_share": "60"},
    ],
)
def test_simulator_shows_the_figures_of_simulate(client: TestClient, query: dict[str, str]) -> None:
    api = client.get("/simulate", params={**query, "start": query["start"] + "-01"}).json()
    html = get_html(client, "/embed/simulator?" + urlencode(query))
    shown = net_cells(html)
    assert shown == {m["month"]: f"{m['net']:.2f}" for m in api["months"]}
    assert f'data-value="{api["totals"]["net"]:.2f}"' in html
    # The state is in the form, so the page can be shared and pre-filled.
    page = Page(html)
    assert page.all("option", value=query["scheme"]) and page.all("input", name="start")[0]["value"] == query["start"]
    assert page.all("input", name="months")[0]["value"] == query["months"]
    assert "<svg" in html and 'role="img"' in html


def test_simulator_default_is_a_real_calculation(client: TestClient) -> None:
    html = get_html(client, "/embed/simulator?audience=mg&region=32")
    assert len(net_cells(html)) > 0
    page = Page(html)
    selected = [a["value"] for a in page.all("option") if "selected" in a and a.get("value") in MG_HDF]
    assert selected, "an MG scheme is chosen"


def test_simulator_keeps_the_region_it_can(client: TestClient) -> None:
    html = get_html(client, "/embed/simulator?scheme=chef-clinique-region&region=28")
    assert 'role="status"' in html and "Hauts-de-France" in html and net_cells(html)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"scheme": "ccu-ah", "months": "999"}, "months"),
        ({"scheme": "ccu-ah", "months": "abc"}, "months"),
        ({"scheme": "ccu-ah", "start": "2030-01"}, "start"),
        ({"scheme": "ccu-ah", "start": "2024-11-15"}, "start"),
        ({"scheme": "ccu-ah", "start": "novembre"}, "start"),
        ({"scheme": "nope"}, "scheme"),
        ({"scheme": "ccu-ah", "method": "magic"}, "method"),
        ({"scheme": "ccu-ah", "gardes_per_month": "abc"}, "gardes_per_month"),
        ({"scheme": "ccu-ah", "gardes_per_month": "40"}, "gardes_per_month"),
        ({"scheme": "ccu-ah", "tax": "personal"}, "tax_rate"),
        ({"scheme": "ccu-ah", "tax": "everything"}, "tax"),
        ({"scheme": "mg-400", "region": "32", "hospital_share": "10"}, "hospital_share"),
        ({"scheme": "aumg", "acts_per_week": "10", "liberal_fees_monthly": "1000"}, "liberal_fees_monthly"),
    ],
)
def test_simulator_errors_are_accessible_messages(client: TestClient, query: dict[str, str], field: str) -> None:
    html = get_html(client, "/embed/simulator?" + urlencode(query), status=422)
    assert 'role="alert"' in html and f'id="problem-{field}"' in html
    if field not in ("scheme", "tax"):
        assert re.search(rf'aria-describedby="[^"]*problem-{field}"', html), field
    assert not net_cells(html)


def test_options_of_another_scheme_are_ignored(client: TestClient) -> None:
    # Switching scheme in the form sends the previous scheme's options: they must not break the calculation.
    html = get_html(client, "/embed/simulator?scheme=ccu-ah&region=32&periphery_share=50&hospital_share=60")
    assert net_cells(html)


# --- the guide --------------------------------------------------------------------------------------------------------


def test_guide_gives_the_snippet_a_preview_and_csp_advice(client: TestClient) -> None:
    html = get_html(client, "/embed?view=simulator&scheme=ccu-ah&region=32&lang=en&color=%23005ea5")
    snippet = ('&lt;script src=&#34;http://testserver/embed.js&#34; data-view=&#34;simulator&#34; '
               'data-scheme=&#34;ccu-ah&#34; data-region=&#34;32&#34; data-lang=&#34;en&#34; '
               'data-color=&#34;#005ea5&#34;&gt;&lt;/script&gt;')
    assert snippet in html
    assert ('<script src="http://testserver/embed.js" data-view="simulator" data-scheme="ccu-ah" data-region="32" '
            'data-lang="en" data-color="#005ea5"></script>') in html
    assert "frame-src http://testserver" in html and "frame-ancestors *" in html
    first = get_html(client, "/embed")
    # The first visit shows the MG schemes of a region.
    assert "data-audience=&#34;mg&#34; data-region=&#34;32&#34;" in first


# --- hostile input ----------------------------------------------------------------------------------------------------

HOSTILE = ["", " ", "x" * 5000, "<script>alert(1)</script>", "\"'><svg onload=alert(1)>", "../../etc/passwd", "%00",
           "\uff11\uff12", "-1", "1e309", "1e9999999", "1e-9999999", "9" * 4000, "²", "٣", "NaN", "Infinity", "0x10",
           "99999999999999999999", "2024-02-30", "🙂", "\u202e", "ccu-ah'--"]
PARAMS = {
    "/embed/schemes": ["audience", "specialty", "region", "category", "q", "lang", "color"],
    "/embed/schemes/ccu-ah": ["region", "audience", "q", "lang", "color"],
    "/embed/simulator": ["scheme", "region", "start", "months", "method", "audience", "periphery_share",
                         "hospital_share", "acts_per_week", "liberal_fees_monthly", "cpam_contract", "gardes_per_month",
                         "astreintes_per_month", "seniority_years", "region_bonus", "tax", "tax_rate", "lang", "color"],
    "/embed": ["view", "scheme", "audience", "region", "lang", "color"],
}


@pytest.mark.slow  # fuzzing the pages' inputs
@pytest.mark.parametrize("path", sorted(PARAMS))
def test_no_input_gives_a_500_or_reaches_the_page_unescaped(client: TestClient, path: str) -> None:
    base = "?scheme=ccu-mg" if path == "/embed/simulator" else ""
    for name in PARAMS[path]:
        for value in HOSTILE:
            url = path + (base + "&" if base else "?") + urlencode({name: value})
            response = client.get(url)
            assert response.status_code in (200, 404, 422), (url, response.status_code)
            assert "<script>alert(1)</script>" not in response.text, url
            assert "<svg onload" not in response.text, url
    for path_value in ["%3Cscript%3E", "a" * 300, "%2E%2E", "%F0%9F%99%82", "CCU-AH"]:
        response = client.get(f"/embed/schemes/{path_value}")
        assert response.status_code == 404 and response.headers["content-type"].startswith("text/html")


def test_control_characters_are_refused_not_a_500(client: TestClient) -> None:
    response = client.get("/embed/schemes?q=a%00b")
    assert response.status_code == 422 and response.headers["content-type"].startswith("text/html")


# --- errors are HTML pages too ----------------------------------------------------------------------------------------


def assert_error_page(response, status: int, lang: str) -> Page:
    """An HTML page with the status, in `lang`, with the embed pages' headers and only our own assets."""
    assert response.status_code == status, (response.status_code, response.text[:300])
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.headers["content-language"] == lang
    assert response.text.startswith(f'<!doctype html>\n<html lang="{lang}">')
    policy = response.headers["content-security-policy"]
    assert "frame-ancestors *" in policy and "default-src 'self'" in policy and "unsafe-inline" not in policy
    assert response.headers["x-content-type-options"] == "nosniff"
    page = Page(response.text)
    assert 'role="alert"' in response.text
    assert all(url.startswith("/static/embed/") for url in [a["src"] for a in page.all("script")]
               + [a["href"] for a in page.all("link")])
    return page


@pytest.mark.parametrize("path", ["/embed/nope", "/embed/schemes/ccu-ah/more", "/embed/simulator/x"])
def test_an_unknown_embed_address_is_an_html_404_in_the_pages_language(client: TestClient, path: str) -> None:
    french = assert_error_page(client.get(path), 404, "fr")
    assert "Page introuvable" in french.plain and "Aucune page à cette adresse." in french.plain
    english = assert_error_page(client.get(path + "?lang=en"), 404, "en")
    assert "Page not found" in english.plain and "There is no page at this address." in english.plain
    # Without lang=, the browser's language; lang= wins over it.
    assert_error_page(client.get(path, headers={"Accept-Language": "en-GB,en;q=0.9"}), 404, "en")
    assert_error_page(client.get(path + "?lang=fr", headers={"Accept-Language": "en"}), 404, "fr")


def test_a_control_character_is_an_html_422_saying_which_parameter(client: TestClient) -> None:
    french = assert_error_page(client.get("/embed/simulator?scheme=ccu-ah&months=2%014"), 422, "fr")
    assert "Requête non valide" in french.plain
    assert "Le paramètre « months » contient un caractère de contrôle." in french.plain
    english = assert_error_page(client.get("/embed/schemes?lang=en&q=a%00b"), 422, "en")
    assert "Parameter 'q' contains a control character." in english.plain
    assert_error_page(client.get("/embed?color=%07"), 422, "fr")


def test_a_pages_own_422_keeps_its_own_words(client: TestClient) -> None:
    # The error pages' texts are keys of their own: the simulator's heading is not the generic one.
    html = get_html(client, "/embed/simulator?scheme=ccu-ah&months=999", status=422)
    assert "Ce calcul n&#39;est pas possible" in html and "Requête non valide" not in html


def test_a_wrong_method_is_an_html_405(client: TestClient) -> None:
    response = client.post("/embed/schemes?lang=en")
    assert_error_page(response, 405, "en")
    assert response.headers["allow"] == "GET, HEAD"


def test_the_json_api_keeps_its_problems(client: TestClient) -> None:
    for url in ("/schemes/nope", "/schemes?q=a%00b", "/embedded", "/embed.jsx"):
        response = client.get(url)
        assert response.status_code in (404, 422), url
        assert response.headers["content-type"] == "application/problem+json", url


UNREACHABLE = "postgresql+psycopg://postgres@127.0.0.1:1/test"  # as tests/test_service.py: a real driver, no server


def test_a_database_outage_is_an_html_503_in_the_pages_language() -> None:
    from app.db import make_engine

    engine = make_engine(UNREACHABLE)
    try:
        with TestClient(create_app(Settings(database_url=UNREACHABLE), engine=engine)) as down:
            for path in ("/embed", "/embed/schemes", "/embed/schemes/ccu-ah", "/embed/simulator"):
                french = down.get(path)
                page = assert_error_page(french, 503, "fr")
                assert french.headers["retry-after"] == "5"
                assert "Service momentanément indisponible" in page.plain
                assert "réessayez dans un instant" in page.plain
                english = assert_error_page(down.get(path, headers={"Accept-Language": "en"}), 503, "en")
                assert "The data cannot be read right now; try again shortly." in english.text
            assert down.get("/schemes").headers["content-type"] == "application/problem+json"  # the API: a problem
    finally:
        engine.dispose()


def test_a_failure_of_ours_is_an_html_500(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    from app.embed import pages

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(pages, "schemes_page", broken)
    broken_app = create_app(Settings(database_url="sqlite://"), engine=engine)
    with TestClient(broken_app, raise_server_exceptions=False) as app:
        page = assert_error_page(app.get("/embed/schemes?lang=en"), 500, "en")
        assert "The server could not answer this request; the error was logged." in page.plain
        assert "a bug" not in page.plain


# --- how old the sources are, expected dates, counts that follow the filters, the simulator's start -------------


def _intake_after(day: dt.date) -> dt.date:
    """The next 1 May or 1 November strictly after `day`."""
    return min(d for d in (dt.date(day.year + k, m, 1) for k in (0, 1) for m in (5, 11)) if d > day)


def test_next_intake_follows_today() -> None:
    assert next_intake(dt.date(2026, 12, 1)) == dt.date(2027, 5, 1)
    assert next_intake(dt.date(2027, 4, 30)) == dt.date(2027, 5, 1)
    assert next_intake(dt.date(2027, 5, 1)) == dt.date(2027, 11, 1)
    assert next_intake(dt.date(2027, 11, 1)) == dt.date(2028, 5, 1)


def test_simulator_opens_on_the_next_intake_after_today(client: TestClient) -> None:
    page = Page(get_html(client, "/embed/simulator"))
    slugs = {item["slug"] for item in client.get("/schemes?limit=200").json()["items"]}
    (scheme,) = [a["value"] for a in page.all("option") if "selected" in a and a.get("value") in slugs]
    coverage = client.get(f"/schemes/{scheme}/simulation").json()["coverage"]
    wanted = _intake_after(france_today())
    value = page.all("input", name="start")[0]["value"] or ""
    first, last = dt.date.fromisoformat(coverage["first_start"]), coverage["last_start"]
    if first <= wanted and (last is None or wanted <= dt.date.fromisoformat(last)):
        assert value == f"{wanted:%Y-%m}"
        assert "ne couvrent pas" not in page.plain
    else:
        # The pay data stops before the next intake: the page says so and uses the covered intake nearest to it.
        assert month_label(wanted, "fr", long=True) in page.plain and "ne couvrent pas un début en" in page.plain
        assert last is not None and wanted > dt.date.fromisoformat(last)
        end = dt.date.fromisoformat(last)
        latest = max(d for d in (dt.date(end.year - k, m, 1) for k in (0, 1) for m in (5, 11)) if d <= end)
        assert value == f"{latest:%Y-%m}"


@pytest.mark.parametrize("query", ["audience=mg", "audience=specialist", "category=universitaire", "q=ville", ""])
def test_region_counts_in_the_list_follow_the_other_filters(client: TestClient, query: str) -> None:
    page = Page(get_html(client, f"/embed/schemes?{query}&region=28"))
    texts = re.findall(r'<option value="(\d\d)"[^>]*>([^<]*)</option>', get_html(client, f"/embed/schemes?{query}"))
    assert len(texts) == 18 and page.all("option", value="28")
    for code, text in texts:
        shown = int(re.fullmatch(r".* \((\d+)\)", text).group(1))  # type: ignore[union-attr]
        assert shown == len(cards(get_html(client, f"/embed/schemes?{query}&region={code}"))), (query, code, text)


def test_region_count_is_not_the_total(client: TestClient) -> None:
    html = get_html(client, "/embed/schemes?audience=mg")
    assert re.search(r'<option value="32"[^>]*>Hauts-de-France \(5\)</option>', html)  # 10 schemes in all
    assert re.search(r'<option value="32"[^>]*>Hauts-de-France \(10\)</option>', get_html(client, "/embed/schemes"))


def test_list_cards_say_how_old_their_sources_are(client: TestClient) -> None:
    items = {i["slug"]: i for i in client.get("/schemes?limit=200").json()["items"]}
    html = get_html(client, "/embed/schemes")
    for block in html.split('<li class="card" data-slug="')[1:]:
        slug = block.split('"', 1)[0]
        assert ('class="notice stale"' in block) is items[slug]["stale"], slug
    asr = html.split('data-slug="asr"')[1].split("</li>")[0]
    assert "décembre 2023" in asr  # « Caen, le 22 décembre 2023 »
    if items["asr"]["stale"]:
        assert "Sources datées de plus de 24 mois : la plus récente date de décembre 2023." in asr


def test_scheme_page_says_how_old_its_sources_are_in_both_languages(client: TestClient) -> None:
    api = client.get("/schemes/mg-400").json()
    fr = Page(get_html(client, "/embed/schemes/mg-400")).plain
    en = Page(get_html(client, "/embed/schemes/mg-400?lang=en")).plain
    # The Nouvelle-Aquitaine page, dated only by its campaign (2024), is the newest source: only its year is shown.
    assert "Source la plus récente : 2024." in fr and "Newest source: 2024." in en
    assert ("Sources datées de plus de 24 mois : la plus récente date de 2024." in fr) is api["stale"]
    assert ("Sources more than 24 months old: the newest dates from 2023." in en) is api["stale"]


def test_scheme_page_marks_projected_dates_as_expected(client: TestClient) -> None:
    fr = Page(get_html(client, "/embed/schemes/aumg?region=93")).plain
    en = Page(get_html(client, "/embed/schemes/aumg?region=93&lang=en")).plain
    assert "date attendue, projetée depuis le calendrier 2019 de la source" in fr
    assert "expected date, projected from the source's 2019 calendar" in en
