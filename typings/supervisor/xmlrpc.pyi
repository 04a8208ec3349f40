# supervisor.xmlrpc: the XML-RPC transport over supervisord's socket, and its fault codes.
import xmlrpc.client
from typing import Final

class Faults:
    UNKNOWN_METHOD: Final = 1
    INCORRECT_PARAMETERS: Final = 2
    BAD_ARGUMENTS: Final = 3
    SIGNATURE_UNSUPPORTED: Final = 4
    SHUTDOWN_STATE: Final = 6
    BAD_NAME: Final = 10
    BAD_SIGNAL: Final = 11
    NO_FILE: Final = 20
    NOT_EXECUTABLE: Final = 21
    FAILED: Final = 30
    ABNORMAL_TERMINATION: Final = 40
    SPAWN_ERROR: Final = 50
    ALREADY_STARTED: Final = 60
    NOT_RUNNING: Final = 70
    SUCCESS: Final = 80
    ALREADY_ADDED: Final = 90
    STILL_RUNNING: Final = 91
    CANT_REREAD: Final = 92

class SupervisorTransport(xmlrpc.client.Transport):
    username: str | None
    password: str | None
    serverurl: str
    # serverurl is http://host:port or unix:///path/to.sock; it defaults to None, which raises.
    def __init__(self, username: str | None = None, password: str | None = None, serverurl: str = ...) -> None: ...
    def close(self) -> None: ...
