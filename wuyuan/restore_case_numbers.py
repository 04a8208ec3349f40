"""After intake's database is restored to an earlier point: its case numbers moved past those the centre holds.

Intake numbers cases per county and day (`430426-20261206-00004`, services/intake/domain.py) from its counters.
Restored, the counters are back where the backup left them, and the next filings would get numbers the
coordinator already holds for other disputes: the coordinator would refuse each registration as a duplicate and
the dispute would be lost to the dead letters. So the restore, while intake is still stopped, reads the highest
number of each county and day from the coordinator's database (the operator's tool reaches every database, as a
backup does) and moves intake's counters past it. The cases numbered after the backup stay at the coordinator,
but intake's own records of them (the filing, the parties' ID and mobile numbers) are gone: they are listed, so
that staff know which cases the window no longer holds the parties' details of.

Numbers the coordinator has not taken in yet, registrations still waiting in its inbox or retry queue, are in no
database: the restore waits a while for the coordinator to take them in, and refuses (before it changes anything)
while any wait, since the next filings would be given their numbers again (`require_coordinator_drained`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlsplit

import psycopg
from amqp.exceptions import AMQPError, ChannelError

from shared.messaging.routing import inbox_queue, retry_queue
from wuyuan.backup import BackupError, said_of
from wuyuan.counters import move_forward
from wuyuan.database_words import without_passwords
from wuyuan.provision_amqp import admin_connection
from wuyuan.settings import PlatformSettings

NOT_FOUND = 404  # AMQP's reply code for a queue that does not exist

# A case number intake gives: county, China date, sequence. Anything else (none is expected) is left alone.
CASE_NUMBER = r"^[0-9]{6}-[0-9]{8}-[0-9]{5,9}$"
# How many of the cases intake lost the report lists by number; the count is always given.
LISTED = 50
# How long the restore waits for a running coordinator to take in what waits in its queues.
DRAIN_WAIT_SECONDS = 30.0

HIGHEST_AT_THE_CENTRE = f"""
SELECT split_part(case_id, '-', 1) AS county, to_date(split_part(case_id, '-', 2), 'YYYYMMDD') AS day,
       max(split_part(case_id, '-', 3)::integer) AS last
FROM cases
WHERE case_id ~ '{CASE_NUMBER}' AND split_part(case_id, '-', 2) >= %s
GROUP BY 1, 2
ORDER BY 1, 2
"""

NUMBERED_AT_THE_CENTRE = f"""
SELECT case_id FROM cases WHERE case_id ~ '{CASE_NUMBER}' AND split_part(case_id, '-', 2) >= %s ORDER BY case_id
"""


@dataclass
class CaseNumbersAfterRestore:
    """What moving intake's counters did: the days moved, and the cases the centre holds that intake lost."""

    advanced: list[dict[str, object]] = field(default_factory=list)
    lost_count: int = 0
    lost: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {"advanced": self.advanced, "lost_count": self.lost_count, "lost": self.lost}


@dataclass(frozen=True)
class CentreNumbers:
    """What the coordinator holds from a day on: the highest sequence of each county and day, and every number."""

    highest: list[tuple[str, date, int]]
    numbered: list[str]


def centre_numbers(settings: PlatformSettings, since: date) -> CentreNumbers:
    """The coordinator's case numbers from `since` (the backup's China date, less a day for filings numbered just
    before midnight). Read once before intake's database is replaced, so that a coordinator that cannot be read
    stops the restore before anything changes, and again after, for what it took in meanwhile."""
    day = since.strftime("%Y%m%d")
    try:
        with psycopg.connect(settings.admin_database_url("coordinator"), connect_timeout=10) as centre:
            highest = centre.execute(HIGHEST_AT_THE_CENTRE, (day,)).fetchall()
            numbered = [row[0] for row in centre.execute(NUMBERED_AT_THE_CENTRE, (day,)).fetchall()]
    except psycopg.Error as exc:
        said = said_of(settings, "coordinator", exc)
        raise BackupError(
            "case_numbers_unreadable",
            f"恢复 intake 需要读综合协调组（coordinator）的数据库 {settings.database_name('coordinator')}，以便把案件"
            f"编号续在其已有编号之后，但读不到（{said.message}）；数据库未做任何改动",
            said.detail,
            said.fields(),
        ) from None
    return CentreNumbers([(county, on, last) for county, on, last in highest], numbered)


