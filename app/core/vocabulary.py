"""The closed value lists of the catalogue's columns, shared by the tables (stored as plain strings, typed with
these Literals), the record schemas that validate every value on the way in (app/records/schemas.py), the response
schemas, the engine and the open-data schemas."""

from __future__ import annotations

from typing import Literal

SourceKind = Literal["document", "official_text", "web_page", "dataset"]
# des: the last year of a DES (docteur junior), listed beside the post-internat schemes but not one of them.
Category = Literal["universitaire", "hospitalier", "des"]
# mg: general practice only; specialist: every specialty except general practice;
# all: the documents do not restrict the specialty; disciplines: only the listed specialties.
Audience = Literal["mg", "specialist", "all", "disciplines"]
Scope = Literal["national", "regional"]
Discipline = Literal["médicale", "chirurgicale", "biologique"]
RuleKind = Literal[
    "mission",  # what the doctor does (care, teaching, research)
    "activity",  # concrete activities listed by a document
    "objective",  # what the scheme is for
    "eligibility",  # who may apply and when
    "recruitment",  # who appoints, under which status
    "status",  # legal status of the post
    "work_split",  # how working time is shared between sites
    "care_setting",  # where care is delivered
    "zone",  # geographic requirement (ZIP, ZAC, QPV, zone sous-dense)
    "duration",  # length, renewals, maximum
    "after",  # what comes after the scheme
    "selection",  # how candidates are selected
    "funding",  # who funds what (the figures themselves are pay components)
    "note",  # anything else a document says about the scheme
]
PayKind = Literal["pay", "funding", "total"]
# unspecified: the document gives the amount without saying gross or net.
Basis = Literal["gross", "net", "unspecified"]
Frequency = Literal["monthly", "quarterly", "yearly", "one_off"]
Calculation = Literal["fixed", "top_up_to"]
EventKind = Literal[
    "call_opens",
    "application_deadline",
    "committee",
    "decision",
    "start_of_post",
    "follow_up",
    "publication",
]
Precision = Literal["day", "month", "approximate"]
Recurrence = Literal["none", "yearly"]
# documented: a document describes the offer in this region; mentioned: a document only names it there;
# national_text: national texts set it everywhere they apply, and no regional source describes it there.
Evidence = Literal["documented", "mentioned", "national_text"]

ParameterUnit = Literal["rate", "eur_per_month", "eur_per_year", "eur_per_unit", "count"]
ParameterKind = Literal["value", "scale"]
# What an audit entry records.
AuditAction = Literal["create", "update", "retire", "verify", "import"]
