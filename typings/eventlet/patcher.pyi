# eventlet.patcher: making the standard library green, and asking whether it is.
from types import ModuleType

# With no arguments everything is patched; with some set to True, only those.
def monkey_patch(
    *,
    all: bool = ...,
    os: bool = ...,
    select: bool = ...,
    socket: bool = ...,
    thread: bool = ...,
    time: bool = ...,
    psycopg: bool = ...,
    MySQLdb: bool = ...,
    builtins: bool = ...,
    subprocess: bool = ...,
) -> None: ...
def is_monkey_patched(module: str | ModuleType) -> bool: ...
