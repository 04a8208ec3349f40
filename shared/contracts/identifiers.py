"""Validated identifier types: resident ID numbers, mobile numbers, division and unit codes, account ids."""

import re
from datetime import date, datetime
from typing import Annotated

from pydantic import AfterValidator, StringConstraints, ValidationInfo, WithJsonSchema
from pydantic_core import PydanticCustomError

from shared.contracts.dates import FIRST_DATE, county_today, is_stored_row

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK_CHARS = "10X98765432"
# ASCII digits only, spelled [0-9]: `\d` in Python (and in pydantic's Rust patterns) also matches
# Arabic-Indic, full-width and other digits, which would pass the shape and then mean another number.
_ID_SHAPE = re.compile(r"^[0-9]{17}[0-9X]$")
_MOBILE_SHAPE = re.compile(r"^1[3-9][0-9]{9}$")
_DIVISION_SHAPE = re.compile(r"^[0-9]{6}([0-9]{3}([0-9]{3})?)?$")
_UNIT_SHAPE = re.compile(r"^([a-z][a-z_]{1,31}):([0-9]{6}(?:[0-9]{3}(?:[0-9]{3})?)?)$")
# County, local day, daily sequence: five digits, then as many as a day needs (100000 follows 99999).
CASE_ID_PATTERN = r"^[0-9]{6}-[0-9]{8}-(?:[0-9]{5}|[1-9][0-9]{5,8})$"
# The characters `strip_whitespace` removes (Unicode White_Space, as Rust's `str::trim`), spelled out:
# `\s` means another set in JavaScript and in Python, and a receiver must refuse exactly what the model does.
WHITESPACE = r"\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
# Unicode Cc: a line break or an escape sequence in a name would forge log lines and garble screens.
_CONTROL = r"\x00-\x1f\x7f-\x9f"
# The longest account id a token may name and a message may carry: the identity service's usernames
# (2-64 characters) and an OIDC provider's subjects (an e-mail address, a UUID) all fit.
ACCOUNT_ID_MAX_LENGTH = 200
# Not blank, and no control character. Whitespace around it is allowed (the model strips it), so the
# pattern holds alike for a value as sent and as stripped: after its last character, a tab or a line
# break may only begin the whitespace that ends it. Each value matches one way only, so a receiver's
# backtracking regex (JavaScript's) takes time in proportion to its length.
ACCOUNT_ID_PATTERN = rf"^[{WHITESPACE}]*[^{WHITESPACE}{_CONTROL}][^{_CONTROL}]*(?:[\t-\r\u0085][{WHITESPACE}]*)?$"
# Bidirectional embeddings, overrides and isolates: they reorder what follows on screen, so that a name or a
# number can read as another.
_BIDI_CONTROL = r"\u202a-\u202e\u2066-\u2069"
# One line of text (a name, a number, a 文号), as ACCOUNT_ID_PATTERN and with no bidirectional control either.
SINGLE_LINE_PATTERN = (
    rf"^[{WHITESPACE}]*[^{WHITESPACE}{_CONTROL}{_BIDI_CONTROL}][^{_CONTROL}{_BIDI_CONTROL}]*"
    rf"(?:[\t-\r\u0085][{WHITESPACE}]*)?$"
)


def resident_id_check_char(first_17_digits: str) -> str:
    """The GB 11643-1999 check character for the first 17 digits of a resident ID."""
    total = sum(int(d) * w for d, w in zip(first_17_digits, _ID_WEIGHTS, strict=True))
    return _ID_CHECK_CHARS[total % 11]


def validate_resident_id(value: str) -> str:
    normalised = value.strip().upper()
    if not _ID_SHAPE.match(normalised):
        raise ValueError("must be 18 characters: 17 digits then a digit or X")
    try:
        date(int(normalised[6:10]), int(normalised[10:12]), int(normalised[12:14]))
    except ValueError:
        raise ValueError("birth date in the ID number is not a real date") from None
    if resident_id_check_char(normalised[:17]) != normalised[17]:
        raise ValueError("check digit does not match")
    return normalised


# A resident's birth date, as the ID number writes it: none before this (the years a county's records fall in,
# shared.contracts.dates), and none after the county's today. Both are refused with a code of their own, and with
# words that never repeat the date: a dead letter's reason must not carry any part of an ID number.
EARLIEST_BIRTH = FIRST_DATE
BIRTH_DATE_TOO_EARLY = "id_birth_date_too_early"
BIRTH_DATE_FUTURE = "id_birth_date_future"


