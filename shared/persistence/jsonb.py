"""JSON columns that take datetimes (in ISO 8601), UUIDs and enums, or JSON text serialised already."""

import json
from functools import partial

from psycopg.types.json import Jsonb

from shared.contracts.json_values import json_default

_dumps = partial(json.dumps, default=json_default, ensure_ascii=False)


def jsonb(value: object) -> Jsonb:
    return Jsonb(value, dumps=_dumps)


def _as_is(text: object) -> str:
    if not isinstance(text, str):  # a programming error: json_text is given JSON text, never a value to serialise
        raise TypeError(f"json_text holds JSON text, not a {type(text).__name__}")
    return text


def json_text(text: str) -> Jsonb:
    """A JSON document already serialised (e.g. by pydantic's `dump_json`), bound as jsonb without parsing it again."""
    return Jsonb(text, dumps=_as_is)
