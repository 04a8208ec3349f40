"""Migration 0005 notes when the tokens signed before it expire as a day after their `iat`: a withdrawal of the last
day is listed for the rest of that day, and never one older, whatever the account signed since."""

import shutil
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from psycopg.rows import dict_row

from services.identity.store import PostgresAccountStore
from shared.persistence.transaction import transaction
from tests.integration.databases import migrated_database, migrations_before
from wuyuan.provision_db import REPO_ROOT, apply_migrations, migration_dirs

pytestmark = pytest.mark.integration

MIGRATIONS = REPO_ROOT / "services" / "identity" / "migrations"
LIFETIME, SLACK = timedelta(hours=8), timedelta(minutes=6)
# As the release before adds an account, notes a token it signs, and withdraws an account's tokens.
ADD = (
    "INSERT INTO accounts (username, display_name, password_hash, roles, units, disabled, password_changed_at,"
    " created_at) VALUES (%s, '刘洋', '$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA', '{officer}',"
    " '{police:430426101}', false, now(), now())"
)
SIGNED = "UPDATE accounts SET handle_tokens_issued_until = %s WHERE username = %s"
WITHDRAWN = "UPDATE accounts SET tokens_valid_from = %s WHERE username = %s"


def test_the_backfill_lists_a_withdrawal_of_the_last_day_and_no_older_one_whatever_was_signed_since(tmp_path):
    earlier = migrations_before(MIGRATIONS, "0005", tmp_path / "identity")
    directories = [*migration_dirs("identity")[:-1], earlier]
    now = datetime.now(UTC).replace(microsecond=0)
    with migrated_database("wyt_token_expiries", directories) as url:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("UPDATE accounts SET tokens_without_handle_until = NULL")
            for username in ("liu.yang", "wang.fang", "zhao.lei"):
                conn.execute(ADD, (username,))
            # Withdrawn twenty days ago, signed in two hours ago: that withdrawal can meet no valid token.
            conn.execute(WITHDRAWN, (now - timedelta(days=20), "liu.yang"))
            conn.execute(SIGNED, (now - timedelta(hours=2), "liu.yang"))
            # Signed in at 23 hours ago, withdrawn at 22, perhaps under a lifetime of a day: listed until 23 hours on.
            conn.execute(SIGNED, (now - timedelta(hours=23), "wang.fang"))
            conn.execute(WITHDRAWN, (now - timedelta(hours=22), "wang.fang"))
            # Signed in and withdrawn more than a day ago: nothing it took back can be valid.
            conn.execute(SIGNED, (now - timedelta(hours=26), "zhao.lei"))
            conn.execute(WITHDRAWN, (now - timedelta(hours=25), "zhao.lei"))
        shutil.copy(MIGRATIONS / "0005_token_expiries.sql", earlier)

        assert apply_migrations(url, directories) == ["0005_token_expiries"]

        with transaction(lambda: psycopg.connect(url, row_factory=dict_row)) as tx:
            listed = PostgresAccountStore(tx).withdrawals_since(now - LIFETIME - SLACK, now - SLACK)
            expiries = {
                row["username"]: row["handle_tokens_expire_until"]
                for row in tx.execute("SELECT username, handle_tokens_expire_until FROM accounts").fetchall()
            }

    assert [(w.username, w.tokens_without_handle_until) for w in listed] == [("wang.fang", None)]
    assert expiries["liu.yang"] == now - timedelta(hours=2) + timedelta(days=1)  # its handle kept until then
