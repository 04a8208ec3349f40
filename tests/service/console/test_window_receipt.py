"""受理回执: the page the window prints for the citizen, in plain Chinese, without the ID or mobile numbers."""

import base64
import re
import shutil
from dataclasses import replace

import pytest

from services.console.pages import PageNotFound
from shared.auth.principal import Forbidden
from shared.qr_codes import qr_svg
from shared.registry import DEFAULT_CONFIG_DIR
from tests.service.console.visitors import HE, LIU, WANG, ZHOU, console_knowing, token_of

CASE_ID = "430426-20261123-00007"
RECEIPT = f"/window/cases/{CASE_ID}/receipt"
DISPUTE = {
    "case_id": CASE_ID,
    "source": "walk_in",
    "category": "neighbour",
    "division_code": "430426101203",
    "summary": "邻居翻修房屋，占用了共用通道 <script>alert(1)</script>",
    "registered_at": "2026-11-23T01:25:00+00:00",
    "report": {
        "parties": [
            # intake answers the numbers masked; the receipt must print neither even so
            {"role": "applicant", "kind": "person", "name": "张秀英", "id_number": "430426********0023",
             "phone": "139****1234"},
            {"role": "respondent", "kind": "person", "name": "李建国", "phone": "138****5678"},
        ]
    },
}  # fmt: skip
TRIAGED = {
    "case_id": CASE_ID,
    "mode": "immediate",
    "status": "assigned",
    "round": 1,
    "lead_unit": "police:430426101",
    "co_units": [],
    "gaps": [],
    "referrals": [
        {"unit": "police:430426101", "role": "lead", "round": 1, "status": "issued",
         "due_at": "2026-11-30T09:59:00+00:00", "due_provisional": False},
    ],
}  # fmt: skip
NOT_THERE = {"error": "not_found", "message": f"no case {CASE_ID}"}
PROGRESS_LINK = f"/api/v1/cases/{CASE_ID}/progress-link"


def registered(apis, case: dict | None) -> None:
    apis.answer("intake", "GET", f"/api/v1/disputes/{CASE_ID}", 200, DISPUTE)
    apis.down("supervision", "GET", PROGRESS_LINK)  # the receipt prints without its QR code (see below for it)
    if case is None:
        apis.answer("coordinator", "GET", f"/api/v1/cases/{CASE_ID}", 404, NOT_THERE)
    else:
        apis.answer("coordinator", "GET", f"/api/v1/cases/{CASE_ID}", 200, case)


def open_receipt(console, browser, as_=WANG, case_id: str = CASE_ID):
    return console.receipt(browser.get(f"/window/cases/{case_id}/receipt", as_=as_), case_id)


def test_the_receipt_names_the_case_the_visitor_the_lead_unit_and_its_deadline(console, apis, browser, staff):
    staff.signed_in(WANG)
    registered(apis, TRIAGED)

    response = open_receipt(console, browser)

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<h1>矛盾纠纷受理回执</h1>" in page
    assert '<p class="issuer">祁东县综治中心</p>' in page
    assert f'<dd class="case-id">{CASE_ID}</dd>' in page
    assert "<dt>登记时间</dt><dd>2026年11月23日 09:25</dd>" in page  # Beijing time
    assert '<dt>来访人</dt><dd class="visitors">张秀英</dd>' in page  # the applicant, not the respondent
    assert "<dt>纠纷类别</dt><dd>邻里纠纷</dd>" in page
    assert '<dt>承办单位</dt><dd class="handled-by">砖塘镇派出所</dd>' in page
    assert '<dd class="deadline">2026年11月30日</dd>' in page  # 17:59 Beijing time that day
    assert "凭本回执和案件编号，可到综治中心窗口或致电 12345 查询办理进度" in page
    assert 'href="/static/receipt.css"' in page and "https://" not in page
    assert [(call.service, call.token) for call in apis.calls] == [
        ("intake", token_of(WANG)),
        ("coordinator", token_of(WANG)),
        ("supervision", token_of(WANG)),  # the progress link's QR code: supervision is down here
    ]


def test_the_receipt_prints_no_id_or_mobile_number_and_the_summary_as_text(console, apis, browser, staff):
    staff.signed_in(WANG)
    registered(apis, TRIAGED)

    page = open_receipt(console, browser).get_data(as_text=True)

    assert "0023" not in page and "1234" not in page.replace("致电 12345", "") and "5678" not in page
    assert "身份证" not in page and "手机" not in page
    assert "<script>alert(1)</script>" not in page
    assert "邻居翻修房屋，占用了共用通道 &lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_a_case_not_yet_triaged_awaits_the_centre_and_promises_no_deadline(console, apis, browser, staff):
    staff.signed_in(WANG)
    registered(apis, None)

    page = open_receipt(console, browser).get_data(as_text=True)

    assert '<dd class="handled-by">待综治中心分派</dd>' in page
    assert "办理时限" not in page


