"""The case page reads each line of a case's history in Chinese and Beijing time, as `wuyuan case show` words it."""

import copy
import html
import re

from tests.service.console.test_calendar_marks import CASE, CASE_ID
from tests.service.console.visitors import ZHOU
from tests.unit.shared.test_wording_timeline import CO_ID, JUSTICE
from tests.unit.shared.test_wording_timeline import TIMELINE as EVERY_KIND
from wuyuan.labels import Names, timeline_detail
from wuyuan.settings import PlatformSettings

REFERRAL_ID = CASE["referrals"][0]["referral_id"]
TIMELINE = [
    {
        "seq": 1,
        "at": "2026-12-04T01:00:00+00:00",
        "kind": "referral_issued",
        "detail": {
            "unit": "court:430426",
            "role": "lead",
            "referral_id": REFERRAL_ID,
            "round": 1,
            "due_at": "2026-12-11T09:30:00+00:00",
            "term": {"days": 5, "counting": "working"},
        },
    },
    {
        "seq": 2,
        "at": "2026-12-05T01:00:00+00:00",
        "kind": "clock_paused",
        "detail": {
            "unit": "court:430426",
            "role": "lead",
            "referral_id": REFERRAL_ID,
            "officer": "zhao.faguan",
            "reason": "appraisal",
            "note": "委托伤情鉴定",
            "pause_number": 1,
            "paused_at": "2026-12-05T01:00:00+00:00",
        },
    },
    {
        "seq": 3,
        "at": "2026-12-08T02:00:00+00:00",
        "kind": "clock_resumed",
        "detail": {
            "unit": "court:430426",
            "role": "lead",
            "referral_id": REFERRAL_ID,
            "officer": "zhao.faguan",
            "reason": "appraisal",
            "paused_at": "2026-12-05T01:00:00+00:00",
            "resumed_at": "2026-12-08T02:00:00+00:00",
            "previous_due_at": "2026-12-11T09:30:00+00:00",
            "due_at": "2026-12-14T09:30:00+00:00",
            "counting": "working",
        },
    },
    {
        "seq": 4,
        "at": "2026-12-09T02:00:00+00:00",
        "kind": "progress_reported",
        "detail": {
            "unit": "court:430426",
            "role": "lead",
            "referral_id": REFERRAL_ID,
            "officer": "zhao.faguan",
            "note": "已约双方调解",
            "late": True,
        },
    },
]


def test_the_timeline_reads_terms_pauses_and_late_steps_in_chinese(console, browser, staff, apis):
    case = copy.deepcopy(CASE)
    case["timeline"] = TIMELINE
    staff.signed_in(ZHOU)
    apis.answer("coordinator", "GET", f"/api/v1/cases/{CASE_ID}", 200, case)
    apis.answer("intake", "GET", f"/api/v1/disputes/{CASE_ID}", 403, {"error": "forbidden"})
    apis.answer("supervision", "GET", "/api/v1/documents", 200, {"documents": []})

    page = console.case(browser.get(f"/cases/{CASE_ID}", as_=ZHOU), CASE_ID).get_data(as_text=True)
    timeline = page[page.index('<ol class="timeline">') :]

    assert "时限：5个工作日" in timeline
    assert "暂停原因：鉴定" in timeline and "暂停说明：委托伤情鉴定" in timeline
    assert "暂停时间：2026-12-05 09:00" in timeline and "恢复时间：2026-12-08 10:00" in timeline
    assert "原期限：2026-12-11 17:30" in timeline and "顺延至：2026-12-14 17:30" in timeline
    assert "（在该单位办结或退回之后收到，仅作记录）" in timeline
    shown = re.sub(r'datetime="[^"]*"', "", timeline[: timeline.index("</ol>")])
    assert "appraisal" not in shown and "working" not in shown and "+00:00" not in shown


def test_every_kind_of_line_reads_on_the_case_page_as_in_wuyuan_case_show(console, browser, staff, apis, tmp_path):
    case = copy.deepcopy(CASE)
    case["referrals"] = [*case["referrals"], {**case["referrals"][0], "referral_id": CO_ID, "unit": JUSTICE}]
    case["timeline"] = [
        {"seq": seq, "at": "2026-12-04T01:00:00+00:00", "kind": kind, "detail": detail}
        for seq, (kind, detail) in enumerate(EVERY_KIND, start=1)
    ]
    staff.signed_in(ZHOU)
    apis.answer("coordinator", "GET", f"/api/v1/cases/{CASE_ID}", 200, case)
    apis.answer("intake", "GET", f"/api/v1/disputes/{CASE_ID}", 403, {"error": "forbidden"})
    apis.answer("supervision", "GET", "/api/v1/documents", 200, {"documents": []})

    page = console.case(browser.get(f"/cases/{CASE_ID}", as_=ZHOU), CASE_ID).get_data(as_text=True)
    timeline = page[page.index('<ol class="timeline">') : page.index("</ol>")]
    shown = [
        "；".join(html.unescape(part) for part in re.findall(r'<span class="part">(.*?)</span>', line))
        for line in timeline.split("</li>")[:-1]
    ]

    names = Names.of(PlatformSettings(state_dir=tmp_path))
    units = {str(r["referral_id"]): r["unit"] for r in case["referrals"]}
    assert shown == [timeline_detail(kind, detail, names, units) for kind, detail in EVERY_KIND]


