"""The raw ceilings measured in the same run: confirmed persistent AMQP publishes and PostgreSQL write transactions."""

import shutil
import subprocess
import tempfile
import time
import uuid
from pathlib import Path
from typing import NamedTuple
from urllib.parse import unquote, urlsplit

import amqp
import psycopg

from bench.cpu import family_seconds, seconds_by_command

# The broker and the database, counted by their command names when they run on this machine.
BROKER = ("beam.smp",)
DATABASE = ("postgres",)


def amqp_confirmed_rate(amqp_uri: str, messages: int = 20_000, body_bytes: int = 600, window: int = 1) -> float:
    """Messages per second one client publishes persistent, with publisher confirms, to a durable queue.

    `window` is how many messages are sent before waiting for their confirms: 1 waits for
    each one (a broker round trip per message); the outbox relay sends up to a batch at once.
    """
    queue_name = f"bench.raw.{uuid.uuid4().hex[:8]}"
    payload = b"x" * body_bytes
    connection = _amqp_connection(amqp_uri)
    try:
        channel = connection.channel()
        channel.queue_declare(queue_name, durable=True, auto_delete=False)
        channel.confirm_select()
        confirmed = [0]

        def on_ack(tag: int, multiple: bool) -> None:
            confirmed[0] = max(confirmed[0], tag) if multiple else confirmed[0] + 1

        channel.events["basic_ack"].add(on_ack)
        started = time.perf_counter()
        sent = 0
        while sent < messages:
            for _ in range(min(window, messages - sent)):
                channel.basic_publish(
                    amqp.Message(payload, delivery_mode=2, content_type="application/json"),
                    exchange="",
                    routing_key=queue_name,
                )
                sent += 1
            while confirmed[0] < sent:
                connection.drain_events(timeout=30)
        rate = messages / (time.perf_counter() - started)
        channel.queue_delete(queue_name)
        return rate
    finally:
        connection.close()


def amqp_broker_cost(amqp_uri: str, messages: int, window: int, body_bytes: int = 600) -> float | None:
    """The broker's CPU µs per persistent message published with confirms, delivered and acknowledged.

    `window` messages are published before their confirms are awaited (1: each alone, as a service's relay
    sends a message when nothing else is queued; 200: a busy relay's batch). A second connection takes
    them from the durable queue (32 in flight, as the services prefetch) and acknowledges each. The
    broker's CPU is read from /proc, so None when it does not run on this machine.
    """
    if not seconds_by_command(BROKER):
        return None
    queue_name = f"bench.broker.{uuid.uuid4().hex[:8]}"
    payload = b"x" * body_bytes
    publisher, consumer = _amqp_connection(amqp_uri), _amqp_connection(amqp_uri)
    try:
        channel = publisher.channel()
        channel.queue_declare(queue_name, durable=True, auto_delete=False)
        channel.confirm_select()
        confirmed, taken = [0], [0]

        def on_confirm(tag: int, multiple: bool) -> None:
            confirmed[0] = max(confirmed[0], tag) if multiple else confirmed[0] + 1

        def on_message(message: amqp.Message) -> None:
            taken[0] += 1
            receiver.basic_ack(message.delivery_tag)

        channel.events["basic_ack"].add(on_confirm)
        receiver = consumer.channel()
        receiver.basic_qos(0, 32, False)
        receiver.basic_consume(queue_name, callback=on_message)
        before = sum(seconds_by_command(BROKER).values())
        sent = 0
        while sent < messages:
            for _ in range(min(window, messages - sent)):
                properties = {"delivery_mode": 2, "content_type": "application/json", "message_id": uuid.uuid4().hex}
                channel.basic_publish(amqp.Message(payload, **properties), exchange="", routing_key=queue_name)
                sent += 1
            while confirmed[0] < sent:
                publisher.drain_events(timeout=30)
            while taken[0] < sent:  # taken as they come, as an inbox keeps up with a trickle
                consumer.drain_events(timeout=30)
        used = sum(seconds_by_command(BROKER).values()) - before
        receiver.close()
        channel.queue_delete(queue_name)
        return used / messages * 1e6
    finally:
        consumer.close()
        publisher.close()


def _amqp_connection(amqp_uri: str) -> amqp.Connection:
    parts = urlsplit(amqp_uri)
    connection = amqp.Connection(
        host=f"{parts.hostname or 'localhost'}:{parts.port or 5672}",
        userid=unquote(parts.username or "guest"),
        password=unquote(parts.password or "guest"),
        virtual_host=unquote(parts.path.lstrip("/")) or "/",
    )
    connection.connect()
    return connection


class WriteRate(NamedTuple):
    rate: float  # transactions a second
    how: str  # what ran them
    server_us: float | None  # PostgreSQL's CPU µs per transaction, all its processes; None when it is not local


