"""访源 end to end: a petition accepted and mediated at the centre (访调对接), and one separated to the court."""

import random
import time
import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

import psycopg
import pytest
import requests

from shared.contracts.identifiers import resident_id_check_char
from wuyuan.accounts import ensure_accounts, working_accounts
from wuyuan.client import PlatformClient, PlatformError

pytestmark = pytest.mark.e2e

# The petition service keys its petitioners with WUYUAN_PETITION_KEY_SECRET, which `wuyuan up` must
# pass to it; without it, registering a petition is refused, and these tests say so.

OFFICER = "demo.petition"
BUREAU = "petition:430426"


def county_today() -> str:
    return datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()


def petition_number() -> str:
    return f"XF430426-E2E-{random.randrange(10**8):08d}"


def register(client: PlatformClient, body: dict) -> dict:
    response = client.http.post(
        client.url("petition_link", "/api/v1/petitions"), json=body, headers=client.headers_for(OFFICER), timeout=15
    )
    if response.status_code == 400 and "WUYUAN_PETITION_KEY_SECRET" in response.text:
        pytest.fail("petition_link has no WUYUAN_PETITION_KEY_SECRET: wuyuan/settings.py must pass it to the service")
    assert response.status_code == 201, response.text
    answer: dict = response.json()
    return answer


def figures(client: PlatformClient) -> dict:
    today = county_today()
    return client.call("GET", "petition_link", f"/api/v1/petitions/figures?from={today}&to={today}", as_user=OFFICER)


def rows(platform, service: str, sql: str, params: tuple) -> list[tuple]:
    with psycopg.connect(platform.database_url(service)) as conn:
        return conn.execute(sql, params).fetchall()


