"""The inbox consumer tells the refusal recorder of every message it dead-letters, and of no other."""

import json
import sys
from typing import Any

import pytest
from kombu.message import Message

from shared.messaging.consumer import RecordsRefusals
from shared.refusal import Refused
from tests.unit.shared.test_inbox_robustness import VALID, Publisher, delivery, inbox


class Recorder:
    """Stands for shared.runtime.refusals.RefusalOutbox: keeps (code, reason) of each refusal, or fails."""

    def __init__(self, fails_with: Exception | None = None) -> None:
        self.recorded: list[tuple[str, str]] = []
        self.fails_with = fails_with

    def record_refusal(self, message: Message, code: str, detail: str) -> None:
        if self.fails_with is not None:
            raise self.fails_with
        self.recorded.append((code, detail))


def recording(recorder: Recorder | None = None, publisher: Publisher | None = None) -> tuple[Any, Recorder]:
    consumer = inbox(publisher)
    consumer.recorder = recorder or Recorder()
    return consumer, consumer.recorder


def failure(error: Exception) -> Any:
    try:
        raise error
    except Exception:
        return sys.exc_info()


def test_the_recorder_fits_what_the_consumer_looks_for():
    assert isinstance(Recorder(), RecordsRefusals)


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"not json", "malformed"),
        (b"[1, 2]", "malformed"),
        (b'{"type": "NoSuchThing"}', "unknown_type"),
        (json.dumps({**VALID, "round": "first"}).encode(), "schema"),
    ],
)
def test_a_message_that_can_never_be_read_is_recorded_with_its_code_before_it_is_dead_lettered(body, code):
    consumer, recorder = recording()

    consumer.on_message(delivery(body))

    assert [c for c, _ in recorder.recorded] == [code]
    assert len(consumer.publisher.published) == 1


def test_a_refused_message_is_recorded_with_the_rules_code():
    consumer, recorder = recording()
    message = delivery(json.dumps(VALID).encode())

    consumer.settle(message, failure(Refused("referral_closed", "the referral is closed")))

    assert recorder.recorded == [("referral_closed", "rejected: referral_closed: the referral is closed")]
    assert consumer.consumer.acked == [message]


def test_a_failure_that_will_be_retried_is_not_recorded():
    consumer, recorder = recording()
    message = delivery(json.dumps(VALID).encode(), headers={})

    consumer.settle(message, failure(LookupError("case 430426-20261122-00001 not registered yet")))

    assert recorder.recorded == []
    assert consumer.consumer.rejected == [message]
    assert consumer.publisher.published == []


def test_a_message_that_failed_its_last_attempt_is_recorded_as_failed():
    consumer, recorder = recording()
    deaths = [{"queue": consumer.queue_name, "reason": "rejected", "count": 4}]
    message = delivery(json.dumps(VALID).encode(), headers={"x-death": deaths})

    consumer.settle(message, failure(LookupError("case not registered")))

    assert [c for c, _ in recorder.recorded] == ["failed"]
    assert len(consumer.publisher.published) == 1


def test_a_message_handled_is_not_recorded():
    consumer, recorder = recording()
    consumer.settle(delivery(json.dumps(VALID).encode()), None)
    assert recorder.recorded == []


def test_when_the_refusal_cannot_be_recorded_the_message_is_retried_not_dead_lettered():
    consumer, _ = recording(Recorder(fails_with=RuntimeError("database down")))
    message = delivery(b"not json")

    consumer.on_message(message)

    assert consumer.publisher.published == []
    assert consumer.consumer.rejected == [message]


def test_a_service_without_a_recorder_dead_letters_as_before():
    consumer = inbox()
    assert consumer.recorder is None
    message = delivery(b"not json")

    consumer.on_message(message)

    assert len(consumer.publisher.published) == 1 and consumer.consumer.acked == [message]


def test_a_refusal_that_cannot_be_recorded_after_a_worker_is_retried_and_never_raised_into_nameko():
    # Raised from a worker's thread, the error would make nameko kill the whole service.
    consumer, _ = recording(Recorder(fails_with=RuntimeError("database down")))
    message = delivery(json.dumps(VALID).encode())

    consumer.settle_after_worker(message, failure(Refused("referral_closed", "the referral is closed")))

    assert consumer.consumer.rejected == [message]
    assert consumer.publisher.published == [] and consumer.consumer.acked == []
