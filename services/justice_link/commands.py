"""The justice officers' mediation requests over HTTP: an assignment, a session, a party to legal aid, figures."""

from datetime import date
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, ValidationInfo, field_validator

from shared.contracts.dates import CalendarDate, NotAfterToday
from shared.contracts.disputes import LongText, single_line
from shared.contracts.masking import mask_free_text

Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=48)]
# A name is one line, as every name the platform keeps (a line break or an override would forge lines and garble
# screens), and a number typed beside it (张三（电话138…）) is masked as it is read, as in any free text.
PersonName = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=100),
    AfterValidator(single_line),
    AfterValidator(mask_free_text),
]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AssignMediation(_Body):
    """The organisation and mediator an officer assigns the referral to (the proposal, or another)."""

    organisation: Code
    mediator: Code


class RecordSession(_Body):
    """调解记录: a session the assigned mediator held, who attended, and what happened."""

    held_on: NotAfterToday
    attendees: list[PersonName] = Field(default_factory=list, max_length=50)
    note: LongText


class ReferToLegalAid(_Body):
    """法律援助: a party the mediators referred to the legal aid centre, and why."""

    party: PersonName
    reason: LongText


class MediationFiguresQuery(_Body):
    """A period of assignment days (China's local dates), both ends included."""

    first: CalendarDate = Field(alias="from")
    last: CalendarDate = Field(alias="to")

    @field_validator("last")
    @classmethod
    def _not_before_first(cls, last: date, info: ValidationInfo) -> date:
        first = info.data.get("first")
        if first is not None and last < first:
            raise ValueError(f"must not be before from ({first.isoformat()})")
        return last
