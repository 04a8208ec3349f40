"""共同办 on an officer's referral page: the lead reads what its co-units came to, the mediators' signed agreement
included (the petition bureau replies to the petitioner with it, a court confirms it); a co-unit reads the lead's."""

from tests.service.console.test_referrals import ACCEPTED, REFERRAL_ID, text_of
from tests.service.console.visitors import LIU, agency_shows

MEDIATORS = {
    "referral_id": "0b7a3c52-9d41-4e0f-8a6b-2c5d7e9f1a30",
    "unit": "justice:430426101",
    "role": "co_unit",
    "status": "reported",
    "result": "mediated",
    "outcome": "resolved",
    "agreement": {
        "number": "砖司调字〔2026〕第18号",
        "signed_on": "2026-11-22",
        "terms": "李四于十日内拆除越界围墙，张三不再主张赔偿。",
    },
    "reported_at": "2026-11-22T07:30:00+00:00",
    "summary": "经司法所调解，双方签订人民调解协议书。",
}


def page_of(
    console, browser, staff, apis, referral: dict, other_parts: list[dict] | None, earlier: list[dict] | None = None
) -> str:
    staff.signed_in(LIU)
    agency_shows(apis, "police_link", referral, other_parts=other_parts, earlier_round=earlier)
    response = console.referral(browser.get(f"/referrals/police/{REFERRAL_ID}", as_=LIU), "police", REFERRAL_ID)
    assert response.status_code == 200
    return text_of(response)


def test_the_lead_reads_its_co_units_result_and_signed_agreement_in_beijing_time(console, browser, staff, apis):
    page = page_of(console, browser, staff, apis, ACCEPTED, [MEDIATORS])

    assert "配合单位办理情况" in page
    assert "砖塘镇司法所（配合单位）" in page
    assert "已办结（调解成功）" in page
    assert "2026-11-22 15:30" in page  # 07:30 UTC, read in Beijing time
    assert "经司法所调解，双方签订人民调解协议书。" in page
    assert "砖司调字〔2026〕第18号" in page and "李四于十日内拆除越界围墙" in page


def test_a_co_unit_reads_the_leads_part_under_its_own_heading(console, browser, staff, apis):
    as_co_unit = {**ACCEPTED, "role": "co_unit"}
    lead = {**MEDIATORS, "unit": "police:430426", "role": "lead", "status": "accepted", "result": None}
    lead.update(outcome=None, agreement=None, reported_at=None, summary=None)

    page = page_of(console, browser, staff, apis, as_co_unit, [lead])

    assert "牵头单位办理情况" in page and "祁东县公安局（牵头单位）" in page and "办理中" in page
    section = page.split("牵头单位办理情况")[1].split("</section>")[0]
    assert "协议编号" not in section and "反馈时间" not in section  # nothing reported yet


def test_a_coordinator_of_before_joint_parts_leaves_the_section_out(console, browser, staff, apis):
    page = page_of(console, browser, staff, apis, ACCEPTED, None)

    assert "配合单位办理情况" not in page and "牵头单位办理情况" not in page


def test_the_lead_of_a_reopened_round_reads_what_the_round_before_came_to(console, browser, staff, apis):
    """The citizen was not satisfied with the agreement the mediators had made: the station reads it again."""
    round_two = {**ACCEPTED, "round": 2}
    station = {**MEDIATORS, "unit": "police:430426101", "role": "lead", "result": "handled", "agreement": None}

    page = page_of(console, browser, staff, apis, round_two, [], [station, MEDIATORS])

    section = page[page.index("上一轮办理情况（第1轮）") :].split("</section>")[0]
    assert "砖塘镇派出所（牵头单位）" in section and "已办结（依职能办结）" in section
    assert "砖塘镇司法所（配合单位）" in section and "砖司调字〔2026〕第18号" in section
    assert "配合单位办理情况" not in page  # nothing of its own round's co-units yet
