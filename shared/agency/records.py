"""The agency extension point: what an agency's own record carries in `details`, and the flags that implies.

An agency declares one `RecordKind`, e.g. `RecordKind(PoliceCall, flags_for)`; the type
checker then holds `flags_for` to the agency's own model, and the base reads every record
through it without knowing that model.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict

from shared.contracts.vocabulary import Flag
from shared.http import BadInput, validate_value

D = TypeVar("D", bound=BaseModel)


@dataclass(frozen=True)
class ReadRecord:
    """A record's details as stored (JSON-ready) and the flags they imply."""

    details: dict[str, Any]
    flags: list[Flag]


@dataclass(frozen=True)
class RecordKind(Generic[D]):
    details: type[D]
    flags_for: Callable[[D], list[Flag]]

    def read(self, raw: dict[str, Any]) -> ReadRecord:
        """Validate `details`, or BadInput naming each field as the request body has it (`details.<field>`)."""
        try:
            details = validate_value(self.details, raw)
        except BadInput as bad:
            raise BadInput([{**f, "field": f"details.{f['field']}"} for f in bad.fields]) from None
        return ReadRecord(details.model_dump(mode="json"), self.flags_for(details))


class NoDetails(BaseModel):
    """An agency whose records carry nothing beyond the common fields: `details` must be empty."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def no_flags(details: BaseModel) -> list[Flag]:
    return []


NO_DETAILS = RecordKind(NoDetails, no_flags)
