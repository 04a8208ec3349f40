"""Every message the platform sends, one model each, with the routing constants beside them.

Commands are imperative (RegisterDispute); facts are past tense (CaseRegistered). A
document (`KIND = "document"`) travels on the documents exchange to one service's inbox;
an event (`KIND = "event"`) is a case fact published on the coordinator's event exchange
for every subscriber.
"""

from datetime import date
from enum import StrEnum
from typing import Annotated, ClassVar, Literal, Self
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticCustomError

from shared.contracts.dates import YEARS_TEXT, CalendarDateTime
from shared.contracts.disputes import (
    MAX_PARTIES,
    DisputeReport,
    LongText,
    PartyNotice,
    RecordId,
    ResultReport,
    ShortText,
)
from shared.contracts.envelope import Envelope
from shared.contracts.field_rules import field_error
from shared.contracts.identifiers import AccountId, CaseId, DivisionCode, UnitCode
from shared.contracts.vocabulary import (
    AlertKind,
    Category,
    Flag,
    HandlingMode,
    Outcome,
    Rating,
    ReferralRole,
    ReopenCause,
    ResultCode,
    Source,
)

DOCUMENTS_EXCHANGE = "wuyuan.documents"
EVENTS_EXCHANGE = "coordinator.events"  # nameko's naming for the coordinator's events


def dead_letter_exchange(service: str) -> str:
    """A service's own dead-letter exchange: only that service's broker user may write to it."""
    return f"wuyuan.dead.{service}"


# Where a document goes when it is addressed to the centre rather than to an agency.
TO_RECIPIENT_AGENCY = "recipient-agency"


class Document(Envelope):
    KIND: ClassVar[str] = "document"
    # The service whose inbox receives it, or TO_RECIPIENT_AGENCY to route by `recipient`.
    DESTINATION: ClassVar[str] = TO_RECIPIENT_AGENCY


class CaseDocument(Document):
    """A document about a numbered case: every one but an agency's record before intake numbers it."""

    case_id: CaseId


class Event(Envelope):
    KIND: ClassVar[str] = "event"

    case_id: CaseId  # every case fact is about one case


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --- intake -----------------------------------------------------------------------


class RegisterDispute(Document):
    """An agency that owns one of the five sources feeds one of its own records in as a dispute.

    Intake takes it only from the broker user of an agency whose registry entry names `feeds`, from one
    of that agency's units, with `report.source` equal to its `feeds` (else `wrong_sender`). A source is
    a `Source` code of the contract, so an agency without one cannot feed records in.
    """

    TYPE = "RegisterDispute"
    DESTINATION = "intake"
    type: Literal["RegisterDispute"] = "RegisterDispute"
    case_id: None  # intake numbers the case

    report: DisputeReport
    fed_by: AccountId | None = Field(None, description="the agency officer's account that fed the record in")


class CaseRegistered(CaseDocument):
    """Intake opened a case; the coordinator triages it."""

    TYPE = "CaseRegistered"
    DESTINATION = "coordinator"
    type: Literal["CaseRegistered"] = "CaseRegistered"

    source: Source
    category: Category
    division_code: DivisionCode
    summary: LongText
    flags: list[Flag]
    parties: list[PartyNotice]
    source_record_id: RecordId | None = None
    registered_by: AccountId | None = Field(
        None, description="the account that registered it: a window clerk, or the officer who fed the record"
    )


class RepeatReportLinked(CaseDocument):
    """A repeat report of an open case was linked to it instead of opening a new case.

    Version 2 added `summary`: what the citizen said this time (a closed case's dispute back, 矛盾反弹, is taken up
    again on it). A version 1 report has none."""

    TYPE = "RepeatReportLinked"
    VERSION = 2
    DESTINATION = "coordinator"
    type: Literal["RepeatReportLinked"] = "RepeatReportLinked"

    source: Source
    source_record_id: RecordId | None = None
    reason: ShortText
    summary: LongText | None = Field(None, description="what the repeat report said (version 2)")


