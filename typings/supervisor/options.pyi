# supervisor.options: ServerOptions, supervisord's own reading of its configuration file.
from typing import Any, Literal

from supervisor.datatypes import Automatic, RestartUnconditionally, RestartWhenExitUnexpected, Syslog

class ProcessConfig:
    name: str
    command: str
    directory: str | None
    environment: dict[str, str] | None
    priority: int
    autostart: bool
    autorestart: type[RestartUnconditionally] | type[RestartWhenExitUnexpected] | Literal[False]
    startsecs: int
    startretries: int
    stopsignal: int
    stopwaitsecs: int
    stopasgroup: bool
    killasgroup: bool
    redirect_stderr: bool
    stdout_logfile: str | type[Automatic] | type[Syslog] | None
    # Every setting of the [program:x] section is a keyword argument.
    def __init__(self, options: ServerOptions, **params: Any) -> None: ...

class ProcessGroupConfig:
    name: str
    priority: int
    process_configs: list[ProcessConfig]
    def __init__(
        self, options: ServerOptions, name: str, priority: int, process_configs: list[ProcessConfig]
    ) -> None: ...

class ServerOptions:
    configfile: str | None
    # Normalised paths once process_config() has read the file.
    logfile: str | None
    pidfile: str | None
    # Attributes named after the file's sections, made by the parser (e.g.
    # configroot.supervisord.server_configs, a list of dicts).
    configroot: Any
    process_group_configs: list[ProcessGroupConfig]
    def __init__(self) -> None: ...
    def process_config(self, do_usage: bool = True) -> None: ...
