"""Response bodies of the open-data endpoints."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field


class ChangeLinks(BaseModel):
    record: str | None = Field(description="The record and its history (`GET /records/…`).",
                               examples=["/records/pay-components/ccu-mg-salaire-universitaire"])
    catalogue: str | None = Field(description="Where the change shows in the catalogue.", examples=["/schemes/ccu-mg"])


class ChangeSource(BaseModel):
    id: str = Field(examples=["hdf-mg-2023"])
    title: str
    url: str | None = None


class Change(BaseModel):
    id: int = Field(description="Order of the change (newer changes have larger ids).")
    at: dt.datetime = Field(description="When the change was written (UTC).")
    kind: Literal["created", "new_version", "retired", "verified", "imported"] = Field(
        description="`created`; `new_version`: the record changes from a date; `retired`: it ends on a date; "
        "`verified`: a maintainer checked a scheme against its sources; `imported`: the whole catalogue was replaced.")
    entity: str = Field(examples=["pay-components"])
    record: str | None = Field(description="The record's public id (none for an import).", examples=["ccu-mg"])
    effective: dt.date | None = Field(description="The day the change takes effect (first or last day in force, or "
                                      "the day of a verification).")
    summary: str = Field(description="What changed, in French.")
    schemes: list[str] = Field(description="Schemes the change is about.")
    regions: list[str] = Field(description="INSEE codes of the regions it is about (a scheme's: where it is offered).")
    links: ChangeLinks
    sources: list[ChangeSource] = Field(description="The sources the changed record cites.")


class ChangePage(BaseModel):
    items: list[Change]
    total: int
    limit: int
    offset: int
