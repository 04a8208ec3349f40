"""The message contract: the only code the agencies share, published as JSON Schema and AsyncAPI."""

from shared.contracts import messages as _messages  # noqa: F401  (fills MESSAGE_TYPES)
from shared.contracts.envelope import MESSAGE_TYPES, Envelope, message_model
from shared.contracts.vocabulary import (
    Category,
    Flag,
    HandlingMode,
    Outcome,
    PartyKind,
    PartyRole,
    Rating,
    ReferralRole,
    Source,
)

__all__ = [
    "MESSAGE_TYPES",
    "Category",
    "Envelope",
    "Flag",
    "HandlingMode",
    "Outcome",
    "PartyKind",
    "PartyRole",
    "Rating",
    "ReferralRole",
    "Source",
    "message_model",
]
