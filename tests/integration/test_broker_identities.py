"""Broker identities that cannot be borrowed, on the real RabbitMQ: own passwords, dead-letter exchanges, replay."""

import json
import secrets
from collections.abc import Iterator
from urllib.parse import quote, urlsplit

import amqp
import pytest
import requests
from amqp.exceptions import AccessRefused, PreconditionFailed
from kombu.message import Message

from shared.contracts.messages import DOCUMENTS_EXCHANGE, EVENTS_EXCHANGE
from shared.messaging.amqp import confirmed_publisher
from shared.messaging.dead_letters import publish_dead_letter
from shared.messaging.routing import (
    DEAD_QUEUE_HEADER,
    DEAD_REASON_HEADER,
    ORIGINAL_USER_HEADER,
    dead_letter_exchange,
    dead_queue,
    document_routing_key,
    event_routing_key,
    inbox_queue,
)
from wuyuan.dead_letters import list_dead_letters, replay_dead_letters
from wuyuan.provision_amqp import DEAD_LETTER_POLICY, LEGACY_DEAD_LETTER_EXCHANGE, delete_broker, ensure_broker
from wuyuan.settings import OPERATOR, PlatformSettings

# Every service of a platform with the shipped agency registry.
SERVICES = PlatformSettings().services

pytestmark = pytest.mark.integration

BODY = json.dumps({"type": "FollowUpRated", "note": "kept as it came"}).encode()


@pytest.fixture(scope="module")
def platform(tmp_path_factory) -> Iterator[PlatformSettings]:
    """A vhost of its own, its users' passwords kept in a state directory of its own; removed afterwards."""
    settings = PlatformSettings(
        vhost=f"wyb_{secrets.token_hex(4)}", state_dir=tmp_path_factory.mktemp("state"), dead_letter_ttl_days=30
    )
    ensure_broker(settings)
    try:
        yield settings
    finally:
        delete_broker(settings)


def connect(settings: PlatformSettings, user: str, password: str) -> amqp.Connection:
    parts = urlsplit(settings.amqp_admin_uri)
    connection = amqp.Connection(
        host=f"{parts.hostname}:{parts.port or 5672}",
        userid=settings.broker_user(user),
        password=password,
        virtual_host=settings.vhost,
        connect_timeout=10,
        confirm_publish=True,  # a publish waits for the broker's answer, so a refusal raises
    )
    connection.connect()
    return connection


def admin_channel(settings: PlatformSettings) -> tuple[amqp.Connection, amqp.Channel]:
    parts = urlsplit(settings.amqp_admin_uri)
    connection = amqp.Connection(
        host=f"{parts.hostname}:{parts.port or 5672}",
        userid=parts.username,
        password=parts.password,
        virtual_host=settings.vhost,
    )
    connection.connect()
    channel = connection.channel()
    channel.confirm_select()
    return connection, channel


def drain(channel: amqp.Channel, queue: str) -> list[amqp.Message]:
    taken = []
    while (message := channel.basic_get(queue, no_ack=True)) is not None:
        taken.append(message)
    return taken


@pytest.fixture
def admin(platform) -> Iterator[amqp.Channel]:
    """An administrator's channel; the dead queues and inboxes this test touches are emptied afterwards."""
    connection, channel = admin_channel(platform)
    try:
        yield channel
    finally:
        for service in ("coordinator", "court_link"):
            drain(channel, dead_queue(service))
            drain(channel, inbox_queue(service))
        connection.close()


# --- passwords --------------------------------------------------------------------------------


def test_every_broker_user_has_a_password_of_its_own_kept_private(platform):
    kept = platform.state_dir / "secrets" / "broker"
    passwords = {user: (kept / user).read_text().strip() for user in (*SERVICES, OPERATOR)}

    assert len(set(passwords.values())) == len(SERVICES) + 1
    assert kept.stat().st_mode & 0o777 == 0o700
    assert {(kept / user).stat().st_mode & 0o777 for user in passwords} == {0o600}
    assert all(platform.broker_password(user) == password for user, password in passwords.items())


