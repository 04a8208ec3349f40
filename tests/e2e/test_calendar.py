"""A deadline into a year whose calendar is unknown is provisional; `wuyuan calendar load` makes it exact everywhere,
the court's own terms included.

The year files here are made up for the test (the deadline's own day becomes a holiday, so that it must
move), NOT the State Council's calendar. The platform of this session counts by them from here on; this
test process counts by them only while the test runs (`make test` runs the unit tests in it afterwards).
"""

import json
import time
from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import psycopg
import pytest
from click.testing import CliRunner

from services.coordinator.deadlines import deadline_for
from services.coordinator.domain.model import Term
from services.court_link.domain.terms import MEDIATION_TERM_DAYS, local_date, term_end
from shared.calendar_file import read_calendar_file
from shared.workdays import CHINA_TZ, is_known, load_year, runs_into_unknown_year, unload_year
from wuyuan.cli import main

pytestmark = pytest.mark.e2e

COURT = "court:430426"
TERM = Term(20)  # 民间借贷: the court's mediators, 20 working days (config/routing.toml)
LOAN = {
    "source": "walk_in",
    "category": "debt",
    "division_code": "430426101203",
    "summary": "借给同村村民三万元用于购买农机，约定年底归还，至今未还",
    "parties": [
        {"role": "applicant", "name": "龙桂香", "phone": "13807349876"},
        {"role": "respondent", "name": "邓德旺", "phone": "13975416543"},
    ],
}

# A loan the court diverts to pre-litigation mediation today (诉前调解, 30 days).
FILING = {
    "filing_number": "(2026)湘0426民初8890号",
    "case_type": "civil",
    "filed_on": local_date(datetime.now(CHINA_TZ)).isoformat(),
    "category": "debt",
    "division_code": "430426101",
    "summary": "原告诉请被告归还借款两万元。",
    "parties": [
        {"role": "applicant", "name": "龙秋菊", "phone": "13807341288"},
        {"role": "respondent", "name": "邓立军", "phone": "13907345699"},
    ],
    "claim_amount_yuan": "20000",
    "legal_relation_clear": True,
    "facts_clear": True,
    "parties_consent": True,
}


