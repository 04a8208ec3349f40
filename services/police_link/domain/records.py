"""What a dispute-type police call fed in as a record carries in `details`, and the risk flags it implies."""

from pydantic import BaseModel, ConfigDict, Field

from services.police_link.domain.risk import RiskFacts, risk_flags
from shared.contracts.dates import CalendarDateTime
from shared.contracts.disputes import RecordId
from shared.contracts.vocabulary import Flag

MAX_REPEAT_CALLS = 999


class PoliceCall(BaseModel):
    """A 矛盾纠纷类警情 handed to mediation (警调对接), as the agency base's record feed takes it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    call_number: RecordId  # one line: it is shown beside the case and matched against the bureau's register
    called_at: CalendarDateTime | None = None
    violence: bool = Field(False, description="threats or violence seen at the scene")
    injury: bool = Field(False, description="someone was hurt (人身伤害)")
    weapon_or_threat: bool = Field(False, description="a weapon shown or harm threatened (持械、扬言)")
    repeat_calls: int = Field(
        0, ge=0, le=MAX_REPEAT_CALLS, description="earlier calls from the same address about the same dispute"
    )
    civil_to_criminal_risk: bool = Field(False, description="民转刑 risk judged by the officer")

    def risk(self) -> RiskFacts:
        return RiskFacts(
            violence=self.violence,
            injury=self.injury,
            weapon_or_threat=self.weapon_or_threat,
            repeat_calls=self.repeat_calls,
            civil_to_criminal_risk=self.civil_to_criminal_risk,
        )


def flags_for(call: PoliceCall) -> list[Flag]:
    return risk_flags(call.risk())
