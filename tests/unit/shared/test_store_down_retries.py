"""A message whose handler met a database that was down is delivered again without using up an attempt."""

import psycopg
import pytest

from shared.messaging import consumer as consumer_module
from shared.messaging.consumer import InboxConsumer, retries_without_attempt
from shared.persistence.errors import StoreDown, StoreUnavailable
from shared.persistence.group_commit import database_down


class RecordingConsumer:
    """Stands in for the broker consumer: records what happened to each message."""

    def __init__(self) -> None:
        self.requeued: list[object] = []
        self.rejected: list[object] = []

    def requeue_message(self, message: object) -> None:
        self.requeued.append(message)

    def reject_message(self, message: object) -> None:
        self.rejected.append(message)


class Delivered:
    def __init__(self) -> None:
        self.properties = {"type": "CaseResolved", "message_id": "m-1"}
        self.headers: dict[str, object] = {}


def failure(error: BaseException) -> tuple[type[BaseException], BaseException, None]:
    return type(error), error, None


@pytest.fixture
def inbox(monkeypatch) -> InboxConsumer:
    monkeypatch.setattr(consumer_module, "STORE_DOWN_PAUSE_SECONDS", 0)
    inbox = InboxConsumer()
    inbox.consumer = RecordingConsumer()  # type: ignore[assignment]
    inbox.queue_name = "wuyuan.police_link.inbox"
    inbox.max_attempts = 5
    return inbox


def test_a_database_outage_requeues_the_message_untouched(inbox):
    message = Delivered()
    down = StoreDown("connection refused")

    inbox.settle(message, failure(down))  # type: ignore[arg-type]

    assert inbox.consumer.requeued == [message]  # type: ignore[union-attr]
    assert inbox.consumer.rejected == []  # type: ignore[union-attr]  # the retry queue would count an attempt


def test_any_other_failure_goes_to_the_retry_queue_and_counts(inbox):
    message = Delivered()

    inbox.settle(message, failure(StoreUnavailable("concurrent update, retry")))  # type: ignore[arg-type]

    assert inbox.consumer.rejected == [message]  # type: ignore[union-attr]
    assert inbox.consumer.requeued == []  # type: ignore[union-attr]


def test_an_outage_is_recognised_through_the_errors_raised_from_it():
    try:
        try:
            raise StoreDown("server closed the connection unexpectedly")
        except StoreDown as down:
            raise RuntimeError("handler could not finish") from down
    except RuntimeError as wrapped:
        assert retries_without_attempt(wrapped)
    assert not retries_without_attempt(ValueError("bad value"))
    assert not retries_without_attempt(None)


def test_a_lost_connection_is_the_database_down_but_a_cancelled_statement_is_not():
    assert database_down(psycopg.OperationalError("connection refused"))
    assert not database_down(psycopg.errors.QueryCanceled("canceling statement due to statement timeout"))
    assert not database_down(ValueError("no"))