def test_a_lead_that_declined_is_not_named_to_the_citizen(console, apis, browser, staff):
    staff.signed_in(WANG)
    declined = {**TRIAGED, "gaps": [{"role": "lead", "code": "lead_declined", "unit": "police:430426101"}]}
    registered(apis, declined)

    page = open_receipt(console, browser).get_data(as_text=True)

    assert '<dd class="handled-by">待综治中心分派</dd>' in page
    assert "派出所" not in page and "办理时限" not in page


def test_without_a_phone_in_the_config_the_receipt_names_the_window_alone(
    apis, browser, staff, uow, console_platform, tmp_path
):
    config = tmp_path / "config"
    shutil.copytree(DEFAULT_CONFIG_DIR, config)
    centres = config / "centres.toml"
    lines = centres.read_text(encoding="utf-8").splitlines()
    centres.write_text(
        "\n".join(line for line in lines if not line.startswith(("phone =", "address ="))), encoding="utf-8"
    )
    console = console_knowing(uow, apis, replace(console_platform, config_dir=config))
    staff.signed_in(WANG)
    registered(apis, TRIAGED)

    page = open_receipt(console, browser).get_data(as_text=True)

    assert "凭本回执和案件编号，可到综治中心窗口查询办理进度。" in page
    assert "致电" not in page and "地址：" not in page


@pytest.mark.parametrize("visitor", [LIU, ZHOU], ids=["officer", "supervisor"])
def test_only_the_window_may_print_a_receipt_and_no_service_is_asked(console, apis, browser, staff, visitor):
    staff.signed_in(visitor)

    with pytest.raises(Forbidden):
        open_receipt(console, browser, as_=visitor)

    assert apis.calls == []


def test_a_coordinator_at_the_window_may_print_one(console, apis, browser, staff):
    staff.signed_in(HE)
    registered(apis, TRIAGED)

    assert open_receipt(console, browser, as_=HE).status_code == 200


def test_a_number_intake_never_gave_has_no_receipt(console, apis, browser, staff):
    staff.signed_in(WANG)
    missing = "430426-20261206-99999"
    apis.answer("intake", "GET", f"/api/v1/disputes/{missing}", 404, NOT_THERE)

    with pytest.raises(PageNotFound):
        open_receipt(console, browser, case_id=missing)


def test_a_malformed_number_is_no_page(console, browser, staff):
    staff.signed_in(WANG)

    with pytest.raises(PageNotFound):
        console.receipt(browser.get("/window/cases/x/receipt", as_=WANG), "not-a-case")


def test_the_registered_page_offers_the_receipt_and_promises_only_the_window_and_phone(console, apis, browser, staff):
    staff.signed_in(WANG)
    apis.answer("coordinator", "GET", f"/api/v1/cases/{CASE_ID}", 200, TRIAGED)

    page = console.registered(browser.get(f"/window/cases/{CASE_ID}", as_=WANG), CASE_ID).get_data(as_text=True)

    assert f'<a class="button-link" href="{RECEIPT}">打印回执</a>' in page
    assert "凭案件编号可到综治中心窗口或致电 12345 查询办理进度" in page
    assert "凭编号查询进度" not in page


FIRST_REPORT = "0f8e0a3e-8d5b-4a39-9a1e-7d1c2b3a4f50"
REPEAT = "5b1f9a52-3c1e-4d7a-9a57-2f4f0c1d6e21"
WITH_REPORTS = {
    **DISPUTE,
    "reports": [
        {"report_id": FIRST_REPORT, "source": "walk_in", "linked": False, "reason": None,
         "received_at": "2026-11-23T01:25:00+00:00", "registered_by": "wang.fang"},
        {"report_id": REPEAT, "source": "walk_in", "linked": True,
         "reason": "same parties and category within 30 days",
         "received_at": "2026-11-25T02:05:00+00:00", "registered_by": "wang.fang"},
    ],
}  # fmt: skip


def receipt_of_report(console, apis, browser, report: str):
    apis.answer("intake", "GET", f"/api/v1/disputes/{CASE_ID}", 200, WITH_REPORTS)
    apis.answer("coordinator", "GET", f"/api/v1/cases/{CASE_ID}", 200, TRIAGED)
    apis.down("supervision", "GET", PROGRESS_LINK)
    return console.receipt(browser.get(f"{RECEIPT}?report={report}", as_=WANG), CASE_ID)


