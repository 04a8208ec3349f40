"""What staff read in the `wuyuan` command: services, units and places by name, times in Beijing time, CJK columns."""

import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from shared.registry import AgencyRegistry, load_registry
from shared.timeline_wording import timeline_parts
from shared.wording import (
    Places,
    load_places,
    local_time,
    unit_name,
    units_in_text,
)
from wuyuan.cli_errors import CommandError, config_error_text
from wuyuan.settings import PlatformSettings

__all__ = ["Names", "local_time", "pad", "service_label", "text_width", "timeline_detail"]


def service_label(settings: PlatformSettings, service: str) -> str:
    """'综合协调组', or an agency's name ('公安局'), for a service; the code itself if it is neither."""
    return settings.service_name_zh(service) or service


@dataclass(frozen=True)
class Names:
    """Units and places as staff call them, from the platform's config (agencies.toml, divisions.toml)."""

    registry: AgencyRegistry
    places: Places

    @classmethod
    def of(cls, settings: PlatformSettings) -> "Names":
        """The names in the settings' config_dir; a file that cannot be used stops the command, naming it."""
        try:
            registry = load_registry(settings.config_dir)
        except (OSError, ValueError) as bad:  # RegistryError, its TOML, or not UTF-8
            path = settings.config_dir / "agencies.toml"
            raise CommandError("invalid_config", f"配置文件 {path} 有误：{config_error_text(bad)}") from None
        try:
            places = load_places(settings.config_dir)
        except (OSError, ValueError) as bad:  # PlacesError, its TOML, or not UTF-8
            path = settings.config_dir / "divisions.toml"
            raise CommandError("invalid_config", f"配置文件 {path} 有误：{config_error_text(bad)}") from None
        return cls(registry, places)

    def unit(self, code: str | None) -> str:
        return unit_name(code, self.registry, self.places)

    def units(self, codes: list[str] | None) -> str:
        return "、".join(self.unit(code) for code in codes or [])

    def place(self, code: str | None) -> str:
        return self.places.name(code) if code else ""

    def in_text(self, text: str) -> str:
        """Free text with every unit code in it ('police:430426101') replaced by the unit's name."""
        return units_in_text(text, self.registry, self.places)


# --- columns -----------------------------------------------------------------------------------------


def text_width(text: str) -> int:
    """Terminal columns a text takes: Chinese characters and full-width punctuation take two."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def pad(text: str, width: int, right: bool = False) -> str:
    """`text` filled with spaces to `width` columns, counting wide characters as two."""
    fill = " " * max(width - text_width(text), 0)
    return fill + text if right else text + fill


def table(headers: Sequence[str], rows: Sequence[Sequence[str]], indent: str = "") -> list[str]:
    """Rows in columns aligned for Chinese text; the last column is not padded."""
    widths = [max(text_width(cell) for cell in column) for column in zip(headers, *rows, strict=True)]
    return [
        (
            indent
            + "  ".join(pad(cell, width) for cell, width in zip(line[:-1], widths, strict=False))
            + "  "
            + line[-1]
        ).rstrip()
        for line in (headers, *rows)
    ]


# --- timeline lines ----------------------------------------------------------------------------------


def timeline_detail(
    kind: str,
    detail: Mapping[str, Any],
    names: Names,
    referral_units: Mapping[str, str],
    people: Mapping[str, str] | None = None,
) -> str:
    """A timeline entry's detail as one line, worded as on the console's case page (shared.timeline_wording).

    `referral_units` maps the case's referral ids to their units, for the referral a new one replaces; `people`
    maps accounts to staff names (identity's directory).
    """
    return "；".join(timeline_parts(kind, detail, names.registry, names.places, referral_units, people))