def case_of_record(platform, record_id: str, timeout: float = 30.0) -> str:
    """The case intake opened for a record the bureau fed in."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = rows(
            platform, "intake", "SELECT case_id FROM cases WHERE report->>'source_record_id' = %s", (record_id,)
        )
        if found:
            return str(found[0][0])
        time.sleep(0.1)
    raise TimeoutError(f"no case at intake for record {record_id}")


def test_an_accepted_petition_is_mediated_at_the_centre_and_replied_to_on_time(client, platform):
    number = petition_number()
    applicant_id = "43042619780314621"
    petition = {
        "number": number,
        "received_on": county_today(),
        "form": "visit",
        "petitioners": [
            {
                "name": "邓小勇",
                "id_number": applicant_id + resident_id_check_char(applicant_id),
                "phone": "13786543210",
            },
            {"name": "刘桂香", "phone": "13907341122"},
        ],
        "group_size": 3,
        "category": "wages",
        "division_code": "430426105",
        "summary": "三名务工人员来访，反映某建筑公司拖欠工资共计四万元。",
        "respondents": [{"kind": "organisation", "name": "祁东县某建筑有限公司"}],
    }
    registered = register(client, petition)
    assert (registered["status"], registered["unit"]) == ("registered", BUREAU)

    accepted = client.call(
        "POST",
        "petition_link",
        f"/api/v1/petitions/{number}/acceptance",
        {"accepted": True, "reason": "属本机关职权范围，予以受理，转人民调解。", "to_mediation": True},
        as_user=OFFICER,
    )
    assert accepted["status"] == "accepted"
    assert accepted["fed_to_centre"]["record_id"] == number
    assert accepted["handling"]["due_on"] > accepted["acceptance"]["decided_on"]

    # 访调对接: the bureau keeps the lead, the township's mediators join.
    case_id = case_of_record(platform, number)
    case = client.wait_for_status(case_id, "assigned")
    assert (case["source"], case["mode"], case["lead_unit"]) == ("petition", "joint", BUREAU)
    assert case["co_units"] == ["justice:430426105"]
    agreement = {"number": "祁调〔2026〕E2E号", "signed_on": county_today(), "terms": "公司七日内付清拖欠工资四万元。"}
    [mediators] = [r for r in case["referrals"] if r["role"] == "co_unit"]
    [bureaus] = [r for r in case["referrals"] if r["role"] == "lead"]
    client.settle(
        mediators["unit"],
        mediators["referral_id"],
        "经调解，双方签订调解协议。",
        result="mediated",
        agreement=agreement,
    )
    # The bureau reads the mediators' signed agreement at the centre, and settles its own part with it.
    at_the_centre = f"/api/v1/cases/{case_id}/referrals/{bureaus['referral_id']}"
    deadline = time.monotonic() + 30
    while True:
        parts = client.call("GET", "coordinator", at_the_centre, as_user=OFFICER)["other_parts"]
        if (parts and parts[0]["status"] == "reported") or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    [their_part] = parts
    assert (their_part["unit"], their_part["result"]) == ("justice:430426105", "mediated")
    # The same text the mediators signed (numbers masked had there been any), a written agreement.
    assert their_part["agreement"] == {**agreement, "form": "written"}
    client.settle(
        BUREAU,
        bureaus["referral_id"],
        "经调解，双方签订调解协议。",
        result="mediated",
        agreement=their_part["agreement"],
    )
    resolved = client.wait_for_status(case_id, "resolved")
    assert {r["status"] for r in resolved["referrals"]} == {"reported"}

    replied = client.call(
        "POST",
        "petition_link",
        f"/api/v1/petitions/{number}/reply",
        {"result": "mediated", "summary": "经人民调解，双方达成协议，已书面答复信访人。", "agreement": agreement},
        as_user=OFFICER,
    )
    assert (replied["status"], replied["reply"]["result"], replied["handling"]["on_time"]) == (
        "replied",
        "mediated",
        True,
    )
    assert replied["overdue"] is False
    shown = client.call("GET", "petition_link", f"/api/v1/petitions/{number}", as_user=OFFICER)
    assert shown["petitioners"][0] == {"name": "邓小勇", "phone": "137****3210", "identified_by": "id_number"}
    # The bureau finds the case its petition became through the referral the centre sent it back.
    [lead] = shown["case_referrals"]
    assert (lead["case_id"], lead["role"], lead["status"], lead["result"]) == (case_id, "lead", "reported", "mediated")


def test_a_litigation_related_petition_is_separated_to_the_court_and_never_becomes_a_case(client, platform):
    before = figures(client)
    number = petition_number()
    registered = register(
        client,
        {
            "number": number,
            "received_on": county_today(),
            "form": "letter",
            "petitioners": [{"name": "谭玉梅", "phone": "13807451001"}],
            "category": "debt",
            "division_code": "430426102",
            "summary": "来信反映民间借贷纠纷，对一审判决不服，要求改判。",
            "litigation_related": True,
            "litigation_reason": "已经人民法院一审判决，属诉讼权利救济事项，引导依法上诉。",
            "respondents": [{"name": "谭玉兰"}],
        },
    )

    assert (registered["status"], registered["separated_to_court"]) == ("separated", True)
    assert registered["reply"]["result"] == "referred_to_litigation"
    refused = client.http.post(
        client.url("petition_link", f"/api/v1/petitions/{number}/acceptance"),
        json={"accepted": True, "reason": "受理", "to_mediation": True},
        headers=client.headers_for(OFFICER),
        timeout=15,
    )
    assert refused.status_code == 409
    after = figures(client)
    assert after["litigation_related"]["batches"] == before["litigation_related"]["batches"] + 1
    assert after["batches"] == before["batches"] + 1
    assert after["to_mediation"] == before["to_mediation"]

    time.sleep(2)  # whatever had been queued would be at intake by now
    assert rows(platform, "petition_link", "SELECT record_id FROM records WHERE record_id = %s", (number,)) == []
    sent = "SELECT message_id FROM outbox WHERE body->'report'->>'source_record_id' = %s"
    assert rows(platform, "petition_link", sent, (number,)) == []
    assert rows(platform, "intake", "SELECT case_id FROM cases WHERE report->>'source_record_id' = %s", (number,)) == []


def test_a_reply_is_reviewed_and_re_reviewed_and_a_repeat_of_the_final_matter_is_marked(client):
    """复查 and 复核 (第三十五条、第三十六条) through the bureau's API, a retry with its key changing nothing."""
    before, today, number = figures(client), county_today(), petition_number()
    wages = {
        "number": number,
        "received_on": today,
        "form": "letter",
        "petitioners": [{"name": "刘桂香", "phone": "13907341122"}],
        "category": "wages",
        "division_code": "430426105",
        "summary": "来信反映某建筑公司拖欠工资。",
        "respondents": [{"kind": "organisation", "name": "祁东县某建筑有限公司"}],
    }
    register(client, wages)
    base = f"/api/v1/petitions/{number}"
    client.call(
        "POST", "petition_link", f"{base}/acceptance", {"accepted": True, "reason": "予以受理。"}, as_user=OFFICER
    )
    client.call("POST", "petition_link", f"{base}/reply", {"result": "handled", "summary": "已答复。"}, as_user=OFFICER)

    ask = {"body": "衡阳市信访局", "requested_on": today}
    headers = {**client.headers_for(OFFICER), "Idempotency-Key": str(uuid.uuid4())}
    first, retry = (
        client.http.post(client.url("petition_link", f"{base}/review"), json=ask, headers=headers, timeout=15)
        for _ in range(2)
    )
    assert (first.status_code, retry.status_code, retry.headers.get("Idempotent-Replayed")) == (200, 200, "true")
    assert retry.json()["review"] == first.json()["review"]
    assert first.json()["review"]["answer_received_on"] == today  # the reply's day, by default
    opinion = {"result": "upheld", "summary": "维持原处理意见。", "given_on": today}
    client.call("POST", "petition_link", f"{base}/review/opinion", opinion, as_user=OFFICER)
    client.call("POST", "petition_link", f"{base}/re-review", {**ask, "body": "湖南省信访局"}, as_user=OFFICER)
    final = client.call("POST", "petition_link", f"{base}/re-review/opinion", opinion, as_user=OFFICER)
    assert final["final"] == {"number": number, "since": today, "by": "re_review"}
    again = client.http.post(
        client.url("petition_link", f"{base}/re-review"), json=ask, headers=client.headers_for(OFFICER), timeout=15
    )
    assert again.status_code == 409 and "review_requested" in again.text

    repeat = register(client, {**wages, "number": petition_number(), "repeat_of": number})
    assert (repeat["status"], repeat["final_matter"]) == ("registered", final["final"])
    after = figures(client)
    assert after["reviews"]["requested"] == before["reviews"]["requested"] + 1
    assert after["re_reviews"]["answered_on_time"] == before["re_reviews"]["answered_on_time"] + 1
    assert after["repeats"]["on_final_matter"] == before["repeats"]["on_final_matter"] + 1


