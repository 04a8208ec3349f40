"""One year of the official holiday calendar (国务院办公厅 节假日安排) as a file: parsed and validated.

An operator writes the State Council's annual notice into a TOML file (`config/calendar/README.md`);
the same model validates it in `wuyuan calendar load` and again at the coordinator's API. Every error
is reported at once, each naming its field the way the file spells it (`holidays[1].days[3]`).
"""

import tomllib
from collections.abc import Mapping
from datetime import date, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Annotated, Any, Literal, Self, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ModelWrapValidatorHandler,
    StringConstraints,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    model_validator,
)
from pydantic_core import ErrorDetails, InitErrorDetails, PydanticCustomError

from shared.workdays import YearDays

# The seven statutory holidays of 《全国年节及纪念日放假办法》; a notice names each in these words.
HOLIDAY_NAMES = ("元旦", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节")
HolidayName = Literal["元旦", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节"]
# chinesecalendar starts in 2004; a year before it is a typing error, not a calendar.
FIRST_YEAR = 2004
LAST_YEAR = 2100
SATURDAY = 5
DECEMBER = 12
# The shipped example says `example = true`: its dates are made up, so it is never loaded as a year by accident.
EXAMPLE_KEY = "example"
EXAMPLE_WORD = "示例"  # the example's `source` says so too; no notice's title does
# A year already loaded (a stored row, the coordinator's announcement) is read with AS_LOADED as the context: the
# checks of each holiday's period came later than some years, and a year loaded is what counts until replaced.
AS_LOADED_KEY = "as_loaded"
AS_LOADED = {AS_LOADED_KEY: True}

Place = tuple[str | int, ...]
T = TypeVar("T")


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

    @model_validator(mode="wrap")
    @classmethod
    def _consistent(cls, data: Any, handler: ModelWrapValidatorHandler[Self], info: ValidationInfo) -> Self:
        """The fields' own errors and the year's cross-checks together, so that one reading shows every fault.

        The cross-checks read whatever of the file can be read (a bad date is skipped, and named by its own
        error), as the fields' errors would otherwise hide them until those were fixed."""
        as_loaded = bool(info.context and info.context.get(AS_LOADED_KEY))
        problems = disagreements(data, periods=not as_loaded) if isinstance(data, Mapping) else []
        try:
            calendar = handler(data)
        except ValidationError as invalid:
            raise _all_errors(cls.__name__, [*map(_again, invalid.errors()), *problems]) from None
        if problems:
            raise _all_errors(cls.__name__, problems)
        return calendar

    def days(self) -> YearDays:
        """What the working-day arithmetic needs of it."""
        return YearDays(
            year=self.year,
            holidays={day: h.name for h in self.holidays for day in h.days},
            working_weekends=frozenset(self.working_weekends),
        )


_YEAR = TypeAdapter(Annotated[int, Field(ge=FIRST_YEAR, le=LAST_YEAR)])
_DAY = TypeAdapter(date)


def disagreements(raw: Mapping[str, Any], *, periods: bool = True) -> list[InitErrorDetails]:
    """What the file's parts say against each other: days outside its year or listed twice, a holiday's days
    out of order or not consecutive (unless not `periods`), a working weekend that is a weekday or a holiday day."""
    year = _lenient(_YEAR, raw.get("year"))
    problems: list[InitErrorDetails] = []
    off: dict[date, str] = {}
    listed: list[tuple[int, str, list[tuple[int, date]]]] = []
    names: set[str] = set()
    for h, holiday in enumerate(_items(raw.get("holidays"))):
        if not isinstance(holiday, Mapping):
            continue
        name = holiday.get("name")
        label = name if isinstance(name, str) and name.strip() else f"holidays[{h}]"
        if isinstance(name, str) and name in names:
            problems.append(_problem(("holidays", h, "name"), name, f"{name} is listed twice"))
        if isinstance(name, str):
            names.add(name)
        days: list[tuple[int, date]] = []
        for d, value in enumerate(_items(holiday.get("days"))):
            place: Place = ("holidays", h, "days", d)
            day = _lenient(_DAY, value)
            if day is None:
                continue  # its own error names it
            if year is not None and day.year != year:
                problems.append(_problem(place, value, f"{day} is not in {year}"))
            elif day in off:
                problems.append(_problem(place, value, f"{day} is already listed as a day off ({off[day]})"))
            else:
                off[day] = _spelt(place)
                days.append((d, day))
        listed.append((h, label, days))
    for h, label, days in listed if periods else []:
        problems += _periods(h, label, days, set(off))
    worked: set[date] = set()
    for w, value in enumerate(_items(raw.get("working_weekends"))):
        place = ("working_weekends", w)
        day = _lenient(_DAY, value)
        if day is None:
            continue
        if year is not None and day.year != year:
            problems.append(_problem(place, value, f"{day} is not in {year}"))
        elif day in worked:
            problems.append(_problem(place, value, f"{day} is listed twice"))
        elif day.weekday() < SATURDAY:
            problems.append(
                _problem(place, value, f"{day} is a weekday: only a Saturday or Sunday can be worked (调休上班)")
            )
        elif day in off:
            problems.append(_problem(place, value, f"{day} is also a holiday day ({off[day]})"))
        worked.add(day)
    return problems


def _periods(h: int, label: str, days: list[tuple[int, date]], off: set[date]) -> list[InitErrorDetails]:
    """A holiday's days are one period of consecutive days, as the notice gives them ("2月6日至14日"), in order.

    Two holidays may share one period (国庆节、中秋节 10月1日至8日): a gap filled by the other's days is none.
    元旦 may end the year too: the days off the next year's notice gives before 1 January ("12月30日至1月1日")
    are a second period, which runs to 31 December."""
    problems: list[InitErrorDetails] = []
    for (_, before), (d, day) in pairwise(days):
        if day < before:
            place = ("holidays", h, "days", d)
            problems.append(
                _problem(place, day.isoformat(), f"{label} days must be in order: {day} is listed after {before}")
            )
            break
    ordered = sorted(day for _, day in days)
    gaps = [
        (first, then)
        for first, then in pairwise(ordered)
        if not all(first + timedelta(days=n) in off for n in range(1, (then - first).days))
    ]
    if gaps and not (label == "元旦" and len(gaps) == 1 and _ends_the_year(ordered, after=gaps[0][1])):
        first, then = gaps[0]
        message = f"{label} days must be consecutive: nothing is listed between {first} and {then}"
        problems.append(_problem(("holidays", h, "days"), [day.isoformat() for day in ordered], message))
    return problems


def _ends_the_year(ordered: list[date], after: date) -> bool:
    """Whether the days from `after` on are December's, to the 31st: the start of the next year's 元旦."""
    late = [day for day in ordered if day >= after]
    return late[0].month == DECEMBER and late[-1] == date(late[-1].year, DECEMBER, 31)


class CalendarFileError(ValueError):
    """A year file that cannot be read or fails validation; `fields` name what is wrong."""

    def __init__(self, fields: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{field}: {message}" for field, message in fields))
        self.fields = fields


def read_calendar_file(path: Path, *, allow_example: bool = False) -> CalendarYear:
    """The year file at `path`, validated; CalendarFileError naming each bad field otherwise.

    The shipped example is refused (`example_field`) unless `allow_example`, which is for its own tests."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as unreadable:
        raise CalendarFileError([("(file)", f"cannot read {path}: {unreadable}")]) from None
    except tomllib.TOMLDecodeError as bad:
        raise CalendarFileError([("(file)", f"not valid TOML: {bad}")]) from None
    example = example_field(raw)
    if example is not None and not allow_example:
        raise CalendarFileError([(example, EXAMPLE_REFUSED[example])])
    return parse_calendar(without_example_mark(raw))


def example_field(raw: Mapping[str, Any]) -> str | None:
    """Where a file says it is the example rather than a notice's year: `example = true` (anything there but
    `false`), or a `source` still calling itself 示例; None for a year file."""
    if EXAMPLE_KEY in raw and raw[EXAMPLE_KEY] is not False:
        return EXAMPLE_KEY
    source = raw.get("source")
    if isinstance(source, str) and EXAMPLE_WORD in source:
        return "source"
    return None


EXAMPLE_REFUSED = {
    EXAMPLE_KEY: "the file says example = true: its dates are made up; write the year from its notice instead",
    "source": f"the source still says {EXAMPLE_WORD} (example): write the notice's own title and 文号",
}


def without_example_mark(raw: dict[str, Any]) -> dict[str, Any]:
    """The file as the model reads it: the example mark is the file's, not the year's."""
    return {key: value for key, value in raw.items() if key != EXAMPLE_KEY}


def parse_calendar(raw: object, *, as_loaded: bool = False) -> CalendarYear:
    """`raw` as a year, validated; CalendarFileError naming each bad field otherwise (see AS_LOADED)."""
    try:
        return CalendarYear.model_validate(raw, context=AS_LOADED if as_loaded else None)
    except ValidationError as invalid:
        raise CalendarFileError([(error_place(item), item["msg"]) for item in invalid.errors()]) from None


def error_place(item: ErrorDetails) -> str:
    """A pydantic error's place as the file spells it: `holidays[1].days[3]`."""
    ctx = item.get("ctx") or {}
    if "field" in ctx:
        return str(ctx["field"])
    return _spelt(item["loc"])


def _spelt(loc: Place) -> str:
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path or "(file)"


def _problem(loc: Place, value: object, message: str) -> InitErrorDetails:
    return {"type": PydanticCustomError("calendar", "{message}", {"message": message}), "loc": loc, "input": value}


def _again(item: ErrorDetails) -> InitErrorDetails:
    """A field's error as it was raised, to be raised again beside the cross-checks'."""
    again: InitErrorDetails = {"type": item["type"], "loc": item["loc"], "input": item["input"]}
    if "ctx" in item:
        again["ctx"] = item["ctx"]
    return again


_FIELD_ORDER = ("year", "source", "holidays", "working_weekends")


def _all_errors(title: str, problems: list[InitErrorDetails]) -> ValidationError:
    """Every error, in the order of the file's fields and holidays."""

    def in_file(problem: InitErrorDetails) -> tuple[int, int]:
        loc = problem["loc"]
        field = _FIELD_ORDER.index(str(loc[0])) if loc and loc[0] in _FIELD_ORDER else len(_FIELD_ORDER)
        return field, loc[1] if len(loc) > 1 and isinstance(loc[1], int) else -1

    return ValidationError.from_exception_data(title, sorted(problems, key=in_file))


def _lenient(adapter: TypeAdapter[T], value: object) -> T | None:
    try:
        return adapter.validate_python(value)
    except ValidationError:
        return None


def _items(value: object) -> list[Any]:
    return value if isinstance(value, list) else []