def test_staff_who_acted_read_by_name_with_their_account(console, browser, staff, apis, people):
    case = copy.deepcopy(CASE)
    case["timeline"] = TIMELINE
    people.update({"demo.window": "王芳", "zhao.faguan": "赵法官"})
    staff.signed_in(ZHOU)
    apis.answer("coordinator", "GET", f"/api/v1/cases/{CASE_ID}", 200, case)
    apis.answer("intake", "GET", f"/api/v1/disputes/{CASE_ID}", 403, {"error": "forbidden"})
    apis.answer("supervision", "GET", "/api/v1/documents", 200, {"documents": []})

    page = html.unescape(console.case(browser.get(f"/cases/{CASE_ID}", as_=ZHOU), CASE_ID).get_data(as_text=True))

    assert "<dt>登记人</dt><dd>王芳（demo.window）</dd>" in page
    timeline = page[page.index('<ol class="timeline">') : page.index("</ol>")]
    assert timeline.count("经办人：赵法官（zhao.faguan）") == 3


def test_an_account_identity_does_not_know_is_shown_as_it_is(console, browser, staff, apis):
    staff.signed_in(ZHOU)
    apis.answer("coordinator", "GET", f"/api/v1/cases/{CASE_ID}", 200, copy.deepcopy(CASE))
    apis.answer("intake", "GET", f"/api/v1/disputes/{CASE_ID}", 403, {"error": "forbidden"})
    apis.answer("supervision", "GET", "/api/v1/documents", 200, {"documents": []})

    page = console.case(browser.get(f"/cases/{CASE_ID}", as_=ZHOU), CASE_ID).get_data(as_text=True)

    assert "<dt>登记人</dt><dd>demo.window</dd>" in page


def case_timeline(console, browser, staff, apis, lines: list[dict]) -> list[str]:
    """Each timeline line of the case page as its text: the kind, then its parts joined as the page shows them."""
    case = copy.deepcopy(CASE)
    case["timeline"] = lines
    staff.signed_in(ZHOU)
    apis.answer("coordinator", "GET", f"/api/v1/cases/{CASE_ID}", 200, case)
    apis.answer("intake", "GET", f"/api/v1/disputes/{CASE_ID}", 403, {"error": "forbidden"})
    apis.answer("supervision", "GET", "/api/v1/documents", 200, {"documents": []})
    page = console.case(browser.get(f"/cases/{CASE_ID}", as_=ZHOU), CASE_ID).get_data(as_text=True)
    timeline = page[page.index('<ol class="timeline">') : page.index("</ol>", page.index('<ol class="timeline">'))]
    items = re.findall(r"<li>(.*?)</li>", timeline, re.DOTALL)
    texts = [html.unescape(re.sub(r"<[^>]+>", "", item.replace('</span><span class="part">', "；"))) for item in items]
    return [" ".join(text.split()[2:]).replace("； ", "；") for text in texts]  # without the time (day and hour)


def line(kind: str, detail: dict) -> dict:
    return {"seq": 1, "at": "2026-12-06T02:00:00+00:00", "kind": kind, "detail": detail}


def test_a_call_in_does_not_repeat_its_title(console, browser, staff, apis):
    called = {"units": ["petition:430426"], "note": "多户联名信访，请信访局报到", "staff": "chen.xietiao"}

    [text] = case_timeline(console, browser, staff, apis, [line("units_called_in", called)])

    assert text == "吹哨报到 报到单位：祁东县信访局；事项：多户联名信访，请信访局报到；经办人：chen.xietiao"


def test_a_case_settled_on_the_spot_names_no_routing_rule(console, browser, staff, apis):
    settled = {"rule": 0, "mode": "on_the_spot", "lead_unit": None, "co_units": []}

    [text] = case_timeline(console, browser, staff, apis, [line("case_triaged", settled)])

    assert text == "分流 现场办"


def test_a_routed_case_counts_its_rule_from_one(console, browser, staff, apis):
    routed = {"rule": 0, "mode": "single_unit", "lead_unit": "court:430426", "co_units": []}

    [text] = case_timeline(console, browser, staff, apis, [line("case_triaged", routed)])

    assert text == "分流 马上办；牵头单位：祁东县人民法院；分流规则：第1条"  # routing.toml's first rule


def test_a_resume_that_moved_nothing_says_the_deadline_stands(console, browser, staff, apis):
    """Paused on a Saturday and resumed on the Sunday: a working-day term loses no time, and the line says so."""
    resumed = {
        **TIMELINE[2]["detail"],
        "paused_at": "2026-12-05T02:00:00+00:00",
        "resumed_at": "2026-12-06T02:00:00+00:00",
        "previous_due_at": "2026-12-11T09:30:00+00:00",
        "due_at": "2026-12-11T09:30:00+00:00",
    }

    [text] = case_timeline(console, browser, staff, apis, [line("clock_resumed", resumed)])

    assert "期限不变：2026-12-11 17:30" in text
    assert "原期限" not in text and "顺延至" not in text


def test_a_case_from_a_petition_names_the_petition_beside_its_source(console, browser, staff, apis):
    case = {**copy.deepcopy(CASE), "source": "petition", "source_record_id": "XF430426-2026-0312"}
    staff.signed_in(ZHOU)
    apis.answer("coordinator", "GET", f"/api/v1/cases/{CASE_ID}", 200, case)
    apis.answer("intake", "GET", f"/api/v1/disputes/{CASE_ID}", 403, {"error": "forbidden"})
    apis.answer("supervision", "GET", "/api/v1/documents", 200, {"documents": []})

    page = console.case(browser.get(f"/cases/{CASE_ID}", as_=ZHOU), CASE_ID).get_data(as_text=True)

    assert "<dt>来源</dt><dd>访源（信访）（原始编号 XF430426-2026-0312）</dd>" in page
