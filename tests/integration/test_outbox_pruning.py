"""Sent outbox rows are kept for a while and then deleted; nothing unsent is ever deleted."""

import json
import uuid
from functools import partial

import psycopg
import pytest
from psycopg.rows import dict_row

from shared.delivery.outbox import Queued
from shared.delivery.relay import Outbox
from shared.persistence.transaction import transaction
from tests.integration.databases import migrated_database
from wuyuan.provision_db import SHARED_MIGRATIONS

pytestmark = pytest.mark.integration

CASE_ID = "430426-20261122-00042"
RETENTION_DAYS = 7


@pytest.fixture
def connections():
    """A fresh database per test: which rows come first by id is what pruning walks by."""
    with migrated_database("wyi_prune", [SHARED_MIGRATIONS]) as url:
        yield lambda: psycopg.connect(url, row_factory=dict_row, connect_timeout=10)


class NoBroker:
    """Pruning never publishes."""

    def close(self) -> None:
        pass


def queued(n: int) -> Queued:
    return Queued(
        message_id=str(uuid.uuid4()),
        message_type="CaseClosed",
        case_id=CASE_ID,
        exchange="wuyuan.events",
        routing_key="coordinator.CaseClosed",
        body=json.dumps({"n": n}),
        headers={},
    )


def stored(connections, count: int, *, sent_days_ago: float | None, created_days_ago: float) -> list[str]:
    """`count` outbox rows created that many days ago, sent that many days ago (None: never sent)."""
    messages = [queued(n) for n in range(count)]
    with transaction(connections) as tx:
        for message in messages:
            tx.queue(message)
    ids = [m.message_id for m in messages]
    with connections() as conn:
        conn.execute(
            "UPDATE outbox SET created_at = now() - %s * interval '1 day',"
            " published_at = now() - %s * interval '1 day' WHERE message_id = ANY(%s::uuid[])",
            (created_days_ago, sent_days_ago, ids),
        )
    return ids


def remaining(connections, ids: list[str]) -> int:
    with connections() as conn:
        return conn.execute("SELECT count(*) AS n FROM outbox WHERE message_id = ANY(%s::uuid[])", (ids,)).fetchone()[
            "n"
        ]


def test_rows_sent_before_the_retention_go_and_unsent_or_recent_ones_stay(connections):
    # In id order, as a service writes them: a long-stuck run wider than a batch, then
    # old sent rows, then rows sent within the retention, then one not sent yet.
    stuck = stored(connections, 60, sent_days_ago=None, created_days_ago=9)
    old_sent = stored(connections, 70, sent_days_ago=8, created_days_ago=8)
    recent = stored(connections, 20, sent_days_ago=6.9, created_days_ago=6.9)
    waiting = stored(connections, 1, sent_days_ago=None, created_days_ago=0)
    outbox = Outbox(partial(transaction, connections), NoBroker(), "wuyuan.coordinator", batch=50)

    pruned, more = outbox.prune(RETENTION_DAYS)

    assert (pruned, more) == (70, False)
    assert remaining(connections, old_sent) == 0
    assert remaining(connections, stuck) == 60
    assert remaining(connections, recent) == 20
    assert remaining(connections, waiting) == 1
    assert outbox.prune(RETENTION_DAYS) == (0, False)


def test_a_long_backlog_is_pruned_a_few_batches_per_pass(connections):
    backlog = stored(connections, 120, sent_days_ago=30, created_days_ago=30)
    outbox = Outbox(partial(transaction, connections), NoBroker(), "wuyuan.coordinator", batch=50)

    assert outbox.prune(RETENTION_DAYS, max_batches=2) == (100, True)
    assert remaining(connections, backlog) == 20
    assert outbox.prune(RETENTION_DAYS, max_batches=2) == (20, False)
    assert remaining(connections, backlog) == 0
