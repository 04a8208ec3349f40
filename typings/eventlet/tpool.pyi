# eventlet.tpool: run a blocking call in a real OS thread while the hub keeps running.
from collections.abc import Callable
from typing import Any

def execute(meth: Callable[..., Any], *args: Any, **kwargs: Any) -> Any: ...
