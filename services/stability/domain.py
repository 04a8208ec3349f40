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


def warning_colour(flags: list[Flag]) -> WarningColour | None:
    """Colour a case by its risk flags: 命案风险 red, violence or group yellow, none otherwise."""
    if Flag.HIGH_RISK in flags:
        return WarningColour.RED
    if Flag.VIOLENCE_RISK in flags or Flag.GROUP in flags:
        return WarningColour.YELLOW
    return None
