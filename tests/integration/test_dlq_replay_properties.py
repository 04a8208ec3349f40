"""On the real RabbitMQ: `wuyuan dlq replay` sends a dead letter back to its inbox with exactly the properties it
first came with (kombu's publish of the dead letter adds a content_encoding the original lacked), and services that
receive no messages (the console, identity) get no queues. A vhost of the test module's own, deleted afterwards."""

import secrets
from collections.abc import Iterator
from urllib.parse import quote, urlsplit

import amqp
import pytest
import requests
from click.testing import CliRunner
from kombu import Connection

from shared.messaging.amqp import confirmed_publisher
from shared.messaging.dead_letters import publish_dead_letter
from shared.messaging.routing import dead_letter_exchange, dead_queue, inbox_queue
from wuyuan.cli import main
from wuyuan.provision_amqp import delete_broker, ensure_broker
from wuyuan.settings import PlatformSettings

pytestmark = pytest.mark.integration

BODY = b'{"type": "FollowUpRated", "case_id": "430426-20261205-00001"}'


@pytest.fixture(scope="module")
def platform(tmp_path_factory) -> Iterator[PlatformSettings]:
    settings = PlatformSettings(vhost=f"wyr_{secrets.token_hex(4)}", state_dir=tmp_path_factory.mktemp("state"))
    ensure_broker(settings)
    try:
        yield settings
    finally:
        delete_broker(settings)


@pytest.fixture
def admin(platform) -> Iterator[amqp.Channel]:
    parts = urlsplit(platform.amqp_admin_uri)
    connection = amqp.Connection(
        host=f"{parts.hostname}:{parts.port or 5672}",
        userid=parts.username,
        password=parts.password,
        virtual_host=platform.vhost,
    )
    connection.connect()
    channel = connection.channel()
    channel.confirm_select()
    try:
        yield channel
    finally:
        for queue in (inbox_queue("coordinator"), dead_queue("coordinator")):
            while channel.basic_get(queue, no_ack=True) is not None:
                pass
        connection.close()


def test_replay_restores_the_original_properties_exactly(platform, admin):
    # Sent as a sender may send it: JSON without a content_encoding, with properties nameko never sets.
    admin.basic_publish(
        amqp.Message(
            BODY,
            content_type="application/json",
            delivery_mode=2,
            priority=3,
            correlation_id="corr-7",
            message_id="replay-props-1",
            timestamp=1_796_000_000,
            type="FollowUpRated",
            app_id="supervision",
            application_headers={"traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"},
            user_id=urlsplit(platform.amqp_admin_uri).username,
        ),
        exchange="",
        routing_key=inbox_queue("coordinator"),
    )
    # The coordinator's inbox consumer takes it, and can never process it: a dead letter, as the service writes it.
    with Connection(platform.service_amqp_uri("coordinator")) as connection:
        channel = connection.default_channel
        raw = channel.basic_get(inbox_queue("coordinator"), no_ack=False)
        original = dict(raw.properties)
        publish_dead_letter(
            confirmed_publisher(platform.service_amqp_uri("coordinator")),
            "coordinator",
            platform.broker_user("coordinator"),
            inbox_queue("coordinator"),
            channel.message_to_python(raw),
            "rejected: cannot process",
        )
        channel.basic_ack(raw.delivery_tag)
    assert "content_encoding" not in original

    result = CliRunner().invoke(
        main,
        ["dlq", "replay", "--service", "coordinator"],
        env={"WUYUAN_VHOST": platform.vhost, "WUYUAN_STATE_DIR": str(platform.state_dir)},
    )

    assert result.exit_code == 0, result.output
    assert "已重放 1 条死信" in result.output
    replayed = admin.basic_get(inbox_queue("coordinator"), no_ack=True)
    assert replayed is not None and replayed.body == BODY
    assert replayed.properties == original  # content_encoding still absent, every other property as it came
    assert admin.basic_get(dead_queue("coordinator"), no_ack=True) is None


def test_services_that_receive_no_messages_have_no_queues(platform):
    base = platform.rabbit_management_url.rstrip("/")
    listed = requests.get(f"{base}/api/queues/{quote(platform.vhost, safe='')}", timeout=15).json()
    names = {queue["name"] for queue in listed}
    exchanges = requests.get(f"{base}/api/exchanges/{quote(platform.vhost, safe='')}", timeout=15).json()

    assert not [name for name in names if name.startswith(("wuyuan.console.", "wuyuan.identity."))]
    assert {"wuyuan.coordinator.inbox", "wuyuan.coordinator.retry", "wuyuan.coordinator.dead"} <= names
    named = {exchange["name"] for exchange in exchanges}
    assert dead_letter_exchange("coordinator") in named
    assert not {dead_letter_exchange("console"), dead_letter_exchange("identity")} & named

    result = CliRunner().invoke(
        main,
        ["dlq", "list", "--json"],
        env={"WUYUAN_VHOST": platform.vhost, "WUYUAN_STATE_DIR": str(platform.state_dir)},
    )
    assert result.exit_code == 0, result.output


def test_queues_an_earlier_provisioning_declared_for_them_are_removed_while_empty(platform, admin):
    for queue in ("wuyuan.console.inbox", "wuyuan.identity.dead"):
        admin.queue_declare(queue, durable=True, auto_delete=False)

    ensure_broker(platform, ["console", "identity"])

    base = platform.rabbit_management_url.rstrip("/")
    listed = requests.get(f"{base}/api/queues/{quote(platform.vhost, safe='')}", timeout=15).json()
    assert not [q["name"] for q in listed if q["name"].startswith(("wuyuan.console.", "wuyuan.identity."))]
