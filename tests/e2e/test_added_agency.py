"""An agency joins from configuration alone: the women's federation (妇联), written in Node.js, is declared in a
copy of the registry, provisioned, started and watched by the platform, leads one case and is called in on
another, and both cases close. Nothing outside examples/womens_federation and the registry is edited."""

import json
import shutil
import time
import uuid

import pytest
from kombu import Connection, Exchange, Producer

from shared.messaging.routing import DOCUMENTS_EXCHANGE, document_routing_key
from tests.e2e.platforms import private_settings, run_wuyuan, running_platform
from tests.e2e.test_routing_flows import close_after_follow_up, dispute, entries, open_lead
from tests.joined_agencies import NODE_EXAMPLE, config_with, without_routes_to
from wuyuan.client import PlatformClient
from wuyuan.settings import REPO_ROOT, PlatformSettings

pytestmark = pytest.mark.e2e

EXAMPLE = REPO_ROOT / "examples" / "womens_federation"
COUNTY_WOMEN = "women:430426"
TOWNSHIP_POLICE = "police:430426101"
TOWNSHIP_JUSTICE = "justice:430426101"
COUNTY_COURT = "court:430426"
# What the two cases need: the centre, the agencies they reach, and the new one.
SERVICES = (
    "intake",
    "coordinator",
    "supervision",
    "court_link",
    "police_link",
    "justice_link",
    "identity",
    "women_link",
)


@pytest.fixture(scope="module")
def joined(tmp_path_factory) -> PlatformSettings:
    if shutil.which("node") is None or not (EXAMPLE / "node_modules").is_dir():
        pytest.fail("the Node.js example is not installed: run scripts/ensure-example-agency.sh (make test does)")
    # Reached by hand alone (a decline, then 人工分派; 吹哨), whatever routing rule config/ may give it.
    config_dir = without_routes_to(config_with(tmp_path_factory.mktemp("config"), NODE_EXAMPLE), "women")
    settings = private_settings(tmp_path_factory.mktemp("joined"), config_dir)
    assert "women_link" in settings.services
    with running_platform(settings, SERVICES):
        yield settings


@pytest.fixture(scope="module")
def client(joined) -> PlatformClient:
    return PlatformClient.with_working_accounts(joined)


def wuyuan(settings: PlatformSettings, *args: str) -> str:
    """The `wuyuan` command as an operator runs it against this platform."""
    return run_wuyuan(settings, *args, timeout=60)


def test_the_new_agency_leads_a_case_to_its_close(client):
    # A family dispute with a violent respondent: the police station leads (no fall-back), the justice office
    # helps. The station declines, and the coordinator gives the lead to the county women's federation.
    report = dispute("family", "丈夫酒后多次打骂妻子，妻子要求调解并保护", "王秀英", "19850712", "赵强", "13807450031")
    case_id = client.register({**report, "flags": ["violence_risk"]})["case_id"]
    case = client.wait_for_status(case_id, "assigned")
    assert (case["lead_unit"], case["co_units"]) == (TOWNSHIP_POLICE, [TOWNSHIP_JUSTICE])
    police = open_lead(case)
    client.wait_for_referral(police["unit"], police["referral_id"])
    client.act(police["unit"], police["referral_id"], "decline", {"reason": "不涉及治安案件，建议妇联牵头"})
    client.wait_for_status(case_id, "awaiting_manual_triage")

    assigned = client.assign(case_id, COUNTY_WOMEN)
    lead = open_lead(assigned)
    assert lead["unit"] == COUNTY_WOMEN
    # The referral reached the Node.js service, which answers the officer API like any agency.
    received = client.wait_for_referral(COUNTY_WOMEN, lead["referral_id"])
    assert (received["case_id"], received["status"]) == (case_id, "received")
    client.settle(COUNTY_WOMEN, lead["referral_id"], "妇联约谈双方，丈夫写下保证书，双方和好")
    (justice,) = [r for r in assigned["referrals"] if r["unit"] == TOWNSHIP_JUSTICE]
    client.settle(TOWNSHIP_JUSTICE, justice["referral_id"], "司法所参与调解，达成和解")

    closed = close_after_follow_up(client, case_id)
    (women_result,) = [e for e in entries(closed, "result_reported") if e["unit"] == COUNTY_WOMEN]
    assert women_result["officer"] == "demo.women"  # the signed-in officer, checked by the Node.js service
    assert closed["status"] == "closed"


def test_the_new_agency_is_called_in_as_a_co_unit(client):
    # A private loan claim led by the county court, so the county centre holds the case; it calls the
    # federation in (吹哨报到). The county centre's call-in list is "*": a joined agency needs no edit there.
    report = dispute("debt", "借款五万元到期不还，借款人称家中困难", "刘桂兰", "19790302", "陈建国", "13807450032")
    case_id = client.register(report)["case_id"]
    case = client.wait_for_status(case_id, "assigned")
    assert case["lead_unit"] == COUNTY_COURT
    called = client.call(
        "POST", "coordinator", f"/api/v1/cases/{case_id}/call-in", {"units": [COUNTY_WOMEN], "note": "请妇联报到"}
    )
    (women,) = [r for r in called["referrals"] if r["unit"] == COUNTY_WOMEN]
    assert women["role"] == "co_unit"

    client.settle(COUNTY_WOMEN, women["referral_id"], "妇联走访借款人家庭，协助制定还款计划")
    lead = open_lead(case)
    client.settle(lead["unit"], lead["referral_id"], "诉前调解，约定分期还款")

    closed = close_after_follow_up(client, case_id)
    assert {e["unit"] for e in entries(closed, "result_reported")} == {COUNTY_COURT, COUNTY_WOMEN}


def test_status_and_dead_letters_show_the_new_agency(joined):
    statuses = {s["name"]: s for s in json.loads(wuyuan(joined, "status", "--json"))}
    assert statuses["women_link"]["kind"] == "external"
    assert statuses["women_link"]["state"] == "running"
    assert statuses["women_link"]["pid"]

    # A body that is not JSON, from the coordinator's own broker user: the agency dead-letters it with a reason.
    with Connection(joined.service_amqp_uri("coordinator"), transport_options={"confirm_publish": True}) as broker:
        Producer(broker.channel()).publish(
            b"{not json",
            exchange=Exchange(DOCUMENTS_EXCHANGE, type="topic", durable=True),
            routing_key=document_routing_key("women_link", "ReferralIssued"),
            content_type="application/json",
            delivery_mode=2,
            message_id=str(uuid.uuid4()),
            type="ReferralIssued",
            user_id=joined.broker_user("coordinator"),
        )
    letters = wait_for_dead_letters(joined, "women_link")
    assert letters[0]["service"] == "women_link"
    assert letters[0]["reason"]
    assert "妇联" in wuyuan(joined, "dlq", "list", "--service", "women_link")


def wait_for_dead_letters(settings: PlatformSettings, service: str, timeout: float = 20.0) -> list[dict]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        letters = json.loads(wuyuan(settings, "dlq", "list", "--json", "--service", service))
        if letters:
            return letters
        time.sleep(0.5)
    raise AssertionError(f"no dead letter in {service}'s dead queue within {timeout}s")
