"""The dispute as reported: parties, place, category and flags, validated at every boundary."""

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, InitErrorDetails, PydanticCustomError, ValidationError

from shared.contracts.dates import NotAfterToday, in_request
from shared.contracts.identifiers import SINGLE_LINE_PATTERN, WHITESPACE, DivisionCode, Mobile, ResidentId
from shared.contracts.masking import mask_free_text
from shared.contracts.vocabulary import (
    AGREEMENT_RESULTS,
    LEGACY_RESULTS,
    RESOLVING_RESULTS,
    WINDOW_SOURCES,
    AgreementForm,
    Category,
    Flag,
    Outcome,
    PartyKind,
    PartyRole,
    ResultCode,
    Source,
    outcome_of,
)

# Text the model strips must keep a character: a blank one is empty once stripped, and refused.
NOT_BLANK_PATTERN = f"[^{WHITESPACE}]"


@dataclass(frozen=True)
class _PublishedNotBlank:
    """Publishes NOT_BLANK_PATTERN in the JSON Schema of stripped text; validation itself is unchanged."""

    def __get_pydantic_json_schema__(self, core: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        schema: dict[str, Any] = handler(core)
        return {**schema, "pattern": NOT_BLANK_PATTERN}


_NOT_BLANK = _PublishedNotBlank()
_SINGLE_LINE = re.compile(SINGLE_LINE_PATTERN)
_CONTROL_CHARACTERS = "\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069"


@dataclass(frozen=True)
class _PublishedSingleLine:
    """Publishes SINGLE_LINE_PATTERN in the JSON Schema of a one-line text, which `single_line` checks."""

    def __get_pydantic_json_schema__(self, core: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        schema: dict[str, Any] = handler(core)
        return {**schema, "pattern": SINGLE_LINE_PATTERN}


def single_line(text: str) -> str:
    """A name, a number or a 文号 is one line: a line break or an escape in it forges lines in logs and letters and
    garbles terminals, and a bidirectional override makes it read as another on screen."""
    if not _SINGLE_LINE.match(text):
        raise PydanticCustomError(
            "control_character", "must be one line, without control or bidirectional override characters"
        )
    return text


def as_one_line(text: str) -> str:
    """A name or number stored before it had to be one line, made one (each control or bidirectional override
    character a space), so that a message built from it again (a referral of a later round) is one a receiver
    takes."""
    return re.sub(rf"[{_CONTROL_CHARACTERS}]+", " ", text).strip() or text


def parties_as_one_line(parties: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Stored parties (a case's registration) with their names made one line (as_one_line)."""
    return [
        {**party, "name": as_one_line(str(party["name"]))} if party.get("name") else dict(party) for party in parties
    ]


# What a person types into a request's text, beyond a name's one line: line breaks and tabs, never another control
# character (an escape sequence would drive the terminal of whoever runs `wuyuan case show`, a BEL ring it) nor a
# bidirectional override, which makes what follows read as other text on screen and on a printed letter.
_TYPED_TEXT_FAULT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# Characters that show nothing: text of them alone (and whitespace) reads as empty on every screen.
_INVISIBLE = re.compile(f"[{WHITESPACE}\u200b-\u200d\u2060\ufeff\u180e]*")


def as_typed(text: str, info: ValidationInfo) -> str:
    """In a request, text a person could have typed: something visible, and no control character but a line break
    or a tab. Only requests are held to it: a message or a stored row keeps what was taken before (a later round's
    referral is built from a summary stored long ago), so what the JSON Schemas publish is unchanged."""
    if not in_request(info):
        return text
    if _TYPED_TEXT_FAULT.search(text):
        raise PydanticCustomError(
            "text_control_character",
            "must not contain control or bidirectional override characters (line breaks and tabs are kept)",
        )
    if _INVISIBLE.fullmatch(text):
        raise PydanticCustomError("string_too_short", "must hold a visible character, not only invisible ones")
    return text


ShortText = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=50),
    AfterValidator(single_line),
    AfterValidator(as_typed),
    _PublishedSingleLine(),
]
# A person's or an organisation's name: one line, and an ID or mobile number typed beside it (张三13800138000) is
# masked as it is read, as in free text, so that none is kept in clear from a name, whichever service keeps it.
PartyName = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=50),
    AfterValidator(single_line),
    AfterValidator(as_typed),
    AfterValidator(mask_free_text),
    _PublishedSingleLine(),
]
# Free text: a summary, a reason, a note, a comment. ID and mobile numbers typed into it are masked
# as it is read, wherever it is read, so none travels on or is stored from free text.
LongText = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=2000),
    AfterValidator(as_typed),
    AfterValidator(mask_free_text),
    _NOT_BLANK,
]
RecordId = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=64),
    AfterValidator(single_line),
    AfterValidator(as_typed),
    _PublishedSingleLine(),
]