class RecordLinked(CaseDocument):
    """Intake linked an agency's record, fed in as a dispute, to the existing case it repeats instead of opening
    one: the record joined `case_id`.

    Sent to the unit that fed the record (the feed's `sender`), only when a fed record is linked, never when it
    opens a case (the agency learns that case by the referrals naming the record, `source_record_id`). A
    referral names the record only when the coordinator issues one: none comes when the agency already handles
    the case, so this is how it learns which case its record joined."""

    TYPE = "RecordLinked"
    type: Literal["RecordLinked"] = "RecordLinked"

    record_id: RecordId = Field(description="the agency's own record, as its feed named it (`source_record_id`)")
    reason: ShortText = Field(
        description="why intake linked it, as RepeatReportLinked says: `same source record`, or"
        " `same parties and category within 30 days`"
    )
    fed_message_id: UUID = Field(description="the `message_id` of the RegisterDispute that fed the record")


# --- coordinator -> agencies ----------------------------------------------------------


class ReferralIssued(CaseDocument):
    """A unit is designated lead or co-unit for a case and must handle its part by `due_at`.

    Version 2 added `source_record_id`: the feeding agency's own record the case came from (a
    court filing's number, say), so that the agency can tie the referral back to its record.
    """

    TYPE = "ReferralIssued"
    VERSION = 3  # 3: `due_provisional`
    type: Literal["ReferralIssued"] = "ReferralIssued"

    referral_id: UUID
    role: ReferralRole
    round: int = Field(ge=1, description="1, then +1 each time the case is reopened")
    source: Source
    category: Category
    division_code: DivisionCode
    summary: LongText
    flags: list[Flag]
    parties: list[PartyNotice]
    due_at: AwareDatetime
    source_record_id: RecordId | None = Field(
        default=None,
        description="the feeding agency's record the case came from (version 2); on the referral of a unit that"
        " one of its own agency's records brought in (a petition linked to the case as a repeat), that record",
    )
    due_provisional: bool = Field(
        default=False,
        description="暂定: counted over a year whose official calendar was not yet known (weekdays stood in); "
        "recomputed, with a new message, once the year is loaded",
    )


# --- coordinator <-> intake, reconciling a restored agency ---------------------------


class ProvideLeadContacts(CaseDocument):
    """The coordinator asks intake for a case's parties again, mobile numbers included: a lead unit's referral goes
    to it again (its agency's database was restored, and may have lost it), and the centre dropped its own copy of
    the numbers once a lead took the case. Intake alone keeps them, sealed."""

    TYPE = "ProvideLeadContacts"
    DESTINATION = "intake"
    type: Literal["ProvideLeadContacts"] = "ProvideLeadContacts"

    referral_id: UUID = Field(description="the lead's referral that goes out again once intake answers")


class LeadContactsProvided(CaseDocument):
    """Intake's answer to ProvideLeadContacts: the parties as the case was registered, with the mobile numbers it
    still holds, for the coordinator to send the lead's referral again with them."""

    TYPE = "LeadContactsProvided"
    DESTINATION = "coordinator"
    type: Literal["LeadContactsProvided"] = "LeadContactsProvided"

    referral_id: UUID
    parties: list[PartyNotice] | None = Field(
        max_length=MAX_PARTIES,
        description="null when intake holds no such case (its own database restored to before the case), or holds "
        "a party that no longer reads as one; a number intake no longer holds (purged) or cannot open is null",
    )


# --- agencies -> coordinator ----------------------------------------------------------


class _ReferralReport(CaseDocument):
    DESTINATION = "coordinator"
    referral_id: UUID
    officer: AccountId = Field(description="the signed-in officer's account that acted")


class ReferralAccepted(_ReferralReport):
    TYPE = "ReferralAccepted"
    type: Literal["ReferralAccepted"] = "ReferralAccepted"


class DeclineReason(StrEnum):
    """Why a unit declines, as a code (ReferralDeclined version 2)."""

    NOT_COMPETENT = "not_competent"  # 不属于本单位职责: the coordinator re-routes to the next competent unit
    BEYOND_LEVEL = "beyond_level"  # 超出本级处置能力: the case goes up to the next level's centre