@pytest.mark.parametrize("other", ["coordinator", "intake", "supervision", "police_link", OPERATOR])
def test_an_agencys_password_logs_in_as_that_agency_and_as_no_other_user(platform, other):
    court_password = platform.broker_password("court_link")
    connect(platform, "court_link", court_password).close()

    with pytest.raises(AccessRefused):
        connect(platform, other, court_password)


def test_provisioning_again_keeps_every_password_and_a_deleted_secret_is_rotated(platform):
    before = platform.broker_password("petition_link")
    ensure_broker(platform, ["petition_link"])
    connect(platform, "petition_link", before).close()

    (platform.state_dir / "secrets" / "broker" / "petition_link").unlink()
    ensure_broker(platform, ["petition_link"])
    after = platform.broker_password("petition_link")

    assert after != before
    connect(platform, "petition_link", after).close()
    with pytest.raises(AccessRefused):
        connect(platform, "petition_link", before)


# --- what an agency may address on the documents exchange ----------------------------------------


def test_an_agency_may_note_its_decisions_for_supervision_but_send_supervision_nothing_else(platform, admin):
    connection = connect(platform, "court_link", platform.broker_password("court_link"))
    try:
        channel = connection.channel()
        channel.confirm_select()
        channel.basic_publish(
            amqp.Message(BODY, user_id=platform.broker_user("court_link")),
            exchange=DOCUMENTS_EXCHANGE,
            routing_key=document_routing_key("supervision", "LinkRecordNoted"),
        )
        for routing_key in ("supervision.FollowUpRated", "supervision.LinkRecordNotedX", "supervision.#"):
            refused = connection.channel()
            refused.confirm_select()
            with pytest.raises(AccessRefused):
                refused.basic_publish(amqp.Message(BODY), exchange=DOCUMENTS_EXCHANGE, routing_key=routing_key)
    finally:
        connection.collect()
        drain(admin, inbox_queue("supervision"))


def test_intake_may_raise_alerts_to_supervision_and_stability_but_no_agency_may(platform, admin):
    intake = connect(platform, "intake", platform.broker_password("intake"))
    court = connect(platform, "court_link", platform.broker_password("court_link"))
    try:
        channel = intake.channel()
        channel.confirm_select()
        for routing_key in ("supervision.HighFrequencyAlertRaised", "stability.StabilityAlertRaised"):
            channel.basic_publish(
                amqp.Message(BODY, user_id=platform.broker_user("intake")),
                exchange=DOCUMENTS_EXCHANGE,
                routing_key=routing_key,
            )
        for routing_key in ("supervision.HighFrequencyAlertRaised", "stability.StabilityAlertRaised"):
            refused = court.channel()
            refused.confirm_select()
            with pytest.raises(AccessRefused):
                refused.basic_publish(amqp.Message(BODY), exchange=DOCUMENTS_EXCHANGE, routing_key=routing_key)
    finally:
        intake.collect()
        court.collect()
        drain(admin, inbox_queue("supervision"))
        drain(admin, inbox_queue("stability"))


@pytest.mark.parametrize("service", ["identity", "console"])
def test_the_console_and_identity_log_in_but_may_send_and_take_nothing(platform, admin, service):
    # They answer HTTP alone; their users exist only because every service is given one.
    connection = connect(platform, service, platform.broker_password(service))
    try:
        for routing_key in ("coordinator.ReferralAccepted", "intake.RegisterDispute", "supervision.LinkRecordNoted"):
            refused = connection.channel()
            refused.confirm_select()
            with pytest.raises(AccessRefused):
                refused.basic_publish(
                    amqp.Message(BODY, user_id=platform.broker_user(service)),
                    exchange=DOCUMENTS_EXCHANGE,
                    routing_key=routing_key,
                )
        with pytest.raises(AccessRefused):
            connection.channel().basic_get(inbox_queue("coordinator"))
    finally:
        connection.collect()
    assert drain(admin, inbox_queue("coordinator")) == []


# --- dead-letter exchanges --------------------------------------------------------------------


