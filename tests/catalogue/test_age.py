"""How old the sources are (sources_as_of, stale), projected calendar dates (expected), filtered region counts."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from app.config import Settings
from app.core import dates
from app.core.dates import seconds_left_today, today
from app.main import create_app
from app.migrate import upgrade
from app.seed.loader import load_seed
from tests.conftest import SEED_DIR


def two_years_before(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year - 2)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 2, day=28)


def dated(source: dict) -> dt.date | None:
    """The documented rule, written again independently: published_on, else 31 December of the latest year named."""
    if source["published_on"]:
        return dt.date.fromisoformat(source["published_on"])
    years = [int(y) for y in re.findall(r"(?<!\d)(?:19|20)\d{2}(?!\d)", source["published_text"] or "")]
    return dt.date(max(years), 12, 31) if years else None


def cited_docs(value: object) -> list[str]:
    """The ids of the sources cited anywhere in a piece of an answer (citations are dicts with `doc` and `title`)."""
    if isinstance(value, dict):
        if "doc" in value and "title" in value:
            return [value["doc"]]
        return [doc for item in value.values() for doc in cited_docs(item)]
    if isinstance(value, list):
        return [doc for item in value for doc in cited_docs(item)]
    return []


def items(client: TestClient, query: str = "") -> list[dict]:
    response = client.get(f"/schemes?limit=200&{query}")
    assert response.status_code == 200, response.text
    return response.json()["items"]


class TestSourcesAsOf:
    def test_is_the_newest_cited_source_in_the_list_and_on_the_scheme(self, client: TestClient) -> None:
        listed = items(client)
        assert len(listed) == 15
        for item in listed:
            detail = client.get(f"/schemes/{item['slug']}").json()
            # Every source the scheme cites, but those cited only by notes of context (kind `note`).
            dating = set(cited_docs({k: v for k, v in detail.items() if k not in ("rules", "sources")}))
            dating |= set(cited_docs([r for r in detail["rules"] if r["kind"] != "note"]))
            days = [d for d in map(dated, (s for s in detail["sources"] if s["id"] in dating)) if d is not None]
            # A scheme whose sources give no date of their own (Île-de-France's ASP pages) says so: no date, no
            # warning, its notes giving the dates of the posts its pages announce.
            newest = max(days).isoformat() if days else None
            assert item["sources_as_of"] == detail["sources_as_of"] == newest, item["slug"]
            assert item["sources_as_of_precision"] == detail["sources_as_of_precision"]

    def test_a_dated_letter_wins_over_an_older_year_only_page(self, client: TestClient) -> None:
        # asr cites « Post-internat 2022 » (published_text '2022') and the letter « Caen, le 22 décembre 2023 ».
        body = client.get("/schemes/asr").json()
        assert {s["id"] for s in body["sources"]} >= {"normandie-2022", "normandie-2024"}
        assert body["sources_as_of"] == "2023-12-22" and body["sources_as_of_precision"] == "date"

    def test_a_source_dated_by_its_text_only_counts_to_the_end_of_that_year(self, client: TestClient) -> None:
        # mg-400's newest source is the Nouvelle-Aquitaine page, dated only by the campaign it announces
        # (« Campagne 2024 »): 31 December 2024, later than the PH grid (« en vigueur au 1er juillet 2023 (…) »,
        # 31 December 2023) and the Normandie letter of 22 December 2023.
        body = client.get("/schemes/mg-400").json()
        assert {"grille-ph-2023", "ars-na-post-internat"} <= {s["id"] for s in body["sources"]}
        assert body["sources_as_of"] == "2024-12-31" and body["sources_as_of_precision"] == "year"

    def test_stale_when_more_than_24_months_before_today(self, client: TestClient) -> None:
        limit = two_years_before(today())
        for item in items(client):
            if item["sources_as_of"] is None:
                assert item["stale"] is False and item["stale_message"] is None, item["slug"]
                continue
            as_of = dt.date.fromisoformat(item["sources_as_of"])
            assert item["stale"] is (as_of < limit), item["slug"]
            if item["stale"]:
                assert item["stale_message"].startswith("Sources datées de plus de 24 mois : la plus récente date de ")
            else:
                assert item["stale_message"] is None

    def test_message_names_month_or_year_as_known(self, client: TestClient) -> None:
        if today() < dt.date(2026, 1, 1):
            pytest.skip("the seed's sources are not two years old yet")
        assert client.get("/schemes/asr").json()["stale_message"] == (
            "Sources datées de plus de 24 mois : la plus récente date de décembre 2023."
        )
        # A source dated by a year only is not two years old before the end of the following year's December.
        mg_400 = client.get("/schemes/mg-400").json()
        assert mg_400["stale"] is (today() > dt.date(2026, 12, 31)) and mg_400["sources_as_of"] == "2024-12-31"

    def test_staleness_is_about_today_not_the_day_shown(self, client: TestClient) -> None:
        now = client.get("/schemes/asr").json()
        then = client.get("/schemes/asr?as_of=2024-06-30").json()
        assert then["as_of"] == "2024-06-30"
        assert (then["sources_as_of"], then["stale"]) == (now["sources_as_of"], now["stale"])


@pytest.fixture(scope="module")
def recent_client(new_database: Callable[[], Engine], tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """The seed with two sources re-dated relative to today (test data only, never the seed itself):
    the Normandie letter exactly 24 months ago, and the PACA note dated only by the year two years ago."""
    now = today()
    seed = tmp_path_factory.mktemp("seed")
    for file in SEED_DIR.glob("*.yaml"):
        (seed / file.name).write_text(file.read_text(encoding="utf-8"), encoding="utf-8")
    sources = (seed / "sources.yaml").read_text(encoding="utf-8")
    letter, note = "  published_on: 2023-12-22\n  published_text: Caen", "  published_text: '2019'\n"
    assert sources.count(letter) == 1 and sources.count(note) == 1
    sources = sources.replace(letter, f"  published_on: {two_years_before(now).isoformat()}\n  published_text: Caen")
    sources = sources.replace(note, f"  published_text: '{now.year - 2}'\n")
    (seed / "sources.yaml").write_text(sources, encoding="utf-8")
    engine = new_database()
    upgrade(engine)
    load_seed(engine, seed)
    app = create_app(Settings(database_url="sqlite://", cors_origins=["*"]), engine=engine)
    with TestClient(app) as test_client:
        yield test_client


class TestNotStale:
    def test_exactly_24_months_is_not_stale(self, recent_client: TestClient) -> None:
        body = recent_client.get("/schemes/asr").json()
        assert body["sources_as_of"] == two_years_before(today()).isoformat()
        assert body["stale"] is False and body["stale_message"] is None

    def test_a_year_only_source_is_dated_31_december(self, recent_client: TestClient) -> None:
        # Dated 1 January instead, a note of two years ago would already be stale in December.
        (aumg,) = [i for i in items(recent_client) if i["slug"] == "aumg"]
        assert aumg["sources_as_of"] == f"{today().year - 2}-12-31"
        assert aumg["sources_as_of_precision"] == "year" and aumg["stale"] is False

    def test_older_sources_stay_stale(self, recent_client: TestClient) -> None:
        if today() < dt.date(2026, 1, 1):
            pytest.skip("the seed's sources are not two years old yet")
        body = recent_client.get("/schemes/ccu-ah").json()  # the Hauts-de-France brochures of Nov. 2023
        assert body["stale"] is True and "novembre 2023" in body["stale_message"]


class TestRegionFacets:
    @pytest.mark.parametrize(
        "query",
        ["", "audience=mg", "audience=specialist", "specialty=biologie-medicale", "category=universitaire",
         "q=ville", "audience=mg&category=hospitalier"],
    )
    def test_each_count_is_what_choosing_the_region_lists(self, client: TestClient, query: str) -> None:
        facets = client.get(f"/schemes?{query}").json()["facets"]["regions"]
        assert len(facets) == 18
        for facet in facets:
            listed = items(client, f"{query}&region={facet['code']}")
            assert facet["count"] == len(listed), (query, facet)

    def test_counts_follow_the_filters_not_the_totals(self, client: TestClient) -> None:
        every = {f["code"]: f["count"] for f in client.get("/schemes").json()["facets"]["regions"]}
        mg = {f["code"]: f["count"] for f in client.get("/schemes?audience=mg").json()["facets"]["regions"]}
        totals = {r["code"]: r["scheme_count"] for r in client.get("/regions").json()}
        assert every == totals
        assert mg["32"] == 5 < every["32"]  # ccu-mg, chef-clinique-region, aumg, mg-400, docteur-junior-mg

    def test_the_region_filter_itself_does_not_narrow_its_facet(self, client: TestClient) -> None:
        with_region = client.get("/schemes?audience=mg&region=28").json()["facets"]
        assert with_region == client.get("/schemes?audience=mg").json()["facets"]


class TestExpectedDates:
    def test_projected_yearly_date_is_expected_and_names_the_source_year(self, client: TestClient) -> None:
        events = {e["id"]: e for e in client.get("/calendar?region=93&from=2026-12-01").json()}
        start = events["paca-aumg-2019-prise-de-fonction"]  # « démarre au 1er novembre de l'année »
        assert (start["date"], start["next_date"]) == ("2019-11-01", "2027-11-01")
        assert start["status"] == "expected"
        assert start["status_note"] == "Date attendue, projetée depuis le calendrier 2019 de la source."

    def test_dates_a_source_states_stay_announced(self, client: TestClient) -> None:
        events = client.get("/calendar?region=28").json()
        assert events and all(e["status"] == "announced" and e["status_note"] is None for e in events)
        # A yearly event on its own stated date is announced too.
        (start,) = [e for e in client.get("/calendar?region=93&from=2019-10-01").json()
                    if e["id"] == "paca-aumg-2019-prise-de-fonction"]
        assert start["next_date"] == "2019-11-01" and start["status"] == "announced"

    def test_scheme_and_region_calendars_say_it_too(self, client: TestClient) -> None:
        for body in (client.get("/schemes/aumg").json(), client.get("/regions/93").json()):
            (start,) = [e for e in body["calendar"] if e["id"] == "paca-aumg-2019-prise-de-fonction"]
            assert start["status"] == "expected"

    def test_icalendar_projected_series_is_tentative_stated_date_confirmed(self, client: TestClient) -> None:
        body = client.get("/calendar?scheme=aumg&region=93&format=ics").text
        unfolded = body.replace("\r\n ", "")
        blocks = [b for b in unfolded.split("BEGIN:VEVENT")[1:] if "UID:paca-aumg-2019-prise-de-fonction@" in b]
        series = [b for b in blocks if "RRULE:FREQ=YEARLY" in b]
        stated = [b for b in blocks if "RECURRENCE-ID;VALUE=DATE:20191101" in b]
        assert len(series) == len(stated) == 1 and len(blocks) == 2
        assert "STATUS:TENTATIVE" in series[0] and "(date attendue)" in series[0]
        assert "Date attendue\\, projetée depuis le calendrier 2019 de la source." in series[0]
        assert "STATUS:CONFIRMED" in stated[0] and "Date attendue" not in stated[0]
        once = [b for b in unfolded.split("BEGIN:VEVENT")[1:] if "RRULE" not in b and "RECURRENCE-ID" not in b]
        assert once and all("STATUS:CONFIRMED" in b for b in once)


class TestCachesEndWithTheDay:
    def test_seconds_left_today_count_to_midnight_in_france(self) -> None:
        paris = ZoneInfo("Europe/Paris")
        assert seconds_left_today(dt.datetime(2026, 12, 1, 23, 58, 20, tzinfo=paris)) == 100
        assert seconds_left_today(dt.datetime(2026, 12, 1, 22, 58, 20, tzinfo=dt.UTC)) == 100  # 23:58:20 in Paris
        assert seconds_left_today(dt.datetime(2026, 12, 1, 0, 0, 0, tzinfo=paris)) == 86_400

    @pytest.mark.parametrize("first", [dt.datetime(2027, 3, 28), dt.datetime(2027, 10, 31), dt.datetime(2026, 12, 31)])
    def test_the_kept_day_is_the_day_in_france_at_every_instant(self, first: dt.datetime) -> None:
        """today() and seconds_left_today() keep the day's bounds between calls (app/core/dates.py): around
        midnights and the changes to and from summer time, forwards and with the clock set back, they must give what
        a conversion of each instant gives."""
        paris = ZoneInfo("Europe/Paris")
        start = first.replace(tzinfo=paris).timestamp()
        instants = [start + offset + 0.25 for offset in range(-7_200, 93_600, 97)]
        for now in instants + instants[::-1]:
            day, _, ends = dates._day_at(now)
            local = dt.datetime.fromtimestamp(now, paris)
            midnight = dt.datetime.combine(local.date() + dt.timedelta(days=1), dt.time(), tzinfo=paris)
            assert day == local.date(), local
            assert ends == midnight.timestamp(), local

    def test_clients_may_not_reuse_an_answer_past_midnight(self, client: TestClient) -> None:
        for path in ("/schemes", "/schemes/asr", "/calendar", "/embed/schemes"):
            before = seconds_left_today()
            response = client.get(path)
            max_age = int(response.headers["cache-control"].split("max-age=")[1])
            assert max_age <= min(300, before), (path, max_age, before)
            again = client.get(path, headers={"If-None-Match": response.headers["etag"]})
            assert again.status_code == 304
            assert int(again.headers["cache-control"].split("max-age=")[1]) <= min(300, before)
