# nameko.containers: the service container and the worker context it hands to extensions.
from collections.abc import Callable, Iterable, Mapping, Sequence
from types import TracebackType
from typing import Any, TypeAlias

from eventlet.greenpool import GreenPool
from eventlet.greenthread import GreenThread
from nameko.extensions import Entrypoint, Extension

_ExcInfo: TypeAlias = tuple[type[BaseException], BaseException, TracebackType]
# Called with the worker's context, the service method's result and its exc_info; returns the
# (result, exc_info) that dependency providers then see.
_HandleResult: TypeAlias = Callable[[WorkerContext, Any, _ExcInfo | None], tuple[Any, _ExcInfo | None]]

class WorkerContext:
    container: ServiceContainer
    service: object
    entrypoint: Entrypoint
    service_name: str
    args: Sequence[Any]
    kwargs: Mapping[str, Any]
    data: dict[str, Any]
    context_data: dict[str, Any]
    def __init__(
        self,
        container: ServiceContainer,
        service: object,
        entrypoint: Entrypoint,
        args: Sequence[Any] | None = None,
        kwargs: Mapping[str, Any] | None = None,
        data: dict[str, Any] | None = None,
    ) -> None: ...

class ServiceContainer:
    service_cls: type[object]
    service_name: str
    max_workers: int
    started: bool
    _worker_pool: GreenPool
    dependencies: Iterable[Extension]  # the bound DependencyProviders
    entrypoints: Iterable[Entrypoint]  # the bound entrypoints, each calling one method of the service
    extensions: Iterable[Extension]  # entrypoints, dependencies and their sub-extensions, all bound
    def __init__(self, service_cls: type[object]) -> None: ...
    def start(self) -> None: ...
    def stop(self) -> None: ...
    def kill(self, exc_info: _ExcInfo | None = None) -> None: ...
    def wait(self) -> None: ...
    def spawn_worker(
        self,
        entrypoint: Entrypoint,
        args: Sequence[Any],
        kwargs: Mapping[str, Any],
        context_data: dict[str, Any] | None = None,
        handle_result: _HandleResult | None = None,
    ) -> WorkerContext: ...
    def spawn_managed_thread(self, fn: Callable[[], object], identifier: str | None = None) -> GreenThread: ...
    # Run around every worker: each dependency provider's worker_setup, then worker_result once it ended.
    def _worker_setup(self, worker_ctx: WorkerContext) -> None: ...
    def _worker_result(self, worker_ctx: WorkerContext, result: Any, exc_info: _ExcInfo | None) -> None: ...
