"""Purging personal data past its retention period, from intake and every agency service, outside the services."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
from psycopg.rows import dict_row

from shared.delivery.statements import Statements
from shared.persistence.errors import StoreError
from shared.persistence.transaction import transaction
from wuyuan.agencies import is_external
from wuyuan.provision_db import agency_services
from wuyuan.settings import PlatformSettings


@dataclass(frozen=True)
class Purged:
    """What one service's purge removed (or, in a dry run, would remove)."""

    service: str
    what: str
    ids: list[str]


def purge_personal_data(
    settings: PlatformSettings, *, dry_run: bool = False, now: datetime | None = None
) -> list[Purged]:
    """ID and mobile numbers of cases closed (referrals finished) more than the retention period ago."""
    from services.intake.personal_data import PersonalDataCipher, decode_key
    from services.intake.store import PostgresIntakeStore
    from shared.agency.store import PostgresAgencyStore

    now = now or datetime.now(UTC)
    before = now - timedelta(days=settings.personal_data_retention_days)
    results = []
    cipher = PersonalDataCipher(decode_key(settings.personal_data_key_value()))
    with _statements(settings, "intake") as sql:
        cases = PostgresIntakeStore(sql, cipher).purge_personal_data(before, now, dry_run=dry_run)
    results.append(Purged("intake", "件案件的身份证号和手机号", cases))
    for service in _agencies(settings):
        with _statements(settings, service) as sql:
            store = PostgresAgencyStore(sql)
            referrals = store.purge_phones(before, dry_run=dry_run)
            records = store.purge_record_phones(before, dry_run=dry_run)
        results.append(Purged(service, "份交办单的手机号", [str(r) for r in referrals]))
        results.append(Purged(service, "条本部门录入记录的手机号", records))
    return results


def _agencies(settings: PlatformSettings) -> Sequence[str]:
    """The Python agencies, whose databases have the agency base's tables; an external agency keeps its own."""
    agencies = agency_services(settings.config_dir)
    return [s for s in settings.services if s in agencies and not is_external(settings, s)]


class PurgeFailed(Exception):
    """One service's database could not be purged: which, at what URL (for naming its server), and why."""

    def __init__(self, service: str, database: str, url: str, error: BaseException) -> None:
        super().__init__(f"{service}: {error}")
        self.service = service
        self.database = database
        self.url = url
        self.error = error


@contextmanager
def _statements(settings: PlatformSettings, service: str) -> Iterator[Statements]:
    url = settings.database_url(service)
    connect: Callable[[], psycopg.Connection[Any]] = lambda: psycopg.connect(  # noqa: E731
        url, row_factory=dict_row, connect_timeout=10
    )
    try:
        with transaction(connect) as sql:
            yield sql
    except (StoreError, psycopg.Error) as error:
        raise PurgeFailed(service, settings.database_name(service), url, error) from error


def external_agencies(settings: PlatformSettings) -> list[str]:
    """The agencies written elsewhere, which drop their own copies of the numbers by the same retention period."""
    agencies = agency_services(settings.config_dir)
    return [s for s in settings.services if s in agencies and is_external(settings, s)]
