"""The agency extension point: what an agency's own record carries in `details`, the flags that implies, and what
the link counts a record fed for the first time as.

An agency declares one `RecordKind`, e.g. `RecordKind(PoliceCall, flags_for)`; the type
checker then holds `flags_for` to the agency's own model, and the base reads every record
through it without knowing that model.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict

from shared.contracts.disputes import APPLICANTS_CONTEXT
from shared.contracts.vocabulary import Flag
from shared.http import BadInput, validate_value
from shared.persistence.unit_of_work import UnitOfWork
from shared.platform import Platform

D = TypeVar("D", bound=BaseModel)


@dataclass(frozen=True)
class FirstFeed:
    """A record the agency feeds for the first time, inside the transaction that keeps it: what a link needs to
    count it as its own decision (`note_record`), as the decision taken on its own page would be."""

    uow: UnitOfWork[Any]  # the agency's, open: its store reaches the link's own tables
    platform: Platform
    record_id: str
    unit: str
    at: datetime


@dataclass(frozen=True)
class ReadRecord(Generic[D]):
    """A record's details as stored (JSON-ready), as validated, and the flags they imply."""

    details: dict[str, Any]
    flags: list[Flag]
    model: D


@dataclass(frozen=True)
class RecordKind(Generic[D]):
    details: type[D]
    flags_for: Callable[[D], list[Flag]]
    # A link whose report figures count its own decisions (the court's filings diverted) counts a record it feeds
    # as one: a filing the court diverted outside the platform and fed in is registered and diverted too, or its
    # mediation would count in 诉前调解成功率 over a denominator that never had it.
    count_first_feed: Callable[[D, FirstFeed], None] | None = None
    # A link whose records name a thing of its own (the court's: a filing, by its number) finds the record already
    # kept for that thing under another id, in the open transaction: the feed is then a repeat of that record, so
    # one filing fed under two ids (or two forms of its number) opens one case, not two.
    kept_as: Callable[[D, UnitOfWork[Any]], str | None] | None = None

    def read(self, raw: dict[str, Any], applicants: int = 0) -> ReadRecord[D]:
        """Validate `details`, or BadInput naming each field as the request body has it (`details.<field>`).

        The record's number of applicants is in the validation context (`APPLICANTS_CONTEXT`), for details whose
        rules depend on them: a petition's 人次 are at least its petitioners named."""
        try:
            details = validate_value(self.details, raw, context={APPLICANTS_CONTEXT: applicants})
        except BadInput as bad:
            raise BadInput([{**f, "field": f"details.{f['field']}"} for f in bad.fields]) from None
        return ReadRecord(details.model_dump(mode="json"), self.flags_for(details), details)

    def record_id_for(self, read: ReadRecord[D], record_id: str, uow: UnitOfWork[Any]) -> str:
        """The id the record is fed under: the one a record of the same thing was kept under, else its own."""
        kept = self.kept_as(read.model, uow) if self.kept_as is not None else None
        return kept or record_id

    def counted(self, read: ReadRecord[D], feed: FirstFeed) -> None:
        """Count a record fed for the first time as the link's decision, if the link counts its records."""
        if self.count_first_feed is not None:
            self.count_first_feed(read.model, feed)


class NoDetails(BaseModel):
    """An agency whose records carry nothing beyond the common fields: `details` must be empty."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def no_flags(details: BaseModel) -> list[Flag]:
    return []


NO_DETAILS = RecordKind(NoDetails, no_flags)