PETITION_ENDPOINTS = [
    ("POST", "/api/v1/petitions"),
    ("GET", "/api/v1/petitions"),
    ("GET", "/api/v1/petitions/figures?from=2026-11-01&to=2026-11-30"),
    ("GET", "/api/v1/petitions/XF430426-2026-0001"),
    ("POST", "/api/v1/petitions/XF430426-2026-0001/acceptance"),
    ("POST", "/api/v1/petitions/XF430426-2026-0001/extension"),
    ("POST", "/api/v1/petitions/XF430426-2026-0001/reply"),
]


@pytest.mark.parametrize(("method", "path"), PETITION_ENDPOINTS)
@pytest.mark.parametrize(("user", "status"), [(None, 401), ("demo.coordinator", 403), ("demo.police", 403)])
def test_only_the_bureaus_officers_reach_the_register(client, method, path, user, status):
    headers = client.headers_for(user) if user else {}
    body = {} if method == "POST" else None

    response = client.http.request(method, client.url("petition_link", path), json=body, headers=headers, timeout=15)

    assert response.status_code == status, response.text[:300]
    assert response.json()["error"] == ("unauthenticated" if status == 401 else "forbidden")


def walk_in_then_petition(client: PlatformClient) -> tuple[str, str, str, str]:
    """A neighbours' dispute registered at the window: its case, and the applicant's and neighbour's names."""
    suffix = uuid.uuid4().hex[:6]
    applicant, neighbour = f"周建华{suffix}", f"邻居{suffix}"
    walk_in = client.register(
        {
            "source": "walk_in",
            "category": "neighbour",
            "division_code": "430426105",
            "summary": "邻居加盖房屋挡住采光，多次协商未果。",
            "parties": [
                {"role": "applicant", "name": applicant, "phone": "13786500001"},
                {"role": "respondent", "name": neighbour},
            ],
        }
    )["case_id"]
    return walk_in, applicant, neighbour, petition_number()


