"""Dead letters tell operators why and who sent them; retries are counted from RabbitMQ's x-death."""

import json
from uuid import UUID

import pytest
from kombu.message import Message
from pydantic import ValidationError

from shared.contracts.messages import MAX_MESSAGE_BYTES, CaseRegistered, ReferralAccepted
from shared.messaging.consumer import InboxConsumer, describe_validation_error
from shared.messaging.dead_letters import MAX_REASON, dead_letter_headers, delivery_attempts, publish_dead_letter
from shared.messaging.routing import (
    DEAD_AT_HEADER,
    DEAD_QUEUE_HEADER,
    DEAD_REASON_HEADER,
    ORIGINAL_USER_HEADER,
)
from shared.refusal import Refused
from wuyuan.dead_letters import reason_in_chinese

INBOX = "wuyuan.coordinator.inbox"
RETRY = "wuyuan.coordinator.retry"
POLICE_USER = "wuyuan.police_link"
COORDINATOR_USER = "wuyuan.coordinator"
TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
MESSAGE_ID = "8f14e45f-ceea-467f-a8f2-7b3c2d1e0a99"
BODY = json.dumps({"type": "ReferralAccepted", "referral_id": "not-a-uuid"}).encode()


def x_death(queue: str, reason: str, count: int) -> dict:
    return {
        "queue": queue,
        "reason": reason,
        "count": count,
        "exchange": "wuyuan.documents",
        "routing-keys": ["coordinator.ReferralAccepted"],
    }


def delivered(headers: dict | None = None, user_id: str | None = POLICE_USER) -> Message:
    properties = {"message_id": MESSAGE_ID, "type": "ReferralAccepted"}
    if user_id:
        properties["user_id"] = user_id
    return Message(
        body=BODY,
        content_type="application/json",
        content_encoding="utf-8",
        headers=headers or {},
        properties=properties,
    )


# --- dead_letter_headers ---------------------------------------------------------------


def test_a_dead_letter_keeps_the_original_sender_for_replay():
    headers = dead_letter_headers(delivered(), INBOX, "rejected: wrong unit")

    assert headers[ORIGINAL_USER_HEADER] == POLICE_USER


def test_a_dead_letter_says_why_where_and_when():
    headers = dead_letter_headers(delivered(), INBOX, "rejected: referral is already closed")

    assert headers[DEAD_REASON_HEADER] == "rejected: referral is already closed"
    assert headers[DEAD_QUEUE_HEADER] == INBOX
    assert headers[DEAD_AT_HEADER].startswith("20")


def test_a_dead_letter_drops_the_retry_history_but_keeps_the_trace():
    message = delivered({"x-death": [x_death(INBOX, "rejected", 4)], "traceparent": TRACEPARENT})

    headers = dead_letter_headers(message, INBOX, "failed 5 times")

    assert "x-death" not in headers
    assert headers["traceparent"] == TRACEPARENT
    assert "x-death" in message.headers  # the delivered message itself is left as it came


def test_a_message_without_a_broker_user_gets_no_original_user_header():
    headers = dead_letter_headers(delivered(user_id=None), INBOX, "malformed JSON")

    assert ORIGINAL_USER_HEADER not in headers


@pytest.mark.parametrize("user_id", [None, POLICE_USER])
def test_headers_a_sender_set_to_look_like_a_dead_letter_are_not_kept(user_id):
    forged = {
        ORIGINAL_USER_HEADER: "wuyuan.supervision",
        DEAD_QUEUE_HEADER: "wuyuan.intake.inbox",
        DEAD_REASON_HEADER: "nothing wrong",
        DEAD_AT_HEADER: "2020-01-01T00:00:00+00:00",
    }

    headers = dead_letter_headers(delivered(forged, user_id=user_id), INBOX, "rejected: wrong_sender")

    assert headers.get(ORIGINAL_USER_HEADER) == user_id  # only what RabbitMQ vouched for, or nothing
    assert (headers[DEAD_QUEUE_HEADER], headers[DEAD_REASON_HEADER]) == (INBOX, "rejected: wrong_sender")
    assert headers[DEAD_AT_HEADER] != forged[DEAD_AT_HEADER]


