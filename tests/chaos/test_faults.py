"""The short fault suite (`make chaos` runs the long one): a few hundred cases through SIGKILLed services,
a broker crash, a PostgreSQL immediate restart and a 20 s PostgreSQL outage, on private servers."""

import pytest

from tests.chaos.checks import assert_exactly_once
from tests.chaos.private_platform import chaos_platform
from tests.chaos.run import fault_plan, run_faults

pytestmark = pytest.mark.e2e

CASES = 240
RATE = 3.0  # cases filed a second, for about eighty seconds: every fault happens while cases are in flight
# The services whose SIGKILL the short run shows: the centre's three groups and one agency (`make chaos`: all).
KILLED = ["intake", "coordinator", "supervision", "court_link"]


def test_cases_survive_killed_services_a_broker_crash_and_postgres_restarts_exactly_once(capsys):
    with chaos_platform(nodes=1) as platform:
        report = run_faults(platform, fault_plan(platform, KILLED, pg_outage=20.0), CASES, RATE)
    with capsys.disabled():
        print("\n" + report.text())

    assert_exactly_once(report.findings, CASES)
    for fault in report.faults:
        assert fault.hand_restarts == 0, f"{fault.name}: a service needed a hand restart"
        assert fault.recovered, f"{fault.name}: no case filed and closed within two minutes of it"
    assert report.workload.tally.errors == []
