"""The court officers' requests about filings over HTTP: a filing to screen, what came of its mediation, queries."""

from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StringConstraints,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError

from services.court_link.domain.filings import FilingStatus
from services.court_link.domain.numbers import official
from services.court_link.domain.screening import AdministrativeMatter, CaseType, FilingDecision, ScreeningFacts
from shared.agency.commands import Period
from shared.contracts.dates import NotAfterToday
from shared.contracts.disputes import MAX_PARTIES, Agreement, LongText, Party, require_written
from shared.contracts.identifiers import DivisionCode
from shared.contracts.vocabulary import Category, PartyRole
from shared.http import BadInput, validate_value

MAX_LIST = 500
# 案号: (year) then the court's and the docket's marks and the number, ending in 号, as
# "（2026）湘0426民初123号" or "（2026）湘0426民诉前调1234号". Typed with ASCII or full-width brackets (or
# digits), it is taken in its official form (`official`), so that one number is one filing whatever its form.
FILING_NUMBER_PATTERN = r"^[(（][0-9]{4}[)）][^\s/()（）]{1,50}号$"


def _official(value: object) -> object:
    return official(value) if isinstance(value, str) else value


FilingNumber = Annotated[
    str,
    BeforeValidator(_official),
    StringConstraints(strip_whitespace=True, min_length=7, max_length=64, pattern=FILING_NUMBER_PATTERN),
]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RegisterFiling(_Body):
    """A filing the court registers (立案登记), with what 立案审查 found; the screening decides the rest."""

    filing_number: FilingNumber
    case_type: CaseType
    administrative_matter: AdministrativeMatter | None = Field(
        default=None, validate_default=True, description="an administrative filing's matter (行政诉讼法 第六十条)"
    )
    filed_on: NotAfterToday
    category: Category
    division_code: DivisionCode
    summary: LongText
    parties: list[Party] = Field(min_length=2, max_length=MAX_PARTIES)
    claim_amount_yuan: Decimal | None = Field(default=None, ge=0, le=Decimal("1e12"), decimal_places=2)
    legal_relation_clear: StrictBool
    facts_clear: StrictBool
    parties_consent: StrictBool

    @field_validator("administrative_matter")
    @classmethod
    def _matter_of_administrative_filings_only(
        cls, matter: AdministrativeMatter | None, info: ValidationInfo
    ) -> AdministrativeMatter | None:
        case_type = info.data.get("case_type")
        if case_type is CaseType.ADMINISTRATIVE and matter is None:
            raise PydanticCustomError(
                "missing", "an administrative filing names its matter: compensation, indemnity, discretion or other"
            )
        if case_type is not None and case_type is not CaseType.ADMINISTRATIVE and matter is not None:
            raise ValueError("only an administrative filing names an administrative matter")
        return matter

    @field_validator("parties")
    @classmethod
    def _both_sides(cls, parties: list[Party]) -> list[Party]:
        roles = {party.role for party in parties}
        for role in (PartyRole.APPLICANT, PartyRole.RESPONDENT):
            if role not in roles:
                raise ValueError(f"at least one party must have role '{role.value}'")
        return parties

    def screening_facts(self) -> ScreeningFacts:
        return ScreeningFacts(self.legal_relation_clear, self.facts_clear, self.parties_consent)


class ListFilings(_Body):
    decision: FilingDecision | None = None
    status: FilingStatus | None = None
    limit: int = Field(100, ge=0, le=MAX_LIST)


class FiguresQuery(Period):
    """A period of filing days, both ends included."""


class RecordAgreement(_Body):
    """调解成功: the agreement the parties signed at the centre."""

    agreement: Agreement


class RequestConfirmation(_Body):
    """An application for 司法确认 the court accepts: the agreement, when it took effect, when the parties
    applied and when the court accepted it (by default: it took effect when signed, applied and accepted today)."""

    agreement: Agreement
    effective_on: NotAfterToday | None = None
    applied_on: NotAfterToday | None = None
    accepted_on: NotAfterToday | None = None

    @field_validator("agreement")
    @classmethod
    def _written(cls, agreement: Agreement) -> Agreement:
        # 人民调解法 第三十三条 confirms a written agreement; an oral one is refused naming `agreement.form`.
        return require_written(agreement)

    def days(self, today: date) -> tuple[date, date, date]:
        """(effective, applied, accepted), in that order; BadInput naming the field if not. None of them is after
        today: the request's own check refused any day given after it, and a day not given is today at the latest."""
        effective = self.effective_on or self.agreement.signed_on
        applied = self.applied_on or self.accepted_on or today
        accepted = self.accepted_on or today
        check_order("effective_on", effective, ("agreement.signed_on", self.agreement.signed_on))
        check_order("applied_on", applied, ("effective_on", effective))
        check_order("accepted_on", accepted, ("applied_on", applied))
        return effective, applied, accepted


class ExtendDecisionTerm(_Body):
    """特殊情况 the court's president approved: why 10 more days."""

    reason: LongText


class DecideConfirmation(_Body):
    """The court's ruling on the application: confirmed, or refused with the reason."""

    decision: Literal["confirmed", "refused"]
    reason: LongText | None = Field(default=None, validate_default=True)
    decided_on: NotAfterToday | None = None

    @field_validator("reason")
    @classmethod
    def _reason_for_a_refusal(cls, reason: str | None, info: ValidationInfo) -> str | None:
        if info.data.get("decision") == "refused" and reason is None:
            raise PydanticCustomError("missing", "a refusal gives its reason")
        return reason

    @property
    def confirmed(self) -> bool:
        return self.decision == "confirmed"


class ReturnToLitigation(_Body):
    """调解不成，转立案: why mediation failed, and the 案号 the court filed it under, if it gave a new one."""

    reason: LongText
    litigation_number: FilingNumber | None = None
    returned_on: NotAfterToday | None = None


class _FilingPath(BaseModel):
    filing_number: FilingNumber


def filing_number_in_path(value: str) -> str:
    """A filing number from a URL path as it was given (stripped), once it reads as one; BadInput naming
    `filing_number` if not. Not in its official form: the store finds a filing by the number's key, and a filing
    kept under exactly this form first (one registered twice, under two forms, before numbers were kept
    officially, is reached under each form)."""
    validate_value(_FilingPath, {"filing_number": value})
    return value.strip()


def check_order(field: str, day: date, not_before: tuple[str, date] | None) -> None:
    """A day an officer gives, not before the day it follows (`not_before`: its field and day); BadInput naming it.
    That it is not after today is the request's own check (NotAfterToday)."""
    if not_before is not None and day < not_before[1]:
        name, earliest = not_before
        message = f"must not be before {name} ({earliest.isoformat()})"
        raise BadInput([{"field": field, "message": message, "type": "date_order"}])
