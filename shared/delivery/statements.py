"""What the delivery tables need of a transaction: statements to run in it. persistence's Transaction is one."""

from collections.abc import Sequence
from typing import Any, Protocol

Row = dict[str, Any]


class Statements(Protocol):
    """SQL run inside one open transaction; `write` may be held back and sent with the next read or the commit."""

    def write(self, sql: str, params: Sequence[Any] = ()) -> None: ...

    def one(self, sql: str, params: Sequence[Any] = ()) -> Row | None: ...

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]: ...
