"""Watches the case's resolution closed before the unit's own earlier end was handled are dated by that end on the
upgrade, and their cases are recounted."""

import shutil
import uuid

import psycopg

from tests.integration.databases import migrated_database, migrations_before
from wuyuan.provision_db import REPO_ROOT, SHARED_MIGRATIONS, apply_migrations

MIGRATIONS = REPO_ROOT / "services" / "supervision" / "migrations"
WATCH = (
    "INSERT INTO watches (referral_id, case_id, unit, role, round, issued_at, due_at, reminder_at, closed_at)"
    " VALUES (%s, %s, %s, %s, 1, '2026-11-02T01:00:00+00', '2026-11-05T09:30:00+00', '2026-11-04T09:30:00+00', %s)"
)
RESULT = (
    "INSERT INTO referral_results (referral_id, case_id, unit, reason, result, ended_at)"
    " VALUES (%s, %s, %s, 'result_reported', 'mediated', %s)"
)
SETTLED = "2026-11-09T02:00:00+00"  # the round's resolution, Monday 9 November
MEDIATED = "2026-11-04T03:00:00+00"  # the co-unit's own end, Wednesday 4 November, before its deadline


def test_a_watch_closed_at_the_resolution_is_dated_by_the_units_own_earlier_end_and_its_case_recounted(tmp_path):
    earlier = migrations_before(MIGRATIONS, "0018", tmp_path / "supervision")
    late_handled, in_order, lead = (str(uuid.uuid4()) for _ in range(3))
    wrong, right = "430426-20261102-00005", "430426-20261102-00006"
    with migrated_database("wyt_watch_earliest_end", [SHARED_MIGRATIONS, earlier]) as url:
        with psycopg.connect(url, autocommit=True) as conn:
            # The co-unit of case 5, whose end was handled after the resolution; the lead, which settled the round.
            conn.execute(WATCH, (late_handled, wrong, "justice:430426101", "co_unit", SETTLED))
            conn.execute(RESULT, (late_handled, wrong, "justice:430426101", MEDIATED))
            conn.execute(WATCH, (lead, wrong, "police:430426101", "lead", SETTLED))
            # Case 6's co-unit, handled in order: its watch already holds its own end.
            conn.execute(WATCH, (in_order, right, "justice:430426101", "co_unit", MEDIATED))
            conn.execute(RESULT, (in_order, right, "justice:430426101", MEDIATED))
        shutil.copy(MIGRATIONS / "0018_watch_earliest_end.sql", earlier)

        assert apply_migrations(url, [SHARED_MIGRATIONS, earlier]) == ["0018_watch_earliest_end"]

        with psycopg.connect(url) as conn:
            closed = {str(r): at.isoformat() for r, at in conn.execute("SELECT referral_id, closed_at FROM watches")}
            stale = [c for (c,) in conn.execute("SELECT case_id FROM report_stale")]
    assert closed[late_handled].startswith("2026-11-04T03:00:00")
    assert closed[lead].startswith("2026-11-09T02:00:00")  # no own end kept: the resolution stands
    assert closed[in_order].startswith("2026-11-04T03:00:00")
    assert stale == [wrong]
