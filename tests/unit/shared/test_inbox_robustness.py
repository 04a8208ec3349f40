"""Whatever arrives in a service's inbox is handled or dead-lettered; nothing escapes into the consumer loop."""

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from kombu.message import Message
from opentelemetry import propagate

from shared.contracts.envelope import MESSAGE_TYPES, Envelope
from shared.contracts.messages import ReferralAccepted
from shared.messaging.consumer import InboxConsumer, InboxHandler, trace_context_of
from tests.messages import referral_issued

INBOX = "wuyuan.police_link.inbox"
REFERRAL = UUID("00000000-0000-4000-8000-000000000007")
VALID = referral_issued(REFERRAL, "police:430426101").model_dump(mode="json")
TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


class Publisher:
    def __init__(self, fails_with: Exception | None = None) -> None:
        self.published: list[dict[str, Any]] = []
        self.fails_with = fails_with

    def publish(self, body: object, **options: Any) -> None:
        if self.fails_with is not None:
            raise self.fails_with
        self.published.append({"body": body, **options})


class BrokenLink(OSError):
    """Stands for a lost broker connection."""


class Connection:
    connection_errors = (BrokenLink,)


class Consumer:
    connection = Connection()

    def __init__(self) -> None:
        self.acked: list[Message] = []
        self.rejected: list[Message] = []

    def ack_message(self, message: Message) -> None:
        self.acked.append(message)

    def reject_message(self, message: Message) -> None:
        self.rejected.append(message)


class Handler:
    """Stands for an @handles entrypoint: records what it was given."""

    def __init__(self, model: type[Envelope]) -> None:
        self.model = model
        self.handled: list[Envelope] = []

    def handle(self, message: Message, model: Envelope) -> None:
        self.handled.append(model)


def inbox(publisher: Publisher | None = None) -> InboxConsumer:
    consumer = InboxConsumer()
    consumer.service = "police_link"
    consumer.user_id = "wuyuan.police_link"
    consumer.queue_name = INBOX
    consumer.max_attempts = 5
    consumer.publisher = publisher or Publisher()
    consumer.consumer = Consumer()
    consumer.handlers = {name: Handler(model) for name, model in MESSAGE_TYPES.items()}
    return consumer


def delivery(body: object, *, headers: object = None, properties: object = None, encoding: object = "utf-8") -> Message:
    return Message(
        body=body,
        content_type="application/json",
        content_encoding=encoding,
        headers=headers if headers is not None else {},
        properties=properties if properties is not None else {"message_id": str(REFERRAL)},
    )


def outcome(consumer: InboxConsumer, message: Message) -> str:
    """'handled' or 'dead: <reason>', after checking that exactly one of the two happened."""
    handled = [m for h in consumer.handlers.values() for m in h.handled]
    published = consumer.publisher.published
    acked = consumer.consumer.acked
    if handled:
        assert (len(handled), published, acked) == (1, [], [])
        return "handled"
    assert len(published) == 1 and acked == [message], (published, acked)
    return "dead: " + published[0]["headers"]["x-wuyuan-dead-reason"]