def test_a_repeat_report_s_receipt_says_when_it_came_and_that_it_joined_the_case(console, apis, browser, staff):
    staff.signed_in(WANG)

    page = receipt_of_report(console, apis, browser, REPEAT).get_data(as_text=True)

    assert '<dt>本次反映时间</dt><dd class="reported-at">2026年11月25日 10:05</dd>' in page
    assert "<dt>原登记时间</dt><dd>2026年11月23日 09:25</dd>" in page
    # intake keeps no parties of a repeat: the names are the case's, and the receipt says whose they are
    assert '<dt>原登记申请人</dt><dd class="visitors">张秀英</dd>' in page and "来访人" not in page
    assert "与已登记的上述案件为同一纠纷（30日内同一当事人、同类纠纷），已并入该案件一并办理，不另立新案" in page
    assert "您反映的矛盾纠纷已登记受理" not in page
    assert f'href="/window/cases/{CASE_ID}?linked=1&amp;report={REPEAT}">返回登记结果' in page


def test_the_receipt_of_the_report_that_opened_the_case_is_the_case_s_own(console, apis, browser, staff):
    staff.signed_in(WANG)

    page = receipt_of_report(console, apis, browser, FIRST_REPORT).get_data(as_text=True)

    assert "<dt>登记时间</dt><dd>2026年11月23日 09:25</dd>" in page
    assert "本次反映时间" not in page and "您反映的矛盾纠纷已登记受理" in page


@pytest.mark.parametrize(
    "report", ["7d0b6c1e-0000-4000-8000-000000000000", "not-a-report", ""], ids=["another", "malformed", "empty"]
)
def test_a_report_the_case_does_not_hold_has_no_receipt(console, apis, browser, staff, report):
    staff.signed_in(WANG)
    with pytest.raises(PageNotFound):
        receipt_of_report(console, apis, browser, report)


def test_the_registered_page_of_a_repeat_offers_that_report_s_receipt(console, apis, browser, staff):
    staff.signed_in(WANG)
    apis.answer("coordinator", "GET", f"/api/v1/cases/{CASE_ID}", 200, TRIAGED)
    path = f"/window/cases/{CASE_ID}?linked=1&report={REPEAT}"

    page = console.registered(browser.get(path, as_=WANG), CASE_ID).get_data(as_text=True)

    assert "重复反映，已关联" in page
    assert f'<a class="button-link" href="{RECEIPT}?report={REPEAT}">打印回执</a>' in page


# --- 办理进度查询: the QR code to the case's progress page ------------------------------------------------------

TRACK_URL = f"https://wuyuan.example.cn/track/{CASE_ID}.20271123.mQSS9l2Xv4Jk_8wq"


def test_the_receipt_prints_the_qr_code_to_the_cases_progress_with_its_address(console, apis, browser, staff):
    staff.signed_in(WANG)
    registered(apis, TRIAGED)
    link = {"case_id": CASE_ID, "url": TRACK_URL, "expires_at": "2027-11-24T00:00:00+08:00"}
    apis.answer("supervision", "GET", PROGRESS_LINK, 200, link)

    response = open_receipt(console, browser)

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    [image] = re.findall(r'<img src="data:image/svg\+xml;base64,([^"]+)" alt="办理进度查询二维码">', page)
    # The code of the very address printed under it: one answer gives both.
    assert base64.b64decode(image).decode() == qr_svg(TRACK_URL, f"办理进度 {CASE_ID}", scale=4)
    assert "<p>扫码查询办理进度</p>" in page
    assert f'<p class="progress-url">{TRACK_URL}</p>' in page
    assert [(c.service, c.token) for c in apis.calls_to("supervision")] == [("supervision", token_of(WANG))]


@pytest.mark.parametrize("url", ["javascript:alert(1)", None, 42])
def test_a_link_that_is_no_web_address_prints_no_qr_code(console, apis, browser, staff, url):
    staff.signed_in(WANG)
    registered(apis, TRIAGED)
    apis.answer("supervision", "GET", PROGRESS_LINK, 200, {"case_id": CASE_ID, "url": url})

    page = open_receipt(console, browser).get_data(as_text=True)

    assert "扫码查询办理进度" not in page and "<img" not in page


@pytest.mark.parametrize("status", [403, 503])
def test_the_receipt_prints_without_the_qr_code_when_supervision_refuses_or_is_down(
    console, apis, browser, staff, status
):
    staff.signed_in(WANG)
    registered(apis, TRIAGED)
    if status != 503:
        apis.answer("supervision", "GET", PROGRESS_LINK, status, {"error": "forbidden"})

    response = open_receipt(console, browser)

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert f'<dd class="case-id">{CASE_ID}</dd>' in page
    assert "扫码查询办理进度" not in page and "<img" not in page
    assert "凭本回执和案件编号，可到综治中心窗口或致电 12345 查询办理进度" in page
