"""One year of the official holiday calendar (国务院办公厅 节假日安排) as a file: parsed and validated.

An operator copies the State Council's annual notice into a TOML file (`config/calendar/README.md`);
the same model validates it in `wuyuan calendar load` and again at the coordinator's API, and every
error names its field the way the file spells it (`holidays[1].days[3]`).
"""

import tomllib
from datetime import date
from pathlib import Path
from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, model_validator
from pydantic_core import ErrorDetails, PydanticCustomError

from shared.workdays import YearDays

# The seven statutory holidays of 《全国年节及纪念日放假办法》; a notice names each in these words.
HOLIDAY_NAMES = ("元旦", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节")
HolidayName = Literal["元旦", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节"]
# chinesecalendar starts in 2004; a year before it is a typing error, not a calendar.
FIRST_YEAR = 2004
LAST_YEAR = 2100
SATURDAY = 5


class Holiday(BaseModel):
    """One holiday of the notice: its name and every day off it gives (weekends inside it included)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    name: HolidayName
    days: list[date] = Field(min_length=1, max_length=15)


class CalendarYear(BaseModel):
    """The notice of one year: its holidays and the weekends worked in exchange (调休上班)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    year: int = Field(ge=FIRST_YEAR, le=LAST_YEAR)
    source: Annotated[str, StringConstraints(strip_whitespace=True, min_length=4, max_length=200)] = Field(
        description="the notice's title and 文号: 国务院办公厅关于2027年部分节假日安排的通知（国办发明电〔2026〕N号）"
    )
    holidays: list[Holiday] = Field(min_length=1, max_length=len(HOLIDAY_NAMES))
    working_weekends: list[date] = Field(default_factory=list, max_length=20)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        seen_names: set[str] = set()
        off: dict[date, str] = {}
        for h, holiday in enumerate(self.holidays):
            if holiday.name in seen_names:
                raise _field_error(f"holidays[{h}].name", f"{holiday.name} is listed twice")
            seen_names.add(holiday.name)
            for d, day in enumerate(holiday.days):
                where = f"holidays[{h}].days[{d}]"
                self._in_year(day, where)
                if day in off:
                    raise _field_error(where, f"{day} is already listed as a day off ({off[day]})")
                off[day] = where
        worked: set[date] = set()
        for w, day in enumerate(self.working_weekends):
            where = f"working_weekends[{w}]"
            self._in_year(day, where)
            if day in worked:
                raise _field_error(where, f"{day} is listed twice")
            if day.weekday() < SATURDAY:
                raise _field_error(where, f"{day} is a weekday: only a Saturday or Sunday can be worked (调休上班)")
            if day in off:
                raise _field_error(where, f"{day} is also a holiday day ({off[day]})")
            worked.add(day)
        return self

    def _in_year(self, day: date, where: str) -> None:
        if day.year != self.year:
            raise _field_error(where, f"{day} is not in {self.year}")

    def days(self) -> YearDays:
        """What the working-day arithmetic needs of it."""
        return YearDays(
            year=self.year,
            holidays={day: h.name for h in self.holidays for day in h.days},
            working_weekends=frozenset(self.working_weekends),
        )


class CalendarFileError(ValueError):
    """A year file that cannot be read or fails validation; `fields` name what is wrong."""

    def __init__(self, fields: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{field}: {message}" for field, message in fields))
        self.fields = fields


def read_calendar_file(path: Path) -> CalendarYear:
    """The year file at `path`, validated; CalendarFileError naming each bad field otherwise."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as unreadable:
        raise CalendarFileError([("(file)", f"cannot read {path}: {unreadable}")]) from None
    except tomllib.TOMLDecodeError as bad:
        raise CalendarFileError([("(file)", f"not valid TOML: {bad}")]) from None
    return parse_calendar(raw)


def parse_calendar(raw: object) -> CalendarYear:
    try:
        return CalendarYear.model_validate(raw)
    except ValidationError as invalid:
        raise CalendarFileError([(error_place(item), item["msg"]) for item in invalid.errors()]) from None


def error_place(item: ErrorDetails) -> str:
    """A pydantic error's place as the file spells it: `holidays[1].days[3]`."""
    ctx = item.get("ctx") or {}
    if "field" in ctx:
        return str(ctx["field"])
    path = ""
    for part in item["loc"]:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path or "(file)"


def _field_error(field: str, message: str) -> PydanticCustomError:
    return PydanticCustomError("calendar", "{message}", {"field": field, "message": message})