def petition_again(client: PlatformClient, number: str, applicant: str, neighbour: str) -> None:
    """The same villager petitions the bureau about it, and the bureau passes it to mediation (访调对接)."""
    register(
        client,
        {
            "number": number,
            "received_on": county_today(),
            "form": "visit",
            "petitioners": [{"name": applicant, "phone": "13786500001"}],
            "group_size": 1,
            "category": "neighbour",
            "division_code": "430426105",
            "summary": "来访人反映邻居加盖房屋挡住采光，已向综治中心反映过。",
            "respondents": [{"name": neighbour}],
        },
    )
    client.call(
        "POST",
        "petition_link",
        f"/api/v1/petitions/{number}/acceptance",
        {"accepted": True, "reason": "属本机关职权范围，予以受理，转人民调解。", "to_mediation": True},
        as_user=OFFICER,
    )


def bureau_part(client: PlatformClient, number: str) -> dict:
    """The referral the petition's page lists, once the coordinator brought the bureau in."""
    deadline = time.monotonic() + 30
    shown: dict = {}
    while time.monotonic() < deadline:
        shown = client.call("GET", "petition_link", f"/api/v1/petitions/{number}", as_user=OFFICER)
        if shown.get("case_referrals"):
            break
        time.sleep(0.2)
    [joined] = shown["case_referrals"]
    return dict(joined)


def test_a_petition_about_a_dispute_the_centre_already_handles_brings_the_bureau_in_and_names_the_case(client):
    walk_in, applicant, neighbour, number = walk_in_then_petition(client)
    case = client.wait_for_status(walk_in, "assigned")
    assert all(not r["unit"].startswith("petition:") for r in case["referrals"])

    petition_again(client, number, applicant, neighbour)

    # Intake links it to the walk-in case; the coordinator brings the bureau in as co-unit, naming the petition.
    joined = bureau_part(client, number)
    assert (joined["case_id"], joined["unit"], joined["role"]) == (walk_in, BUREAU, "co_unit")
    case = client.case(walk_in)
    assert case["repeat_reports"] == 1
    assert BUREAU in case["co_units"]


def test_a_petition_while_the_case_awaits_its_visit_reopens_it_with_the_bureau_and_calls_the_visit_off(client):
    walk_in, applicant, neighbour, number = walk_in_then_petition(client)
    case = client.wait_for_status(walk_in, "assigned")
    [lead] = [r for r in case["referrals"] if r["role"] == "lead"]
    client.settle(lead["unit"], lead["referral_id"], "双方协商一致，已化解")
    client.wait_for_status(walk_in, "resolved")
    client.wait_for_follow_up(walk_in)

    petition_again(client, number, applicant, neighbour)

    # The settlement did not hold: a new round with the same lead, and the bureau as co-unit to answer the petition.
    joined = bureau_part(client, number)
    assert (joined["case_id"], joined["unit"], joined["role"]) == (walk_in, BUREAU, "co_unit")
    case = client.wait_for(walk_in, lambda c: c["round"] == 2 and BUREAU in c["co_units"], what="the new round")
    assert case["status"] == "in_progress" and case["rating"] is None
    second = sorted((r["unit"], r["role"]) for r in case["referrals"] if r["round"] == 2)
    assert second == sorted([(lead["unit"], "lead"), (BUREAU, "co_unit")])
    [reopened] = [e["detail"] for e in case["timeline"] if e["kind"] == "case_reopened"]
    assert reopened == {"cause": "repeat_report", "round": 2}

    # Supervision calls the first round's visit off: it is no longer to visit, and a rating of it is refused.
    deadline = time.monotonic() + 30
    while any(f["case_id"] == walk_in for f in client.call("GET", "supervision", "/api/v1/follow-ups")["follow_ups"]):
        assert time.monotonic() < deadline, "the first round's visit was never called off"
        time.sleep(0.1)
    with pytest.raises(PlatformError) as refused:
        client.rate(walk_in, "satisfied")
    assert refused.value.status == 409 and (refused.value.answer or {}).get("code") == "visit_called_off"

    # Both parts report; the new round is visited and rated, and the case closes.
    for referral in [r for r in case["referrals"] if r["round"] == 2]:
        client.settle(referral["unit"], referral["referral_id"], "再次调解，已履行")
    client.wait_for_status(walk_in, "resolved")
    client.wait_for_follow_up(walk_in)
    assert client.rate(walk_in, "satisfied")["round"] == 2
    client.wait_for_status(walk_in, "closed")


