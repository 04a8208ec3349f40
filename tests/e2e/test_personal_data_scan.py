"""After a full run, the parties' ID and mobile numbers are nowhere but where they must be.

Intake's database holds them sealed (its own tests read it); the lead agency's referrals hold
the phones until the retention purge. Every other database, every log and span file under the
platform's state directory, and every dead letter is scanned for the numbers this run used.
"""

import time
from pathlib import Path

import psycopg
import pytest

from shared.contracts.identifiers import resident_id_check_char
from wuyuan.dead_letters import list_dead_letters
from wuyuan.settings import PlatformSettings

# Every service of a platform with the shipped agency registry.
SERVICES = PlatformSettings().services

pytestmark = pytest.mark.e2e


def resident_id(first_17: str) -> str:
    return first_17 + resident_id_check_char(first_17)


# Numbers no other test uses, so whatever is found came from this run's case.
APPLICANT_ID = resident_id("43042619780314627")
RESPONDENT_ID = resident_id("43042619850827153")
TYPED_ID = resident_id("43042620010101234")
APPLICANT_PHONE = "13607345261"
RESPONDENT_PHONE = "18973452618"
TYPED_PHONE = "15873452619"
ID_NUMBERS = (APPLICANT_ID, RESPONDENT_ID, TYPED_ID)
PHONES = (APPLICANT_PHONE, RESPONDENT_PHONE)

DISPUTE = {
    "source": "walk_in",
    "category": "traffic",
    "division_code": "430426101203",
    "summary": f"电动车与货车在村口剐蹭，双方就赔偿金额争执不下。王五另留电话{TYPED_PHONE}，身份证{TYPED_ID}。",
    "parties": [
        {"role": "applicant", "name": "王五", "id_number": APPLICANT_ID, "phone": APPLICANT_PHONE},
        {"role": "respondent", "name": "赵六", "id_number": RESPONDENT_ID, "phone": RESPONDENT_PHONE},
    ],
}


def rows_of(database_url: str) -> dict[str, str]:
    """Every table of a database with all its rows as text."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        tables = [row[0] for row in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
        return {table: str(conn.execute(f'SELECT * FROM "{table}"').fetchall()) for table in tables}


def found(text: str, numbers: tuple[str, ...]) -> list[str]:
    return [number for number in numbers if number in text]


def test_no_id_or_phone_number_is_left_where_it_does_not_belong(platform, client):
    case_id = client.register(DISPUTE)["case_id"]
    case = client.wait_for_status(case_id, "assigned")
    for referral in case["referrals"]:
        client.settle(referral["unit"], referral["referral_id"], "双方达成赔偿协议")
    client.wait_for_status(case_id, "resolved")
    client.wait_for_follow_up(case_id)
    client.rate(case_id, "satisfied")
    client.wait_for_status(case_id, "closed")
    lead_service = client.service_of(case["lead_unit"])
    time.sleep(3)  # the relays mark what the broker confirmed, the span exporters flush

    leaks = []
    for service in SERVICES:
        if service == "intake":
            continue
        for table, text in rows_of(platform.database_url(service)).items():
            allowed_phones = service == lead_service and table == "referrals"
            # The phone typed into the summary was masked before it left intake, so it is nowhere.
            numbers = (*ID_NUMBERS, TYPED_PHONE) if allowed_phones else (*ID_NUMBERS, *PHONES, TYPED_PHONE)
            leaks += [f"{service}.{table}: {n}" for n in found(text, numbers)]
    # The lead's referral did get the phones it needs.
    assert found(rows_of(platform.database_url(lead_service))["referrals"], PHONES) == list(PHONES)

    for path in sorted(Path(platform.state_dir).rglob("*")):
        if path.is_file() and "secrets" not in path.relative_to(platform.state_dir).parts:
            text = path.read_text(encoding="utf-8", errors="replace")
            everything = (*ID_NUMBERS, *PHONES, TYPED_PHONE)
            leaks += [f"{path.relative_to(platform.state_dir)}: {n}" for n in found(text, everything)]

    for letter in list_dead_letters(platform, SERVICES):
        text = f"{letter.body_preview} {letter.reason}"
        leaks += [f"dead letter {letter.message_id}: {n}" for n in found(text, (*ID_NUMBERS, *PHONES, TYPED_PHONE))]

    assert leaks == []


def test_log_and_span_files_are_readable_by_the_platform_user_alone(platform, client):
    client.register({**DISPUTE, "summary": "邻里噪音纠纷", "category": "neighbour"})
    time.sleep(1)

    for directory in (platform.log_dir, platform.trace_dir):
        assert directory.stat().st_mode & 0o777 == 0o700
        files = [path for path in directory.iterdir() if path.is_file()]
        assert files
        assert {path.name: path.stat().st_mode & 0o777 for path in files} == {path.name: 0o600 for path in files}
