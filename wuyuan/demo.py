"""`wuyuan demo`: one joint dispute driven through every hop of the running platform, as its users would."""

import random
from collections.abc import Callable
from datetime import datetime

from shared.wording import MODES, label
from shared.workdays import CHINA_TZ
from wuyuan.client import JsonObject, PlatformClient
from wuyuan.labels import Names, service_label

DEMO_DISPUTE: JsonObject = {
    "source": "walk_in",
    "category": "traffic",
    "division_code": "430426101203",
    "summary": "电动三轮车与小货车在村口相撞，车辆受损、一人轻伤，双方对赔偿金额争执不下。",
    "parties": [
        {"role": "applicant", "name": "王建国", "phone": "13800138000"},
        {"role": "respondent", "name": "赵志强", "phone": "13912345678"},
    ],
}


def _fresh_mobile() -> str:
    return "139" + "".join(random.choices("0123456789", k=8))


def demo_dispute() -> JsonObject:
    """The demo dispute with fresh phone numbers, so a second run is a new dispute, not a repeat report."""
    parties = [{**party, "phone": _fresh_mobile()} for party in DEMO_DISPUTE["parties"]]
    return {**DEMO_DISPUTE, "parties": parties}


def demo_result(referral: JsonObject) -> JsonObject:
    """The lead (the traffic police) settles liability by its own procedure; a co-unit mediates the
    compensation, and the parties sign the agreement today, so the demo shows both kinds of result."""
    if referral["role"] == "lead":
        return {"result": "handled", "summary": "交警认定事故责任，出具事故认定书"}
    signed_on = datetime.now(CHINA_TZ).date().isoformat()
    agreement = {"signed_on": signed_on, "terms": "赵志强赔偿王建国医疗费、车辆维修费共计六千元，签字当日付清"}
    return {"result": "mediated", "agreement": agreement, "summary": "双方当场签订调解协议，赔偿已履行"}


def run_demo(client: PlatformClient, echo: Callable[[str], None], timeout: float = 60.0) -> JsonObject:
    """File, triage, handle, resolve, rate, close; returns the closed case. Raises on any step that fails."""
    registered = client.register(demo_dispute())
    case_id = registered["case_id"]
    if registered["linked"]:
        raise RuntimeError(f"演示纠纷被作为重复报告关联到已有案件 {case_id}")
    names = Names.of(client.settings)
    echo(f"1. 群众点单  窗口登记：{case_id}")

    case = client.wait_for(
        case_id, lambda c: c["status"] == "assigned" and len(c["referrals"]) >= 2, timeout, "两份交办单发出"
    )
    echo(
        f"2. 平台派单  {label(MODES, case['mode'])}：牵头单位 {names.unit(case['lead_unit'])}，"
        f"配合单位 {names.units(case['co_units'])}"
    )

    for referral in case["referrals"]:
        unit, referral_id = referral["unit"], referral["referral_id"]
        client.wait_for_referral(unit, referral_id, timeout)
        client.act(unit, referral_id, "accept", {})
        client.act(unit, referral_id, "progress", {"note": "已联系双方当事人，约定调解时间"})
        result = demo_result(referral)
        client.act(unit, referral_id, "result", result)
        agency = service_label(client.settings, client.service_of(unit))
        # Both results are 化解 (handled, mediated): the step reads the same for either unit.
        echo(f"3. 部门办单  {names.unit(unit)}（{agency}）签收、报告进展，反馈化解成功")

    client.wait_for_status(case_id, "resolved", timeout)
    echo("4. 组织督单  各单位均已反馈，检查督导组发起回访")
    client.wait_for_follow_up(case_id, timeout)
    client.rate(case_id, "satisfied", comment="满意，问题已解决")
    closed = client.wait_for_status(case_id, "closed", timeout)
    echo(f"5. 群众评单  群众评价满意，案件 {case_id} 已结案")
    return closed
