"""What a people's-mediation request fed in as a dispute carries in `details`, and the flags it implies (none)."""

from pydantic import BaseModel, ConfigDict, Field

from shared.contracts.vocabulary import Flag


class MediationRequest(BaseModel):
    """A request to a people's mediation committee (人民调解委员会)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    committee: str | None = Field(default=None, max_length=100, description="the mediation committee asked")
    legal_aid_requested: bool = False


def flags_for(request: MediationRequest) -> list[Flag]:
    return []
