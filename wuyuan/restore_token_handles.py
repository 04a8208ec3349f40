"""After identity's database is restored to an earlier point: withdrawals listed by digest until no token signed since
the backup can be valid.

A sign-in draws an account a new token handle after a quiet spell (services/identity/store.py, `note_issued`), and
its tokens carry the handle. The restored database holds the handles of the backup's time, not those drawn since, so
a withdrawal listed by the restored handle would miss a token signed after the backup (a stolen one, say), and the
verifiers would take it until it expired. The restore therefore notes, for every account, that it may hold tokens
whose handle identity no longer knows (`tokens_without_handle_until`, as migration 0004 noted tokens signed before
handles): for a token's lifetime and six minutes, identity lists each withdrawal by the digest of the username, which
a verifier checks for every token, whatever handle it carries (services/identity/README.md).
"""

from __future__ import annotations

from datetime import datetime

import psycopg

from wuyuan.backup import BackupError, said_of
from wuyuan.settings import PlatformSettings

# Every token identity signed until now may carry a handle the restored database does not hold.
HANDLES_FORGOTTEN = (
    "UPDATE accounts SET tokens_without_handle_until = GREATEST(tokens_without_handle_until, now())"
    " RETURNING tokens_without_handle_until"
)
# A backup from before handles lacks the column: migration 0004, applied after the restore, notes every account so.
HAS_HANDLES = (
    "SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'accounts'"
    " AND column_name = 'tokens_without_handle_until'"
)


def forget_token_handles(settings: PlatformSettings) -> dict[str, object] | None:
    """List every withdrawal by digest until the tokens signed before now have expired; how many accounts and since
    when (`listed_by_digest_from`). None for a backup from before handles, which migration 0004 takes care of."""
    try:
        with psycopg.connect(settings.admin_database_url("identity"), connect_timeout=10) as identity:
            if identity.execute(HAS_HANDLES).fetchone() is None:
                return None
            noted: list[datetime] = [row[0] for row in identity.execute(HANDLES_FORGOTTEN)]
    except psycopg.Error as exc:
        said = said_of(settings, "identity", exc)
        raise BackupError(
            "token_handles_not_forgotten",
            f"identity 的数据库已恢复，但未能记下备份之后签发的令牌（{said.message}）："
            "启动 identity 前请排除后重新运行本命令，否则停用账号时，备份之后签发的令牌仍然有效",
            said.detail,
            said.fields(),
        ) from None
    return {"accounts": len(noted), "listed_by_digest_from": max(noted).isoformat() if noted else None}
