"""Replay sends a dead letter back with the properties it first came with, and only services that receive
messages (not the console or identity) have dead-letter queues to list or replay."""

import json

from kombu.message import Message

from shared.messaging.dead_letters import ORIGINAL_PROPERTIES_HEADER, dead_letter_headers
from shared.messaging.routing import DEAD_REASON_HEADER, ORIGINAL_USER_HEADER
from tests.unit.wuyuan.test_case_commands import FakeResponse
from wuyuan.dead_letters import BODY_NOT_KEPT, letter_id, list_dead_letters, replay_refusal, replayed_properties
from wuyuan.provision_amqp import has_inbox
from wuyuan.settings import PlatformSettings

SUPERVISION = "wuyuan.supervision"


def delivered(**properties) -> Message:
    """A message as the inbox consumer got it: JSON with no content_encoding, as a sender may publish it."""
    return Message(
        body=b'{"type": "FollowUpRated"}',
        content_type="application/json",
        content_encoding=None,
        headers={"traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"},
        properties={"message_id": "rated-1", "type": "FollowUpRated", "user_id": SUPERVISION, **properties},
    )


def test_a_dead_letter_records_the_properties_its_message_came_with_and_none_it_lacked():
    headers = dead_letter_headers(delivered(correlation_id="c-7", delivery_mode=2), "wuyuan.coordinator.inbox", "x")

    assert headers[ORIGINAL_PROPERTIES_HEADER] == {
        "content_type": "application/json",
        "delivery_mode": 2,
        "correlation_id": "c-7",
        "message_id": "rated-1",
        "type": "FollowUpRated",
    }


def test_a_sender_cannot_write_the_record_itself():
    forged = delivered()
    forged.headers[ORIGINAL_PROPERTIES_HEADER] = {"reply_to": "somewhere-else"}

    headers = dead_letter_headers(forged, "wuyuan.coordinator.inbox", "x")

    assert "reply_to" not in headers[ORIGINAL_PROPERTIES_HEADER]


def test_replay_restores_exactly_the_recorded_properties():
    # As the dead letter reached the dead queue: kombu gave it a content_encoding the original never had.
    headers = dead_letter_headers(delivered(delivery_mode=2), "wuyuan.coordinator.inbox", "rejected: not yet")
    dead = {"content_type": "application/json", "content_encoding": "binary", "message_id": "rated-1"}

    replayed = replayed_properties(dead, headers)

    assert "content_encoding" not in replayed
    assert replayed == {
        "content_type": "application/json",
        "delivery_mode": 2,
        "message_id": "rated-1",
        "type": "FollowUpRated",
        "application_headers": {"traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"},
        "user_id": SUPERVISION,
    }


def test_a_dead_letter_from_before_the_record_is_replayed_as_before():
    headers = {DEAD_REASON_HEADER: "failed", ORIGINAL_USER_HEADER: SUPERVISION, "traceparent": "00-x"}
    dead = {"content_type": "application/json", "content_encoding": "utf-8", "message_id": "old-1", "type": "T"}

    replayed = replayed_properties(dead, headers)

    assert replayed["delivery_mode"] == 2 and replayed["content_encoding"] == "utf-8"
    assert replayed["application_headers"] == {"traceparent": "00-x"} and replayed["user_id"] == SUPERVISION


def test_only_services_that_receive_messages_have_queues():
    settings = PlatformSettings()

    assert not has_inbox(settings, "console") and not has_inbox(settings, "identity")
    assert all(has_inbox(settings, s) for s in settings.services if s not in ("console", "identity"))


def test_listing_every_service_s_dead_letters_asks_only_for_queues_that_exist(monkeypatch):
    asked = []

    def call(settings, method, path, payload=None):
        asked.append(path)
        return FakeResponse(200, [])

    monkeypatch.setattr("wuyuan.dead_letters._call", call)
    settings = PlatformSettings()

    assert list_dead_letters(settings) == []
    assert not [path for path in asked if "console" in path or "identity" in path]
    assert len(asked) == len(settings.services) - 2


