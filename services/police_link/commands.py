"""The police officers' requests about dispute calls over HTTP: a call to record, and the queries."""

from typing import Annotated

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StringConstraints,
    ValidationInfo,
    field_validator,
)

from services.police_link.domain.calls import (
    Classification,
    Decision,
    Offence,
    SceneFacts,
    category_for,
)
from services.police_link.domain.records import MAX_REPEAT_CALLS
from services.police_link.domain.risk import RiskFacts
from shared.agency.commands import Period
from shared.contracts.dates import NotInFuture
from shared.contracts.disputes import MAX_PARTIES, LongText, Party
from shared.contracts.identifiers import DivisionCode, UnitCode
from shared.contracts.vocabulary import Category, PartyRole
from shared.http import validate_value

MAX_LIST = 500
# 警情编号 as the stations' systems print them ("JQ4304262026112100017", "110-20261122-0042"): it is
# also a path segment, so letters, digits, '-', '_' and '.' only.
CallNumber = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=64, pattern=r"^[0-9A-Za-z][0-9A-Za-z._-]*$"),
]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RecordCall(_Body):
    """A dispute-type call as the officer who handled it records it: the call, the dispute, the scene."""

    call_number: CallNumber
    received_at: NotInFuture = Field(description="接警时间")
    unit: UnitCode = Field(description="the station that took the call: one the officer acts for")
    classification: Classification
    category: Category | None = Field(
        default=None, validate_default=True, description="the centre's category, where the classification allows more"
    )
    division_code: DivisionCode = Field(description="where the dispute arose, within the station's area")
    summary: LongText
    parties: list[Party] = Field(min_length=2, max_length=MAX_PARTIES)
    violence: StrictBool = False
    injury: StrictBool = False
    weapon_or_threat: StrictBool = False
    repeat_calls: StrictInt = Field(0, ge=0, le=MAX_REPEAT_CALLS)
    civil_to_criminal_risk: StrictBool = False
    suitable_for_mediation: StrictBool = Field(description="the officer's judgement: may it be mediated?")
    offence: Offence = Offence.NONE

    @field_validator("category")
    @classmethod
    def _category_of_the_classification(cls, named: Category | None, info: ValidationInfo) -> Category | None:
        classification = info.data.get("classification")
        # Without a valid classification there is nothing to check against; that field is named already.
        return named if classification is None else category_for(classification, named)

    @field_validator("parties")
    @classmethod
    def _both_sides(cls, parties: list[Party]) -> list[Party]:
        roles = {party.role for party in parties}
        for role in (PartyRole.APPLICANT, PartyRole.RESPONDENT):
            if role not in roles:
                raise ValueError(f"at least one party must have role '{role.value}'")
        return parties

    def scene(self) -> SceneFacts:
        risk = RiskFacts(
            violence=self.violence,
            injury=self.injury,
            weapon_or_threat=self.weapon_or_threat,
            repeat_calls=self.repeat_calls,
            civil_to_criminal_risk=self.civil_to_criminal_risk,
        )
        return SceneFacts(risk, self.suitable_for_mediation, self.offence)

    @property
    def centre_category(self) -> Category:
        assert self.category is not None, "the validator always sets it"
        return self.category


class ListCalls(_Body):
    decision: Decision | None = None
    limit: int = Field(100, ge=0, le=MAX_LIST)


class FiguresQuery(Period):
    """A period of days on which calls were received, both ends included (the county's calendar)."""


class _CallPath(BaseModel):
    number: CallNumber


def call_number_in_path(value: str) -> str:
    """A call number from a URL path (`/api/v1/calls/<number>`), or BadInput naming `number`."""
    return validate_value(_CallPath, {"number": value}).number