MAX_PARTIES = 50


# The validation context key under which an agency's record details see how many applicants the record names.
APPLICANTS_CONTEXT = "applicants"


def applicants_in(parties: Sequence["Party"]) -> int:
    return sum(1 for party in parties if party.role is PartyRole.APPLICANT)


class Party(BaseModel):
    """One party to a dispute. Organisations carry no ID or mobile number."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        # `_persons_only` as JSON Schema.
        json_schema_extra={
            "if": {"required": ["kind"], "properties": {"kind": {"const": PartyKind.ORGANISATION.value}}},
            "then": {"properties": {"id_number": {"type": "null"}, "phone": {"type": "null"}}},
        },
    )

    role: PartyRole
    kind: PartyKind = PartyKind.PERSON
    name: PartyName
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
    parties: list[Party] = Field(
        min_length=2,
        max_length=MAX_PARTIES,
        # `_needs_both_sides` as JSON Schema.
        json_schema_extra={
            "allOf": [
                {"contains": {"required": ["role"], "properties": {"role": {"const": role.value}}}}
                for role in (PartyRole.APPLICANT, PartyRole.RESPONDENT)
            ]
        },
    )
    flags: list[Flag] = Field(default_factory=list, max_length=len(Flag), json_schema_extra={"uniqueItems": True})
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


class WindowReport(DisputeReport):
    """A report registered at the centre's window (walk-in, hotline, grid worker), over intake's HTTP API.

    An agency's own records (a court filing, a police call …) come only through its feed: a report
    claiming one here could take over that record's case when the agency later feeds it, or make the
    agency lead a case it never saw.
    """

    @field_validator("source")
    @classmethod
    def _a_window_channel(cls, source: Source) -> Source:
        if source not in WINDOW_SOURCES:
            allowed = ", ".join(s.value for s in WINDOW_SOURCES)
            raise ValueError(f"the window registers {allowed}; {source.value} arrives through its agency's feed")
        return source


class Agreement(BaseModel):
    """调解协议: what the parties agreed; a mediated or confirmed result carries it. Written (人民调解协议书, signed),
    or oral (口头协议, 人民调解法 第二十八、三十条: the mediator records it), which no court confirms (第三十三条)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    number: ShortText | None = Field(default=None, description="the agreement's own number (协议编号), if it has one")
    # In a request (an officer's result, a petition's reply, the court's record) not after today; a message's
    # receiver holds it to the day the result was reported instead.
    signed_on: NotAfterToday = Field(
        description="the day the parties signed; for an oral agreement, the day agreed and recorded by the mediator"
    )
    terms: LongText = Field(
        description="what the parties agreed, an oral one as the mediator recorded it (ID and mobile numbers masked)"
    )
    form: AgreementForm = Field(
        default=AgreementForm.WRITTEN,
        description="written (书面协议) or oral (口头协议); written when left out (version 3)",
    )


# 司法确认 is of a written agreement only (人民调解法 第三十三条, 民事诉讼法 第二百零五条): the refusal of an oral one
# names `agreement.form`, wherever it is asked for (an officer's result, a message, the court's application).
ORAL_NOT_CONFIRMABLE = "oral_agreement_not_confirmable"