def test_the_platforms_own_reasons_read_in_chinese_and_an_agencys_own_words_are_shown_as_they_are():
    from wuyuan.dead_letters import reason_in_chinese

    assert reason_in_chinese("malformed JSON (content_encoding None): Expecting value") == "消息不是有效的 JSON"
    assert reason_in_chinese('no message type: the body has no "type" field') == "消息没有注明类型（正文缺少 type 项）"
    assert reason_in_chinese("failed 5 times, last: Conflict: duplicate key").startswith("处理失败 5 次后放弃")
    refused = reason_in_chinese("rejected: referral_closed: referral 7f… is closed")
    assert refused == "被业务规则拒收：该交办件已结束（referral_closed）"
    assert reason_in_chinese("bad payload from our gateway") is None


def test_a_dead_letters_reason_has_the_code_the_metric_counts_it_under():
    from wuyuan.dead_letters import reason_code

    assert reason_code("malformed JSON (content_encoding None): Expecting value") == "malformed"
    assert reason_code('no message type: the body has no "type" field') == "unknown_type"
    assert reason_code("schema violation: summary: Field required") == "schema"
    assert reason_code("failed 5 times, last: Conflict: duplicate key") == "failed"
    assert reason_code("rejected: referral_closed: referral 7f… is closed") == "referral_closed"
    assert reason_code("bad payload from our gateway") is None


def test_dlq_list_says_why_in_chinese_and_whether_each_letter_may_be_replayed(monkeypatch):
    from click.testing import CliRunner

    from wuyuan.cli import main
    from wuyuan.dead_letters import DeadLetter

    letters = [
        DeadLetter("court_link", "m-1", "ReferralIssued", "schema violation: summary: Field required", None, None, ""),
        DeadLetter(
            "court_link", "m-2", None, "bad payload", None, None, "", refused="不是 wuyuan_court_link 写入的死信"
        ),
    ]
    monkeypatch.setattr("wuyuan.dead_letters.list_dead_letters", lambda settings, services: letters)

    shown = CliRunner().invoke(main, ["dlq", "list"]).output

    assert "原因：消息格式不符合约定\n    服务原话：schema violation" in shown
    assert "可重放：排除原因后 wuyuan dlq replay" in shown
    assert "原因（服务原话）：bad payload" in shown and "不予重放：不是 wuyuan_court_link 写入的死信" in shown


def test_replaying_a_message_id_no_dead_letter_has_is_said_not_counted_as_zero(monkeypatch):
    from click.testing import CliRunner

    from wuyuan.cli import main
    from wuyuan.dead_letters import ReplayReport

    monkeypatch.setattr(
        "wuyuan.dead_letters.replay_dead_letters", lambda settings, services, message_id: ReplayReport()
    )

    result = CliRunner().invoke(main, ["dlq", "replay", "--message-id", "no-such-id"])

    assert result.exit_code == 1
    assert "死信队列中没有编号为 no-such-id 的死信" in result.output


def dlq_list(monkeypatch, *letters, options: tuple[str, ...] = ()) -> str:
    from click.testing import CliRunner

    from wuyuan.cli import main

    monkeypatch.setattr("wuyuan.dead_letters.list_dead_letters", lambda settings, services: list(letters))
    result = CliRunner().invoke(main, ["dlq", "list", *options])
    assert result.exit_code == 0, result.output
    return result.output


def test_a_refusal_by_a_business_rule_asks_the_sender_to_correct_and_resend_rather_than_replay(monkeypatch):
    from wuyuan.dead_letters import DeadLetter

    refusal = "rejected: wrong_status: referral 7f… is declined, not accepted"
    letter = DeadLetter("coordinator", "m-7", "ResultReported", refusal, None, None, "", reason_code="wrong_status")

    shown = dlq_list(monkeypatch, letter)

    assert "须由发送方更正后重新发送" in shown and "原样重放只会再次拒收" in shown
    assert "可重放：排除原因后" not in shown
    assert "仍可 wuyuan dlq replay" in shown  # replay stays possible once the receiver's data is put right


