# nameko.timer: the Timer entrypoint and its `@timer(interval=...)` decorator.
from collections.abc import Callable
from typing import Any, TypeVar

from nameko.extensions import Entrypoint

_F = TypeVar("_F", bound=Callable[..., Any])

class Timer(Entrypoint):
    interval: float
    eager: bool
    def __init__(self, interval: float, eager: bool = False, **kwargs: Any) -> None: ...

# Timer.decorator; the interval is required, so it is only ever used with arguments.
def timer(interval: float, eager: bool = False, **kwargs: Any) -> Callable[[_F], _F]: ...
