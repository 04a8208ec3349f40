"""警调对接 end to end: a station records its dispute calls; one handed over becomes the centre's case, the township's
mediators settle it and the station sees the result on its call; a violent one enters the risk register, and the
police stay on every violent case, whoever leads it."""

import time
from datetime import datetime, timedelta

import pytest

from services.police_link.domain.calls import local_day

pytestmark = pytest.mark.e2e

POLICE = "police_link"
STATION = "police:430426101"
JUSTICE = "justice:430426101"  # the township's justice office, whose mediators sit in
PLC = "plc:430426"


def now() -> datetime:
    return datetime.now().astimezone()


def today() -> str:
    return local_day(now()).isoformat()


def dispute_call(number: str, parties: tuple[str, str], **scene: object) -> dict:
    """A call received an hour ago; each test's own parties, or intake would link it to another's case."""
    applicant, respondent = parties
    return {
        "call_number": number,
        "received_at": (now() - timedelta(hours=1)).isoformat(),
        "unit": STATION,
        "classification": "neighbour",
        "division_code": "430426101203",
        "summary": "两户因宅基地界址争吵，民警到场制止。",
        "parties": [
            {"role": "applicant", "name": applicant, "phone": "13907345678"},
            {"role": "respondent", "name": respondent},
        ],
        "suitable_for_mediation": True,
        **scene,
    }


def wait_for_call(client, number: str, predicate, what: str, timeout: float = 30.0) -> dict:
    deadline = time.monotonic() + timeout
    shown: dict = {}
    while time.monotonic() < deadline:
        shown = client.call("GET", POLICE, f"/api/v1/calls/{number}")
        if predicate(shown):
            return shown
        time.sleep(0.1)
    raise TimeoutError(f"call {number}: {what} not seen in {timeout}s; last: {shown.get('mediation')}")


def case_of_call(client, number: str) -> str:
    """The case the handed call became, as the station learns it: the referral naming the call."""
    shown = wait_for_call(client, number, lambda c: c["referrals"], "the centre's referral")
    return str(shown["referrals"][0]["case_id"])


def unit_referral(case: dict, unit: str) -> dict:
    (referral,) = [r for r in case["referrals"] if r["unit"] == unit]
    return referral


def test_a_handed_call_mediated_by_the_justice_office_shows_the_agreement_as_its_result(client):
    number = "JQ4304262026120400101"
    recorded = client.call(
        "POST", POLICE, "/api/v1/calls", dispute_call(number, ("刘桂兰", "何建军"), violence=True), expect=(201,)
    )
    assert (recorded["decision"], recorded["flags"]) == ("mediation", ["violence_risk"])
    again = client.call("POST", POLICE, "/api/v1/calls", dispute_call(number, ("刘桂兰", "何建军")), expect=(200,))
    assert again["first_time"] is False

    case_id = case_of_call(client, number)
    case = client.wait_for_status(case_id, "assigned")
    assert (case["source"], case["mode"], case["lead_unit"], case["co_units"]) == (
        "police_call",
        "joint",
        STATION,
        [JUSTICE],
    )
    agreement = {"number": "城关司调〔2026〕第101号", "signed_on": today(), "terms": "何建军退回界石，双方互不追究。"}
    client.settle(
        JUSTICE,
        unit_referral(case, JUSTICE)["referral_id"],
        "人民调解员主持调解，双方签订调解协议。",
        result="mediated",
        agreement=agreement,
    )
    client.settle(STATION, unit_referral(case, STATION)["referral_id"], "民警回访，协议已履行。", result="handled")

    resolved = client.wait_for_status(case_id, "resolved")
    assert resolved["result"] == "mediated"
    shown = wait_for_call(client, number, lambda c: c["mediation"]["result"] is not None, "the case's result")
    mediation = shown["mediation"]
    assert (mediation["case_id"], mediation["result"], mediation["mediated"]) == (case_id, "mediated", True)
    assert (mediation["mediators"]["unit"], mediation["mediators"]["result"]) == (JUSTICE, "mediated")
    assert [(r["unit"], r["status"], r["result"]) for r in shown["referrals"]] == [(STATION, "reported", "handled")]

    day = recorded["received_on"]  # the county's day of the call, which may be yesterday just after midnight
    figures = client.call("GET", POLICE, f"/api/v1/calls/figures?from={day}&to={day}")
    assert figures["mediation"]["mediated"] >= 1
    assert figures["mediation"]["handed_to_mediation"] >= 1
    assert figures["risk"]["violence_or_injury"] >= 1


