"""A nameko dependency provider that tells the type checker what it injects."""

from typing import TYPE_CHECKING, Generic, TypeVar

from nameko.extensions import DependencyProvider

T = TypeVar("T")


class Injects(DependencyProvider, Generic[T]):
    """nameko sets `get_dependency`'s value on each worker's service instance, where it shadows the
    provider; declaring `__get__` for the checker alone makes `self.<attribute>` typed as that value."""

    if TYPE_CHECKING:

        def __get__(self, instance: object, owner: type | None = None) -> T: ...