def require_written(agreement: Agreement) -> Agreement:
    """The agreement, if written; a ValidationError on its `form` if oral: a court confirms only a written one."""
    if agreement.form is AgreementForm.ORAL:
        raise ValidationError.from_exception_data(
            "Agreement",
            [
                InitErrorDetails(
                    type=PydanticCustomError(
                        ORAL_NOT_CONFIRMABLE,
                        "an oral agreement (口头协议) cannot be judicially confirmed: 司法确认 needs a written, signed"
                        " agreement (人民调解法 第三十三条)",
                    ),
                    loc=("form",),
                    input=agreement.form.value,
                )
            ],
        )
    return agreement


def _codes(results: Iterable[ResultCode]) -> list[str]:
    return [code.value for code in ResultCode if code in results]


def _when(field: str, values: list[str], then: dict[str, Any]) -> dict[str, Any]:
    """JSON Schema: when `field` is present with one of `values`, `then` holds."""
    return {"if": {"required": [field], "properties": {field: {"enum": values}}}, "then": then}


# The validators of ResultReport as JSON Schema, so that a receiver in another language refuses what the
# model refuses, each on the field the model names.
RESULT_REPORT_RULES: dict[str, Any] = {
    "allOf": [
        # A result code, or (before result codes) an outcome.
        {
            "anyOf": [
                {"required": ["result"], "properties": {"result": {"type": "string"}}},
                {"required": ["outcome"], "properties": {"outcome": {"type": "string"}}},
            ]
        },
        _when(
            "outcome",
            [Outcome.RESOLVED.value],
            {"properties": {"result": {"enum": [*_codes(RESOLVING_RESULTS), None]}}},
        ),
        _when(
            "outcome",
            [Outcome.UNRESOLVED.value],
            {"properties": {"result": {"enum": [*_codes(set(ResultCode) - RESOLVING_RESULTS), None]}}},
        ),
        # The agreement exactly with a mediated or judicially confirmed result.
        {
            **_when(
                "result",
                _codes(AGREEMENT_RESULTS),
                {"required": ["agreement"], "properties": {"agreement": {"type": "object"}}},
            ),
            "else": {"properties": {"agreement": {"type": "null"}}},
        },
        # A judicially confirmed agreement is a written one.
        _when(
            "result",
            [ResultCode.JUDICIALLY_CONFIRMED.value],
            {"properties": {"agreement": {"properties": {"form": {"not": {"const": AgreementForm.ORAL.value}}}}}},
        ),
    ]
}


class ResultReport(BaseModel):
    """A unit's result as an officer or a message states it: the code, the coarse outcome it implies,
    and the agreement when there is one. Reports from before result codes name only the outcome.

    Field validators in this order (not one model validator), so that each error names its field.
    """

    model_config = ConfigDict(json_schema_extra=RESULT_REPORT_RULES)

    outcome: Outcome | None = Field(default=None, description="resolved or not; follows from `result`")
    result: ResultCode | None = Field(
        default=None, validate_default=True, description="what the handling came to; required from version 2"
    )
    agreement: Agreement | None = Field(
        default=None, validate_default=True, description="the signed agreement of a mediated or confirmed result"
    )

    @field_validator("result")
    @classmethod
    def _result(cls, result: ResultCode | None, info: ValidationInfo) -> ResultCode:
        outcome = info.data.get("outcome")
        if result is None:
            if outcome is None:
                raise PydanticCustomError("missing", "Field required")
            return LEGACY_RESULTS[outcome]  # a legacy report: its outcome read as the code it stood for
        if outcome is not None and outcome is not outcome_of(result):
            raise ValueError(f"a {result.value} result is {outcome_of(result).value}, not {outcome.value}")
        return result

    @field_validator("agreement")
    @classmethod
    def _agreement(cls, agreement: Agreement | None, info: ValidationInfo) -> Agreement | None:
        result = info.data.get("result")
        if result in AGREEMENT_RESULTS and agreement is None:
            raise PydanticCustomError("missing", f"a {result} result carries the signed agreement")
        if result is not None and result not in AGREEMENT_RESULTS and agreement is not None:
            raise ValueError("only a mediated or judicially confirmed result carries an agreement")
        if result is ResultCode.JUDICIALLY_CONFIRMED and agreement is not None:
            return require_written(agreement)
        return agreement

    @model_validator(mode="after")
    def _outcome_follows(self) -> Self:
        if self.result is not None:
            object.__setattr__(self, "outcome", outcome_of(self.result))
        return self


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