def wait_until(read: Callable[[], Any], holds: Callable[[Any], bool], what: str, timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = read()
        if holds(last):
            return last
        time.sleep(0.2)
    raise TimeoutError(f"{what} not reached in {timeout}s; last seen: {last}")


def year_file(directory: Path, year: int, holidays: list[date]) -> Path:
    path = directory / f"{year}.toml"
    days = ", ".join(day.isoformat() for day in sorted(set(holidays)))
    path.write_text(
        f'year = {year}\nsource = "端到端测试用节假日安排（非国务院办公厅通知）"\n'
        f'working_weekends = []\n\n[[holidays]]\nname = "元旦"\ndays = [{days}]\n',
        encoding="utf-8",
    )
    return path


@pytest.fixture
def loaded_here() -> Iterator[list[int]]:
    """Years this test loads into its own process as well, forgotten afterwards."""
    years: list[int] = []
    yield years
    for year in years:
        unload_year(year)


def test_a_provisional_deadline_becomes_exact_at_the_centre_supervision_and_the_unit_when_its_year_is_loaded(
    client, platform, tmp_path, loaded_here
):
    case_id = client.register(LOAN)["case_id"]
    case = client.wait_for_status(case_id, "assigned")
    [lead] = [r for r in case["referrals"] if r["unit"] == COURT]
    issued_at, due_before = datetime.fromisoformat(lead["issued_at"]), datetime.fromisoformat(lead["due_at"])
    # The pinned chinesecalendar knows no year after 2026, so every term issued from now on runs into one
    # nobody has loaded; a newer pin would make this fail here, asking for a longer term, never pass unchecked.
    assert runs_into_unknown_year(issued_at, due_before), f"{issued_at} → {due_before} is all in known years"
    assert lead["due_provisional"] is True
    referral_id = lead["referral_id"]
    shown = CliRunner().invoke(main, ["case", "show", case_id], env=cli_env(platform))
    assert "（暂定）" in shown.output, shown.output
    # The court's own 30-day mediation term of a filing diverted today runs into an unknown year too.
    filing = client.call("POST", "court_link", "/api/v1/filings", FILING, expect=(201,))
    diverted_on, court_due = date.fromisoformat(filing["diverted_on"]), date.fromisoformat(filing["mediation_due_on"])
    assert not is_known(court_due.year) and filing["mediation_due_provisional"] is True, filing

    # The term's last day, and the court's, become holidays of their year; other unknown years get 1 January.
    last_day = due_before.astimezone(CHINA_TZ).date()
    first_year = issued_at.astimezone(CHINA_TZ).year
    years = [y for y in range(first_year, max(last_day.year, court_due.year) + 1) if not is_known(y)]
    files = [
        year_file(tmp_path, y, [d for d in (last_day, court_due) if d.year == y] or [date(y, 1, 1)]) for y in years
    ]
    for path in files:
        loaded = CliRunner().invoke(main, ["calendar", "load", str(path)], env=cli_env(platform))
        assert loaded.exit_code == 0, loaded.output
        assert f"已载入{read_calendar_file(path).year}年节假日安排" in loaded.output
        load_year(read_calendar_file(path).days())
        loaded_here.append(read_calendar_file(path).year)
    expected = deadline_for(issued_at, TERM)
    # Later when the term ends in its last day, earlier when it spans a statutory day the made-up file leaves out.
    assert expected != due_before

    def lead_at_centre() -> dict[str, Any]:
        [found] = [r for r in client.case(case_id)["referrals"] if r["referral_id"] == referral_id]
        return found

    exact = wait_until(lead_at_centre, lambda r: not r["due_provisional"], "the deadline made exact")
    assert datetime.fromisoformat(exact["due_at"]) == expected
    timeline = client.case(case_id)["timeline"]
    [line] = [e for e in timeline if e["kind"] == "deadline_recomputed" and e["detail"]["unit"] == COURT]
    assert datetime.fromisoformat(line["detail"]["previous_due_at"]) == due_before
    shown = CliRunner().invoke(main, ["case", "show", case_id], env=cli_env(platform))
    assert "节假日安排已载入，期限由" in shown.output and "（暂定）" not in shown.output, shown.output

    def watch() -> dict[str, Any]:
        watches = client.call("GET", "supervision", f"/api/v1/cases/{case_id}/watches")["watches"]
        return next((w for w in watches if w["referral_id"] == referral_id), {})

    moved = wait_until(watch, lambda w: datetime.fromisoformat(str(w.get("due_at"))) == expected, "the watch moved")
    assert moved["due_provisional"] is False
    wait_until(
        lambda: client.referral(COURT, referral_id),
        lambda r: datetime.fromisoformat(str(r["due_at"])) == expected,
        "the court's referral moved",
    )

    # court_link and supervision keep their own copy of every year loaded (CalendarYearLoaded).
    for service in ("court_link", "supervision"):
        wait_until(lambda service=service: copied_years(platform, service), lambda kept: set(years) <= kept, service)
    # The court counted its running term again: past the holiday its last day became, and exact.
    court_expected = term_end(diverted_on, MEDIATION_TERM_DAYS)
    assert court_expected > court_due
    recounted = wait_until(
        lambda: client.call("GET", "court_link", f"/api/v1/filings/{quote(FILING['filing_number'], safe='')}"),
        lambda f: f["mediation_due_on"] == court_expected.isoformat(),
        "the court's term counted again",
    )
    assert recounted["mediation_due_provisional"] is False
    [line] = [e for e in recounted["log"] if e["kind"] == "term_recounted"]
    assert line["detail"] == {
        "term": "mediation",
        "year": court_due.year,
        "was": court_due.isoformat(),
        "now": court_expected.isoformat(),
    }

    again = CliRunner().invoke(main, ["calendar", "load", str(files[-1])], env=cli_env(platform))
    assert "未作改动" in again.output and "重算期限0件" in again.output, again.output
    listed = CliRunner().invoke(main, ["calendar", "show", str(last_day.year), "--json"], env=cli_env(platform))
    assert json.loads(listed.output)["origin"] == "loaded"


def copied_years(platform, service: str) -> set[int]:
    with psycopg.connect(platform.database_url(service)) as conn:
        return {row[0] for row in conn.execute("SELECT year FROM calendar_years")}


def cli_env(platform) -> dict[str, str]:
    return {
        "WUYUAN_VHOST": platform.vhost,
        "WUYUAN_DB_PREFIX": platform.db_prefix,
        "WUYUAN_STATE_DIR": str(platform.state_dir),
        "WUYUAN_HTTP_PORT_BASE": str(platform.http_port_base),
    }
