"""The officer's commands an agency accepts over HTTP, and the record an agency feeds in."""

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from shared.agency.domain import AgencyReferralStatus
from shared.contracts.dates import CalendarDate
from shared.contracts.disputes import LongText, Party, RecordId, ResultReport
from shared.contracts.identifiers import DivisionCode
from shared.contracts.messages import DeclineReason, PauseReport
from shared.contracts.vocabulary import Category, Flag

MAX_LIST = 500


class ListReferrals(BaseModel):
    """The query of an officer's referral list."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    status: AgencyReferralStatus | None = None
    limit: int = Field(100, ge=0, le=MAX_LIST)


class ListRejections(BaseModel):
    """The query of an officer's list of the agency's refused messages (MessageRejected), the latest first."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    limit: int = Field(100, ge=0, le=MAX_LIST)


class OfficerCommand(BaseModel):
    """What an officer does with a referral; who did it is the signed-in caller, not a field."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class AcceptReferral(OfficerCommand):
    pass


class DeclineReferral(OfficerCommand):
    reason: LongText
    # 超出本级处置能力 (`beyond_level`) takes the case up a level; the default re-routes it (不属于本单位职责).
    reason_code: DeclineReason = DeclineReason.NOT_COMPETENT


class ReportProgress(OfficerCommand):
    note: LongText


class ReportResult(OfficerCommand, ResultReport):
    """`result` (with `agreement` when mediated or confirmed) and `summary`. The contract's `ResultReport`
    checks them, so an officer is held to what the centre will read; a body from before result codes
    (`outcome` and `summary`) still reads, as the result its outcome stood for."""

    summary: LongText


class PauseClock(OfficerCommand, PauseReport):
    """`reason` (等待当事人, 司法确认中, 鉴定, or other) and `note`, required for other: the contract's
    `PauseReport`, so an officer is held to what the centre will read."""


class ResumeClock(OfficerCommand):
    pass


class AgencyRecord(BaseModel):
    """One of the agency's own records, fed in as a dispute (the agency's source of the five)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    record_id: RecordId
    category: Category
    division_code: DivisionCode
    summary: LongText
    parties: list[Party] = Field(min_length=2, max_length=50)
    flags: list[Flag] = Field(default_factory=list, max_length=len(Flag))
    details: dict[str, Any] = Field(
        default_factory=dict, description="agency-specific fields, checked by the agency's model"
    )


class Period(BaseModel):
    """A period of the county's calendar days, `from` and `to` both included: what a link's figures count."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    first: CalendarDate = Field(alias="from")
    last: CalendarDate = Field(alias="to")

    @field_validator("last")
    @classmethod
    def _not_before_first(cls, last: date, info: ValidationInfo) -> date:
        first = info.data.get("first")
        if first is not None and last < first:
            raise ValueError(f"must not be before from ({first.isoformat()})")
        return last
