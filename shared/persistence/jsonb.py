"""JSON columns that accept datetimes, UUIDs and enums as their ISO/str forms."""

import json
from functools import partial

from psycopg.types.json import Jsonb

_dumps = partial(json.dumps, default=str, ensure_ascii=False)


def jsonb(value: object) -> Jsonb:
    return Jsonb(value, dumps=_dumps)