class ReferralDeclined(_ReferralReport):
    """The unit is not competent (不属于本单位职责), or the case is beyond its level (超出本级处置能力).

    Version 2 added `reason_code`; a version 1 decline has none and reads as `not_competent`.
    """

    TYPE = "ReferralDeclined"
    VERSION = 2
    type: Literal["ReferralDeclined"] = "ReferralDeclined"
    reason: LongText
    reason_code: DeclineReason = Field(
        default=DeclineReason.NOT_COMPETENT, description="not_competent or beyond_level (version 2)"
    )


class ProgressReported(_ReferralReport):
    TYPE = "ProgressReported"
    type: Literal["ProgressReported"] = "ProgressReported"
    note: LongText


class ResultReported(_ReferralReport, ResultReport):
    """The unit has finished its part: what it came to (`result`), and the agreement if one was made.

    Version 2 added `result` and `agreement`; a version 1 report names only `outcome`, and reads as
    the result it stood for (resolved: handled; unresolved: mediation failed). Version 3 added the
    agreement's `form` (written or oral); a version 2 agreement reads as written.
    """

    TYPE = "ResultReported"
    VERSION = 3
    type: Literal["ResultReported"] = "ResultReported"
    summary: LongText


class PauseReason(StrEnum):
    """Why a unit's clock stands still (期限中止): time spent waiting on someone else is not the unit's."""

    AWAITING_PARTY = "awaiting_party"  # 等待当事人: a party must come, answer or bring something
    JUDICIAL_CONFIRMATION = "judicial_confirmation"  # 司法确认中: the agreement is before a court
    APPRAISAL = "appraisal"  # 鉴定: an expert appraisal (伤残、价格、质量 …) is under way
    OTHER = "other"  # 其他: said in `note`


class PauseReport(BaseModel):
    """Why an officer stops a unit's clock, as the officer's request and the message state it."""

    # `_other_says_why` as JSON Schema, for receivers in other languages.
    model_config = ConfigDict(
        json_schema_extra={
            "if": {"required": ["reason"], "properties": {"reason": {"const": PauseReason.OTHER.value}}},
            "then": {"required": ["note"], "properties": {"note": {"type": "string"}}},
        }
    )

    reason: PauseReason
    note: LongText | None = Field(
        default=None, validate_default=True, description="what the unit waits for; required when `reason` is other"
    )

    @field_validator("note")
    @classmethod
    def _other_says_why(cls, note: str | None, info: ValidationInfo) -> str | None:
        if note is None and info.data.get("reason") is PauseReason.OTHER:
            raise PydanticCustomError("missing", "a pause for another reason says what the unit waits for")
        return note


class ClockPaused(_ReferralReport, PauseReport):
    """An officer stopped the unit's clock (暂停计时): the time until it is resumed does not count."""

    TYPE = "ClockPaused"
    type: Literal["ClockPaused"] = "ClockPaused"
    pause_number: int = Field(ge=1, description="1 for the referral's first pause, then 2 …; its resume names it too")


class ClockResumed(_ReferralReport):
    """An officer restarted the unit's clock (恢复计时); the coordinator moves the deadline by the pause."""

    TYPE = "ClockResumed"
    type: Literal["ClockResumed"] = "ClockResumed"
    pause_number: int = Field(ge=1, description="the pause this ends, as its ClockPaused numbered it")


# --- supervision ----------------------------------------------------------------------


class ReferralWithdrawn(CaseDocument):
    """The centre took a referral back from its unit (提级: overdue past its level's threshold, the case went up
    a level); the unit reports nothing more on it, and what it sends about it is refused."""

    TYPE = "ReferralWithdrawn"
    type: Literal["ReferralWithdrawn"] = "ReferralWithdrawn"
    referral_id: UUID
    reason: Literal["escalated"] = Field(description="why: escalated (the case went up a level while overdue)")
    successor: UnitCode | None = Field(
        default=None, description="the unit that takes the part over, if one does (else the upper centre's staff)"
    )


