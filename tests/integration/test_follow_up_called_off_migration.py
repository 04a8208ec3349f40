"""Visits a petition's reopening followed before supervision knew to call them off are called off by the upgrade."""

import json
import shutil
import uuid

import psycopg

from tests.integration.databases import migrated_database, migrations_before
from wuyuan.provision_db import REPO_ROOT, SHARED_MIGRATIONS, apply_migrations

MIGRATIONS = REPO_ROOT / "services" / "supervision" / "migrations"
REOPENED = (
    "INSERT INTO case_facts (message_id, case_id, fact, occurred_at, detail)"
    " VALUES (%s, %s, 'CaseReopened', '2026-12-05T02:00:00+00', %s::jsonb)"
)
VISIT = (
    "INSERT INTO follow_ups (case_id, round, lead_unit, opened_at, trace, rating)"
    " VALUES (%s, %s, 'police:430426101', '2026-12-04T02:00:00+00', '{}', %s)"
)


def test_an_unrated_visit_a_petition_s_reopening_followed_is_called_off_and_no_other(tmp_path):
    earlier = migrations_before(MIGRATIONS, "0017", tmp_path / "supervision")
    petitioned, dissatisfied, rated_first = (f"430426-20261204-0000{n}" for n in (1, 2, 3))
    with migrated_database("wyt_follow_up_called_off", [SHARED_MIGRATIONS, earlier]) as url:
        with psycopg.connect(url, autocommit=True) as conn:
            for case_id, rating in ((petitioned, None), (dissatisfied, None), (rated_first, "satisfied")):
                conn.execute(VISIT, (case_id, 1, rating))
            for case_id, cause in ((petitioned, "repeat_report"), (dissatisfied, "dissatisfied")):
                detail = {"cause": cause, "round": 2, "rating": None if cause == "repeat_report" else "dissatisfied"}
                conn.execute(REOPENED, (str(uuid.uuid4()), case_id, json.dumps(detail)))
            conn.execute(REOPENED, (str(uuid.uuid4()), rated_first, json.dumps({"cause": "repeat_report", "round": 2})))
        shutil.copy(MIGRATIONS / "0017_follow_up_called_off.sql", earlier)

        assert apply_migrations(url, [SHARED_MIGRATIONS, earlier]) == ["0017_follow_up_called_off"]

        with psycopg.connect(url) as conn:
            called_off = {c: at for c, at in conn.execute("SELECT case_id, called_off_at FROM follow_ups")}
            pending = [
                c
                for (c,) in conn.execute(
                    "SELECT case_id FROM follow_ups WHERE rating IS NULL AND called_off_at IS NULL"
                )
            ]
    assert {c for c, at in called_off.items() if at is not None} == {petitioned}
    assert called_off[petitioned].isoformat().startswith("2026-12-05T02:00:00")
    assert pending == [dissatisfied]
