"""JSON as our boundaries read it: UTF-8 text of plain JSON, nothing two parsers could read differently.

Python's json module accepts NaN and Infinity, reads 1e999 as infinity, keeps the last of two
equal keys, and nests as deep as the stack allows (then raises RecursionError, not ValueError).
Strings may hold NUL, which PostgreSQL text refuses, and lone surrogates, which UTF-8 cannot
encode. Each of those would fail later, as a crash rather than a refusal; here it is refused.
"""

import json
import math
import re
from typing import Any, Literal, NamedTuple

MAX_DEPTH = 64  # far deeper than any message or command; deeper input is refused before validation
# In text decoded from UTF-8, a NUL or a lone surrogate can only come from an escape: json refuses raw
# control characters in strings, and the UTF-8 codec refuses encoded surrogates. A surrogate escape may
# still be half of a valid pair (an emoji); finding one only means looking closer.
_NUL_OR_SURROGATE_ESCAPE = re.compile(r"\\u(?:0000|[dD][89a-fA-F])")
# In decoded text a surrogate is always a lone one: json joins an escaped pair into one character.
_SURROGATE = re.compile("[\ud800-\udfff]")
_SHOWN_PATH = 200  # a path in an error message; the path itself is whole in UnstorableText.faults

NUL: Literal["nul"] = "nul"
LONE_SURROGATE: Literal["lone_surrogate"] = "lone_surrogate"


class TextFault(NamedTuple):
    """Text that no store could keep, and where: `path` is the keys and list indexes down to it. A key's own fault
    is named by the path of the object holding the key (`in_key`), since the key is no path to anything yet."""

    path: tuple[str | int, ...]
    kind: Literal["nul", "lone_surrogate"]
    in_key: bool = False


class UnstorableText(ValueError):
    """Plain JSON whose text holds a NUL or a lone surrogate: `faults` says where, so that a boundary can name
    the field rather than the whole body."""

    def __init__(self, faults: list[TextFault]) -> None:
        first = faults[0]
        what = "a NUL character" if first.kind == NUL else "a lone surrogate"
        where = ".".join(str(part) for part in first.path)[:_SHOWN_PATH] or "the top level"
        super().__init__(f"{'a key' if first.in_key else 'text'} at {where} contains {what}")
        self.faults = faults


def loads_strict(data: bytes | str) -> Any:
    """The JSON value in `data`, or ValueError saying why it is not plain JSON (never another error): for text
    that holds a NUL or a lone surrogate, UnstorableText naming where."""
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
                raise _refusal(value)
            try:
                item.encode("utf-8")  # a lone surrogate (\ud800) cannot be encoded
            except UnicodeEncodeError:
                raise _refusal(value) from None


def _refusal(value: object) -> ValueError:
    """Why a value holding unstorable text is refused. Its paths are looked for only now, a walk only refused
    input pays for; text deeper than any value may nest is the nesting's fault."""
    faults = unstorable_text(value, MAX_DEPTH)
    return UnstorableText(faults) if faults else ValueError(f"nested deeper than {MAX_DEPTH} levels")


def unstorable_text(value: object, max_depth: int | None = None) -> list[TextFault]:
    """Every string in decoded input (dicts, lists, tuples) that holds a NUL or a lone surrogate, in the input's
    order, down to `max_depth` levels (the value itself is level 1) or all of them. Other controls may belong in
    text (a note's line breaks), so only these two are looked for."""
    faults: list[TextFault] = []
    pending: list[tuple[tuple[str | int, ...], object]] = [((), value)]
    while pending:
        path, item = pending.pop()
        if isinstance(item, str):
            kind = _fault_in(item)
            if kind is not None:
                faults.append(TextFault(path, kind))
            continue
        # An object's keys are at its own level, its values one deeper.
        within = max_depth is None or len(path) + 2 <= max_depth
        children: list[tuple[str | int, object]] = []
        if isinstance(item, dict):
            for key, child in item.items():
                kind = _fault_in(key) if isinstance(key, str) else None
                if kind is not None:
                    faults.append(TextFault(path, kind, in_key=True))
                elif within:
                    children.append((key if isinstance(key, str | int) else str(key), child))
        elif isinstance(item, list | tuple) and within:
            children = list(enumerate(item))
        pending.extend(((*path, name), child) for name, child in reversed(children))
    return faults


def _fault_in(text: str) -> Literal["nul", "lone_surrogate"] | None:
    if "\x00" in text:
        return NUL
    return LONE_SURROGATE if _SURROGATE.search(text) else None