def test_a_valid_message_is_handed_to_its_handler():
    consumer = inbox()
    message = delivery(json.dumps(VALID).encode())

    consumer.on_message(message)

    assert outcome(consumer, message) == "handled"


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"\xff\xfe{}", "malformed JSON"),
        ("张三".encode("gbk"), "malformed JSON"),
        (json.dumps(VALID).encode("utf-16"), "malformed JSON"),
        (b"[" * 100_000 + b"]" * 100_000, "malformed JSON"),
        (b'{"type": NaN}', "malformed JSON"),
        (b'{"type": "ReferralIssued", "type": "ReferralAccepted"}', "malformed JSON"),
        (b'{"round": 1e999}', "malformed JSON"),
        (b'{"n": ' + b"9" * 5000 + b"}", "malformed JSON"),
        (b'{"summary": "\\u0000"}', "malformed JSON"),
        (b'{"summary": "\\ud800"}', "malformed JSON"),
        (b"[1, 2]", "malformed message"),
        (b"42", "malformed message"),
        (b"null", "malformed message"),
        (b'"ReferralIssued"', "malformed message"),
        (b'{"type": ["ReferralIssued"]}', "unknown message type"),
        (b'{"type": 7}', "unknown message type"),
        (json.dumps({"type": "x" * 1_000_000}).encode(), "unknown message type"),
        (json.dumps({**VALID, "round": "first"}).encode(), "schema violation"),
        (json.dumps({**VALID, "x" * 100_000: 1}).encode(), "schema violation"),
        (json.dumps({k: v for k, v in VALID.items() if k != "message_id"}).encode(), "schema violation"),
        (None, "malformed JSON"),
        (12345, "malformed JSON"),
    ],
    ids=lambda value: repr(value)[:40],
)
def test_a_message_that_can_never_be_read_is_dead_lettered_with_why(body, reason):
    consumer = inbox()
    message = delivery(body)

    consumer.on_message(message)

    result = outcome(consumer, message)
    assert result.startswith("dead: " + reason), result
    assert len(result) < 1200


def test_the_dead_letter_line_names_the_case_a_refused_message_names_and_never_a_senders_free_text(caplog):
    consumer = inbox()
    named = {**VALID, "schema_version": 99}  # refused (schema), its case id well formed
    free_text = {**VALID, "schema_version": 99, "case_id": "张三 13800138000"}

    with caplog.at_level("ERROR"):
        consumer.on_message(delivery(json.dumps(named)))
        consumer.on_message(delivery(json.dumps(free_text)))

    lines = [r for r in caplog.records if r.getMessage() == "dead-lettering message"]
    assert [getattr(r, "case_id", None) for r in lines] == [VALID["case_id"], None]


def test_a_body_in_another_encoding_says_which_encoding_it_claimed():
    consumer = inbox()
    message = delivery("张三".encode("gbk"), encoding="gbk")

    consumer.on_message(message)

    assert "'gbk'" in outcome(consumer, message)


def test_a_validator_that_raises_something_unexpected_still_dead_letters():
    class Touchy:
        """A model whose validator raises what pydantic does not wrap."""

        @classmethod
        def model_validate(cls, data: object) -> Any:
            raise TypeError("a validator tripped")

    consumer = inbox()
    consumer.handlers["ReferralAccepted"] = Handler(Touchy)
    message = delivery(b'{"type": "ReferralAccepted"}')

    consumer.on_message(message)

    assert outcome(consumer, message).startswith("dead: unreadable message: TypeError")


def test_when_even_dead_lettering_fails_the_message_is_parked_for_a_retry_not_raised():
    consumer = inbox(Publisher(fails_with=RuntimeError("confirm nacked")))
    message = delivery(b"not json")

    consumer.on_message(message)

    assert consumer.consumer.rejected == [message]


def test_a_lost_connection_while_dead_lettering_goes_to_kombu_which_reconnects():
    consumer = inbox(Publisher(fails_with=BrokenLink("connection reset")))

    with pytest.raises(BrokenLink):
        consumer.on_message(delivery(b"not json"))


def test_a_handler_that_cannot_start_is_retried_like_a_failed_one():
    class Unstartable(Handler):
        def handle(self, message: Message, model: Envelope) -> None:
            raise RuntimeError("no worker")

    consumer = inbox()
    consumer.handlers["ReferralIssued"] = Unstartable(MESSAGE_TYPES["ReferralIssued"])
    message = delivery(json.dumps(VALID).encode())

    consumer.on_message(message)

    assert consumer.consumer.rejected == [message]


def test_a_forged_x_death_counts_as_the_last_attempt():
    consumer = inbox()
    message = delivery(b"{}", headers={"x-death": [{"queue": INBOX, "reason": "rejected", "count": "many"}]})

    consumer.settle(message, (RuntimeError, RuntimeError("database down"), None))

    assert outcome(consumer, message).startswith("dead: failed 5 times")


