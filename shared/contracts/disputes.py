"""The dispute as reported: parties, place, category and flags, validated at every boundary."""

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, ValidationInfo, field_validator

from shared.contracts.identifiers import DivisionCode, Mobile, ResidentId
from shared.contracts.masking import mask_free_text
from shared.contracts.vocabulary import Category, Flag, PartyKind, PartyRole, Source

ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]
# Free text: a summary, a reason, a note, a comment. ID and mobile numbers typed into it are masked
# as it is read, wherever it is read, so none travels on or is stored from free text.
LongText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000), AfterValidator(mask_free_text)
]
RecordId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]

MAX_PARTIES = 50


class Party(BaseModel):
    """One party to a dispute. Organisations carry no ID or mobile number."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    role: PartyRole
    kind: PartyKind = PartyKind.PERSON
    name: ShortText
    id_number: ResidentId | None = None
    phone: Mobile | None = None

    # Field validators rather than a model validator, so the error's loc names the field
    # (('parties', 1, 'id_number')) and its input is that field alone, not the whole report.
    @field_validator("id_number", "phone")
    @classmethod
    def _persons_only(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None and info.data.get("kind") is PartyKind.ORGANISATION:
            raise ValueError(f"an organisation carries no {info.field_name}")
        return value


class DisputeReport(BaseModel):
    """What centre staff or an agency feed reports; intake turns it into a case."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    source: Source
    category: Category
    division_code: DivisionCode = Field(description="where the dispute arose: 6, 9 or 12 digits")
    summary: LongText
    parties: list[Party] = Field(min_length=2, max_length=MAX_PARTIES)
    flags: list[Flag] = Field(default_factory=list, max_length=len(Flag))
    source_record_id: RecordId | None = Field(
        default=None,
        description="the feeding agency's own record id; a second report with it links to the first case",
    )

    @field_validator("parties")
    @classmethod
    def _needs_both_sides(cls, parties: list[Party]) -> list[Party]:
        roles = {party.role for party in parties}
        if PartyRole.APPLICANT not in roles:
            raise ValueError("at least one party must have role 'applicant'")
        if PartyRole.RESPONDENT not in roles:
            raise ValueError("at least one party must have role 'respondent'")
        return parties

    @field_validator("flags")
    @classmethod
    def _flags_once(cls, flags: list[Flag]) -> list[Flag]:
        if len(set(flags)) != len(flags):
            raise ValueError("each flag at most once")
        return flags

    def applicants(self) -> list[Party]:
        return [p for p in self.parties if p.role is PartyRole.APPLICANT]

    def respondents(self) -> list[Party]:
        return [p for p in self.parties if p.role is PartyRole.RESPONDENT]


class PartyNotice(BaseModel):
    """The minimum a receiving unit needs about a party: who they are, and how to reach the applicant."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    role: PartyRole
    kind: PartyKind
    name: ShortText
    phone: Mobile | None = None


def minimise_parties(parties: list[Party], *, with_contact: bool) -> list[PartyNotice]:
    """Drop ID numbers always, and phone numbers unless the unit must contact the parties."""
    return [
        PartyNotice(role=p.role, kind=p.kind, name=p.name, phone=p.phone if with_contact else None) for p in parties
    ]
