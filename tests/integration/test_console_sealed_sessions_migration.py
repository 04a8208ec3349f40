"""Sessions kept before the console sealed their tokens held each token in clear: the migration removes them (they open
no more, their people sign in again), so that no usable token stays in the table until it expires."""

import shutil
from datetime import UTC, datetime, timedelta

import psycopg
from psycopg.rows import dict_row

from services.console.domain import open_session
from services.console.store import PostgresSessionStore
from shared.persistence.transaction import transaction
from tests.integration.databases import migrated_database
from wuyuan.provision_db import REPO_ROOT, apply_migrations, migration_dirs

MIGRATIONS = REPO_ROOT / "services" / "console" / "migrations"
# As the release before kept a session: the token itself in the `token` column.
KEPT_IN_CLEAR = (
    "INSERT INTO sessions (session_digest, username, token, csrf, created_at, expires_at)"
    " VALUES (%s, 'wang.fang', 'eyJhbGciOiJFUzI1NiJ9.wang-fang-claims.signature', 'form-key', now(), %s)"
)


def test_sessions_kept_with_their_token_in_clear_are_removed_and_sealed_ones_stay(tmp_path):
    earlier = tmp_path / "console"
    earlier.mkdir()
    shutil.copy(MIGRATIONS / "0001_sessions.sql", earlier)
    directories = [*migration_dirs("console")[:-1], earlier]
    tomorrow = datetime.now(UTC) + timedelta(days=1)
    with migrated_database("wyt_console_sealed", directories) as url:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(KEPT_IN_CLEAR, (b"d" * 32, tomorrow))
        for later in sorted(MIGRATIONS.glob("00*.sql")):
            shutil.copy(later, earlier)

        assert apply_migrations(url, directories) == [m.stem for m in sorted(MIGRATIONS.glob("00*.sql"))][1:]

        sealed = open_session("liu.yang", "token.of.liu.yang", tomorrow, datetime.now(UTC), "cookie-of-liu", "k")
        with transaction(lambda: psycopg.connect(url, row_factory=dict_row)) as tx:
            PostgresSessionStore(tx).add(sealed)
        apply_migrations(url, directories)  # run again (a later provisioning): a sealed session stays
        with psycopg.connect(url, row_factory=dict_row) as conn:
            kept = conn.execute("SELECT username, token FROM sessions").fetchall()

    assert kept == [{"username": "liu.yang", "token": sealed.sealed_token}]
    assert "wang-fang-claims" not in repr(kept)
