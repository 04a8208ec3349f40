"""Sent outbox rows kept with a number the relay used to miss are walked once more, every string decoded."""

import json
import shutil
import uuid

import psycopg

from tests.integration.databases import migrated_database
from wuyuan.provision_db import SHARED_MIGRATIONS, apply_migrations

MOBILE = "13912345678"
INSERT = (
    "INSERT INTO outbox (message_id, message_type, case_id, exchange, routing_key, body, headers, published_at)"
    " VALUES (%s, 'ReferralIssued', '430426-20261204-00003', 'wuyuan.documents', 'court', %s::jsonb, '{}',"
    " PUBLISHED_AT)"
)


def test_a_number_after_a_line_break_left_in_a_kept_row_is_redacted_and_an_unsent_row_keeps_what_it_must_send(
    tmp_path,
):
    earlier = tmp_path / "shared"
    earlier.mkdir()
    for migration in sorted(SHARED_MIGRATIONS.glob("s000[1-4]_*.sql")):
        shutil.copy(migration, earlier)
    kept_id, unsent_id = str(uuid.uuid4()), str(uuid.uuid4())
    body = json.dumps({"note": f"另留电话：\n{MOBILE}", "amount": 13800138000}, ensure_ascii=False)
    with migrated_database("wyt_outbox_kept", [earlier]) as url:
        with psycopg.connect(url, autocommit=True) as conn:
            # Sent, and missed by the pass of then; and one still to be sent, which the recipient needs whole.
            conn.execute(INSERT.replace("PUBLISHED_AT", "now()"), (kept_id, body))
            conn.execute(INSERT.replace("PUBLISHED_AT", "NULL"), (unsent_id, body))
        shutil.copy(SHARED_MIGRATIONS / "s0005_outbox_kept_rows_rescrubbed.sql", earlier)

        assert apply_migrations(url, [earlier]) == ["s0005_outbox_kept_rows_rescrubbed"]

        with psycopg.connect(url) as conn:
            rows = dict(conn.execute("SELECT message_id::text, body FROM outbox").fetchall())
    assert rows[kept_id] == {"note": "另留电话：\n[redacted]", "amount": 13800138000}
    assert rows[unsent_id]["note"] == f"另留电话：\n{MOBILE}"
