"""Every unit a coordinator may hand a case to, or a supervisor filter by, is offered: the county bureaus too."""

from tests.service.console.test_referrals import text_of
from tests.service.console.test_triage import COORDINATOR, WAITING, coordinator_signs_in, options

__all__ = ["coordinator_signs_in"]  # the coordinator's sign-in, as the triage tests have it


def test_the_county_bureaus_are_offered_beside_the_township_stations_and_offices(console, browser, staff, apis):
    staff.signed_in(COORDINATOR)
    listing = {"cases": [{**WAITING, "summary": "两村交界处宅基地边界纠纷"}], "counts": {}, "total": 1}
    apis.answer("coordinator", "GET", "/api/v1/cases", 200, listing)

    offered = options(text_of(console.triage(browser.get("/triage", as_=COORDINATOR))))

    # Routing designates them (`police@county`) and a township's escalation reaches them.
    assert offered["police:430426"] == "祁东县公安局"
    assert offered["justice:430426"] == "祁东县司法局"
    assert offered["police:430426101"].startswith("砖塘镇派出所")
    assert offered["court:430426"] == "祁东县人民法院"
    # No agency offers a unit below its own level: no village police station.
    assert not [unit for unit in offered if unit.startswith("police:") and len(unit.split(":")[1]) == 12]
