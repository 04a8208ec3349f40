"""Real PostgreSQL: a dispute registered through intake leaves no ID or mobile number in clear in its database."""

from functools import partial
from typing import Any

import psycopg
import pytest
from psycopg.rows import dict_row

from services.intake import handlers
from services.intake.personal_data import PersonalDataCipher
from services.intake.store import PostgresIntakeStore
from shared.contracts.disputes import DisputeReport
from shared.delivery.outbox import mark_published
from shared.messaging.routing import addressing
from shared.persistence.transaction import transaction
from shared.persistence.unit_of_work import PostgresUnitOfWork
from shared.platform import Platform
from shared.registry import load_registry
from tests.integration.databases import migrated_database
from wuyuan.provision_db import migration_dirs

pytestmark = pytest.mark.integration

ZHANG_SAN_ID = "430426199005201239"
LI_SI_ID = "430426198511114563"
ZHANG_SAN_PHONE = "13800138000"
LI_SI_PHONE = "13900139000"
TYPED_PHONE = "13700137000"
CLEAR = (ZHANG_SAN_ID, LI_SI_ID, ZHANG_SAN_PHONE, LI_SI_PHONE, TYPED_PHONE)
PARTY_KEY_SECRET = b"a deployment secret of 32 bytes!"
CIPHER = PersonalDataCipher(bytes(range(32)))


@pytest.fixture(scope="module")
def intake_database():
    with migrated_database("wyi_intake", migration_dirs("intake")) as url:
        yield url


def everything_in(database_url: str) -> str:
    """Every row of every table, as text: what someone reading the database would see."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        tables = [row[0] for row in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
        return "\n".join(str(conn.execute(f'SELECT * FROM "{table}"').fetchall()) for table in tables)


def test_a_registered_dispute_leaves_no_id_or_mobile_number_in_clear_in_intakes_database(intake_database):
    platform = Platform(service="intake", registry=load_registry(), county="430426", broker_user_prefix="wuyuan")

    def connect() -> psycopg.Connection[Any]:
        return psycopg.connect(intake_database, row_factory=dict_row, connect_timeout=10)

    uow = PostgresUnitOfWork(
        partial(transaction, connect),
        partial(PostgresIntakeStore, cipher=CIPHER),
        "intake",
        addressing(platform.registry),
    )
    report = DisputeReport.model_validate(
        {
            "source": "walk_in",
            "category": "neighbour",
            "division_code": "430426101",
            "summary": f"李四家装修占用公共楼道，张三多次协商未果，张三另留电话 {TYPED_PHONE}。",
            "parties": [
                {"role": "applicant", "name": "张三", "id_number": ZHANG_SAN_ID, "phone": ZHANG_SAN_PHONE},
                {"role": "respondent", "name": "李四", "id_number": LI_SI_ID, "phone": LI_SI_PHONE},
            ],
        }
    )

    registered = handlers.register_dispute(report, "wang.fang", uow, platform, PARTY_KEY_SECRET)
    # The CaseRegistered waits in the outbox with the parties' phones until the broker has it;
    # the relay then keeps the row as a record with the numbers scrubbed.
    with psycopg.connect(intake_database, row_factory=dict_row) as conn:
        ids = [str(row["message_id"]) for row in conn.execute("SELECT message_id FROM outbox")]
    with transaction(connect) as tx:
        mark_published(tx, ids)

    stored = everything_in(intake_database)
    assert [number for number in CLEAR if number in stored] == []
    # Intake itself still reads the parties' numbers (masked when it shows them to staff).
    with uow:
        parties = uow.store.get_case(registered.case_id)["report"]["parties"]
    assert [p["id_number"] for p in parties] == [ZHANG_SAN_ID, LI_SI_ID]
    assert handlers.show_dispute(registered.case_id, uow)["report"]["parties"][0]["phone"] == "138****8000"
