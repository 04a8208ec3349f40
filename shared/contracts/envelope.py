"""The envelope every message carries, and the registry that maps a type name to its model."""

from datetime import datetime
from typing import Any, ClassVar, Self
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from shared.contracts.dates import TimeText
from shared.contracts.identifiers import CaseId, UnitCode

MESSAGE_TYPES: dict[str, type["Envelope"]] = {}


class Envelope(BaseModel):
    """Fields common to every message. `message_id` is the idempotency key for inboxes."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # Subclasses set these; they are the wire `type` and `schema_version`.
    TYPE: ClassVar[str] = ""
    VERSION: ClassVar[int] = 1

    message_id: UUID
    type: str
    schema_version: int = Field(ge=1)
    case_id: CaseId | None
    sender: UnitCode
    recipient: UnitCode
    occurred_at: TimeText

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.TYPE:
            if cls.TYPE in MESSAGE_TYPES:
                raise TypeError(f"message type {cls.TYPE} defined twice")
            MESSAGE_TYPES[cls.TYPE] = cls

    @classmethod
    def build(cls, *, message_id: UUID, occurred_at: datetime, **fields: Any) -> Self:
        """Construct with `type` and `schema_version` filled from the class."""
        return cls(
            message_id=message_id,
            occurred_at=occurred_at,
            type=cls.TYPE,
            schema_version=cls.VERSION,
            **fields,
        )

    # A field validator, so the error's loc names `schema_version` for the dead-letter reason.
    @field_validator("schema_version")
    @classmethod
    def _not_newer_than_model(cls, version: int) -> int:
        if cls.TYPE and version > cls.VERSION:
            raise ValueError(f"{version} is newer than supported {cls.VERSION}")
        return version

    @model_validator(mode="after")
    def _type_matches_model(self) -> "Envelope":
        if self.TYPE and self.type != self.TYPE:
            raise ValueError(f"type: expected {self.TYPE!r}, got {self.type!r}")
        return self


def message_model(type_name: str) -> type[Envelope] | None:
    return MESSAGE_TYPES.get(type_name)
