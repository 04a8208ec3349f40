"""The one refusal: a valid request or message that cannot apply to the state it meets. Nothing changes.

Domain rules raise it, and so do the checks at a service's edge (who sent a message). It is
mapped in one place per boundary: to `409 conflict` over HTTP (`shared.http`, with the code and any
detail as fields of their own), and to the
dead-letter queue with the reason over AMQP (`shared.messaging.consumer`), since retrying
cannot help.
"""

from collections.abc import Mapping
from enum import StrEnum


class Refused(Exception):
    """`code` says which rule refused (stable, for machines); `reason` says why, for the person who reads it;
    `detail` names what the rule met (units, agencies, a centre: codes, never personal data), so that a client
    can say it in its own words without reading the reason's English."""

    def __init__(self, code: StrEnum | str, reason: str, detail: Mapping[str, str | list[str]] | None = None) -> None:
        super().__init__(f"{code}: {reason}")
        self.code = str(code)
        self.reason = reason
        self.detail = dict(detail or {})


NUMBER_TAKEN = "number_taken"


class NumberTaken(Refused):
    """A number sent to be registered (a call's, a filing's, a petition's, a record's id) that a unit the caller does
    not act for holds already. Numbers are unique, so the caller is told it is taken, and `field` names the input that
    carries it; never which unit holds it nor anything of its record, so that guessing numbers teaches nothing."""

    def __init__(self, field: str) -> None:
        super().__init__(NUMBER_TAKEN, f"{field} is taken: it cannot be registered again", {"field": field})
        self.field = field