class ReminderIssued(CaseDocument):
    """提醒函: 80% of the unit's time is gone.

    Version 2 added the archived document: its number (文号) and id (`GET /api/v1/documents/<id>` at supervision).
    """

    TYPE = "ReminderIssued"
    VERSION = 2
    type: Literal["ReminderIssued"] = "ReminderIssued"
    referral_id: UUID
    due_at: AwareDatetime
    document_number: ShortText | None = Field(None, description="the letter's 文号 (version 2)")
    document_id: UUID | None = Field(None, description="the archived letter at supervision (version 2)")


class OverdueNoticeIssued(CaseDocument):
    """督办函: the unit's deadline has passed without a result.

    Version 2 added the archived document (`document_number`, `document_id`) and the copy to the unit's
    superior: the same letter addressed to the superior unit, with `about_unit` naming the late unit.
    """

    TYPE = "OverdueNoticeIssued"
    VERSION = 2
    type: Literal["OverdueNoticeIssued"] = "OverdueNoticeIssued"
    referral_id: UUID
    due_at: AwareDatetime
    document_number: ShortText | None = Field(None, description="the letter's 文号 (version 2)")
    document_id: UUID | None = Field(None, description="the archived letter at supervision (version 2)")
    about_unit: UnitCode | None = Field(
        None, description="on the superior's copy: the late unit the letter is about (version 2)"
    )


class CaseWentOverdue(CaseDocument):
    """A unit of the case let its deadline pass (the 督办函 went out): the committee's person file counts it."""

    TYPE = "CaseWentOverdue"
    DESTINATION = "stability"
    type: Literal["CaseWentOverdue"] = "CaseWentOverdue"
    referral_id: UUID
    unit: UnitCode = Field(description="the unit that is late")
    due_at: AwareDatetime


class NoticeCirculated(Document):
    """通报: the centre's circulated notice over a period names this unit as lagging (overdue referrals
    still open at the period's end, or repeatedly sent 督办函), or ranks it by its on-time rate; one message to
    each unit it names or ranks."""

    TYPE = "NoticeCirculated"
    type: Literal["NoticeCirculated"] = "NoticeCirculated"
    case_id: None = None  # about a period, not a case
    document_number: ShortText = Field(description="the 通报's 文号")
    document_id: UUID = Field(description="the archived 通报 at supervision")
    period_from: date
    period_to: date
    overdue: int = Field(ge=0, description="the unit's referrals overdue and still open at the period's end")
    overdue_letters: int = Field(ge=0, description="督办函 the unit was sent in the period")
    on_time_rate: float | None = Field(None, ge=0, le=100, description="per cent; none if nothing fell due")
    rank: int | None = Field(None, ge=1, description="its place by on-time rate among the units with referrals due")


class FollowUpRated(CaseDocument):
    """群众评单: the citizen's rating from the follow-up visit.

    Version 2 added `round`: a rating of a round that a petition reopened while the rating was on its way is kept
    on the case's timeline and changes nothing. A version 1 body reads as rating the case's current round."""

    TYPE = "FollowUpRated"
    DESTINATION = "coordinator"
    VERSION = 2
    type: Literal["FollowUpRated"] = "FollowUpRated"
    rating: Rating
    comment: LongText | None = None
    rated_by: AccountId | None = Field(
        None, description="who entered the rating: a signed-in supervisor's account, or 'citizen:rating-link'"
    )
    round: int | None = Field(None, ge=1, description="the round whose follow-up visit was rated (version 2)")


class EscalateCase(CaseDocument):
    """Supervision to the coordinator: a unit's referral stays overdue past its level's threshold
    (config/centres.toml); the coordinator takes the case up one level, or flags it for the leaders at
    the top. Sent once per referral; only supervision's broker user may send it."""

    TYPE = "EscalateCase"
    DESTINATION = "coordinator"
    type: Literal["EscalateCase"] = "EscalateCase"
    referral_id: UUID
    unit: UnitCode = Field(description="the overdue unit")
    due_at: AwareDatetime
    overdue_working_days: int = Field(
        ge=0, le=1000, description="working days begun since due_at's date when sent, as a 督办函 counts them"
    )


# --- agencies -> supervision ------------------------------------------------------------

