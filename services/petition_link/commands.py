"""The petition officer's requests over HTTP: register a petition, decide it, extend it, reply, record its reviews
(复查, 复核), and the queries."""

from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StringConstraints,
    ValidationInfo,
    field_validator,
)

from services.petition_link.domain.model import PetitionForm, PetitionOrder, PetitionStatus, ReviewResult
from services.petition_link.domain.terms import MAX_EXTENSION_DAYS
from shared.agency.commands import Period
from shared.contracts.dates import NotAfterToday
from shared.contracts.disputes import LongText, PartyName, ResultReport
from shared.contracts.identifiers import DivisionCode, Mobile, ResidentId
from shared.contracts.vocabulary import Category, PartyKind, ResultCode

MAX_PETITIONERS = 40  # a joint letter's signatories; a visit names at most 5 representatives (第二十条)
MAX_RESPONDENTS = 10  # with the petitioners, within the 50 parties a dispute report may name
MAX_WINDOW_DAYS = 3650
REPEAT_WINDOW_DAYS = 365
MAX_LIST = 500  # petitions on one page, as the agency base's lists
MAX_OFFSET = 100_000  # a deep page costs the database the rows before it; years of a county's petitions fit


def _addressable(number: str) -> str:
    # The number is a path segment (/api/v1/petitions/<number>) and the record id at intake.
    if any(c in number for c in "/\\?#%") or any(c.isspace() or not c.isprintable() for c in number):
        raise ValueError("must not contain '/', '\\', '?', '#', '%', spaces or control characters")
    if not any(c.isdigit() for c in number):
        raise ValueError("must contain a digit, as a petition's number does")
    return number


PetitionNumber = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64), AfterValidator(_addressable)
]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PetitionerIn(Body):
    """A person who petitions (信访人); the ID number is turned into a key and never stored."""

    kind: PartyKind = PartyKind.PERSON
    name: PartyName
    id_number: ResidentId | None = None
    phone: Mobile | None = None

    @field_validator("kind")
    @classmethod
    def _a_person(cls, kind: PartyKind) -> PartyKind:
        if kind is not PartyKind.PERSON:
            raise ValueError("an organisation is not a petitioner: name the people who petition for it")
        return kind


class OtherSideIn(Body):
    """Whom the petition is about (the other side of the dispute): a person or an organisation."""

    kind: PartyKind = PartyKind.PERSON
    name: PartyName
    phone: Mobile | None = None

    @field_validator("phone")
    @classmethod
    def _persons_only(cls, phone: str | None, info: ValidationInfo) -> str | None:
        if phone is not None and info.data.get("kind") is PartyKind.ORGANISATION:
            raise ValueError("an organisation carries no phone")
        return phone


class RegisterPetition(Body):
    """A petition as received: one batch, `group_size` persons, the named petitioners among them."""

    number: PetitionNumber
    received_on: NotAfterToday
    form: PetitionForm
    petitioners: list[PetitionerIn] = Field(min_length=1, max_length=MAX_PETITIONERS)
    group_size: int | None = Field(None, ge=1, le=10_000, description="人次; by default the petitioners named")
    category: Category
    division_code: DivisionCode
    summary: LongText
    litigation_related: StrictBool = False
    litigation_reason: LongText | None = Field(None, validate_default=True)
    repeat_of: PetitionNumber | None = None
    respondents: list[OtherSideIn] = Field(default_factory=list, max_length=MAX_RESPONDENTS)

    @field_validator("group_size")
    @classmethod
    def _at_least_those_named(cls, size: int | None, info: ValidationInfo) -> int | None:
        named = len(info.data.get("petitioners") or [])
        if size is not None and size < named:
            raise ValueError(f"must be at least the {named} petitioners named")
        return size

    @field_validator("litigation_reason")
    @classmethod
    def _reason_with_litigation(cls, reason: str | None, info: ValidationInfo) -> str | None:
        related = info.data.get("litigation_related")
        if related and reason is None:
            raise ValueError("a litigation-related petition says why (涉法涉诉的理由)")
        if related is False and reason is not None:
            raise ValueError("only a litigation-related petition has a litigation reason")
        return reason

    @field_validator("repeat_of")
    @classmethod
    def _not_itself(cls, earlier: str | None, info: ValidationInfo) -> str | None:
        if earlier is not None and earlier == info.data.get("number"):
            raise ValueError("a petition does not repeat itself")
        return earlier

    @property
    def persons(self) -> int:
        return self.group_size if self.group_size is not None else len(self.petitioners)


class DecideAcceptance(Body):
    """受理 or 不予受理 with the reason; an accepted petition may go to mediation at once (访调对接)."""

    accepted: StrictBool
    reason: LongText
    to_mediation: StrictBool = False

    @field_validator("to_mediation")
    @classmethod
    def _accepted_only(cls, to_mediation: bool, info: ValidationInfo) -> bool:
        if to_mediation and info.data.get("accepted") is False:
            raise ValueError("only an accepted petition goes to mediation")
        return to_mediation


class ExtendTerm(Body):
    days: int = Field(ge=1, le=MAX_EXTENSION_DAYS)
    reason: LongText


class ReplyPetition(Body, ResultReport):
    """The result told to the petitioner: a code of the contract's ResultCode, the summary, and the signed
    agreement with a mediated or confirmed result (the contract's own rules check it)."""

    result: ResultCode  # required: a reply always names its result
    summary: LongText


class RequestReview(Body):
    """复查 (of the reply) or 复核 (of the 复查意见), asked of the body above, as the bureau records it: the body's
    name, the day the petitioner received the written answer they dispute (by default that answer's own day), and the
    day they asked."""

    body: PartyName
    answer_received_on: NotAfterToday | None = None
    requested_on: NotAfterToday


class GiveReviewOpinion(Body):
    """The reviewing body's written opinion: 维持, 变更 or 撤销 the opinion reviewed, its summary, its day."""

    result: ReviewResult
    summary: LongText
    given_on: NotAfterToday


class ShowPetition(Body):
    window_days: int = Field(REPEAT_WINDOW_DAYS, ge=1, le=MAX_WINDOW_DAYS)


class ListPetitions(Body):
    """The register as officers work its terms: of one status, the overdue (or the others) as of today, in an order;
    a page of it."""

    status: PetitionStatus | None = None
    overdue: bool | None = None
    order: PetitionOrder = PetitionOrder.DUE
    limit: int = Field(100, ge=0, le=MAX_LIST)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


class FiguresQuery(Period):
    """Petitions received from `from` to `to`, both days included (the county's calendar days)."""


class PetitionPath(Body):
    number: PetitionNumber
