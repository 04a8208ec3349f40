"""The HTTP bodies of the person file: a person put on file, a fact in their history, their leader."""

from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from services.stability.persons import EventKind
from shared.contracts.dates import NotInFuture
from shared.contracts.disputes import LongText, PartyName, RecordId, ShortText
from shared.contracts.field_rules import field_error
from shared.contracts.identifiers import CaseId, DivisionCode, Mobile, ResidentId

MAX_LINKS = 50


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AddPerson(Body):
    """源头稳控对象: name (kept), ID number and mobile (kept only as keyed digests), place, cases and leads."""

    name: PartyName
    id_number: ResidentId | None = None
    mobile: Mobile | None = None
    division_code: DivisionCode
    case_ids: Annotated[list[CaseId], Field(max_length=MAX_LINKS)] = []
    record_ids: Annotated[list[RecordId], Field(max_length=MAX_LINKS)] = []


class AddEvent(Body):
    """A fact the colour is computed from; `size` for a group, `criminal_risk` (民转刑) for violence."""

    kind: EventKind
    case_id: CaseId | None = None
    at: NotInFuture  # a fact still to come would colour the person before it happened
    detail: LongText
    size: Annotated[int, Field(ge=2, le=100_000)] | None = None
    criminal_risk: bool = False

    @model_validator(mode="after")
    def _fits_its_kind(self) -> Self:
        if self.kind is EventKind.GROUP and self.size is None:
            raise field_error("size", "a group needs its size (人数)", self.size, "missing")
        if self.kind is not EventKind.GROUP and self.size is not None:
            raise field_error("size", "only a group has a size", self.size)
        if self.kind is not EventKind.VIOLENCE and self.criminal_risk:
            raise field_error("criminal_risk", "only violence carries 民转刑 risk", self.criminal_risk)
        return self


class NameLeader(Body):
    """包案领导 and the plan (一人一案)."""

    name: ShortText
    post: ShortText
    plan: LongText


class ListRiskRegister(Body):
    """A page of the register, the latest noted first; `colour` keeps one colour, `status` the open, the closed, or the
    cases whose closing is unknown (entered before the register heard of closings)."""

    colour: Literal["red", "yellow", "green"] | None = None
    status: Literal["open", "closed", "unknown"] | None = None
    limit: Annotated[int, Field(ge=0, le=500)] = 100
    offset: Annotated[int, Field(ge=0, le=10_000_000)] = 0


class ListPersons(Body):
    missing_leader: bool = False
    colour: Literal["red", "yellow", "green"] | None = None
    limit: Annotated[int, Field(ge=0, le=500)] = 100
