# greenlet: the greenlet type eventlet's green threads are built on.
from collections.abc import Callable
from typing import Any

from typing_extensions import disjoint_base

class GreenletExit(BaseException): ...

@disjoint_base
class greenlet:
    parent: greenlet | None
    def __init__(self, run: Callable[..., Any] | None = None, parent: greenlet | None = None) -> None: ...
    @property
    def dead(self) -> bool: ...
    def switch(self, *args: Any, **kwargs: Any) -> Any: ...
