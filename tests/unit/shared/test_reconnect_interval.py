"""After an outage the inbox consumer tries the broker again every second at most, not kombu's growing 2, 4 … 30 s."""

from contextlib import AbstractContextManager
from types import TracebackType

from shared.messaging.amqp import RawConsumer


class RecordingConnection(AbstractContextManager["RecordingConnection"]):
    """Stands in for kombu's Connection: it records how the consumer asks for it to be ensured."""

    def __init__(self) -> None:
        self.ensured_with: dict[str, object] = {}

    def ensure_connection(self, errback: object, max_retries: object, **intervals: object) -> None:
        self.ensured_with = intervals

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        return None


def test_the_consumer_retries_the_broker_at_once_and_then_every_second_at_most():
    consumer = RawConsumer("amqp://guest:guest@127.0.0.1:5672/", on_raw_message=lambda message: None)
    connection = RecordingConnection()
    consumer.create_connection = lambda: connection  # type: ignore[method-assign]

    with consumer.establish_connection() as established:
        assert established is connection

    assert connection.ensured_with["interval_start"] == 0
    assert 0 < float(connection.ensured_with["interval_max"]) <= 1  # type: ignore[arg-type]