# --- trace headers ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "junk",
    [42, 1.5, b"\xff\x00", {"a": 1}, ["x"], None, True, "x" * 100_000, "not-a-traceparent"],
    ids=repr,
)
def test_junk_trace_headers_are_dropped_before_opentelemetry_sees_them(junk):
    message = delivery(b"{}", headers={"traceparent": junk, "tracestate": junk, "baggage": junk})

    carrier = trace_context_of(message)

    assert all(isinstance(v, str) and len(v) <= 8192 for v in carrier.values())
    propagate.extract(carrier)  # what nameko's instrumentation does with them; must not raise


def test_a_good_traceparent_is_passed_on():
    assert trace_context_of(delivery(b"{}", headers={"traceparent": TRACEPARENT})) == {"traceparent": TRACEPARENT}


class Pool:
    def free(self) -> int:
        return 1


class Container:
    def __init__(self) -> None:
        self._worker_pool = Pool()
        self.context_data: list[dict[str, Any]] = []

    def spawn_worker(self, entrypoint: Any, args: Any, kwargs: Any, context_data: dict[str, Any], **_: Any) -> None:
        self.context_data.append(context_data)


@pytest.mark.parametrize(
    ("headers", "properties"),
    [
        ({"traceparent": 42, "baggage": b"k=v"}, {"user_id": 7}),
        ({}, {}),
        ({"traceparent": TRACEPARENT}, {"user_id": "wuyuan.coordinator"}),
    ],
)
def test_a_worker_starts_with_only_well_formed_context(headers, properties):
    handler = InboxHandler(ReferralAccepted)
    handler.container = Container()
    model = referral_issued(REFERRAL, "police:430426101")

    handler.handle(delivery(b"{}", headers=headers, properties=properties), model)

    [context] = handler.container.context_data
    assert all(isinstance(context[k], str) for k in ("traceparent", "tracestate", "baggage") if k in context)
    assert context["user_id"] is None or isinstance(context["user_id"], str)
    propagate.extract(context)


# --- fuzzing ------------------------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)


@st.composite
def message_like(draw: st.DrawFn) -> dict[str, Any]:
    """A body shaped by a message model: its own field names, each valid, missing, or some other JSON."""
    name = draw(st.sampled_from(sorted(MESSAGE_TYPES)))
    model = MESSAGE_TYPES[name]
    body: dict[str, Any] = {}
    for field in model.model_fields:
        choice = draw(st.sampled_from(["valid", "valid", "missing", "junk"]))
        if choice == "valid" and field in VALID:
            body[field] = VALID[field]
        elif choice == "junk":
            body[field] = draw(json_values)
    body["type"] = draw(st.sampled_from([name, name, "ReferralIssued"]) | json_values)
    if draw(st.booleans()):
        body[draw(st.text(min_size=1, max_size=10))] = draw(json_values)
    return body


def mutated_valid() -> st.SearchStrategy[dict[str, Any]]:
    """The valid referral with one field dropped or replaced."""
    return st.sampled_from(sorted(VALID)).flatmap(
        lambda key: st.one_of(
            st.just({k: v for k, v in VALID.items() if k != key}),
            json_values.map(lambda junk: {**VALID, key: junk}),
        )
    )


bodies = st.one_of(
    st.binary(max_size=200),
    json_values.map(lambda v: json.dumps(v).encode()),
    message_like().map(lambda v: json.dumps(v, ensure_ascii=False).encode()),
    mutated_valid().map(lambda v: json.dumps(v).encode()),
    st.just(json.dumps(VALID).encode()),
    st.text(max_size=50),
)
header_values = json_values | st.binary(max_size=20) | st.just(TRACEPARENT)
headers = st.dictionaries(st.sampled_from(["traceparent", "tracestate", "baggage", "x-death", "other"]), header_values)
properties = st.dictionaries(st.sampled_from(["message_id", "user_id", "type"]), header_values)
encodings = st.sampled_from(["utf-8", "binary", "gbk", "gzip", None, ""])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=bodies, headers=headers, properties=properties, encoding=encodings)
def test_every_delivery_is_either_handled_or_dead_lettered_and_never_raises(body, headers, properties, encoding):
    consumer = inbox()
    message = delivery(body, headers=headers, properties=properties, encoding=encoding)

    consumer.on_message(message)

    result = outcome(consumer, message)
    if result == "handled":
        [model] = [m for h in consumer.handlers.values() for m in h.handled]
        assert isinstance(model, MESSAGE_TYPES[model.type])