def advance_case_numbers(settings: PlatformSettings, centre: CentreNumbers) -> CaseNumbersAfterRestore:
    """Move intake's counters past every number the coordinator holds; list the centre's cases intake no longer
    has."""
    found = CaseNumbersAfterRestore()
    try:
        with psycopg.connect(settings.admin_database_url("intake"), connect_timeout=10) as intake:
            for county, on, last in centre.highest:
                # A counter already past the centre's number (a case the coordinator has not taken in yet) stays.
                if move_forward(intake, "case_counters", {"county": county, "day": on}, last):
                    found.advanced.append({"county": county, "day": on.isoformat(), "last": last})
            held_rows = intake.execute("SELECT case_id FROM cases WHERE case_id = ANY(%s)", (centre.numbered,))
            held = {row[0] for row in held_rows}
    except psycopg.Error as exc:
        said = said_of(settings, "intake", exc)
        raise BackupError(
            "case_numbers_not_advanced",
            f"intake 的数据库已恢复，但案件编号未能续在综合协调组已有编号之后（{said.message}）："
            "启动 intake 前请排除后重新运行本命令，否则新登记的案件会用到已有的编号",
            said.detail,
            said.fields(),
        ) from None
    lost = [case_id for case_id in centre.numbered if case_id not in held]
    found.lost_count, found.lost = len(lost), lost[:LISTED]
    return found


def messages_waiting_at_the_centre(settings: PlatformSettings) -> int:
    """Messages ready in the coordinator's inbox and retry queues, as the broker counts them at this moment (a passive
    declare: the management API's figures lag by seconds); a queue the platform has not declared holds none. Those
    the coordinator is handling are committed within moments, and the restore reads its numbers again afterwards."""
    total = 0
    with admin_connection(settings) as connection:
        for queue in (inbox_queue("coordinator"), retry_queue("coordinator")):
            try:
                total += connection.channel().queue_declare(queue=queue, passive=True).message_count
            except ChannelError as missing:
                if getattr(missing, "code", None) != NOT_FOUND:
                    raise
    return total


def require_coordinator_drained(
    settings: PlatformSettings,
    wait: float = DRAIN_WAIT_SECONDS,
    waiting: Callable[[PlatformSettings], int] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> None:
    """Refuse to restore intake while registrations may wait, numbered, in the coordinator's queue: their numbers are
    in no database yet, so the restored counters would give them to the next filings, and the coordinator would
    refuse those as duplicates. Waits up to `wait` seconds for a running coordinator to take them in."""
    count_waiting = waiting or messages_waiting_at_the_centre
    give_up = clock() + wait
    while True:
        try:
            count = count_waiting(settings)
        except (OSError, AMQPError) as exc:
            said = without_passwords(" ".join(str(exc).split()), settings.amqp_admin_uri)
            raise BackupError("centre_queue_unreadable", _queue_unreadable(settings, exc), said) from None
        if count == 0:
            return
        if clock() >= give_up:
            raise BackupError(
                "registrations_waiting",
                f"综合协调组（coordinator）的收件队列 {inbox_queue('coordinator')} 中还有 {count} 条消息未处理，"
                "其中可能有已编号、尚未入库的登记：现在恢复，新登记的案件会再次用到这些编号。请先让 coordinator "
                "运行并处理完队列（`wuyuan status`；该队列的深度见 RabbitMQ 管理页面），再恢复；"
                "数据库未做任何改动。确需立即恢复（接受上述重号），加 --skip-queue-check",
            )
        sleep(1.0)


ACCESS_REFUSED = 403  # AMQP's reply code for a login the broker refused
NOT_ALLOWED = 530  # …and for a vhost the user may not open (or that does not exist)


def _queue_unreadable(settings: PlatformSettings, error: Exception) -> str:
    """Why the broker could not be asked, naming the setting and its host:port (never the password it holds), and
    the narrow way past this one check with what it risks."""
    parts = urlsplit(settings.amqp_admin_uri)
    try:
        host = parts.hostname or "127.0.0.1"
        where = f"{f'[{host}]' if ':' in host else host}:{parts.port or 5672}"
    except ValueError:  # a port that is not a number
        where = parts.hostname or "?"
    code = getattr(error, "reply_code", None)
    if code == ACCESS_REFUSED:
        why = f"RabbitMQ 拒绝以用户 {parts.username or 'guest'} 登录：其中的用户名或密码不对"
    elif code == NOT_ALLOWED:
        why = f"该用户不能打开 vhost {settings.vhost}（vhost 不存在，或该用户没有权限）"
    else:  # what the client said is the error's detail (--json, --verbose)
        why = "连不上：RabbitMQ 是否在运行？地址和端口是否正确？"
    # Unset, the setting falls back to a broker on this machine: in a pod that is nobody, and the operator should know.
    given = "" if "amqp_admin_uri" in settings.model_fields_set else "（未设置，用的是默认的本机地址）"
    return (
        f"恢复 intake 前需确认综合协调组（coordinator）的收件队列 {inbox_queue('coordinator')} 中没有尚未入库的登记，"
        f"但无法经 WUYUAN_AMQP_ADMIN_URI{given}向 RabbitMQ（{where}）查询：{why}；数据库未做任何改动。"
        "请改正 WUYUAN_AMQP_ADMIN_URI 后重试（Kubernetes：恢复 Job 须由 CronJob wuyuan-backup 生成，其中有此设置）。"
        "确知该队列已空（如在 RabbitMQ 管理界面看过），可加 --skip-queue-check 只跳过这一项："
        "若队列中仍有登记，其编号会再次发给新登记的案件，综合协调组将以重号拒收"
    )
