"""The leaders' report end to end: court filings, a police call and a petition driven through the real services,
then every count they moved read back from supervision's API and from `wuyuan report`."""

import json
import random
import time

import pytest
from click.testing import CliRunner

from tests.e2e.test_court_link import COURT, COURT_UNIT, JUSTICE_UNIT, filing, joint_case, path, today
from tests.e2e.test_petition_link import OFFICER, case_of_record, county_today, petition_number, register
from tests.e2e.test_police_link import POLICE, case_of_call, dispute_call, unit_referral
from wuyuan.cli import main

pytestmark = pytest.mark.e2e

# What the drive below adds to today's county report, figure by figure.
MOVED = {
    "court_filings_registered": 2,
    "court_filings_diverted": 1,
    "court_mediated": 1,
    "police_referred": 1,
    "police_mediated": 1,
    "petition_referred": 1,
    "petition_mediated": 1,
    "cases_received": 3,
    "cases_handled": 3,
    "cases_resolved": 3,
    "ratings": 1,
    "ratings_satisfied": 1,
    "parts_ended": 6,
    "parts_on_time": 6,
    "cases_to_litigation": 0,
    "cases_reopened": 0,
}


def day_report(client, **scope: str) -> dict:
    query = "&".join(f"{k}={v}" for k, v in {"period": "day", "date": county_today(), **scope}.items())
    answer: dict = client.call("GET", "supervision", f"/api/v1/reports?{query}")
    return answer


def counts(report: dict) -> dict[str, int]:
    return {key: report["figures"][key]["value"] for key in MOVED}


def settled_counts(client, timeout: float = 20.0) -> dict[str, int]:
    """Today's counts once they stand still: facts of earlier tests still on their way would count as ours."""
    deadline = time.monotonic() + timeout
    last = counts(day_report(client))
    while time.monotonic() < deadline:
        time.sleep(1.0)
        now = counts(day_report(client))
        if now == last:
            return now
        last = now
    return last


def wait_for_counts(client, expected: dict[str, int], timeout: float = 40.0) -> dict:
    deadline = time.monotonic() + timeout
    report = day_report(client)
    while time.monotonic() < deadline:
        report = day_report(client)
        if counts(report) == expected:
            return report
        time.sleep(0.3)
    assert counts(report) == expected, "supervision's report did not count what was driven"
    return report


def drive_court(client, platform) -> None:
    """One filing filed by the court, one diverted, mediated, judicially confirmed and rated satisfied."""
    n = random.randrange(10**5)
    kept = filing(
        f"（2026）湘0426民初{n}1号", "原告主张合伙分红，双方各执一词。", ("龙正华", "龙正国"), facts_clear=False
    )
    client.call("POST", COURT, "/api/v1/filings", kept, expect=(201,))
    number = f"（2026）湘0426民初{n}2号"
    client.call("POST", COURT, "/api/v1/filings", filing(number, "原告诉请被告归还借款三万元。", ("阳春生", "阳秋生")))
    case_id, court, mediators = joint_case(client, platform, number)
    client.act(COURT_UNIT, court["referral_id"], "accept", {})
    agreement = {"number": f"祁司调〔2026〕第{n}号", "signed_on": today(), "terms": "被告分三期归还借款三万元。"}
    client.settle(JUSTICE_UNIT, mediators["referral_id"], "调解成功。", result="mediated", agreement=agreement)
    client.call("POST", COURT, path(number, "/confirmation"), {"agreement": agreement}, expect=(201,))
    client.call("POST", COURT, path(number, "/confirmation/decision"), {"decision": "confirmed"})
    client.wait_for_status(case_id, "resolved")
    client.wait_for_follow_up(case_id)
    client.rate(case_id, "satisfied")
    client.wait_for_status(case_id, "closed")