@pytest.mark.parametrize(
    "exchange", [dead_letter_exchange("coordinator"), dead_letter_exchange("intake"), "wuyuan.dead"]
)
def test_an_agency_cannot_write_into_another_services_dead_letters(platform, exchange):
    connection = connect(platform, "court_link", platform.broker_password("court_link"))
    channel = connection.channel()
    channel.confirm_select()
    try:
        with pytest.raises(AccessRefused):
            channel.basic_publish(
                amqp.Message(BODY, headers={ORIGINAL_USER_HEADER: platform.broker_user("intake")}),
                exchange=exchange,
                routing_key="coordinator",
            )
    finally:
        connection.collect()


def test_provisioning_removes_the_dead_letter_exchange_every_service_once_shared(platform, admin):
    admin.exchange_declare(LEGACY_DEAD_LETTER_EXCHANGE, "direct", durable=True, auto_delete=False)
    admin.queue_bind(dead_queue("coordinator"), LEGACY_DEAD_LETTER_EXCHANGE, "coordinator")

    ensure_broker(platform, ["coordinator"])

    with pytest.raises(amqp.exceptions.NotFound):
        admin.exchange_declare(LEGACY_DEAD_LETTER_EXCHANGE, "direct", passive=True)


def test_an_agency_cannot_stamp_another_users_identity_even_on_its_own_dead_letters(platform):
    connection = connect(platform, "court_link", platform.broker_password("court_link"))
    channel = connection.channel()
    channel.confirm_select()
    try:
        with pytest.raises(PreconditionFailed, match="user_id"):
            channel.basic_publish(
                amqp.Message(BODY, user_id=platform.broker_user("coordinator")),
                exchange=dead_letter_exchange("court_link"),
                routing_key="court_link",
            )
    finally:
        connection.collect()


def test_dead_letters_expire_by_a_policy_and_keep_their_queue_arguments(platform):
    base = platform.rabbit_management_url.rstrip("/")
    vhost = quote(platform.vhost, safe="")
    policy = requests.get(f"{base}/api/policies/{vhost}/{DEAD_LETTER_POLICY}", timeout=15)
    queue = requests.get(f"{base}/api/queues/{vhost}/{dead_queue('coordinator')}", timeout=15).json()

    assert policy.json()["definition"] == {"message-ttl": 30 * 86_400_000}
    assert queue["arguments"] == {}


# --- case facts by source -------------------------------------------------------------------------


def publish_facts(platform, message_type: str, cases: list[tuple[str, tuple[str, ...]]]) -> None:
    """A fact of `message_type` for each (source, flags), as the coordinator publishes case facts."""
    connection = connect(platform, "coordinator", platform.broker_password("coordinator"))
    channel = connection.channel()
    channel.confirm_select()
    try:
        for source, flags in cases:
            channel.basic_publish(
                amqp.Message(BODY, user_id=platform.broker_user("coordinator")),
                exchange=EVENTS_EXCHANGE,
                routing_key=event_routing_key(message_type, source, flags),
                mandatory=True,
            )
    finally:
        connection.collect()


def test_police_link_receives_the_facts_of_police_call_cases_alone_and_supervision_every_case(platform, admin):
    publish_facts(platform, "CaseResolved", [("police_call", ()), ("walk_in", ()), ("police_call", ("violence_risk",))])

    police = [m.delivery_info["routing_key"] for m in drain(admin, inbox_queue("police_link"))]
    supervision = [m.delivery_info["routing_key"] for m in drain(admin, inbox_queue("supervision"))]
    assert police == ["CaseResolved.police_call", "CaseResolved.police_call.violence_risk"]
    assert supervision == [
        "CaseResolved.police_call",
        "CaseResolved.walk_in",
        "CaseResolved.police_call.violence_risk",
    ]


def test_stability_receives_the_closing_of_its_leads_and_flagged_cases_once_each_and_no_others(platform, admin):
    published = [
        ("walk_in", ()),
        ("walk_in", ("group", "high_risk")),  # matches two of its bindings, delivered once
        ("hotline", ("petition_involved",)),
        ("stability_lead", ()),
        ("police_call", ("violence_risk",)),
    ]
    publish_facts(platform, "CaseClosed", published)

    stability = [m.delivery_info["routing_key"] for m in drain(admin, inbox_queue("stability"))]
    supervision = [m.delivery_info["routing_key"] for m in drain(admin, inbox_queue("supervision"))]
    assert stability == [
        "CaseClosed.walk_in.group.high_risk",
        "CaseClosed.stability_lead",
        "CaseClosed.police_call.violence_risk",
    ]
    assert len(supervision) == len(published)