LinkName = Literal["court", "police", "petition", "justice"]
LinkRecordKind = Literal[
    "filing_registered",
    "filing_diverted",
    "filing_filed",
    "mediation_agreed",
    "confirmation_decided",
    "filing_returned",
    "call_recorded",
    "call_handed_over",
    "call_kept",
    "petition_registered",
    "petition_accepted",
    "petition_not_accepted",
    "petition_separated",
    "petition_extended",
    "petition_replied",
    "petition_review_requested",
    "petition_reviewed",
    "petition_re_review_requested",
    "petition_re_reviewed",
    "mediator_assigned",
    "mediation_session",
]
# A detail value is a code, a count or a yes/no: never a name, an ID or mobile number, or free text. A code
# starts with a letter and a count stays small, so neither can hold an ID or mobile number.
DetailCode = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[a-z][a-z0-9_:.-]*$")]
DetailCount = Annotated[int, Field(ge=0, le=1_000_000)]
DetailValue = bool | DetailCount | DetailCode | None


class LinkRecordNoted(Document):
    """A link's own decision on one of its records, as a fact supervision counts for the published rates.

    Not a case document: a filing kept in the court has no case. `detail` holds codes and counts
    only (lower-case codes, integers, booleans), never personal data or free text.
    """

    TYPE = "LinkRecordNoted"
    DESTINATION = "supervision"
    type: Literal["LinkRecordNoted"] = "LinkRecordNoted"

    link: LinkName
    record_id: RecordId = Field(description="the filing, call or petition number; the referral id for justice")
    kind: LinkRecordKind
    unit: UnitCode = Field(description="the link's unit whose record it is")
    at: CalendarDateTime = Field(
        description=f"when the link decided, written {YEARS_TEXT} (in its own offset); counted by its China date"
    )
    detail: dict[DetailCode, DetailValue] = Field(default_factory=dict, max_length=20)


# --- case facts (events) --------------------------------------------------------------


class ReferralSummary(_Frozen):
    referral_id: UUID
    unit: UnitCode
    role: ReferralRole
    round: int = Field(ge=1)
    issued_at: AwareDatetime
    due_at: AwareDatetime
    due_provisional: bool = Field(
        default=False,
        description="暂定: counted over a year whose official calendar was not yet known (weekdays stood in); "
        "recomputed, with a new message, once the year is loaded",
    )


class CaseAssigned(Event):
    """Triage done: the handling mode, lead unit and co-units are designated, and their clocks start.

    Version 2 carries the referrals triage issued, so that supervision starts every unit's
    clock from this one event; units designated later come one by one in UnitDesignated.
    """

    TYPE = "CaseAssigned"
    VERSION = 3  # 3: `due_provisional` in its referrals
    type: Literal["CaseAssigned"] = "CaseAssigned"
    mode: HandlingMode
    source: Source
    category: Category
    division_code: DivisionCode
    flags: list[Flag]
    lead_unit: UnitCode | None
    co_units: list[UnitCode]
    referrals: list[ReferralSummary]


class UnitDesignated(Event):
    """A unit was designated after triage (a re-route, a new round, staff's choice); its clock starts."""

    TYPE = "UnitDesignated"
    VERSION = 2  # 2: `due_provisional` in its referral
    type: Literal["UnitDesignated"] = "UnitDesignated"
    referral: ReferralSummary


class ReferralClosed(Event):
    """A unit's part ended while the round goes on: it reported a result, declined, or (version 3) the
    case went up a level past it (提级: overdue past its level's threshold).

    When a unit's report resolves the case, CaseResolved ends every part at once instead.
    """

    TYPE = "ReferralClosed"
    VERSION = 3
    type: Literal["ReferralClosed"] = "ReferralClosed"
    referral_id: UUID
    unit: UnitCode
    reason: Literal["result_reported", "declined", "escalated"] = Field(
        description="escalated (version 3): the case went up a level and the part passed to the upper level"
    )
    outcome: Outcome | None = None
    result: ResultCode | None = Field(default=None, description="the unit's result code (version 2)")


class _DeadlineFields(_Frozen):
    referral_id: UUID
    due_at: AwareDatetime
    revision: int = Field(
        ge=1,
        description="the referral's deadline changes so far (each pause and each resume adds one, and so does "
        "each recomputation when a year's official calendar is loaded): a receiver applies a revision only "
        "over an older one",
    )
    due_provisional: bool = Field(
        default=False,
        description="暂定: counted over a year whose official calendar was not yet known (weekdays stood in); "
        "recomputed, with a new message, once the year is loaded",
    )