def test_a_violent_call_with_a_risk_of_turning_criminal_enters_the_risk_register_red_and_keeps_the_police(client):
    number = "JQ4304262026120400102"
    scene = {"violence": True, "injury": True, "weapon_or_threat": True, "civil_to_criminal_risk": True}
    recorded = client.call(
        "POST", POLICE, "/api/v1/calls", dispute_call(number, ("谭秀英", "谭国富"), **scene), expect=(201,)
    )
    assert recorded["flags"] == ["violence_risk", "high_risk"]

    case_id = case_of_call(client, number)
    case = client.wait_for_status(case_id, "assigned")
    assert case["lead_unit"] == STATION
    assert case["co_units"] == [JUSTICE, PLC]  # 命案风险 brings the political-legal committee in

    entry = wait_for_register(client, case_id)
    assert (entry["colour"], entry["lead_unit"]) == ("red", STATION)
    assert entry["flags"] == ["violence_risk", "high_risk"]


def test_a_violent_dispute_another_agency_leads_keeps_the_police_station_as_co_unit(client):
    registered = client.register(
        {
            "source": "walk_in",
            "category": "land",
            "division_code": "430426101205",
            "summary": "两户因承包地界址多次斗殴，一方扬言报复。",
            "flags": ["violence_risk"],
            "parties": [
                {"role": "applicant", "name": "邓春生", "phone": "13807341111"},
                {"role": "respondent", "name": "邓秋生"},
            ],
        }
    )
    case = client.wait_for_status(registered["case_id"], "assigned")

    assert (case["mode"], case["lead_unit"]) == ("joint", JUSTICE)
    assert STATION in case["co_units"]
    referral = client.wait_for_referral(STATION, unit_referral(case, STATION)["referral_id"])
    assert (referral["role"], referral["flags"]) == ("co_unit", ["violence_risk"])
    assert wait_for_register(client, registered["case_id"])["colour"] == "yellow"


def test_a_suspected_crime_stays_with_the_police_and_opens_no_case(client):
    number = "JQ4304262026120400103"
    body = dispute_call(number, ("邹建华", "邹建明"), offence="criminal", weapon_or_threat=True, injury=True)

    recorded = client.call("POST", POLICE, "/api/v1/calls", body, expect=(201,))

    assert (recorded["decision"], recorded["procedure"], recorded["reasons"]) == (
        "police",
        "criminal",
        ["crime_suspected"],
    )
    kept = client.call("GET", POLICE, "/api/v1/calls?decision=police")["calls"]
    assert number in [c["call_number"] for c in kept]
    time.sleep(1.0)  # long enough for a fed record to have reached the station as a referral
    assert client.call("GET", POLICE, f"/api/v1/calls/{number}")["referrals"] == []


def wait_for_register(client, case_id: str, timeout: float = 30.0) -> dict:
    """The case's entry in the political-legal committee's risk register, read as the committee's officer."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        register = client.call("GET", "stability", "/api/v1/risk-register", as_user="demo.plc")["cases"]
        found = [entry for entry in register if entry["case_id"] == case_id]
        if found:
            return dict(found[0])
        time.sleep(0.1)
    raise TimeoutError(f"case {case_id} not in the risk register in {timeout}s")
