# eventlet.hubs: parking a green thread on a file descriptor until it is ready.
from typing import Any

def trampoline(
    fd: Any,
    read: bool | None = None,
    write: bool | None = None,
    timeout: float | None = None,
    timeout_exc: BaseException | type[BaseException] = ...,
    mark_as_closed: Any = None,
) -> Any: ...