class DeadlineChanged(Event, _DeadlineFields):
    """A unit's clock stopped (`paused`) or started again with its deadline moved later by the pause.

    While `paused` the deadline stands still: no letters are due, and the unit is late only if
    it already was at `paused_at`.
    """

    TYPE = "DeadlineChanged"
    VERSION = 2  # 2: `due_provisional`, and recomputations when a year's calendar is loaded
    # `_pause_named_while_paused` as JSON Schema.
    model_config = ConfigDict(
        json_schema_extra={
            "if": {"required": ["paused"], "properties": {"paused": {"const": True}}},
            "then": {
                "required": ["paused_at", "reason"],
                "properties": {"paused_at": {"type": "string"}, "reason": {"type": "string"}},
            },
            "else": {"properties": {"paused_at": {"type": "null"}, "reason": {"type": "null"}}},
        }
    )
    type: Literal["DeadlineChanged"] = "DeadlineChanged"
    unit: UnitCode
    paused: bool
    paused_at: AwareDatetime | None = Field(default=None, description="when the clock stopped; only while paused")
    reason: PauseReason | None = Field(default=None, description="why it stopped; only while paused")

    @model_validator(mode="after")
    def _pause_named_while_paused(self) -> Self:
        for name in ("paused_at", "reason"):
            if self.paused and getattr(self, name) is None:
                raise field_error(name, "a paused clock says when and why it stopped", None, "missing")
            if not self.paused and getattr(self, name) is not None:
                raise field_error(name, "only a paused clock names it", getattr(self, name))
        return self


class ReferralDeadlineChanged(CaseDocument, _DeadlineFields):
    """The unit's deadline as the centre now keeps it, after its clock was resumed (to the unit's agency)."""

    TYPE = "ReferralDeadlineChanged"
    VERSION = 2  # 2: `due_provisional`, and recomputations when a year's calendar is loaded
    type: Literal["ReferralDeadlineChanged"] = "ReferralDeadlineChanged"


class CalendarHoliday(_Frozen):
    name: ShortText = Field(description="元旦, 春节, 清明节, 劳动节, 端午节, 中秋节 or 国庆节")
    days: list[date] = Field(min_length=1, max_length=15, description="every day off it gives")


class CalendarYearLoaded(Event):
    """A year of the official holiday calendar (国务院办公厅 节假日安排) was loaded at the coordinator.

    Not a case fact: every service that counts working days (court_link's terms, supervision's watches
    and reports) keeps its own copy of the year from it. Only the coordinator's user may send it; a
    receiver validates the year again as `shared.calendar_file` does.
    """

    TYPE = "CalendarYearLoaded"
    type: Literal["CalendarYearLoaded"] = "CalendarYearLoaded"
    case_id: None = None  # type: ignore[assignment]  # about a year, not a case
    year: int = Field(ge=2004, le=2100)
    source: LongText = Field(description="the notice's title and 文号")
    holidays: list[CalendarHoliday] = Field(min_length=1, max_length=7)
    working_weekends: list[date] = Field(max_length=20, description="调休上班: weekends worked in exchange")
    loaded_by: AccountId = Field(description="the operator's account that loaded it")


class CaseAwaitingManualTriage(Event):
    """No competent unit is left; centre staff must assign by hand.

    Version 2 names the case's source, category and place, as CaseAssigned does, so that a subscriber that has
    this fact before the case's assignment (a message retried behind later ones) can still count the case
    where it happened: the leaders' report shows the cases waiting for manual triage by place.
    """

    TYPE = "CaseAwaitingManualTriage"
    VERSION = 2
    type: Literal["CaseAwaitingManualTriage"] = "CaseAwaitingManualTriage"
    reason: LongText
    source: Source | None = Field(None, description="the case's source (version 2)")
    category: Category | None = Field(None, description="the case's category (version 2)")
    division_code: DivisionCode | None = Field(None, description="where the dispute happened (version 2)")


