"""What a petition carries (counted by batch and person), and what it implies."""

from pydantic import BaseModel, ConfigDict, Field

from shared.contracts.vocabulary import Flag

GROUP_PETITION_PERSONS = 5  # 集体访: five or more people in one visit


class Petition(BaseModel):
    """A petition (信访事项), handled within 60 days under the 信访工作条例."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    petition_number: str = Field(min_length=1, max_length=64)
    persons: int = Field(1, ge=1, le=10_000, description="人次 in this batch")
    repeat_petition: bool = Field(False, description="重复信访")


def flags_for(petition: Petition) -> list[Flag]:
    flags = [Flag.PETITION_INVOLVED]
    if petition.persons >= GROUP_PETITION_PERSONS:
        flags.append(Flag.GROUP)
    return flags
