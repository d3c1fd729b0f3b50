"""PUBLIC_URL and ALLOWED_HOSTS: absolute URLs never come from the request's Host, unknown hosts are refused before any
routing or cache, probes answer on any address, and redirects are relative."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from app.config import Settings
from app.main import create_app
from app.snapshot import Snapshot
from tests.helpers import layer

PUBLIC = "https://post-internat.example.fr"


@pytest.fixture(scope="module")
def public(engine: Engine) -> Iterator[TestClient]:
    """The service behind a proxy: public at PUBLIC, reached by the proxy as localhost."""
    settings = Settings(database_url="sqlite://", public_url=PUBLIC + "/",
                        allowed_hosts="post-internat.example.fr, localhost, testserver")
    with TestClient(create_app(settings, engine=engine)) as client:
        yield client


# --- settings ---------------------------------------------------------------------------------------------------------


def test_public_url_defaults_to_host_and_port(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PUBLIC_URL", raising=False)
    settings = Settings(_env_file=None, host="127.0.0.1", port=9000)
    assert settings.public_url == "http://127.0.0.1:9000"
    assert settings.allowed_hosts == ["127.0.0.1", "localhost"]
    # Listening on every address (the Docker image): a browser cannot use 0.0.0.0, the loopback stands for it.
    assert Settings(_env_file=None, host="0.0.0.0").public_url == "http://127.0.0.1:8000"
    assert Settings(_env_file=None, host="::1", port=8000).public_url == "http://[::1]:8000"


def test_public_url_is_normalised_and_gives_the_default_allowed_hosts() -> None:
    settings = Settings(_env_file=None, public_url="HTTPS://Post-Internat.Example.FR:443/")
    assert settings.public_url == PUBLIC
    assert settings.allowed_hosts == ["post-internat.example.fr", "127.0.0.1", "localhost"]


@pytest.mark.parametrize("bad", ["ftp://example.fr", "example.fr", "https://example.fr/api", "https://example.fr/?a=1",
                                 "https://example.fr/#top", "https://user:pw@example.fr", "javascript:alert(1)"])
def test_a_public_url_that_is_not_an_http_origin_is_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="PUBLIC_URL"):
        Settings(_env_file=None, public_url=bad)


def test_allowed_hosts_is_a_comma_list_or_json_and_star_allows_any() -> None:
    listed = Settings(_env_file=None, allowed_hosts="API.example.fr, *.chu.fr")
    assert listed.allowed_hosts == ["api.example.fr", "*.chu.fr"]
    assert Settings(_env_file=None, allowed_hosts='["a.fr", "[::1]"]').allowed_hosts == ["a.fr", "[::1]"]
    assert Settings(_env_file=None, allowed_hosts="*").allowed_hosts == ["*"]


@pytest.mark.parametrize("bad", ["https://a.fr", "a.fr:8000", "a.*.fr", "a.fr/x", "a b"])
def test_an_allowed_host_that_is_not_a_host_name_is_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="not a host name"):
        Settings(_env_file=None, allowed_hosts=[bad])


# --- absolute URLs from PUBLIC_URL ------------------------------------------------------------------------------------


def test_the_guide_writes_public_url_whatever_host_it_is_asked_on(public: TestClient) -> None:
    html = public.get("/embed?view=schemes&region=32", headers={"Host": "localhost:8000"}).text
    assert f'&lt;script src=&#34;{PUBLIC}/embed.js&#34;' in html  # the snippet to copy
    assert f'<script src="{PUBLIC}/embed.js"' in html  # the live preview
    assert f"frame-src {PUBLIC}" in html  # the CSP advice
    assert f'&lt;iframe src="{PUBLIC}/embed/schemes?region=32"' in html  # the no-JavaScript iframe
    assert "localhost" not in html and "testserver" not in html


def test_the_issues_example_is_refused(client: TestClient) -> None:
    """`curl -H 'Host: evil.example' $B/embed` wrote evil.example into a public, max-age=300 page."""
    response = client.get("/embed", headers={"Host": "evil.example"})
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["cache-control"] == "no-store"
    assert "etag" not in response.headers and "<script" not in response.text


# --- unknown hosts ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/schemes", "/embed/schemes", "/embed.js", "/static/embed/embed.css", "/docs", "/nope"]
)
def test_an_unknown_host_is_a_bilingual_400_problem_naming_the_header(client: TestClient, path: str) -> None:
    french = client.get(path, headers={"Host": "evil.example"})
    assert french.status_code == 400 and french.headers["content-type"] == "application/problem+json"
    body = french.json()
    assert body["status"] == 400 and body["title"] == "Bad Request" and body["instance"] == path
    assert body["errors"] == [{"field": "host", "in": "header", "message": body["detail"]}]
    assert body["detail"] == "Ce service ne répond pas à l'hôte « evil.example » (en-tête Host) ; voir ALLOWED_HOSTS."
    assert french.headers["content-language"] == "fr"
    english = client.get(path, headers={"Host": "evil.example:8000", "Accept-Language": "en"})
    assert english.json()["detail"] == (
        "This service does not answer for host 'evil.example:8000' (Host header); see ALLOWED_HOSTS."
    )
    assert english.headers["content-language"] == "en"


def test_allowed_hosts_are_answered_with_any_port(public: TestClient) -> None:
    for host in ("post-internat.example.fr", "localhost:8000", "POST-INTERNAT.example.fr:443"):
        assert public.get("/regions", headers={"Host": host}).status_code == 200, host
    assert public.get("/regions", headers={"Host": "127.0.0.1:8000"}).status_code == 400  # not in this list


def test_star_allows_any_host(engine: Engine) -> None:
    with TestClient(create_app(Settings(database_url="sqlite://", allowed_hosts="*"), engine=engine)) as anyone:
        assert anyone.get("/regions", headers={"Host": "whatever.example"}).status_code == 200


@pytest.mark.parametrize("path", ["/health", "/ready"])
def test_probes_answer_on_any_address(client: TestClient, path: str) -> None:
    # A kubelet or a load balancer calls the pod by its IP; these answers carry no address and are never kept.
    assert client.get(path, headers={"Host": "10.1.2.3:8000"}).status_code == 200
    assert client.get(path, headers={"Host": "evil.example"}).status_code == 200


def test_a_refused_host_is_never_kept_nor_replayed_from_memory(engine: Engine) -> None:
    with TestClient(create_app(Settings(database_url="sqlite://"), engine=engine)) as client:
        path = "/schemes?region=28&limit=7"
        refused_first = client.get(path, headers={"Host": "evil.example"})
        snapshot = layer(client.app, Snapshot)
        assert refused_first.status_code == 400 and not snapshot.entries  # nothing built, nothing kept
        kept = client.get(path)
        assert kept.status_code == 200 and len(snapshot.entries) == 1
        hits = snapshot.hits
        for headers in ({"Host": "evil.example"}, {"Host": "evil.example", "If-None-Match": kept.headers["etag"]}):
            refused = client.get(path, headers=headers)
            assert refused.status_code == 400 and refused.headers["content-type"] == "application/problem+json"
            assert "etag" not in refused.headers
        assert snapshot.hits == hits and len(snapshot.entries) == 1


def test_the_snapshot_no_longer_keeps_one_copy_per_host(public: TestClient) -> None:
    first = public.get("/embed?region=28", headers={"Host": "localhost:8000"})
    snapshot = layer(public.app, Snapshot)
    hits = snapshot.hits
    second = public.get("/embed?region=28", headers={"Host": "post-internat.example.fr"})
    assert second.content == first.content and snapshot.hits == hits + 1


# --- redirects --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("path", "location"), [("/schemes/", "/schemes"), ("/regions/?x=1", "/regions?x=1"),
                                                ("/embed/schemes/", "/embed/schemes")])
def test_redirects_are_relative(public: TestClient, path: str, location: str) -> None:
    response = public.get(path, headers={"Host": "localhost:8000"}, follow_redirects=False)
    assert response.status_code == 307 and response.headers["location"] == location
