"""The court's filings, records and referrals kept before one filing number was one filing, whatever its brackets,
are found under every form of their number once migration 0004 is applied, and keep the form they were kept in."""

import json
import shutil
from datetime import UTC, datetime
from uuid import UUID

import psycopg

from services.court_link.store import PostgresCourtStore
from tests.integration.databases import migrated_database, migrations_before
from tests.messages import referral_issued
from tests.stores.conftest import postgres_bench
from wuyuan.provision_db import REPO_ROOT, apply_migrations, migration_dirs

MIGRATIONS = REPO_ROOT / "services" / "court_link" / "migrations"
FILING = (
    "INSERT INTO filings (filing_number, unit, case_type, filed_on, category, division_code, summary, parties,"
    " legal_relation_clear, facts_clear, parties_consent, decision, status, diverted_on, mediation_due_on, message_id,"
    " registered_by, registered_at, updated_at)"
    " VALUES (%s, 'court:430426', 'civil', '2026-11-02', 'debt', '430426101', '原告诉请被告归还借款。', '[]',"
    " true, true, true, 'diverted', 'in_mediation', '2026-11-02', '2026-12-02', %s, 'zhao.li', %s, %s)"
)
LOG = "INSERT INTO filing_log (filing_number, kind, officer, at) VALUES (%s, 'registered', 'zhao.li', %s)"
RECORD = "INSERT INTO records (record_id, report, details, message_id, recorded_at) VALUES (%s, '{}', %s, %s, %s)"
# One filing registered twice before, as the officer typed it and as the court's system wrote it: two cases.
TWICE_ASCII, TWICE_OFFICIAL = "(2026)湘0426民初123号", "（2026）湘0426民初123号"
ONCE_ASCII = "(2026)湘0426民初200号"  # registered once, with ASCII brackets
FIRST, SECOND, ONCE = (UUID(f"0000000{n}-0000-4000-8000-000000000000") for n in (1, 2, 3))
MONDAY, TUESDAY = datetime(2026, 11, 2, 1, tzinfo=UTC), datetime(2026, 11, 3, 1, tzinfo=UTC)
REFERRAL = UUID("33333333-3333-4333-8333-333333333333")


def test_filings_kept_before_are_found_under_every_form_and_a_filing_registered_twice_stays_two(tmp_path):
    earlier = migrations_before(MIGRATIONS, "0004", tmp_path / "court_link")
    with migrated_database("wyt_filing_number_key", migration_dirs("court_link", own_dir=earlier)) as url:
        with psycopg.connect(url, autocommit=True) as conn:
            for number, message_id, at in ((TWICE_ASCII, FIRST, MONDAY), (TWICE_OFFICIAL, SECOND, TUESDAY)):
                conn.execute(FILING, (number, message_id, at, at))
                conn.execute(LOG, (number, at))
                conn.execute(RECORD, (number, json.dumps({"filing_number": number}), message_id, at))
            conn.execute(FILING, (ONCE_ASCII, ONCE, MONDAY, MONDAY))
            conn.execute(LOG, (ONCE_ASCII, MONDAY))
            conn.execute(RECORD, (ONCE_ASCII, json.dumps({"filing_number": ONCE_ASCII}), ONCE, MONDAY))
        shutil.copy(MIGRATIONS / "0004_filing_number_key.sql", earlier)

        assert apply_migrations(url, migration_dirs("court_link", own_dir=earlier)) == ["0004_filing_number_key"]

        stores = postgres_bench(url, PostgresCourtStore)
        with stores.transaction() as store:
            issued = referral_issued(REFERRAL, "court:430426", source="court_filing", source_record_id=ONCE_ASCII)
            store.add_referral(issued, {}, MONDAY)
        official = "（2026）湘0426民初200号"
        with stores.transaction() as store:
            each_under_its_own = [store.get_filing(n)["filing_number"] for n in (TWICE_ASCII, TWICE_OFFICIAL)]
            another_form = store.lock_filing("(2026）湘0426民初123号")[0].number
            once = store.get_filing(official)
            fed = store.record_for_filing(official)

    assert each_under_its_own == [TWICE_ASCII, TWICE_OFFICIAL]
    assert another_form == TWICE_ASCII  # the first registered
    assert (once["filing_number"], [line["kind"] for line in once["log"]]) == (ONCE_ASCII, ["registered"])
    assert [link["referral_id"] for link in once["referrals"]] == [REFERRAL]
    assert fed is not None and (fed["record_id"], fed["message_id"]) == (ONCE_ASCII, ONCE)
