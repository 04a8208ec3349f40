# eventlet.greenthread: GreenThread and the spawn functions.
from collections.abc import Callable
from typing import Any, ParamSpec

from greenlet import greenlet

_P = ParamSpec("_P")

# Made by spawn(), not directly.
class GreenThread(greenlet):
    def __init__(self, parent: greenlet) -> None: ...
    # The function's return value, or its exception raised again.
    def wait(self) -> Any: ...
    def kill(self, *throw_args: Any) -> None: ...

def spawn(func: Callable[_P, object], *args: _P.args, **kwargs: _P.kwargs) -> GreenThread: ...

# Faster than spawn, but its result and exceptions cannot be retrieved.
def spawn_n(func: Callable[_P, object], *args: _P.args, **kwargs: _P.kwargs) -> greenlet: ...
def sleep(seconds: float = 0) -> None: ...
