"""After supervision's database is restored to an earlier point: its deadline watches learn which 提醒函 and 督办函 the
units already hold, so that none goes twice and none whose moment fell while supervision was down is skipped.

The restored watches remember the letters sent up to the backup; the agencies log every letter their units took
(`referral_log`, services' shared agency handlers). The restore reads them (restore_document_numbers.numbers_held, in
the same pass as the 文号) and writes them into supervision's database, with the agencies it could read:
- a watch the backup holds takes as sent the letters its unit took since (sent at the letter's own time where the agency
  kept it, else when the unit took it), so the timer does not send them again;
- a watch `wuyuan reconcile supervision` starts again takes as sent exactly what its unit holds (handlers._start_watch),
  rather than every letter whose moment had come by the re-send: one whose moment fell while supervision was down
  goes out at the timer's next pass.
For an agency whose database could not be read (run elsewhere, or unreachable) nothing is known, and supervision keeps
taking as sent the letters whose moments had come by the re-send (domain.letters_sent_before); the restore names it.
The letters the restored archive lost are archived again from the same reading (restore_letters_archived).
"""

from __future__ import annotations

from datetime import UTC, datetime

import psycopg

from wuyuan.backup import BackupError, said_of
from wuyuan.restore_document_numbers import NumbersHeld
from wuyuan.settings import PlatformSettings

# One restore's reading replaces the last one's: the backup may hold an earlier restore's.
FORGET = ("DELETE FROM letters_held", "DELETE FROM letters_held_read")
READ_FROM = "INSERT INTO letters_held_read (service, read_at) SELECT unnest(%s::text[]), %s"
HELD = (
    "INSERT INTO letters_held (referral_id, kind, received_at)"
    " SELECT * FROM unnest(%s::uuid[], %s::text[], %s::timestamptz[])"
)
# The first letter of each kind a unit took stands for it, as the timer records the first it sent.
MARK_SENT = """
UPDATE watches w SET {column} = h.received_at FROM letters_held h
WHERE h.referral_id = w.referral_id AND h.kind = %s AND w.{column} IS NULL
"""
SENT_AT = {"reminder": "reminder_sent_at", "overdue": "overdue_sent_at"}


def record_letters_held(settings: PlatformSettings, held: NumbersHeld, now: datetime | None = None) -> dict[str, int]:
    """Once the restored database has every migration (`letters_held` is 0020): write what the agencies hold and mark
    the restored watches' letters their units took since the backup; how many watches were marked, by kind."""
    referral_ids, kinds, times = [], [], []
    for referral_id, letters in held.letters.items():
        for letter_kind, at in letters.items():
            referral_ids.append(referral_id)
            kinds.append(letter_kind.value)
            times.append(at)
    marked: dict[str, int] = {}
    try:
        with psycopg.connect(settings.admin_database_url("supervision"), connect_timeout=10) as conn:
            for statement in FORGET:
                conn.execute(statement)
            conn.execute(READ_FROM, (held.read, now or datetime.now(UTC)))
            conn.execute(HELD, (referral_ids, kinds, times))
            for kind, column in SENT_AT.items():
                marked[kind] = conn.execute(MARK_SENT.format(column=column), (kind,)).rowcount
    except psycopg.Error as exc:
        said = said_of(settings, "supervision", exc)
        raise BackupError(
            "letters_held_not_recorded",
            f"supervision 的数据库已恢复，但各单位已收到的提醒函、督办函未能写入（{said.message}）："
            "启动 supervision 前请排除后重新运行本命令，否则备份之后已发出的函件会重发",
            said.detail,
            said.fields(),
        ) from None
    return marked
