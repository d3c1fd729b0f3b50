"""The eligibility rules alone: the seed's schemes read from YAML, evaluated without HTTP or a database."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from functools import cache

import yaml

from app.config import PROJECT_ROOT
from app.eligibility import rules as R
from app.messages import render
from app.records import schemas as I

SEED = PROJECT_ROOT / "seed"
GP = {"specialty": "medecine-generale", "specialty_name": "Médecine générale", "specialty_is_mg": True}
CARDIO = {"specialty": "medecine-cardiovasculaire", "specialty_name": "Médecine cardiovasculaire",
          "specialty_is_mg": False}
BIO = {"specialty": "biologie-medicale", "specialty_name": "Biologie médicale", "specialty_is_mg": False}
NUCLEAR = {"specialty": "medecine-nucleaire", "specialty_name": "Médecine nucléaire", "specialty_is_mg": False}


def _refs(sources: list[I.SourceRef]) -> R.Refs:
    return tuple(s.model_dump(exclude_none=True) for s in sources)


@cache
def schemes() -> dict[str, R.SchemeRules]:
    out = {}
    for row in yaml.safe_load((SEED / "schemes.yaml").read_text(encoding="utf-8")):
        s = I.SchemeIn.model_validate(row)
        out[s.slug] = R.SchemeRules(
            slug=s.slug, category=s.category, audience=s.audience, audience_text=s.audience_text,
            sources=_refs(s.sources),
            rules=tuple(R.Rule(r.kind, r.text, r.criterion, _refs(r.sources)) for r in s.rules),
            eligible_specialties=tuple(
                R.SpecialtyLink(e, True, None, ()) if isinstance(e, str)
                else R.SpecialtyLink(e.code, e.confirmed, e.note, _refs(e.sources))
                for e in s.eligible_specialties
            ),
        )
    return out


def profile(who: dict, *, des: str, start: str, thesis: bool = True, **facts: object) -> R.Profile:
    return R.Profile(**who, des_completed_on=dt.date.fromisoformat(des), thesis_defended=thesis,
                     start=dt.date.fromisoformat(start), **facts)  # type: ignore[arg-type]


def reason(evaluation: R.Evaluation, criterion: str) -> R.Reason:
    (found,) = [r for r in evaluation.reasons if r.criterion == criterion]
    return found


def test_the_rules_import_no_framework_or_database() -> None:
    code = ("import sys\nimport app.eligibility.rules\n"
            "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('fastapi', 'starlette', 'sqlmodel', 'sqlalchemy', 'psycopg', 'httpx'))))\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_ccu_mg_three_years_after_the_des_is_the_limit_and_the_sentence_is_quoted() -> None:
    ccu = schemes()["ccu-mg"]
    within = R.evaluate(ccu, profile(GP, des="2026-11-01", start="2029-11-01"), "32")
    assert within.verdict == "eligible"
    late = R.evaluate(ccu, profile(GP, des="2026-11-01", start="2029-11-02"), "32")
    assert late.verdict == "not_eligible"
    rule = reason(late, "years_after")
    assert rule.met is False
    assert any("dans un délai de trois années suivant l'obtention de leur DES" in s["quote"] for s in rule.sources)
    assert "2029-11-01" in render(rule.explanation, "en")


def test_the_thesis_decides_and_a_recommendation_does_not() -> None:
    ccu = schemes()["ccu-mg"]
    no_thesis = R.evaluate(ccu, profile(GP, des="2026-11-01", start="2027-05-01", thesis=False), "32")
    assert no_thesis.verdict == "not_eligible"
    assert reason(no_thesis, "thesis").met is False
    without_master = R.evaluate(ccu, profile(GP, des="2026-11-01", start="2027-05-01", research_master=False), "32")
    assert without_master.verdict == "eligible"
    research = reason(without_master, "research_master")
    assert research.met is False and research.decisive is False


def test_a_hesitating_source_leaves_the_years_between_undecided() -> None:
    aumg = schemes()["aumg"]  # « dans les 4/5 années qui suivent la fin de l'internat »
    facts = {"ordre_registered": True}
    assert R.evaluate(aumg, profile(GP, des="2022-11-01", start="2026-11-01", **facts), "32").verdict == "eligible"
    between = R.evaluate(aumg, profile(GP, des="2022-11-01", start="2027-05-01", **facts), "32")
    assert between.verdict == "unknown" and reason(between, "years_after").met is None
    assert R.evaluate(aumg, profile(GP, des="2022-11-01", start="2027-11-02", **facts), "32").verdict == "not_eligible"


def test_a_fact_the_profile_does_not_give_is_unknown_never_assumed() -> None:
    aumg = schemes()["aumg"]
    unsaid = R.evaluate(aumg, profile(GP, des="2026-11-01", start="2027-05-01"), "32")
    assert unsaid.verdict == "unknown"
    assert reason(unsaid, "ordre_registration").met is None
    refused = R.evaluate(aumg, profile(GP, des="2026-11-01", start="2027-05-01", ordre_registered=False), "32")
    assert refused.verdict == "not_eligible"


def test_the_audience_excludes_and_a_listed_lead_is_undecided() -> None:
    start = {"des": "2026-11-01", "start": "2027-05-01"}
    assert reason(R.evaluate(schemes()["ccu-mg"], profile(CARDIO, **start), "32"), "audience").met is False
    assert reason(R.evaluate(schemes()["ccu-ah"], profile(GP, **start), "32"), "audience").met is False
    ahu = schemes()["ahu"]
    assert reason(R.evaluate(ahu, profile(BIO, **start), "32"), "audience").met is True
    lead = R.evaluate(ahu, profile(NUCLEAR, **start), "32")
    assert reason(lead, "audience").met is None and lead.verdict == "unknown"
    assert R.evaluate(ahu, profile(CARDIO, **start), "32").verdict == "not_eligible"


def test_a_scheme_whose_sources_give_no_condition_beyond_the_specialty_is_unknown() -> None:
    evaluation = R.evaluate(schemes()["ccu-ah"], profile(CARDIO, des="2027-10-31", start="2027-11-01"), "32")
    assert evaluation.verdict == "unknown"
    assert reason(evaluation, "audience").met is True
    assert reason(evaluation, "undocumented").met is None


def test_a_rule_stated_only_in_words_is_unknown() -> None:
    evaluation = R.evaluate(schemes()["atp-regional"], profile(CARDIO, des="2027-10-31", start="2027-11-01"), "32")
    assert evaluation.verdict == "unknown"
    words = reason(evaluation, "text")
    assert words.met is None and words.rule.startswith("Internes en fin de cursus")


def test_a_regional_condition_applies_in_its_region_only() -> None:
    asr = schemes()["asr"]  # « En Normandie, ce post-internat s'adresse aux internes normands en fin de cursus. »
    facts = profile(CARDIO, des="2027-10-31", start="2027-11-01", internship_region="11")
    normandie = R.evaluate(asr, facts, "28")
    assert reason(normandie, "trained_in_region").met is False
    assert normandie.verdict == "not_eligible"
    assert not [r for r in R.evaluate(asr, facts, "32").reasons if r.criterion == "trained_in_region"]
    local = profile(CARDIO, des="2027-10-31", start="2027-11-01", internship_region="28")
    assert reason(R.evaluate(asr, local, "28"), "trained_in_region").met is True


def test_not_a_condition_is_information_only() -> None:
    evaluation = R.evaluate(schemes()["mg-400"], profile(GP, des="2026-11-01", start="2027-05-01"), "32")
    assert evaluation.verdict == "eligible"
    assert [r.text[:7] for r in evaluation.information] == ["Volet 1", "Volet 2"]


def test_the_docteur_junior_year_comes_before_the_des() -> None:
    evaluation = R.evaluate(schemes()["docteur-junior-mg"], profile(GP, des="2026-11-01", start="2027-05-01"), "32")
    assert evaluation.verdict == "not_eligible"
    assert reason(evaluation, "during_des").met is False


def test_every_reason_cites_a_source_that_quotes_or_notes() -> None:
    people = [profile(who, des="2026-11-01", start="2027-05-01") for who in (GP, CARDIO, BIO, NUCLEAR)]
    for scheme in schemes().values():
        for person in people:
            for region in ("28", "32", "93"):
                for r in R.evaluate(scheme, person, region).reasons:
                    assert r.sources, (scheme.slug, r.criterion)
                    assert all(s.get("doc") for s in r.sources)
                    assert render(r.explanation) and render(r.explanation, "en") != render(r.explanation, "fr")


def test_add_years_keeps_29_february_in_february() -> None:
    assert R.add_years(dt.date(2024, 2, 29), 3) == dt.date(2027, 2, 28)


def test_a_criterion_is_checked_when_a_record_is_read() -> None:
    import pytest
    from pydantic import ValidationError

    source = [
        {"doc": "hdf-mg-2023", "quote": "Pour être recrutés, les CCU-MG doivent également avoir soutenu leur thèse."}
    ]
    ok = I.RuleIn.model_validate({"kind": "eligibility", "text": "Avoir soutenu sa thèse.",
                                  "criterion": {"test": "thesis"}, "sources": source})
    assert isinstance(ok.criterion, I.ThesisCriterion)
    for bad in ({"kind": "mission", "criterion": {"test": "thesis"}},  # a criterion only on an eligibility rule
                {"kind": "eligibility", "criterion": {"test": "age_below", "years": 35}},  # no such test
                {"kind": "eligibility", "criterion": {"test": "years_after", "since": "des", "years": 5, "up_to": 4}},
                {"kind": "eligibility", "criterion": {"test": "specialty", "codes": []}}):
        with pytest.raises(ValidationError):
            I.RuleIn.model_validate({"text": "Une règle.", "sources": source, **bad})