def test_a_very_long_reason_is_cut_to_fit_a_header():
    headers = dead_letter_headers(delivered(), INBOX, "schema violation: " + "x" * 5000)

    assert len(headers[DEAD_REASON_HEADER]) == MAX_REASON


class RecordingPublisher:
    def __init__(self) -> None:
        self.published: list[tuple[bytes, dict]] = []

    def publish(self, body, **options) -> None:
        self.published.append((body, options))


def test_a_dead_letter_is_published_unchanged_to_its_services_own_dead_letter_exchange():
    publisher = RecordingPublisher()

    publish_dead_letter(publisher, "coordinator", COORDINATOR_USER, INBOX, delivered(), "schema violation: referral_id")

    [(body, options)] = publisher.published
    assert body == BODY
    assert options["exchange"].name == "wuyuan.dead.coordinator"
    assert options["routing_key"] == "coordinator"
    # Stamped with the dead-lettering service's own user, which RabbitMQ checks: replay trusts only that.
    assert options["user_id"] == COORDINATOR_USER
    assert options["headers"][ORIGINAL_USER_HEADER] == POLICE_USER
    assert options["message_id"] == MESSAGE_ID
    assert options["headers"][DEAD_REASON_HEADER] == "schema violation: referral_id"


# --- delivery_attempts ------------------------------------------------------------------


def test_a_first_delivery_is_attempt_one():
    assert delivery_attempts(delivered(), INBOX) == 1


def test_each_rejection_from_this_inbox_counts_as_one_earlier_attempt():
    # After two failures RabbitMQ has one entry per (queue, reason) with a running count.
    message = delivered({"x-death": [x_death(RETRY, "expired", 2), x_death(INBOX, "rejected", 2)]})

    assert delivery_attempts(message, INBOX) == 3


def test_rejections_recorded_for_another_queue_do_not_count():
    message = delivered({"x-death": [x_death("wuyuan.supervision.inbox", "rejected", 4)]})

    assert delivery_attempts(message, INBOX) == 1


def test_expiries_in_the_retry_queue_are_not_attempts():
    message = delivered({"x-death": [x_death(INBOX, "expired", 3)]})

    assert delivery_attempts(message, INBOX) == 1


@pytest.mark.parametrize("forged", [-1000, -1, 2.5, "3", True, None])
def test_a_count_no_broker_writes_is_refused_rather_than_buying_retries(forged):
    """A sender's own x-death that RabbitMQ counts on from: -1000 would otherwise retry a thousand times."""
    message = delivered({"x-death": [{"queue": INBOX, "reason": "rejected", "count": forged}]})

    with pytest.raises(ValueError):
        delivery_attempts(message, INBOX)


# --- settling a handled message -------------------------------------------------------------


class FakeConsumer:
    def __init__(self) -> None:
        self.acked: list[Message] = []
        self.rejected: list[Message] = []

    def ack_message(self, message: Message) -> None:
        self.acked.append(message)

    def reject_message(self, message: Message) -> None:
        self.rejected.append(message)


@pytest.fixture
def inbox() -> InboxConsumer:
    consumer = InboxConsumer()
    consumer.service, consumer.queue_name, consumer.max_attempts = "coordinator", INBOX, 5
    consumer.user_id = COORDINATOR_USER
    consumer.publisher, consumer.consumer = RecordingPublisher(), FakeConsumer()
    return consumer


def failure(error: Exception):
    return type(error), error, None


def test_a_rejected_message_is_dead_lettered_at_once(inbox):
    message = delivered()

    inbox.settle(message, failure(Refused("wrong_unit", "referral was issued to police:430426101")))

    [(_, options)] = inbox.publisher.published
    assert options["headers"][DEAD_REASON_HEADER] == "rejected: wrong_unit: referral was issued to police:430426101"
    assert inbox.consumer.acked == [message]


def test_a_failing_message_goes_back_for_a_delayed_retry(inbox):
    message = delivered({"x-death": [x_death(INBOX, "rejected", 3)]})

    inbox.settle(message, failure(ConnectionError("database restarting")))

    assert inbox.consumer.rejected == [message]
    assert inbox.publisher.published == []


