"""What a stability-risk lead carries: its three-colour warning level and the flags it implies."""

from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from shared.contracts.vocabulary import Flag


class WarningColour(StrEnum):
    """三色预警."""

    RED = "red"
    YELLOW = "yellow"
    GREEN = "green"


class StabilityLead(BaseModel):
    """A 涉稳线索 with its warning colour."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    colour: WarningColour = WarningColour.YELLOW
    source_control: bool = False  # 源头稳控 person


def flags_for(lead: StabilityLead) -> list[Flag]:
    return [Flag.HIGH_RISK] if lead.colour is WarningColour.RED else []


# A register case's state: still open, closed (with the citizen's rating), or unknown (entered before the register
# heard of closings, and heard of none since).
REGISTER_STATUSES = ("open", "closed", "unknown")
# The flags that call for a colour (warning_colour): a case with one enters the register.
REGISTER_FLAGS = (Flag.HIGH_RISK, Flag.VIOLENCE_RISK, Flag.GROUP)


def warning_colour(flags: list[Flag]) -> WarningColour | None:
    """Colour a case by its risk flags: 命案风险 red, violence or group yellow, none otherwise."""
    if Flag.HIGH_RISK in flags:
        return WarningColour.RED
    if Flag.VIOLENCE_RISK in flags or Flag.GROUP in flags:
        return WarningColour.YELLOW
    return None


def more_severe(first: WarningColour | None, second: WarningColour | None) -> WarningColour | None:
    """The graver of two colours (red over yellow over green); None only when both are."""
    ranked = [c for c in (first, second) if c is not None]
    return max(ranked, key=SEVERITY.index, default=None)


SEVERITY = [WarningColour.GREEN, WarningColour.YELLOW, WarningColour.RED]


def lead_colour(details: dict[str, object], flags: list[Flag]) -> WarningColour:
    """A 涉稳线索's colour on the register: its own, raised by the case's risk flags, never lowered by them."""
    own = WarningColour(str(details.get("colour", WarningColour.YELLOW.value)))
    return more_severe(own, warning_colour(flags)) or own
