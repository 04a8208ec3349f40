"""What a dispute-type police call carries, and the risk flags it implies."""

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from shared.contracts.vocabulary import Flag


class PoliceCall(BaseModel):
    """A 矛盾纠纷类警情 handed to mediation (警调对接)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    call_number: str = Field(min_length=1, max_length=64)
    called_at: AwareDatetime | None = None
    violence: bool = Field(False, description="threats or violence seen at the scene")
    civil_to_criminal_risk: bool = Field(False, description="民转刑 risk judged by the officer")


def flags_for(call: PoliceCall) -> list[Flag]:
    flags = []
    if call.violence or call.civil_to_criminal_risk:
        flags.append(Flag.VIOLENCE_RISK)
    if call.civil_to_criminal_risk:
        flags.append(Flag.HIGH_RISK)
    return flags
