"""What a people's-mediation request fed in as a dispute carries in `details`, and the flags it implies (none)."""

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from shared.contracts.disputes import as_typed, single_line
from shared.contracts.vocabulary import Flag

# A committee's name is one line, as a party's: a line break or an escape in it forges lines on the letters it is
# printed on, and a blank one names no committee.
CommitteeName = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=100),
    AfterValidator(single_line),
    AfterValidator(as_typed),
]


class MediationRequest(BaseModel):
    """A request to a people's mediation committee (人民调解委员会)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    committee: CommitteeName | None = Field(default=None, description="the mediation committee asked")
    legal_aid_requested: bool = False


def flags_for(request: MediationRequest) -> list[Flag]:
    return []
