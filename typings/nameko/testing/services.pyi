# nameko.testing.services: worker_factory, a service instance with its dependencies replaced.
from typing import Any, TypeVar

_S = TypeVar("_S")

# Dependencies not given as keyword arguments become MagicMocks.
def worker_factory(service_cls: type[_S], **dependencies: Any) -> _S: ...
