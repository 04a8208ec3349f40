"""What a petition fed in as a record carries (counted by batch and person), and the flags it implies."""

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from shared.contracts.disputes import APPLICANTS_CONTEXT, RecordId
from shared.contracts.vocabulary import Flag

GROUP_PETITION_PERSONS = 5  # 集体访: five or more people in one visit


class PetitionDetails(BaseModel):
    """A petition record's `details` (信访事项), as `POST /api/v1/records` and the register's feed send them."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    petition_number: RecordId  # one line: it is shown beside the case and matched against the bureau's register
    persons: int = Field(1, ge=1, le=10_000, description="人次 in this batch; by default the petitioners named")
    repeat_petition: bool = Field(False, description="重复信访")

    # A record's petitioners are its applicants: read as a record (`RecordKind.read`), the details know how many.
    @model_validator(mode="before")
    @classmethod
    def _everyone_named_by_default(cls, data: Any, info: ValidationInfo) -> Any:
        named = (info.context or {}).get(APPLICANTS_CONTEXT, 0)
        if isinstance(data, dict) and "persons" not in data and named > 1:
            return {**data, "persons": named}
        return data

    @field_validator("persons")
    @classmethod
    def _at_least_those_named(cls, persons: int, info: ValidationInfo) -> int:
        named = (info.context or {}).get(APPLICANTS_CONTEXT, 0)
        if persons < named:
            raise ValueError(f"must be at least the {named} petitioners named as applicants (人次 count everyone)")
        return persons


def flags_for(petition: PetitionDetails) -> list[Flag]:
    flags = [Flag.PETITION_INVOLVED]
    if petition.persons >= GROUP_PETITION_PERSONS:
        flags.append(Flag.GROUP)
    return flags