# --- replay -----------------------------------------------------------------------------------


def genuine_dead_letter(platform: PlatformSettings, service: str, message_id: str, original_user: str) -> None:
    """What the service's inbox consumer does with a message it can never process, as the service itself."""
    delivered = Message(
        body=BODY,
        content_type="application/json",
        content_encoding="utf-8",
        headers={"traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"},
        properties={"message_id": message_id, "type": "FollowUpRated", "user_id": original_user},
    )
    publisher = confirmed_publisher(platform.service_amqp_uri(service))
    publish_dead_letter(
        publisher, service, platform.broker_user(service), inbox_queue(service), delivered, "rejected: not yet"
    )


def test_a_genuine_dead_letter_replays_into_its_owners_inbox_under_the_original_sender(platform, admin):
    supervision = platform.broker_user("supervision")
    genuine_dead_letter(platform, "coordinator", "genuine-1", supervision)

    [listed] = list_dead_letters(platform, ["coordinator"])
    assert (listed.message_id, listed.refused) == ("genuine-1", None)
    report = replay_dead_letters(platform, ["coordinator"])

    assert (report.replayed, report.refused) == (["genuine-1"], [])
    [replayed] = drain(admin, inbox_queue("coordinator"))
    assert replayed.body in (BODY, BODY.decode())
    assert replayed.properties["user_id"] == supervision
    assert replayed.properties["message_id"] == "genuine-1"
    assert DEAD_REASON_HEADER not in replayed.headers and replayed.headers["traceparent"].startswith("00-")
    assert drain(admin, dead_queue("coordinator")) == []


def test_a_dead_letter_planted_by_another_account_is_refused_and_left_in_place(platform, admin):
    # Whoever can reach the dead queue other than through its own exchange (here an administrator)
    # cannot make replay act as the intake for it: the letter's user_id is not the coordinator's.
    forged_headers = {
        ORIGINAL_USER_HEADER: platform.broker_user("intake"),
        DEAD_QUEUE_HEADER: inbox_queue("coordinator"),
        DEAD_REASON_HEADER: "rejected: please replay me",
    }
    admin.basic_publish(
        amqp.Message(BODY, message_id="planted-1", application_headers=forged_headers, delivery_mode=2),
        exchange="",
        routing_key=dead_queue("coordinator"),
    )

    [listed] = list_dead_letters(platform, ["coordinator"])
    report = replay_dead_letters(platform, ["coordinator"])

    assert listed.message_id == "planted-1" and "不是 " in (listed.refused or "") and "写入的死信" in listed.refused
    assert report.replayed == []
    [refused] = report.refused
    assert (refused.service, refused.message_id) == ("coordinator", "planted-1")
    assert "user_id 为 空" in refused.why  # published with no user_id at all
    assert drain(admin, inbox_queue("coordinator")) == []
    [still_there] = drain(admin, dead_queue("coordinator"))
    assert still_there.properties["message_id"] == "planted-1"


def test_a_dead_letter_goes_back_only_to_its_own_service_whatever_its_headers_name(platform, admin):
    # The court's own dead letter names the coordinator's inbox: replay sends it to the court's.
    court_publisher = confirmed_publisher(platform.service_amqp_uri("court_link"))
    delivered = Message(
        body=BODY,
        content_type="application/json",
        headers={},
        properties={"message_id": "court-1", "user_id": platform.broker_user("coordinator")},
    )
    publish_dead_letter(
        court_publisher, "court_link", platform.broker_user("court_link"), inbox_queue("coordinator"), delivered, "x"
    )

    report = replay_dead_letters(platform, ["court_link"])

    assert report.replayed == ["court-1"]
    assert drain(admin, inbox_queue("coordinator")) == []
    [replayed] = drain(admin, inbox_queue("court_link"))
    assert replayed.properties["user_id"] == platform.broker_user("coordinator")