def postgres_write_rate(admin_url: str, seconds: int = 10, clients: int = 8) -> WriteRate:
    """Small write transactions per second: pgbench when installed, else a psycopg loop; and what each cost the
    server (its backends, WAL writer and the rest: every `postgres` process here), the database's own floor."""
    database = f"bench_raw_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{database}"')
    parts = urlsplit(admin_url)
    url = parts._replace(path=f"/{database}").geturl()
    try:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("CREATE TABLE ledger (id bigserial PRIMARY KEY, case_id text, at timestamptz, body jsonb)")
        if shutil.which("pgbench"):
            # The script lives as long as the run: a file kept past it would pile up in /tmp, one per bench.
            with tempfile.TemporaryDirectory(prefix="wuyuan-bench-pgbench-") as scratch:
                script = Path(scratch) / "insert.sql"
                script.write_text(
                    "INSERT INTO ledger (case_id, at, body) VALUES ('430426-20261121-00001', now(), "
                    '\'{"kind": "bench"}\');\n'
                )
                before = _server_seconds()
                result = subprocess.run(
                    ["pgbench", "-n", "-c", str(clients), "-j", "2", "-T", str(seconds), "-f", str(script), url],
                    capture_output=True,
                    text=True,
                    check=True,
                )
            for line in result.stdout.splitlines():
                if line.startswith("tps ="):
                    rate = float(line.split()[2])
                    how = f"pgbench -c {clients} -j 2, one INSERT per transaction"
                    return WriteRate(rate, how, _per_transaction(before, rate * seconds))
            raise RuntimeError(f"pgbench printed no tps: {result.stdout[-500:]}")
        before = _server_seconds()
        rate = _psycopg_rate(url, seconds)
        how = "psycopg loop, one INSERT per transaction (pgbench not installed)"
        return WriteRate(rate, how, _per_transaction(before, rate * seconds))
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def _server_seconds() -> float | None:
    return family_seconds(DATABASE)  # pgbench's connections end with it: their CPU is the postmaster's reaped


def _per_transaction(before: float | None, transactions: float) -> float | None:
    after = _server_seconds()
    if before is None or after is None or transactions <= 0:
        return None
    return (after - before) / transactions * 1e6


def _psycopg_rate(url: str, seconds: int) -> float:
    done = 0
    with psycopg.connect(url) as conn:
        deadline = time.perf_counter() + seconds
        started = time.perf_counter()
        while time.perf_counter() < deadline:
            with conn.transaction():
                conn.execute(
                    "INSERT INTO ledger (case_id, at, body) VALUES (%s, now(), '{}')", ("430426-20261121-00001",)
                )
            done += 1
        return done / (time.perf_counter() - started)


def bare_consumer_cost(amqp_uri: str, admin_url: str, body: bytes, messages: int = 3000) -> float:
    """CPU µs per message of a bare consumer of the same libraries, and nothing of the platform's.

    kombu takes each persistent message from a durable queue (32 in flight, as the services
    prefetch), strict JSON and a pydantic model read it, one round trip records it in an inbox
    table (`BEGIN; INSERT …; COMMIT`, client-side binding as the services use), then it is
    acknowledged. No nameko, eventlet, tracing, metrics or logs: the floor a service's
    delivery is measured against.
    """
    import json

    import kombu
    from psycopg import ClientCursor

    from shared.contracts import message_model
    from shared.contracts.strict_json import loads_strict

    model = message_model(json.loads(body)["type"])
    if model is None:
        raise ValueError("the body's type is not a platform message")
    queue_name = f"bench.bare.{uuid.uuid4().hex[:8]}"
    database = f"bench_bare_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{database}"')
    url = urlsplit(admin_url)._replace(path=f"/{database}").geturl()
    handled = [0]
    try:
        with psycopg.connect(url, autocommit=True) as conn, kombu.Connection(amqp_uri) as broker:
            conn.execute(
                "CREATE TABLE inbox (consumer text, message_id uuid, message_type text, case_id text,"
                " handled_at timestamptz DEFAULT now(), PRIMARY KEY (consumer, message_id))"
            )
            queue = kombu.Queue(queue_name, durable=True, auto_delete=False)
            with broker.Producer() as producer:
                for _ in range(messages):
                    producer.publish(body, routing_key=queue_name, declare=[queue], delivery_mode=2, serializer=None)

            def record(_: object, message: kombu.Message) -> None:
                read = model.model_validate(loads_strict(message.body))
                cursor = ClientCursor(conn)
                cursor.execute(
                    "BEGIN; INSERT INTO inbox (consumer, message_id, message_type, case_id)"
                    " VALUES (%s, %s::uuid, %s, %s); COMMIT",
                    ("bare", str(uuid.uuid4()), read.type, read.case_id),
                )
                message.ack()
                handled[0] += 1

            with broker.Consumer(queue, callbacks=[record], accept=None) as consumer:
                consumer.qos(prefetch_count=32)
                started = time.process_time()
                while handled[0] < messages:
                    broker.drain_events(timeout=30)
                used = time.process_time() - started
            queue(broker.default_channel).delete()
        return 1e6 * used / messages
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
