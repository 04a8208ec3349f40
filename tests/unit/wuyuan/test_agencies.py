"""How the platform runs each service and what its inbox takes, for Python and external agencies alike."""

import sys

import pytest

from shared.agency.service import AgencyService
from shared.centres import parse_centres
from shared.messaging.topology import AGENCY_INBOX, handled_models
from tests.joined_agencies import NODE_EXAMPLE, WOMEN, config_with
from wuyuan.agencies import inbox_models, is_external, launch, managed_services
from wuyuan.settings import REPO_ROOT, PlatformSettings

# Run by the housing bureau itself: the platform provisions and watches it, but does not start it.
HOUSING_ELSEWHERE = (
    WOMEN.replace("women", "housing").replace("妇联", "住建局").replace("Women's federation", "Housing bureau")
    + '[agencies.housing.external]\nhealth_url = "http://10.0.0.5:8080/health"\n'
)


@pytest.fixture
def joined(tmp_path) -> PlatformSettings:
    return PlatformSettings(config_dir=config_with(tmp_path, NODE_EXAMPLE, HOUSING_ELSEWHERE))


def test_every_agency_receives_what_the_agency_base_handles():
    assert set(handled_models(AgencyService)) == set(AGENCY_INBOX)


def test_a_python_service_runs_under_the_platform_runtime():
    how = launch(PlatformSettings(), "court_link")

    assert how.argv == (sys.executable, "-m", "shared.runtime", "court_link")
    assert how.cwd == REPO_ROOT


def test_an_external_agency_runs_its_own_command_in_its_directory(joined):
    how = launch(joined, "women_link")

    assert how.argv == ("node", "agency.js")
    assert how.cwd == REPO_ROOT / "examples" / "womens_federation"
    assert inbox_models(joined, "women_link") == list(AGENCY_INBOX)
    assert is_external(joined, "women_link") and not is_external(joined, "court_link")


def test_an_agency_run_elsewhere_is_provisioned_and_watched_but_not_started(joined):
    assert "housing_link" in joined.services
    assert "housing_link" not in managed_services(joined)
    assert "women_link" in managed_services(joined)
    with pytest.raises(ValueError, match="runs elsewhere"):
        launch(joined, "housing_link")


def test_an_unknown_service_is_refused_naming_the_known_ones():
    with pytest.raises(ValueError, match="unknown service 'fire_link'; services are intake, coordinator"):
        launch(PlatformSettings(), "fire_link")


def test_the_county_centre_may_call_in_an_agency_that_joined_later(joined):
    levels = {level: {"escalate_after_working_days": 3} for level in ("county", "township", "village")}
    county_centre = {"division": "430426", "name": "祁东县综治中心", "call_in": "*"}
    centres = parse_centres({"levels": levels, "centres": [county_centre]}, "430426", joined.registry)

    county = centres.get("430426")
    assert county is not None
    assert "women" in county.call_in and "centre" not in county.call_in
