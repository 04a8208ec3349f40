"""What JSON has no type for, written the one way every answer and stored document writes it."""

from datetime import date, datetime


def json_default(value: object) -> str:
    """A `default=` for json.dumps: times and dates in ISO 8601 (str() would write '2026-12-05 18:38:37+00:00',
    which a client parsing RFC 3339 refuses), anything else (UUIDs, decimals, enums of str) as its text."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)
