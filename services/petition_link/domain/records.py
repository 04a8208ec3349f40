"""What a petition fed in as a record carries (counted by batch and person), and the flags it implies."""

from pydantic import BaseModel, ConfigDict, Field

from shared.contracts.vocabulary import Flag

GROUP_PETITION_PERSONS = 5  # 集体访: five or more people in one visit


class PetitionDetails(BaseModel):
    """A petition record's `details` (信访事项), as `POST /api/v1/records` and the register's feed send them."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    petition_number: str = Field(min_length=1, max_length=64)
    persons: int = Field(1, ge=1, le=10_000, description="人次 in this batch")
    repeat_petition: bool = Field(False, description="重复信访")


def flags_for(petition: PetitionDetails) -> list[Flag]:
    flags = [Flag.PETITION_INVOLVED]
    if petition.persons >= GROUP_PETITION_PERSONS:
        flags.append(Flag.GROUP)
    return flags