def drive_police(client) -> None:
    number = f"JQ4304262026{random.randrange(10**9):09d}"
    client.call("POST", POLICE, "/api/v1/calls", dispute_call(number, ("蒋玉莲", "蒋德胜")), expect=(201,))
    case_id = case_of_call(client, number)
    case = client.wait_for_status(case_id, "assigned")
    agreement = {"number": f"城关司调〔2026〕第{number[-4:]}号", "signed_on": today(), "terms": "双方各退半米。"}
    client.settle(
        "justice:430426101",
        unit_referral(case, "justice:430426101")["referral_id"],
        "调解成功。",
        result="mediated",
        agreement=agreement,
    )
    client.settle(
        "police:430426101", unit_referral(case, "police:430426101")["referral_id"], "已回访。", result="handled"
    )
    client.wait_for_status(case_id, "resolved")


def drive_petition(client, platform) -> None:
    number = petition_number()
    petition = {
        "number": number,
        "received_on": county_today(),
        "form": "visit",
        "petitioners": [{"name": "廖春花", "phone": "13786540000"}],
        "group_size": 1,
        "category": "wages",
        "division_code": "430426105",
        "summary": "来访反映某餐馆拖欠工资六千元。",
        "respondents": [{"kind": "organisation", "name": "祁东县某餐馆"}],
    }
    register(client, petition)
    client.call(
        "POST",
        "petition_link",
        f"/api/v1/petitions/{number}/acceptance",
        {"accepted": True, "reason": "予以受理，转人民调解。", "to_mediation": True},
        as_user=OFFICER,
    )
    case_id = case_of_record(platform, number)
    case = client.wait_for_status(case_id, "assigned")
    agreement = {"number": f"祁调〔2026〕{number[-4:]}号", "signed_on": county_today(), "terms": "三日内付清工资。"}
    for referral in case["referrals"]:
        client.settle(referral["unit"], referral["referral_id"], "调解成功。", result="mediated", agreement=agreement)
    client.wait_for_status(case_id, "resolved")


def test_the_days_report_counts_every_case_driven_through_the_links_and_the_cli_says_the_same(client, platform):
    before = settled_counts(client)
    court_before = day_report(client, level="unit", unit=COURT_UNIT)["figures"]["court_filings_registered"]["value"]
    township = {"level": "township", "division": "430426105"}  # where the petition happened, and nothing else here
    township_before = day_report(client, **township)["figures"]["petition_referred"]["value"]

    drive_court(client, platform)
    drive_police(client)
    drive_petition(client, platform)

    report = wait_for_counts(client, {key: before[key] + n for key, n in MOVED.items()})
    figures = report["figures"]
    for key, (numerator, denominator) in {
        "court_diversion_rate": ("court_filings_diverted", "court_filings_registered"),
        "court_mediation_success_rate": ("court_mediated", "court_filings_diverted"),
        "police_mediation_success_rate": ("police_mediated", "police_referred"),
        "petition_mediation_success_rate": ("petition_mediated", "petition_referred"),
        "satisfaction_rate": ("ratings_satisfied", "ratings"),
    }.items():
        assert (figures[key]["numerator"], figures[key]["denominator"]) == (
            figures[numerator]["value"],
            figures[denominator]["value"],
        )
    court = day_report(client, level="unit", unit=COURT_UNIT)["figures"]
    assert court["court_filings_registered"]["value"] == court_before + 2
    assert day_report(client, **township)["figures"]["petition_referred"]["value"] == township_before + 1
    assert any(row["unit"] == JUSTICE_UNIT for row in report["ranking"])

    env = {
        "WUYUAN_VHOST": platform.vhost,
        "WUYUAN_DB_PREFIX": platform.db_prefix,
        "WUYUAN_STATE_DIR": str(platform.state_dir),
        "WUYUAN_HTTP_PORT_BASE": str(platform.http_port_base),
    }
    answered = CliRunner().invoke(main, ["report", "--period", "day", "--json"], env=env, catch_exceptions=False)
    assert answered.exit_code == 0, answered.output
    assert counts(json.loads(answered.output)) == counts(report)
    table = CliRunner().invoke(main, ["report", "--from", county_today(), "--to", county_today()], env=env)
    assert table.exit_code == 0, table.output
    [line] = [line for line in table.output.splitlines() if line.startswith("诉调对接分流率")]
    rate = figures["court_diversion_rate"]
    assert line.split()[1:] == [f"{rate['value']}%", str(rate["numerator"]), str(rate["denominator"])]
