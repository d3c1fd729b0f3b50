"""Walk every figure of the source documents and find it in the catalogue, with its source, through the API.

Figures are extracted from the documents' text by pattern (euro amounts, durations, percentages, dates,
e-mail addresses, phone numbers), not listed by hand: a figure the seed forgets makes a test fail.
A figure counts as found when the sentence stating it is quoted, with this document as its source, by a
catalogue record that carries the figure itself (the amount, the date, the e-mail…).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient

from tests.conftest import SEED_DIR, SHARED_SEEDS

DOCUMENTS = SEED_DIR / "documents"
DOCUMENT_FILES = sorted(p.name for p in DOCUMENTS.glob("*.txt"))

MONTHS = {
    "janvier": 1, "février": 2, "mars": 3, "avril": 4, "mai": 5, "juin": 6, "juillet": 7, "août": 8,
    "septembre": 9, "octobre": 10, "novembre": 11, "décembre": 12, "nov.": 11,
}
NUMBER_WORDS = r"(?:\d+(?:/\d+)?|un|une|deux|trois|quatre|cinq|six|huit)"


def normalise(text: str) -> str:
    """The documents come from PDFs: drop markup (bold, superscripts), unify spaces and apostrophes."""
    text = unicodedata.normalize("NFKC", text)
    text = re.sub(r"\^\{([^}]*)\}", r"\1", text)
    text = re.sub(r"\^(\w+)", r"\1", text)
    text = re.sub(r"</?sup>", "", text)
    text = text.replace("**", "").replace("*", "").replace("’", "'").replace("•", " ")
    return re.sub(r"\s+", " ", text).strip()


def _walk(value: Any, record: dict[str, Any] | None = None) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """Every (record, citation) pair in an API response: a citation is a dict with `doc` and `title`."""
    if isinstance(value, dict):
        if "doc" in value and "title" in value:
            yield record or {}, value
            return
        for item in value.values():
            yield from _walk(item, value)
    elif isinstance(value, list):
        for item in value:
            yield from _walk(item, record)


@pytest.fixture(scope="module")
def catalogue(client: TestClient) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """Every cited record the API serves: schemes in full, regions, specialties, contacts, calendar."""
    listed = client.get("/schemes?limit=200").json()["items"]
    responses = [client.get(f"/schemes/{item['slug']}").json() for item in listed]
    responses += [client.get(path).json() for path in ("/regions", "/specialties", "/contacts", "/calendar")]
    return [pair for response in responses for pair in _walk(response)]


@pytest.fixture(scope="module")
def sources(client: TestClient) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for item in client.get("/schemes?limit=200").json()["items"]:
        for source in client.get(f"/schemes/{item['slug']}").json()["sources"]:
            out[source["id"]] = source
    return out


def _quoted_spans(catalogue, file: str, text: str) -> list[tuple[int, int, dict[str, Any]]]:
    spans = []
    for record, citation in catalogue:
        if citation.get("file") != file or not citation.get("quote"):
            continue
        quote = normalise(citation["quote"])
        start = text.find(quote)
        while start != -1:
            spans.append((start, start + len(quote), record))
            start = text.find(quote, start + 1)
    return spans


def _records_quoting(spans, position: int) -> list[dict[str, Any]]:
    return [record for start, end, record in spans if start <= position < end]


def _figures(pattern: str, text: str) -> list[re.Match[str]]:
    return list(re.finditer(pattern, text, flags=re.IGNORECASE))


def _amount(match: re.Match[str]) -> Decimal:
    return Decimal(match.group("int").replace(" ", "") + "." + (match.group("dec") or "00"))


AMOUNT = r"(?P<int>\d{1,3}(?: \d{3})+|\d+)(?:,(?P<dec>\d{2}))? ?(?:€|euros)"
DURATION = rf"\b{NUMBER_WORDS} (?:ans?|années?|mois)\b"
RANGE = r"\b\d+ et \d+ ans\b"
PERCENT = r"\b\d+(?:/\d+)? ?%|\b\d{2}/\d{2}\b"
MONTH_NAMES = "janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|décembre"
FULL_DATE = r"\b(?P<day>\d{1,2})(?:er)? (?P<month>" + MONTH_NAMES + r") (?P<year>\d{4})\b"
MONTH_YEAR = r"\b(?P<month>" + MONTH_NAMES + r"|nov\.) (?P<year>\d{4})\b"
YEAR = r"\b(?:19|20)\d{2}\b"
EMAIL = r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
PHONE = r"\b0\d(?:[ .]\d{2}){4}\b"


def _dates_in(record: dict[str, Any], sources: dict[str, dict[str, Any]]) -> set[str]:
    """Dates a record carries, including those of the official texts it cites (an arrêté's date)."""
    dates = {
        str(v) for k, v in record.items() if k in {"date", "since", "published_on", "valid_from", "next_date"} and v
    }
    for citation in record.get("sources", []):
        if isinstance(citation, dict) and sources.get(citation.get("doc"), {}).get("published_on"):
            dates.add(sources[citation["doc"]]["published_on"])
    return dates


@pytest.mark.parametrize("file", DOCUMENT_FILES)
def test_every_euro_amount_is_a_pay_component_quoting_it(catalogue, file: str) -> None:
    text = normalise((DOCUMENTS / file).read_text(encoding="utf-8"))
    spans = _quoted_spans(catalogue, file, text)
    missing = []
    for match in _figures(AMOUNT, text):
        amount = _amount(match)
        carriers = [r for r in _records_quoting(spans, match.start()) if "amount" in r and r["amount"] is not None]
        if not any(Decimal(str(r["amount"])) == amount for r in carriers):
            missing.append(f"{match.group(0)!r} in «{text[max(0, match.start() - 60):match.end() + 20]}»")
    assert not missing, f"{file}: amounts not in the catalogue with their sentence:\n" + "\n".join(missing)


@pytest.mark.parametrize("file", DOCUMENT_FILES)
@pytest.mark.parametrize("kind", ["duration", "percentage", "year"])
def test_every_duration_percentage_and_year_is_quoted(catalogue, sources, file: str, kind: str) -> None:
    text = normalise((DOCUMENTS / file).read_text(encoding="utf-8"))
    spans = _quoted_spans(catalogue, file, text)
    pattern = {"duration": f"{DURATION}|{RANGE}", "percentage": PERCENT, "year": YEAR}[kind]
    # A document's own title and date ("Post-internat 2022", "Nov. 2023") are carried by its source record.
    own = " ".join(f"{s['title']} {s.get('published_text') or ''}" for s in sources.values() if s.get("file") == file)
    missing = [
        f"{m.group(0)!r} in «{text[max(0, m.start() - 60):m.end() + 20]}»"
        for m in _figures(pattern, text)
        if not _records_quoting(spans, m.start()) and not (kind == "year" and m.group(0) in own)
    ]
    assert not missing, f"{file}: {kind} figures quoted by no catalogue record:\n" + "\n".join(missing)


@pytest.mark.parametrize("file", DOCUMENT_FILES)
def test_every_date_is_a_dated_record(catalogue, sources, file: str) -> None:
    text = normalise((DOCUMENTS / file).read_text(encoding="utf-8"))
    spans = _quoted_spans(catalogue, file, text)
    source_dates = {s["published_on"] for s in sources.values() if s.get("file") == file and s.get("published_on")}
    missing = []
    for m in _figures(FULL_DATE, text):
        iso = dt.date(int(m.group("year")), MONTHS[m.group("month").lower()], int(m.group("day"))).isoformat()
        dated = set().union(*(_dates_in(r, sources) for r in _records_quoting(spans, m.start()))) | source_dates
        if iso not in dated:
            missing.append(f"{m.group(0)!r} (expected {iso})")
    for m in _figures(MONTH_YEAR, text):
        prefix = f"{int(m.group('year')):04d}-{MONTHS[m.group('month').lower()]:02d}"
        dated = set().union(*(_dates_in(r, sources) for r in _records_quoting(spans, m.start()))) | source_dates
        if not any(d.startswith(prefix) for d in dated):
            missing.append(f"{m.group(0)!r} (expected a date in {prefix})")
    assert not missing, f"{file}: dates not in the catalogue as dates:\n" + "\n".join(missing)


@pytest.mark.parametrize("file", DOCUMENT_FILES)
def test_every_email_and_phone_is_a_contact(client: TestClient, file: str) -> None:
    text = (DOCUMENTS / file).read_text(encoding="utf-8")
    contacts = [c for c in client.get("/contacts").json() if any(s.get("file") == file for s in c["sources"])]
    emails = {c["email"].lower() for c in contacts if c["email"]}
    phones = {re.sub(r"\D", "", c["phone"]) for c in contacts if c["phone"]}
    missing = [e for e in re.findall(EMAIL, text) if e.lower() not in emails]
    missing += [p for p in re.findall(PHONE, text) if re.sub(r"\D", "", p) not in phones]
    assert not missing, f"{file}: not found as contacts citing this document: {missing}"


def test_every_document_is_a_cited_source(sources) -> None:
    cited = {s["file"] for s in sources.values() if s.get("file")}
    assert cited == set(DOCUMENT_FILES)


def test_every_quote_is_verbatim_from_its_document(catalogue) -> None:
    texts = {f: normalise((DOCUMENTS / f).read_text(encoding="utf-8")) for f in DOCUMENT_FILES}
    wrong = sorted(
        {
            f"{c['file']}: «{c['quote']}»"
            for _, c in catalogue
            if c.get("file") in texts and c.get("quote") and normalise(c["quote"]) not in texts[c["file"]]
        }
    )
    assert not wrong, "quotes not found in their document:\n" + "\n".join(wrong)


@pytest.mark.skipif(not SHARED_SEEDS.is_dir(), reason="no ../shared/seeds beside this checkout")
def test_documents_match_the_shared_originals() -> None:
    for name in DOCUMENT_FILES:
        original: Path = SHARED_SEEDS / name
        assert original.read_bytes() == (DOCUMENTS / name).read_bytes(), f"{name} differs from ../shared/seeds"


WORDS = {1: "un", 2: "deux", 3: "trois", 4: "quatre", 5: "cinq"}


def test_every_figure_of_an_eligibility_criterion_is_in_the_sentence_it_cites(client: TestClient) -> None:
    """The other way round, for the rules' criteria (what `POST /eligibility` evaluates): a delay is written in its
    rule's quotes, as a digit or in words, and a regional condition names its region. No figure without a quote."""
    checked = 0
    for item in client.get("/schemes?limit=200").json()["items"]:
        for rule in client.get(f"/schemes/{item['slug']}").json()["rules"]:
            criterion = rule.get("criterion") or {}
            quotes = " ".join(s.get("quote") or "" for s in rule["sources"])
            if criterion.get("test") == "years_after":
                for n in filter(None, (criterion["years"], criterion.get("up_to"))):
                    assert str(n) in quotes or f"{WORDS[n]} année" in quotes, (item["slug"], n, quotes)
                    checked += 1
            if criterion.get("test") == "trained_in_region":
                assert ("Normandie" in quotes or "normands" in quotes) == (criterion["region"] == "28"), item["slug"]
    assert checked == 3


# --- the quoted sentences of every other source (official texts, web pages, datasets) ---------------------------

SEED_FILES = sorted(p.stem for p in SEED_DIR.glob("*.yaml"))
QUOTED_AMOUNT = r"(?P<int>\d{1,3}(?: \d{3})+|\d+)(?:,(?P<dec>\d{1,2}))? ?(?:€|euros)"
QUOTED_PERCENT = r"(?P<int>\d+)(?:,(?P<dec>\d+))? ?%"
OWN_NUMBER = r"\d{1,3}(?: \d{3})+(?:,\d+)?|\d+(?:[.,]\d+)?"


def _seed_records() -> Iterator[tuple[str, dict[str, Any]]]:
    for name in SEED_FILES:
        for row in yaml.safe_load((SEED_DIR / f"{name}.yaml").read_text(encoding="utf-8")) or []:
            yield name, row


def _citations_in(value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, dict):
        if "doc" in value and isinstance(value.get("doc"), str):
            yield value
        for item in value.values():
            yield from _citations_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from _citations_in(item)


def _own_numbers(value: Any) -> set[Decimal]:
    """Every number a record states itself (amounts, rates, notes, labels), its citations left out."""
    texts: list[str] = []

    def walk(v: Any) -> None:
        if isinstance(v, dict):
            for key, item in v.items():
                if key != "sources":
                    walk(item)
        elif isinstance(v, list):
            for item in v:
                walk(item)
        elif v is not None:
            texts.append(str(v))

    walk(value)
    numbers = set()
    for match in re.finditer(OWN_NUMBER, normalise(" | ".join(texts))):
        numbers.add(Decimal(match.group(0).replace(" ", "").replace(",", ".")).normalize())
    return numbers


def _quoted_figures(quote: str) -> Iterator[tuple[str, set[Decimal]]]:
    """Each euro amount and percentage of a sentence, with the values a record may hold it as (3 864 €; 6,95 % as
    6.95 or 0.0695)."""
    text = normalise(quote)
    for match in re.finditer(QUOTED_AMOUNT, text):
        yield match.group(0), {_amount(match).normalize()}
    for match in re.finditer(QUOTED_PERCENT, text):
        rate = Decimal(match.group("int") + "." + (match.group("dec") or "0"))
        yield match.group(0), {rate.normalize(), (rate / 100).normalize()}


def test_every_figure_a_source_sentence_quotes_is_in_a_record_citing_it() -> None:
    """The walk above, for the sentences quoted from every other source (official texts, web pages, datasets): an
    amount or a rate a quoted sentence states is a figure of a record citing that sentence — the value used, or a
    note saying it is not used and why. A sentence cited by several records (a table row) may hold their figures
    together."""
    kinds = {s["id"]: s["kind"] for s in yaml.safe_load((SEED_DIR / "sources.yaml").read_text(encoding="utf-8"))}
    held: dict[str, set[Decimal]] = {}  # a sentence -> the figures of the records citing it (from any source)
    citing: list[tuple[str, str, str, str]] = []
    for name, row in _seed_records():
        numbers = _own_numbers(row)
        key = str(row.get("code") or row.get("id") or row.get("slug") or f"{row.get('scheme')}/{row.get('region')}")
        for citation in _citations_in(row):
            if citation.get("quote") and kinds.get(citation["doc"]) != "document":
                held.setdefault(citation["quote"], set()).update(numbers)
                citing.append((name, key, citation["doc"], citation["quote"]))
    missing = []
    checked = 0
    for name, key, doc, quote in citing:
        for figure, values in _quoted_figures(quote):
            checked += 1
            if not values & held[quote]:
                missing.append(f"{name}/{key} ({doc}): « {figure} » in « {quote[:80]} »")
    assert not missing, "\n".join(missing)
    assert checked > 50
