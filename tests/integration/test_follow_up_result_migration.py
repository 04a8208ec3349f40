"""Visits opened before follow-ups kept their round's result are given it from the CaseResolved that opened them."""

import json
import shutil
import uuid

import psycopg

from tests.integration.databases import migrated_database, migrations_before
from wuyuan.provision_db import REPO_ROOT, SHARED_MIGRATIONS, apply_migrations

MIGRATIONS = REPO_ROOT / "services" / "supervision" / "migrations"
RESOLVED = (
    "INSERT INTO case_facts (message_id, case_id, fact, occurred_at, detail)"
    " VALUES (%s, %s, 'CaseResolved', now(), %s::jsonb)"
)
VISIT = (
    "INSERT INTO follow_ups (case_id, round, lead_unit, opened_at, trace) VALUES (%s, %s, 'court:430426', now(), '{}')"
)


def test_a_visit_opened_before_the_upgrade_takes_its_rounds_result_and_one_with_none_stays_without(tmp_path):
    earlier = migrations_before(MIGRATIONS, "0016", tmp_path / "supervision")
    taken_to_court, before_results = "430426-20261101-00001", "430426-20261101-00002"
    with migrated_database("wyt_follow_up_result", [SHARED_MIGRATIONS, earlier]) as url:
        with psycopg.connect(url, autocommit=True) as conn:
            for case_id, round_ in ((taken_to_court, 1), (taken_to_court, 2), (before_results, 1)):
                conn.execute(VISIT, (case_id, round_))
            conn.execute(
                RESOLVED,
                (
                    str(uuid.uuid4()),
                    taken_to_court,
                    json.dumps({"lead_unit": "court:430426", "round": 1, "result": "mediation_failed"}),
                ),
            )
            conn.execute(
                RESOLVED,
                (
                    str(uuid.uuid4()),
                    taken_to_court,
                    json.dumps({"lead_unit": "court:430426", "round": 2, "result": "referred_to_litigation"}),
                ),
            )
            conn.execute(RESOLVED, (str(uuid.uuid4()), before_results, json.dumps({"lead_unit": None, "round": 1})))
        shutil.copy(MIGRATIONS / "0016_follow_up_result.sql", earlier)

        assert apply_migrations(url, [SHARED_MIGRATIONS, earlier]) == ["0016_follow_up_result"]

        with psycopg.connect(url) as conn:
            results = {(c, r): v for c, r, v in conn.execute("SELECT case_id, round, result FROM follow_ups")}
    assert results == {
        (taken_to_court, 1): "mediation_failed",
        (taken_to_court, 2): "referred_to_litigation",
        (before_results, 1): None,
    }