class EndedPart(_Frozen):
    """A unit's part that ended with the resolution, as its own ReferralClosed would have said it."""

    referral_id: UUID
    unit: UnitCode
    reason: Literal["result_reported", "declined", "escalated"]
    result: ResultCode | None = Field(default=None, description="the unit's own result code, when it reported one")


class CaseResolved(Event):
    """The lead reported a resolution and every co-unit reported; the follow-up visit for `round` is due.

    Every unit's part of the case has ended, so every clock still running stops; version 2
    sends no ReferralClosed for the parts that ended with the resolution. Version 3 added `result`:
    the round's result by the coordinator's rules (resolved, or taken into a statutory procedure).
    Version 4 added `parts`: the parts whose own report or decline settled the round, each with its own
    reason and result (a co-unit's 调解不成, say, beside the lead's resolution), which no ReferralClosed carries.
    """

    TYPE = "CaseResolved"
    VERSION = 4
    type: Literal["CaseResolved"] = "CaseResolved"
    lead_unit: UnitCode | None
    round: int = Field(ge=1)
    result: ResultCode | None = Field(default=None, description="the round's result code (version 3)")
    parts: list[EndedPart] = Field(
        default_factory=list,
        description="(version 4) the parts that ended with the resolution itself, each with its own reason and result;"
        " every other part ended before it (its own ReferralClosed) or ends with the round, with no result of its own",
    )


class CaseClosed(Event):
    TYPE = "CaseClosed"
    type: Literal["CaseClosed"] = "CaseClosed"
    rating: Rating


class CaseReopened(Event):
    """The dispute is not over; the same lead handles the case again, as a new round.

    Either the citizen was dissatisfied at the follow-up (`rating` says so), or the dispute
    was reported again after the case was closed, or petitioned again while its follow-up waited
    (`repeat_report`, no rating: that visit is called off). Version 2 added `cause`; version 3 the
    cause `spot_check` (a closed case's 回访抽查 found the citizen dissatisfied).
    """

    TYPE = "CaseReopened"
    VERSION = 3
    # `_rating_matches_cause` as JSON Schema: `cause` defaults to dissatisfied.
    model_config = ConfigDict(
        json_schema_extra={
            "if": {"required": ["cause"], "properties": {"cause": {"const": ReopenCause.REPEAT_REPORT.value}}},
            "then": {"properties": {"rating": {"type": "null"}}},
            "else": {"required": ["rating"], "properties": {"rating": {"const": Rating.DISSATISFIED.value}}},
        }
    )
    type: Literal["CaseReopened"] = "CaseReopened"
    cause: ReopenCause = ReopenCause.DISSATISFIED
    rating: Rating | None = None
    round: int = Field(ge=2)

    @model_validator(mode="after")
    def _rating_matches_cause(self) -> "CaseReopened":
        if self.cause is ReopenCause.SPOT_CHECK and self.rating is not Rating.DISSATISFIED:
            raise field_error("rating", "a case reopened by a spot check carries the dissatisfied finding", self.rating)
        if self.cause is ReopenCause.DISSATISFIED and self.rating is not Rating.DISSATISFIED:
            raise field_error(
                "rating", "a case reopened because the citizen was dissatisfied carries that rating", self.rating
            )
        if self.cause is ReopenCause.REPEAT_REPORT and self.rating is not None:
            raise field_error("rating", "a case reopened by a repeat report carries no rating", self.rating)
        return self


# --- spot checks (回访抽查) and high-frequency clue alerts (高频线索预警) -----------------------------


class SpotCheckFound(CaseDocument):
    """回访抽查: the finding of a second follow-up of a closed case drawn at random by supervision.

    A new document rather than a new FollowUpRated version: a rating settles a resolved round, a
    spot check reopens a case already closed, and the coordinator must tell them apart.
    """

    TYPE = "SpotCheckFound"
    DESTINATION = "coordinator"
    type: Literal["SpotCheckFound"] = "SpotCheckFound"
    round: int = Field(ge=1, description="the round the case was closed in when it was drawn")
    rating: Rating
    comment: LongText | None = None
    checked_by: AccountId = Field(description="the signed-in supervisor's account who recorded the finding")


