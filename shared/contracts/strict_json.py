"""JSON as our boundaries read it: UTF-8 text of plain JSON, nothing two parsers could read differently.

Python's json module accepts NaN and Infinity, reads 1e999 as infinity, keeps the last of two
equal keys, and nests as deep as the stack allows (then raises RecursionError, not ValueError).
Strings may hold NUL, which PostgreSQL text refuses, and lone surrogates, which UTF-8 cannot
encode. Each of those would fail later, as a crash rather than a refusal; here it is refused.
"""

import json
import math
import re
from typing import Any

MAX_DEPTH = 64  # far deeper than any message or command; deeper input is refused before validation
# In text decoded from UTF-8, a NUL or a lone surrogate can only come from an escape: json refuses raw
# control characters in strings, and the UTF-8 codec refuses encoded surrogates. A surrogate escape may
# still be half of a valid pair (an emoji); finding one only means looking closer.
_NUL_OR_SURROGATE_ESCAPE = re.compile(r"\\u(?:0000|[dD][89a-fA-F])")


def loads_strict(data: bytes | str) -> Any:
    """The JSON value in `data`, or ValueError saying why it is not plain JSON (never another error)."""
    try:
        text = data if isinstance(data, str) else data.decode("utf-8")
        value = json.loads(
            text,
            parse_constant=_refuse_constant,
            parse_float=_finite,
            object_pairs_hook=_without_duplicates,
        )
    except RecursionError:
        raise ValueError(f"nested deeper than {MAX_DEPTH} levels") from None
    if isinstance(data, str) or _may_hold_what_json_allows_and_we_refuse(text):
        _check_decoded(value)
    return value


def _may_hold_what_json_allows_and_we_refuse(text: str) -> bool:
    """False when no value read from this UTF-8 text can nest too deep, hold a NUL or a lone surrogate,
    so the walk over every value (a message's largest cost on reading) is not needed."""
    # Each level of nesting opens with one of these characters; counting them inside strings too only
    # errs towards the walk.
    if text.count("{") + text.count("[") >= MAX_DEPTH:
        return True
    return _NUL_OR_SURROGATE_ESCAPE.search(text) is not None


def _refuse_constant(name: str) -> float:
    raise ValueError(f"{name} is not a JSON number")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"number {text[:40]} is out of range")
    return value


def _without_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # Two readers could each believe a different copy of a repeated key; refuse rather than pick one.
    found: dict[str, Any] = {}
    for key, value in pairs:
        if key in found:
            raise ValueError(f"duplicate key {key[:40]!r}")
        found[key] = value
    return found


def _check_decoded(value: object) -> None:
    pending: list[tuple[object, int]] = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if depth > MAX_DEPTH:
            raise ValueError(f"nested deeper than {MAX_DEPTH} levels")
        if isinstance(item, dict):
            pending.extend((key, depth) for key in item)
            pending.extend((child, depth + 1) for child in item.values())
        elif isinstance(item, list):
            pending.extend((child, depth + 1) for child in item)
        elif isinstance(item, str):
            if "\x00" in item:
                raise ValueError("text contains a NUL character")
            item.encode("utf-8")  # a lone surrogate (\ud800) raises UnicodeEncodeError, a ValueError