def test_what_a_sender_wrote_reaches_the_terminal_escaped_and_json_keeps_it_exact(monkeypatch):
    """A forged message must not drive the operator's terminal (colours, a cleared screen, a title) nor fake a line
    of the listing (a newline then what looks like another letter)."""
    from wuyuan.dead_letters import DeadLetter

    forged = DeadLetter(
        "court_link",
        "m-1\x1b]0;pwned\x07",
        "ReferralIssued\x1b[2J",
        "bad payload\n    可重放：排除原因后 wuyuan dlq replay\r\x9b31m\u202e",
        "2026-12-06T01:00:00+00:00\x1b[8m",
        None,
        "",
    )

    shown = dlq_list(monkeypatch, forged)
    as_json = json.loads(dlq_list(monkeypatch, forged, options=("--json",)))

    assert not any(char in shown for char in "\x1b\x07\r\x9b\u202e")
    assert "ReferralIssued\\x1b[2J" in shown and "m-1\\x1b]0;pwned\\x07" in shown
    assert "bad payload\\n    可重放：排除原因后 wuyuan dlq replay\\r\\x9b31m\\u202e" in shown
    assert len(shown.splitlines()) == 3  # the letter's line, its reason, what to do: nothing more
    assert as_json[0]["reason"] == forged.reason and as_json[0]["message_id"] == forged.message_id


def test_a_letter_whose_body_was_too_large_to_keep_is_not_replayed_but_one_that_failed_is():
    settings = PlatformSettings()
    owner = settings.broker_user("coordinator")
    too_large = "message too large: 104857600 bytes, at most 1048576; the body was not kept"

    assert replay_refusal(settings, "coordinator", owner, too_large) == BODY_NOT_KEPT
    assert replay_refusal(settings, "coordinator", owner, "failed 5 times, last: StoreDown: …") is None


def test_a_letter_whose_sender_set_no_message_id_property_is_named_by_its_body():
    body = json.dumps({"message_id": "3f2b8c1e-5d4a-4b6c-9e8f-0a1b2c3d4e5f", "type": "ResultReported"})

    assert letter_id({}, body) == "3f2b8c1e-5d4a-4b6c-9e8f-0a1b2c3d4e5f"
    assert letter_id({"message_id": "given"}, body) == "given"
    assert letter_id({}, b"not json") is None
    assert letter_id({}, None) is None


def test_an_agencys_message_against_the_schema_is_the_senders_to_correct_and_a_platform_services_may_be_replayed(
    monkeypatch,
):
    """Only the sender can put a body right; the platform's own services, deployed together, may merely be out of
    step for a while (a receiver not yet upgraded), after which replay helps."""
    settings = PlatformSettings()
    letters = {
        "coordinator": (settings.broker_user("justice_link"), "schema violation: officer: Field required"),
        "court_link": (settings.broker_user("coordinator"), "schema violation: summary: Field required"),
        "intake": (None, "malformed JSON (content_encoding None): Expecting value"),
        "supervision": (settings.broker_user("justice_link"), "failed 5 times, last: Conflict: duplicate key"),
    }

    def call(settings, method, path, payload=None):
        service = next((name for name in letters if f"wuyuan.{name}.dead" in path), None)
        if service is None:
            return FakeResponse(200, [])
        sent_by, reason = letters[service]
        headers = {DEAD_REASON_HEADER: reason, **({ORIGINAL_USER_HEADER: sent_by} if sent_by else {})}
        user = settings.broker_user(service)
        return FakeResponse(200, [{"properties": {"headers": headers, "user_id": user}, "payload": "{}"}])

    monkeypatch.setattr("wuyuan.dead_letters._call", call)

    listed = {letter.service: letter for letter in list_dead_letters(settings, list(letters))}

    assert listed["coordinator"].sent_by == settings.broker_user("justice_link")
    assert listed["coordinator"].sender_corrects  # an agency's body: only the agency can correct it
    assert not listed["court_link"].sender_corrects  # the coordinator's: replayed once the two are in step
    assert listed["intake"].sender_corrects  # a sender no one vouches for is no platform service
    assert not listed["supervision"].sender_corrects  # failing on the receiver's side: replay once it is put right
    shown = dlq_list(monkeypatch, listed["coordinator"], listed["court_link"])
    agencys, platforms = shown.split("court_link", 1)[0], shown.split("（court_link）", 1)[1]
    assert "须由发送方更正后重新发送" in agencys and "可重放" not in agencys
    assert "可重放：排除原因后 wuyuan dlq replay" in platforms and "须由发送方更正" not in platforms
