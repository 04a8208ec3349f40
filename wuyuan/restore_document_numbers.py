"""After supervision's database is restored to an earlier point: its 文号 series moved past the numbers the agencies
already hold.

Supervision numbers each 提醒函, 督办函 and 通报 per series and year (`临澧综治〔2026〕督办第3号`,
services/supervision/documents.py) from counters that the restore takes back to the backup's point, while the
agencies keep the letters they received since, 文号 included, in their referrals' logs. The next letter would take a
number already given to another. So the restore reads the highest number of each series and year from every
agency's database (the operator's tool reaches them, as a backup does) and moves supervision's counters past it.
A 通报 is not kept by the agencies (they take only its delivery): one issued after the backup may be numbered
again, and the restore says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import psycopg

from services.supervision.documents import DocumentKind, numbered_as
from wuyuan.agencies import has_database, is_external
from wuyuan.backup import BackupError
from wuyuan.counters import move_forward
from wuyuan.settings import PlatformSettings

LETTERS_HELD = "SELECT DISTINCT detail ->> 'document_number' FROM referral_log WHERE detail ? 'document_number'"


@dataclass
class NumbersHeld:
    """The highest 文号 of each series and year the agencies hold, and the agencies that could not be read."""

    highest: dict[tuple[DocumentKind, int], int] = field(default_factory=dict)
    unreadable: list[str] = field(default_factory=list)


def numbers_held(settings: PlatformSettings) -> NumbersHeld:
    """Every agency's letters, as their referral logs keep them. An agency run elsewhere, or one whose database
    cannot be read, is named: its letters are not counted."""
    held = NumbersHeld()
    for agency in settings.registry.agency_services():
        if is_external(settings, agency) or not has_database(settings, agency):
            held.unreadable.append(agency)
            continue
        try:
            with psycopg.connect(settings.admin_database_url(agency), connect_timeout=10) as conn:
                if conn.execute("SELECT to_regclass('referral_log')").fetchone() == (None,):
                    continue
                numbers = [row[0] for row in conn.execute(LETTERS_HELD).fetchall()]
        except psycopg.Error:
            held.unreadable.append(agency)
            continue
        for number in numbers:
            found = numbered_as(str(number))
            if found is not None:
                kind, year, seq = found
                held.highest[(kind, year)] = max(seq, held.highest.get((kind, year), 0))
    return held


def advance_document_numbers(settings: PlatformSettings, held: NumbersHeld) -> dict[str, object]:
    """Move supervision's series past what the agencies hold; what moved, and what could not be counted."""
    advanced = []
    try:
        with psycopg.connect(settings.admin_database_url("supervision"), connect_timeout=10) as conn:
            for (kind, year), last in sorted(held.highest.items()):
                if move_forward(conn, "document_numbers", {"kind": kind.value, "year": year}, last):
                    advanced.append({"kind": kind.value, "year": year, "last": last})
    except psycopg.Error as exc:
        raise BackupError(
            "document_numbers_not_advanced",
            f"supervision 的数据库已恢复，但文号未能续在各机构已收到的编号之后（{' '.join(str(exc).split())}）："
            "启动 supervision 前请排除后重新运行本命令，否则新发的提醒函、督办函会与已发出的重号",
        ) from None
    return {"advanced": advanced, "unreadable": held.unreadable}
