"""三级 through the running services: a township station declines a case as beyond its level and the county takes it;
the county centre calls the petition bureau in (吹哨报到), which receives its co-unit referral."""

import pytest

from tests.e2e.platforms import private_settings, running_platform
from wuyuan.client import PlatformClient, PlatformError
from wuyuan.settings import REPO_ROOT

pytestmark = pytest.mark.e2e

REPO_CONFIG = REPO_ROOT / "config"
JUSTICE_AT_TOWNSHIPS = 'service = "justice_link"\nunit_digits = 9'
STATION = "police:430426101"
COUNTY_BUREAU = "police:430426"
PETITION_BUREAU = "petition:430426"
BOUNDARY_FIGHT = {
    "source": "walk_in",
    "category": "neighbour",
    "division_code": "430426101203",
    "summary": "两村交界处宅基地边界纠纷，双方多次冲突，涉及两个乡镇的土地权属",
    "flags": ["violence_risk"],
    "parties": [
        {"role": "applicant", "name": "周建国", "phone": "13807345678"},
        {"role": "respondent", "name": "谭小兵", "phone": "13975412345"},
    ],
}


def test_a_station_declines_beyond_its_level_the_county_takes_it_and_calls_the_petition_bureau_in(client):
    case_id = client.register(BOUNDARY_FIGHT)["case_id"]
    case = client.wait_for_status(case_id, "assigned")
    assert (case["level"], case["centre"], case["lead_unit"]) == ("township", "430426101", STATION)
    [station] = [r for r in case["referrals"] if r["unit"] == STATION]
    level = f"/api/v1/cases/{case_id}/referrals/{station['referral_id']}"
    # What the station's officer is offered: the case may go up from the township's centre to the county's.
    held = client.call("GET", "coordinator", level, as_user="demo.police")
    assert (held["centre"]["name"], held["above"]["name"]) == ("砖塘镇综治中心", "祁东县综治中心")
    with pytest.raises(PlatformError) as refused:
        client.call("GET", "coordinator", level, as_user="demo.justice")  # another agency's officer
    assert refused.value.status == 404  # as a referral that does not exist

    client.wait_for_referral(STATION, station["referral_id"])
    client.act(
        STATION,
        station["referral_id"],
        "decline",
        {"reason": "涉及两个乡镇的土地权属，超出派出所处置能力", "reason_code": "beyond_level"},
    )

    case = client.wait_for(case_id, lambda c: c["level"] == "county", what="the case at the county centre")
    assert case["lead_unit"] == COUNTY_BUREAU
    [step] = case["escalations"]
    assert (step["cause"], step["from_centre"], step["to_centre"], step["new_unit"]) == (
        "beyond_level",
        "430426101",
        "430426",
        COUNTY_BUREAU,
    )
    kinds = [line["kind"] for line in case["timeline"]]
    assert kinds.count("case_escalated") == 1
    [bureau] = [r for r in case["referrals"] if r["unit"] == COUNTY_BUREAU]
    client.wait_for_referral(COUNTY_BUREAU, bureau["referral_id"])
    held = client.call(
        "GET", "coordinator", level.replace(station["referral_id"], bureau["referral_id"]), as_user="demo.police"
    )
    assert (held["centre"]["name"], held["above"]) == ("祁东县综治中心", None)  # the top: nothing to go up to
    assert (held["issued_because"]["cause"], held["issued_because"]["from_unit"]) == ("escalated", STATION)

    called = client.call(
        "POST",
        "coordinator",
        f"/api/v1/cases/{case_id}/call-in",
        {"units": [PETITION_BUREAU], "note": "两村村民已联名信访，请信访局报到"},
    )

    assert PETITION_BUREAU in called["co_units"]
    [line] = [entry for entry in called["timeline"] if entry["kind"] == "units_called_in"]
    assert (line["detail"]["units"], line["detail"]["staff"]) == ([PETITION_BUREAU], "demo.coordinator")
    [petition] = [r for r in called["referrals"] if r["unit"] == PETITION_BUREAU]
    assert petition["role"] == "co_unit"
    client.wait_for_referral(PETITION_BUREAU, petition["referral_id"])


def test_a_call_in_of_a_unit_already_on_the_case_is_a_conflict(client):
    # Other parties: the same ones again within 30 days would be linked to the first case as a repeat.
    parties = [{"role": "applicant", "name": "陈秋菊"}, {"role": "respondent", "name": "罗大海"}]
    case_id = client.register({**BOUNDARY_FIGHT, "parties": parties})["case_id"]
    client.wait_for_status(case_id, "assigned")

    with pytest.raises(PlatformError, match="409"):
        client.call("POST", "coordinator", f"/api/v1/cases/{case_id}/call-in", {"units": [STATION], "note": "请报到"})


# --- village → township → county, on a platform of its own ------------------------------------------------
# A county whose justice bureau has units in the villages (村人民调解委员会: `unit_digits = 12`): a neighbour
# dispute is the village's (小事不出村), and goes up one level each time the unit holding it declines it as
# beyond its level. The shipped agencies have no village units, hence a config directory of its own.


@pytest.fixture(scope="module")
def village_client(tmp_path_factory):
    config = tmp_path_factory.mktemp("village-config")
    for source in REPO_CONFIG.glob("*.toml"):
        text = source.read_text()
        if source.name == "agencies.toml":
            text = text.replace(JUSTICE_AT_TOWNSHIPS, JUSTICE_AT_TOWNSHIPS.replace("= 9", "= 12"))
        (config / source.name).write_text(text)
    assert "unit_digits = 12" in (config / "agencies.toml").read_text()
    settings = private_settings(tmp_path_factory.mktemp("village-platform"), config)
    with running_platform(settings, timeout=240):
        yield PlatformClient.with_working_accounts(settings)


def test_a_village_dispute_goes_up_to_the_township_and_then_the_county(village_client):
    client = village_client
    quarrel = {**BOUNDARY_FIGHT, "flags": [], "summary": "邻居因排水沟堵塞争吵，村调委调处两次未果"}
    case_id = client.register(quarrel)["case_id"]
    case = client.wait_for_status(case_id, "assigned")
    assert (case["level"], case["lead_unit"]) == ("village", "justice:430426101203")

    for unit, level in (("justice:430426101203", "township"), ("justice:430426101", "county")):
        [referral] = [r for r in case["referrals"] if r["unit"] == unit]
        client.wait_for_referral(unit, referral["referral_id"])
        client.act(
            unit, referral["referral_id"], "decline", {"reason": "超出本级调处能力", "reason_code": "beyond_level"}
        )
        case = client.wait_for(case_id, lambda c, level=level: c["level"] == level, what=f"the case at the {level}")

    assert case["lead_unit"] == "justice:430426"
    assert [(s["from_centre"], s["to_centre"]) for s in case["escalations"]] == [
        ("430426101203", "430426101"),
        ("430426101", "430426"),
    ]
