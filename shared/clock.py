"""One place to read the time and make message ids, so every record is timezone-aware."""

from datetime import UTC, datetime
from uuid import UUID, uuid4


def now() -> datetime:
    return datetime.now(UTC)


def new_id() -> UUID:
    return uuid4()
