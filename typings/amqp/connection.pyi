# amqp.connection: Connection, one AMQP connection and its heartbeats.
import ssl as _ssl
from collections.abc import Callable
from types import TracebackType
from typing import Any, ClassVar, Self, TypeVar, overload

from amqp.channel import Channel
from amqp.sasl import SASL

_T = TypeVar("_T")

class Connection:
    negotiate_capabilities: ClassVar[dict[str, bool]]
    client_properties: dict[str, Any]
    def __init__(
        self,
        host: str = "localhost:5672",
        userid: str | None = "guest",
        password: str | None = "guest",
        login_method: str | None = None,
        login_response: bytes | None = None,
        authentication: SASL | tuple[SASL, ...] = (),
        virtual_host: str = "/",
        locale: str = "en_US",
        client_properties: dict[str, Any] | None = None,
        ssl: bool | dict[str, Any] | _ssl.SSLContext = False,
        connect_timeout: float | None = None,
        channel_max: int | None = None,
        frame_max: int | None = None,
        heartbeat: float = 0,
        on_open: Callable[..., object] | None = None,
        on_blocked: Callable[[str], object] | None = None,
        on_unblocked: Callable[[], object] | None = None,
        confirm_publish: bool = False,
        on_tune_ok: Callable[..., object] | None = None,
        read_timeout: float | None = None,
        write_timeout: float | None = None,
        socket_settings: dict[int, int] | None = None,
        frame_handler: Callable[..., Any] = ...,
        frame_writer: Callable[..., Any] = ...,
        **kwargs: Any,
    ) -> None: ...
    def __enter__(self) -> Self: ...
    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...
    # With a callback, and already connected: the callback's result.
    @overload
    def connect(self, callback: None = None) -> None: ...
    @overload
    def connect(self, callback: Callable[[], _T]) -> _T | None: ...
    def channel(self, channel_id: int | None = None, callback: Callable[..., object] | None = None) -> Channel: ...
    # Raises socket.timeout (TimeoutError) when nothing arrives within `timeout` seconds.
    def drain_events(self, timeout: float | None = None) -> None: ...
    def heartbeat_tick(self, rate: int = 2) -> None: ...
    def close(
        self, reply_code: int = 0, reply_text: str = "", method_sig: tuple[int, int] = (0, 0), argsig: str = "BsBB"
    ) -> None: ...
    # Drops the socket without the closing handshake.
    def collect(self) -> None: ...
