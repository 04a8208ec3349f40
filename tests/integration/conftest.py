"""Real PostgreSQL and RabbitMQ resources of the integration tests' own, named per run and removed afterwards."""

import uuid
from collections.abc import Iterator
from urllib.parse import urlsplit

import amqp
import psycopg
import pytest
from psycopg.rows import dict_row

from tests.integration.databases import migrated_database
from wuyuan.provision_db import SHARED_MIGRATIONS
from wuyuan.settings import PlatformSettings


@pytest.fixture(scope="module")
def messaging_database() -> Iterator[str]:
    """The URL of a database with the shared inbox and outbox migrations, dropped afterwards."""
    with migrated_database("wyi_uow", [SHARED_MIGRATIONS]) as url:
        yield url


@pytest.fixture
def connections(messaging_database):
    """What the service pool gives a unit of work: a fresh connection to that database, rows as dicts."""

    def connect() -> psycopg.Connection:
        return psycopg.connect(messaging_database, row_factory=dict_row, connect_timeout=10)

    return connect


@pytest.fixture
def broker():
    """A direct exchange bound to one durable queue, both named for this test and deleted afterwards.

    Yields (admin AMQP URI, broker user, the exchange's and queue's name, a channel to read with).
    """
    uri = PlatformSettings().amqp_admin_uri
    parts = urlsplit(uri)
    name = f"wyi.confirms.{uuid.uuid4().hex[:10]}"
    connection = amqp.Connection(
        host=f"{parts.hostname}:{parts.port or 5672}", userid=parts.username, password=parts.password
    )
    connection.connect()
    channel = connection.channel()
    channel.exchange_declare(name, "direct", durable=True, auto_delete=False)
    channel.queue_declare(name, durable=True, auto_delete=False)
    channel.queue_bind(name, name, routing_key="bound")
    try:
        yield uri, parts.username, name, channel
    finally:
        channel.queue_delete(name)
        channel.exchange_delete(name)
        connection.close()


@pytest.fixture
def drain():
    """Takes every message waiting on a queue, in order: `drain(channel, queue)`."""

    def take_all(channel, queue: str) -> list:
        received = []
        while (message := channel.basic_get(queue, no_ack=True)) is not None:
            received.append(message)
        return received

    return take_all
