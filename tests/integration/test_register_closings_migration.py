"""Cases already in the risk register when it began to hear of closings read `unknown` until one of theirs arrives."""

import json
import shutil
from datetime import UTC, datetime

import psycopg

from services.stability.store import PostgresStabilityStore
from tests.integration.databases import migrated_database, migrations_before
from tests.stores.conftest import postgres_bench
from wuyuan.provision_db import REPO_ROOT, apply_migrations, migration_dirs

MIGRATIONS = REPO_ROOT / "services" / "stability" / "migrations"
ENTERED = (
    "INSERT INTO risk_register (case_id, colour, flags, category, division_code, lead_unit, noted_at)"
    " VALUES (%s, %s, %s::jsonb, 'land', '430426101203', 'police:430426101', %s)"
)
BEFORE, HEARD_SINCE = "430426-20261101-00001", "430426-20261101-00002"
AFTER = "430426-20261206-00003"


def test_an_entry_from_before_reads_unknown_until_its_closing_arrives_and_a_new_one_reads_open(tmp_path):
    earlier = migrations_before(MIGRATIONS, "0006", tmp_path / "stability")
    noted = datetime(2026, 11, 1, 2, tzinfo=UTC)
    with migrated_database("wyt_register_closings", migration_dirs("stability", own_dir=earlier)) as url:
        with psycopg.connect(url, autocommit=True) as conn:
            for case_id in (BEFORE, HEARD_SINCE):
                conn.execute(ENTERED, (case_id, "red", json.dumps(["high_risk"]), noted))
        shutil.copy(MIGRATIONS / "0006_case_closures.sql", earlier)

        assert apply_migrations(url, migration_dirs("stability", own_dir=earlier)) == ["0006_case_closures"]

        stores = postgres_bench(url, PostgresStabilityStore)
        closed_at = datetime(2026, 12, 6, 3, tzinfo=UTC)
        with stores.transaction() as store:
            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute(ENTERED, (AFTER, "yellow", json.dumps(["group"]), closed_at))
            store.note_closing(HEARD_SINCE, closed_at, "satisfied", closed_at)
        with stores.transaction() as store:
            statuses = {entry["case_id"]: entry["status"] for entry in store.risk_register(10)}
            unknown = [entry["case_id"] for entry in store.risk_register(10, status="unknown")]
            counts = store.risk_register_counts()

    assert statuses == {BEFORE: "unknown", HEARD_SINCE: "closed", AFTER: "open"}
    assert unknown == [BEFORE]
    assert counts == {"red": {"unknown": 1, "closed": 1}, "yellow": {"open": 1}}
