"""Identity restored to an earlier point, against the real PostgreSQL with pg_dump and pg_restore: a token signed after
the backup carries a handle the restored database no longer knows, so a withdrawal after the restore is listed by the
digest of the username, which a verifier checks whatever handle a token carries. A platform of this run's own."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest
from psycopg.rows import dict_row

from services.identity import domain
from services.identity.domain import Account
from services.identity.store import PostgresAccountStore
from shared.auth.principal import Role
from shared.persistence.transaction import transaction
from tests.integration.databases import provisioned
from wuyuan.backup import backup_services
from wuyuan.backup_restore import restore_service
from wuyuan.commands_backup import token_handle_lines

pytestmark = pytest.mark.integration

LIFETIME = timedelta(hours=8)  # a token's lifetime by default
REACH = LIFETIME + timedelta(minutes=6)  # and the verifiers' slack
OFFICER = Account("liu.yang", "刘洋", frozenset({Role.OFFICER}), frozenset({"police:430426101"}))


def test_a_withdrawal_after_identity_is_restored_reaches_a_token_signed_since_the_backup(tmp_path: Path) -> None:
    (tmp_path / "backups").mkdir()
    with provisioned(tmp_path, ["identity"]) as settings:
        url = settings.admin_database_url("identity")
        yesterday = datetime.now(UTC) - timedelta(days=1)
        with transaction(lambda: psycopg.connect(url, row_factory=dict_row)) as tx:
            store = PostgresAccountStore(tx)
            store.add(OFFICER, "$argon2id$x", yesterday)
            at_backup = store.note_issued(
                OFFICER.username, yesterday, yesterday + LIFETIME, yesterday - REACH, yesterday - REACH + LIFETIME
            )
        folder = backup_services(settings, ("identity",), tmp_path / "backups")
        # This morning's sign-in, after a quiet night, draws the officer a new handle, which the token carries.
        morning = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)
        with transaction(lambda: psycopg.connect(url, row_factory=dict_row)) as tx:
            since_backup = PostgresAccountStore(tx).note_issued(
                OFFICER.username, morning, morning + LIFETIME, morning - REACH, morning - REACH + LIFETIME
            )

        report = restore_service(settings, "identity", folder, force=False, restore_secrets=False)
        with transaction(lambda: psycopg.connect(url, row_factory=dict_row)) as tx:
            store = PostgresAccountStore(tx)
            restored_handle = store.lock(OFFICER.username)[0].token_handle  # type: ignore[index]
            store.withdraw_tokens(OFFICER.username, domain.tokens_valid_from(datetime.now(UTC)))
            [withdrawal] = store.withdrawals_since(datetime.now(UTC) - REACH, datetime.now(UTC) - REACH + LIFETIME)

    assert since_backup != at_backup and restored_handle == at_backup  # the morning's handle is gone
    assert domain.listed_by_digest(withdrawal, REACH)  # so the morning's token is refused by the digest of its subject
    assert report.token_handles is not None and report.token_handles["accounts"] == 1
    assert "按用户名摘要列出" in token_handle_lines(report.token_handles)[0]