def test_a_message_failing_its_last_attempt_is_dead_lettered_with_the_count(inbox):
    message = delivered({"x-death": [x_death(INBOX, "rejected", 4)]})

    inbox.settle(message, failure(ConnectionError("database restarting")))

    [(_, options)] = inbox.publisher.published
    assert options["headers"][DEAD_REASON_HEADER] == "failed 5 times, last: ConnectionError: database restarting"
    assert inbox.consumer.acked == [message]
    assert inbox.consumer.rejected == []


def test_a_handled_message_is_acknowledged(inbox):
    message = delivered()

    inbox.settle(message, None)

    assert inbox.consumer.acked == [message]
    assert inbox.publisher.published == []


def test_a_forged_count_is_dead_lettered_at_once_instead_of_retried(inbox):
    message = delivered({"x-death": [x_death(INBOX, "rejected", -1000)]})

    inbox.settle(message, failure(ConnectionError("no such case yet")))

    [(_, options)] = inbox.publisher.published
    assert options["headers"][DEAD_REASON_HEADER].startswith("failed 5 times")
    assert inbox.consumer.rejected == []


def test_a_body_over_the_limit_is_dead_lettered_unread_and_without_its_body(inbox):
    inbox.recorder = None
    body = b'{"type": "ProgressReported", "note": "' + b"x" * MAX_MESSAGE_BYTES + b'"}'
    message = Message(body=body, content_type="application/json", properties={"user_id": POLICE_USER})

    inbox.on_message(message)

    [(kept, options)] = inbox.publisher.published
    assert kept == b""  # never replayable, and a dead queue of 100 MB bodies helps no one
    assert options["headers"][DEAD_REASON_HEADER] == (
        f"message too large: {len(body)} bytes, at most {MAX_MESSAGE_BYTES}; the body was not kept"
    )
    assert reason_in_chinese(options["headers"][DEAD_REASON_HEADER]) == "消息过大，未读取（正文已丢弃）"
    assert inbox.consumer.acked == [message]


# --- why a message broke its schema ----------------------------------------------------------


def test_a_schema_violation_names_each_bad_field():
    with pytest.raises(ValidationError) as invalid:
        ReferralAccepted.model_validate(
            {
                "type": "ReferralAccepted",
                "message_id": str(UUID(int=1)),
                "schema_version": 1,
                "case_id": None,
                "sender": "police:430426101",
                "recipient": "centre:430426",
                "occurred_at": "2026-11-22T09:00:00+08:00",
                "referral_id": "not-a-uuid",
            }
        )

    reason = describe_validation_error(invalid.value)

    assert reason.startswith("schema violation: ")
    assert "referral_id: " in reason
    assert "officer: Field required" in reason


def test_a_schema_violation_lists_at_most_ten_fields():
    with pytest.raises(ValidationError) as invalid:
        CaseRegistered.model_validate({})

    reason = describe_validation_error(invalid.value)

    assert len(invalid.value.errors()) > 10
    assert reason.count(": Field required") == 10


def test_a_reason_quoting_personal_numbers_keeps_none_of_them():
    reason = "schema violation: parties.0.phone: 13800138000 is not ...; id 430426199005201239"

    headers = dead_letter_headers(delivered(), INBOX, reason)

    assert "13800138000" not in headers[DEAD_REASON_HEADER]
    assert "430426199005201239" not in headers[DEAD_REASON_HEADER]
    assert headers[DEAD_REASON_HEADER].startswith("schema violation: parties.0.phone")


@pytest.mark.parametrize(
    ("value", "read"),
    [
        ("2026-12-06T02:40:00+00:00", "2026-12-06T02:40:00+00:00"),
        (b"2026-12-06T10:40:00+08:00", "2026-12-06T10:40:00+08:00"),
        ("2026-12-06T02:40:00", None),  # no offset: not a moment
        ("yesterday", None),
        (7, None),
        ("9" * 100, None),
    ],
)
def test_the_sent_again_header_is_read_as_an_aware_time_or_ignored(value, read):
    from shared.messaging.consumer import sent_again_of
    from shared.messaging.routing import SENT_AGAIN_HEADER

    message = type("Delivered", (), {"headers": {SENT_AGAIN_HEADER: value}})()

    assert sent_again_of(message) == read
