"""A period's scheduled spot-check draw is taken once even when two supervision instances draw at the same moment."""

from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import psycopg
import pytest
from psycopg.rows import dict_row

from services.supervision.spot_checks import ClosedCase, Draw, Trigger
from services.supervision.store import PostgresSupervisionStore
from shared.persistence.transaction import transaction
from shared.workdays import CHINA_TZ
from tests.integration.databases import migrated_database
from wuyuan.provision_db import migration_dirs

pytestmark = pytest.mark.integration

AT = datetime(2026, 12, 1, 0, 1, tzinfo=CHINA_TZ)
CASE = ClosedCase("430426-20261101-00001", 1, "police:430426101", datetime(2026, 11, 10, tzinfo=CHINA_TZ))
NOVEMBER_DRAW = Draw(Trigger.SCHEDULED, date(2026, 11, 1), date(2026, 11, 30), Decimal(10), 1, 1, "ab" * 16, (CASE,))


@pytest.fixture(scope="module")
def database() -> Iterator[str]:
    with migrated_database("wyi_spot", migration_dirs("supervision")) as url:
        yield url


def test_the_second_instance_waits_for_the_first_and_then_draws_nothing(database):
    def connect() -> psycopg.Connection[Any]:
        return psycopg.connect(database, row_factory=dict_row, connect_timeout=10)

    with transaction(connect) as first:
        assert PostgresSupervisionStore(first).add_draw(UUID(int=1), NOVEMBER_DRAW, "timer", AT) is True
        # The other instance, while the first has not committed: its insert waits on the unique index.
        with pytest.raises(Exception, match="lock timeout"), transaction(connect) as second:
            second.write("SET LOCAL lock_timeout = '300ms'")
            PostgresSupervisionStore(second).add_draw(UUID(int=2), NOVEMBER_DRAW, "timer", AT)

    with transaction(connect) as second:
        assert PostgresSupervisionStore(second).add_draw(UUID(int=2), NOVEMBER_DRAW, "timer", AT) is False
        drawn = second.all("SELECT draw_id FROM spot_check_draws")
        checks = second.all("SELECT case_id, draw_id FROM spot_checks")
    assert drawn == [{"draw_id": UUID(int=1)}]
    assert checks == [{"case_id": CASE.case_id, "draw_id": UUID(int=1)}]
