# nameko_opentelemetry (opentelemetry-instrumentation-nameko): the instrumentor of nameko services.
from abc import ABCMeta
from collections.abc import Collection
from typing import Any

__version__: str

# At run time a subclass of opentelemetry's BaseInstrumentor (one instance per class), whose
# module opts out of type checking (`# type: ignore`); the methods callers use are declared here.
class NamekoInstrumentor(metaclass=ABCMeta):
    def instrumentation_dependencies(self) -> Collection[str]: ...
    # The keyword arguments become EntrypointAdapter.config; a second call does nothing.
    def instrument(self, **kwargs: Any) -> None: ...
    def uninstrument(self, **kwargs: Any) -> None: ...
