# amqp.sasl: the base of the authentication mechanisms a Connection may be given.
from typing import Any

class SASL:
    @property
    def mechanism(self) -> bytes | None: ...
    def start(self, connection: Any) -> bytes | None: ...