# The receiver's clock in these tests: a Monday evening in Beijing.
RECEIVER_NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "occurred_at",
    ["1970-01-01T00:00:00+00:00", "1999-12-31T23:59:59+00:00", "0001-01-01T00:00:00+00:00", "2026-12-08T12:00:01Z"],
)
def test_a_message_that_cannot_have_happened_when_it_says_is_dead_lettered_naming_occurred_at(monkeypatch, occurred_at):
    monkeypatch.setattr("shared.clock.now", lambda: RECEIVER_NOW)
    consumer = inbox()
    message = delivery(json.dumps({**VALID, "occurred_at": occurred_at}).encode())

    consumer.on_message(message)

    assert outcome(consumer, message).startswith("dead: schema violation: occurred_at: ")


@pytest.mark.parametrize(
    "occurred_at",
    [
        "2000-01-01T00:00:00+00:00",  # as old as a record of the platform's can be: a re-sent message keeps its time
        "2026-11-22T09:00:00+08:00",
        "2026-12-08T12:00:00Z",  # a sender's clock a day ahead
    ],
)
def test_a_message_sent_again_with_its_first_time_or_from_a_clock_a_little_ahead_is_handled(monkeypatch, occurred_at):
    monkeypatch.setattr("shared.clock.now", lambda: RECEIVER_NOW)
    consumer = inbox()
    message = delivery(json.dumps({**VALID, "occurred_at": occurred_at}).encode())

    consumer.on_message(message)

    assert outcome(consumer, message) == "handled"


def test_the_receiver_judges_occurred_at_by_the_platform_s_clock_not_the_machine_s(monkeypatch):
    # A test's fixed 'now' years ahead of the machine: a message of that day is no message from the future.
    monkeypatch.setattr("shared.clock.now", lambda: datetime(2031, 3, 1, tzinfo=UTC))
    consumer = inbox()
    message = delivery(json.dumps({**VALID, "occurred_at": "2031-03-01T08:00:00+08:00"}).encode())

    consumer.on_message(message)

    assert outcome(consumer, message) == "handled"


def a_feed_of_a_party_born_on(id_number: str) -> dict[str, Any]:
    """A court's RegisterDispute (the contract's own example) whose applicant gives this ID number."""
    example = Path(__file__).parents[3] / "docs" / "contracts" / "examples" / "valid" / "RegisterDispute.json"
    body = json.loads(example.read_text(encoding="utf-8"))
    body["occurred_at"] = "2026-12-07T18:00:00+08:00"
    body["report"]["parties"][0]["id_number"] = id_number
    return body


def test_a_message_naming_a_person_born_after_the_receiver_s_today_is_dead_lettered_without_the_number(monkeypatch):
    # 2030-01-01, a real day with a right check character: no person of the county's records yet.
    monkeypatch.setattr("shared.clock.now", lambda: RECEIVER_NOW)
    consumer = inbox()
    message = delivery(json.dumps(a_feed_of_a_party_born_on("430426203001011234")).encode())

    consumer.on_message(message)

    reason = outcome(consumer, message)
    assert reason.startswith("dead: schema violation") and "report.parties.0.id_number" in reason
    assert "after today (2026-12-07)" in reason
    assert "203001011234" not in reason


def test_a_message_naming_a_person_born_before_the_receiver_s_today_is_handled(monkeypatch):
    monkeypatch.setattr("shared.clock.now", lambda: RECEIVER_NOW)
    consumer = inbox()
    message = delivery(json.dumps(a_feed_of_a_party_born_on("430426199005201239")).encode())

    consumer.on_message(message)

    assert outcome(consumer, message) == "handled"