def petition_and_mediate(client: PlatformClient, number: str, petitioner: str, company: str, summary: str) -> None:
    """A wage petition the bureau accepts and passes to mediation at the centre (访调对接)."""
    register(
        client,
        {
            "number": number,
            "received_on": county_today(),
            "form": "visit",
            "petitioners": [{"name": petitioner, "phone": "13786500002"}],
            "group_size": 1,
            "category": "wages",
            "division_code": "430426105",
            "summary": summary,
            "respondents": [{"kind": "organisation", "name": company}],
        },
    )
    client.call(
        "POST",
        "petition_link",
        f"/api/v1/petitions/{number}/acceptance",
        {"accepted": True, "reason": "属本机关职权范围，予以受理，转人民调解。", "to_mediation": True},
        as_user=OFFICER,
    )


def test_a_petition_joining_a_case_the_bureau_already_leads_names_that_case_on_its_page(client, platform):
    suffix = uuid.uuid4().hex[:6]
    petitioner, company = f"谭志刚{suffix}", f"祁东县某劳务公司{suffix}"
    first, second = petition_number(), petition_number()
    petition_and_mediate(client, first, petitioner, company, "来访人反映某劳务公司拖欠工资八千元。")
    case_id = case_of_record(platform, first)
    case = client.wait_for_status(case_id, "assigned")
    assert case["lead_unit"] == BUREAU
    [lead] = [r for r in case["referrals"] if r["unit"] == BUREAU]

    # The same worker petitions again about the same wages: intake links it to the case the bureau leads, and the
    # coordinator issues the bureau no new referral; intake tells the bureau which case the petition joined.
    petition_and_mediate(client, second, petitioner, company, "来访人再次反映某劳务公司拖欠工资，至今未付。")
    deadline = time.monotonic() + 30
    shown: dict = {}
    while time.monotonic() < deadline:
        shown = client.call("GET", "petition_link", f"/api/v1/petitions/{second}", as_user=OFFICER)
        if shown.get("joined_case"):
            break
        time.sleep(0.2)

    assert shown["joined_case"]["case_id"] == case_id
    assert shown["joined_case"]["reason"] == "same parties and category within 30 days"
    # The bureau's own referral of that case is listed, though none names the second petition.
    assert [(r["referral_id"], r["case_id"], r["role"]) for r in shown["case_referrals"]] == [
        (lead["referral_id"], case_id, "lead")
    ]
    case = client.wait_for(case_id, lambda c: c["repeat_reports"] == 1, what="the repeat report")
    assert [r["referral_id"] for r in case["referrals"] if r["unit"] == BUREAU] == [lead["referral_id"]]

    # The console's petition page says it in Chinese.
    page = console_of(platform, OFFICER).get(platform.http_base_url("console") + f"/petitions/{second}", timeout=15)
    assert page.status_code == 200
    assert f"综治中心已将本信访事项并入已有案件 {case_id}（30日内同一当事人、同类纠纷），未另立新案" in page.text


def console_of(platform, username: str) -> requests.Session:
    """A browser signed in to the console as `username`."""
    password = ensure_accounts(platform, working_accounts(platform))[username]
    browser = requests.Session()
    answer = browser.post(
        platform.http_base_url("console") + "/login",
        data={"username": username, "password": password},
        allow_redirects=False,
        timeout=15,
    )
    assert answer.status_code == 303, answer.text[:300]
    return browser