def born_by_today(value: str, info: ValidationInfo) -> str:
    """A valid resident ID number (validate_resident_id) whose birth date is neither before EARLIEST_BIRTH nor after
    the county's today, by the clock of the request or of the message's receiver (shared.contracts.dates.county_today;
    a model built in code has no today, and a stored row was judged when it was taken)."""
    if is_stored_row(info):
        return value
    born = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    if born < EARLIEST_BIRTH:
        raise PydanticCustomError(
            BIRTH_DATE_TOO_EARLY,
            "the resident ID number's birth date is before {earliest}",
            {"earliest": EARLIEST_BIRTH.isoformat()},
        )
    today = county_today(info)
    if today is not None and born > today:
        raise PydanticCustomError(
            BIRTH_DATE_FUTURE,
            "the resident ID number's birth date is after today ({today})",
            {"today": today.isoformat()},
        )
    return value


def validate_mobile(value: str) -> str:
    normalised = value.strip().removeprefix("+86").strip()
    if not _MOBILE_SHAPE.match(normalised):
        raise ValueError("must be an 11-digit mainland mobile number starting 13-19")
    return normalised


def validate_division(value: str) -> str:
    if not _DIVISION_SHAPE.match(value):
        raise ValueError("must be a statistical division code of 6, 9 or 12 digits")
    if value[:2] == "00" or value[2:6] == "0000":
        raise ValueError("must name a county or below (6-digit prefix is not a county)")
    return value


def validate_unit(value: str) -> str:
    match = _UNIT_SHAPE.match(value)
    if not match:
        raise ValueError("must be '<agency>:<division code>', e.g. 'court:430426'")
    validate_division(match.group(2))
    return value


def split_unit(unit: str) -> tuple[str, str]:
    """'court:430426' -> ('court', '430426')."""
    agency, division = unit.split(":", 1)
    return agency, division


def county_of(division: str) -> str:
    return division[:6]


def truncate_division(division: str, digits: int) -> str:
    """The enclosing division with the given length (6 county, 9 township, 12 village)."""
    return division[: min(digits, len(division))]


def _published_as(pattern: str, description: str) -> WithJsonSchema:
    # The validators above are Python; without this the published JSON Schema would say only
    # "string", and an agency writing in another language could not see the formats.
    return WithJsonSchema({"type": "string", "pattern": pattern, "description": description})


ResidentId = Annotated[
    str,
    AfterValidator(validate_resident_id),
    AfterValidator(born_by_today),
    _published_as(_ID_SHAPE.pattern, "resident ID number (GB 11643-1999): 17 digits and a check character"),
]
Mobile = Annotated[
    str,
    AfterValidator(validate_mobile),
    _published_as(_MOBILE_SHAPE.pattern, "mainland mobile number, 11 digits, without +86"),
]
DivisionCode = Annotated[
    str,
    StringConstraints(strip_whitespace=True),
    AfterValidator(validate_division),
    _published_as(_DIVISION_SHAPE.pattern, "statistical division code: 6 digits county, 9 township, 12 village"),
]
UnitCode = Annotated[
    str,
    StringConstraints(strip_whitespace=True),
    AfterValidator(validate_unit),
    _published_as(_UNIT_SHAPE.pattern, "unit: '<agency>:<division code>', e.g. 'court:430426'"),
]
CaseId = Annotated[str, StringConstraints(pattern=CASE_ID_PATTERN)]


def case_registered_on(case_id: str) -> date | None:
    """The day a case was registered, as its number says it (`430426-20261204-00001`: 4 December 2026, China's
    day); None for a number that says no valid day."""
    try:
        return datetime.strptime(case_id.split("-")[1], "%Y%m%d").date()
    except (IndexError, ValueError):
        return None


# Who acted: the signed-in caller's `subject` (shared.auth), as every message that names an acting user
# carries it (an officer, a clerk, a supervisor, an operator). The verifier refuses a token whose subject
# is not one, so a caller it lets through can always be named in a message.
AccountId = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=ACCOUNT_ID_MAX_LENGTH, pattern=ACCOUNT_ID_PATTERN
    ),
]


def mask_resident_id(value: str) -> str:
    """Keep region and check character only, as staff screens show it."""
    return value[:6] + "*" * 11 + value[-1:]


def mask_mobile(value: str) -> str:
    return value[:3] + "****" + value[-4:]