PersonRef = Annotated[str, Field(pattern=r"^[0-9a-f]{32}$", description="keyed in intake; means nothing elsewhere")]


class _HighFrequencyAlert(CaseDocument):
    """Codes, counts, case numbers and a masked name only: no ID or mobile number, no name in clear.

    `case_id` is the case whose report crossed the threshold; `case_ids` every case counted.
    """

    alert_id: UUID = Field(description="the same in the copy to supervision and the copy to stability")
    kind: AlertKind
    person_ref: PersonRef
    masked_name: ShortText = Field(
        description="a person's name, first character only (mask_person_name); an organisation's as it is"
    )
    count: int = Field(ge=1, description="reports by the person, or distinct applicants naming the respondent")
    threshold: int = Field(ge=1)
    window_days: int = Field(ge=1, le=366)
    window_start: AwareDatetime
    case_ids: list[CaseId] = Field(min_length=1, max_length=200)
    division_code: DivisionCode


class HighFrequencyAlertRaised(_HighFrequencyAlert):
    """高频线索预警 for the inspection group (supervision), from intake."""

    TYPE = "HighFrequencyAlertRaised"
    DESTINATION = "supervision"
    type: Literal["HighFrequencyAlertRaised"] = "HighFrequencyAlertRaised"


class StabilityAlertRaised(_HighFrequencyAlert):
    """The same alert for the political-legal committee (stability), from intake."""

    TYPE = "StabilityAlertRaised"
    DESTINATION = "stability"
    type: Literal["StabilityAlertRaised"] = "StabilityAlertRaised"


# --- refusals back to the sender (issue 15) ---------------------------------------------------


# Why a message was refused: a consumer's own codes, or the `Refused` code of the rule that refused it
# (`wrong_sender`, `wrong_unit`, `referral_closed`, `unknown_referral` …, each service's README lists them).
RejectionCode = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,49}$")]
REJECTED_MALFORMED = "malformed"  # not UTF-8 JSON, or not a JSON object
REJECTED_UNKNOWN_TYPE = "unknown_type"  # a type the refusing service does not take
REJECTED_SCHEMA = "schema"  # the type's schema does not hold (a field missing, too long, a newer version …)
REJECTED_UNREADABLE = "unreadable"  # reading it failed in a way not foreseen
REJECTED_TOO_LARGE = "too_large"  # a body over MAX_MESSAGE_BYTES, refused before it is read
# The largest body a receiver reads. A case's largest message (a registration with its parties, or a referral) is a
# few kB; a sender's 100 MB body would hold a consumer for seconds and fill its dead letters.
MAX_MESSAGE_BYTES = 1024 * 1024
REJECTED_FAILED = "failed"  # valid, but applying it failed on every attempt (its case never arrived …)


class MessageRejected(Document):
    """A centre service refused an agency's message for good (it went to the service's dead letters).

    Sent to the agency whose broker user published the refused message, once per refused message
    (its `message_id` is derived from the refused one, so a redelivered refusal is one notice). It
    never echoes the refused body: `detail` is the refusal's reason, bounded and without ID or
    mobile numbers. `case_id` and `referral_id` are those of the refused message when they could be
    read. A refusal of a `MessageRejected` is never itself notified.
    """

    TYPE = "MessageRejected"
    type: Literal["MessageRejected"] = "MessageRejected"
    rejected_message_id: UUID | None = Field(description="the refused message's `message_id`, if it could be read")
    rejected_type: Annotated[str, Field(max_length=100)] | None = Field(
        default=None, description="the refused message's `type`, if it could be read"
    )
    reason: RejectionCode = Field(description="why, as a code: schema, unknown_type, wrong_sender, wrong_unit …")
    detail: str = Field(
        min_length=1, max_length=500, description="why, as the refusing service put it (no ID or mobile numbers)"
    )
    referral_id: UUID | None = Field(default=None, description="the referral the refused message was about")
    refused_by: str = Field(
        pattern=r"^[a-z][a-z0-9_]{0,39}$", description="the service that refused it (coordinator, intake, supervision)"
    )
