"""The fault suite's private servers: their own ports, data that survives a crash, nothing left behind."""

import os
from pathlib import Path

import psycopg
import pytest
from kombu import Connection, Queue

from wuyuan.private_infra import private_postgres, private_rabbit

pytestmark = pytest.mark.integration


def alive(pid: int) -> bool:
    """Running, not a zombie (where nothing reaps orphans, as in some containers, an exited server stays one)."""
    try:
        os.kill(pid, 0)
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (ProcessLookupError, FileNotFoundError):
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def test_a_private_postgres_keeps_committed_rows_through_an_immediate_restart_and_leaves_nothing():
    with private_postgres() as cluster:
        assert cluster.port != 5432
        with psycopg.connect(cluster.admin_url, autocommit=True) as conn:
            conn.execute("CREATE TABLE letters (number text)")
            conn.execute("INSERT INTO letters VALUES ('督办函 2026-001')")
        crashed = cluster.pid()
        assert crashed is not None
        cluster.restart_immediately()
        assert cluster.pid() not in (None, crashed)
        with psycopg.connect(cluster.admin_url) as conn:
            assert conn.execute("SELECT number FROM letters").fetchall() == [("督办函 2026-001",)]
        root, last = cluster.root, cluster.pid()
    assert not root.exists()
    assert last is not None and not alive(last)


def test_a_private_rabbitmq_node_keeps_a_persistent_message_through_a_crash_and_leaves_nothing():
    with private_rabbit(nodes=1) as rabbit:
        [node] = rabbit.nodes
        assert 5672 not in (node.amqp_port, node.management_port)
        queue = Queue("referrals.waiting", durable=True)
        with Connection(node.amqp_uri) as conn:
            queue(conn.channel()).declare()
        # The queue exists before the crash, as provisioning makes it long before: a clean restart has the node
        # write its definition out (a kill -9 right after a declaration can lose it before it is logged).
        node.stop()
        node.start()
        with Connection(node.amqp_uri, transport_options={"confirm_publish": True}) as conn:
            conn.Producer().publish(b"referral for the court", routing_key=queue.name, delivery_mode=2)
        assert node.process is not None
        group = node.process.pid
        node.crash()
        assert not node.answers()
        node.start()
        with Connection(node.amqp_uri) as conn:
            message = queue(conn.channel()).get(no_ack=True)
        assert message is not None and message.body == b"referral for the court"
        root, epmd = rabbit.root, rabbit.epmd
    assert not root.exists()
    assert not alive(group)
    assert epmd is not None and epmd.poll() is not None
