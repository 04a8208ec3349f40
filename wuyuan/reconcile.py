"""`wuyuan reconcile`: ask the coordinator to send a restored agency its referral documents again, and say in
Chinese, referral by referral, what the agency's officers must redo."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from shared.wording import RESULT_CODES, local_time
from wuyuan.client import JsonObject, PlatformClient
from wuyuan.settings import PlatformSettings

# The working account with the operator role (wuyuan/accounts.py), on the local platform; elsewhere the
# client acts as the person signed in, who must hold that role.
OPERATOR = "demo.operator"

REDO_WORDS = {
    "accept": "受理",
    "progress": "进展报告",
    "pause": "暂停计时",
    "resume": "恢复计时",
    "decline": "退回",
    "result": "办理结果",
}
REDO_TIME = {
    "accept": "accepted_at",
    "progress": "last_progress_at",
    "pause": "paused_at",
    "decline": "closed_at",
    "result": "closed_at",
}
STATUS_WORDS = {
    "issued": "已交办",
    "accepted": "办理中",
    "declined": "已退回",
    "reported": "已报结",
    "escalated": "已提级收回",
}
# A referral issued and finished since the backup: the agency never had it, and it is not sent again.
FINISHED = "finished_not_resent"
# What reconciling cannot give back (the coordinator's `gaps`), as officers and staff read it.
GAP_WORDS = {
    "issued_unknown": "该交办的原消息编号已无记录，未重发：请核对机构是否仍有此交办，没有则联系中心重新交办",
    FINISHED: "该交办在恢复时间点之后交办并已由本单位办结，机构恢复后的数据库中本无此件："
    "不重发，也无需重办，以中心记录为准",
}
# A lead's referral the agency lost after the centre dropped its copy of the parties' mobile numbers.
AWAITING_CONTACTS_WORDS = (
    "牵头单位签收后中心已按规定删除当事人手机号，这份交办待信息收集组（受理窗口）补回手机号后即重发，"
    "送达后再按上列重办。重发的交办仍无号码的（受理窗口也未保存或已按期删除），请向县综治中心受理窗口核实；"
    "迟迟未送达的，请运维人员查看死信（wuyuan dlq list）后再运行一次本命令。身份证号从不随交办发送"
)


def request_reconcile(
    settings: PlatformSettings, service: str, since: datetime | None, client: PlatformClient | None = None
) -> JsonObject:
    """Call the coordinator's operator endpoint, signed in as the settings say (PlatformClient.from_settings);
    raises PlatformError (SignInError among them) or OSError (ServiceUnreachable) as the client does."""
    client = client or PlatformClient.from_settings(settings)
    body: JsonObject = {"service": service, "since": since.isoformat() if since else None}
    return client.call("POST", "coordinator", "/api/v1/reconcile", body, as_user=OPERATOR)


def report_lines(
    report: JsonObject, unit_name: Callable[[str], str] = str, service_named: Callable[[str], str] = str
) -> list[str]:
    """The coordinator's answer as operators and the agency's officers read it: units by `unit_name`, the agency's
    service by `service_named` ('法院（court_link）', as the other commands name a service)."""
    referrals: list[dict[str, Any]] = report.get("referrals") or []
    since = report.get("since")
    agency = service_named(report["service"])
    head = f"已向{agency}重发 {report['resent']} 份交办文书（原消息编号不变，机构已有的将被跳过）"
    lines = [head + (f"；以恢复时间点 {local_time(since)} 为准" if since else "")]
    awaiting = report.get("awaiting_contacts") or 0
    if awaiting:
        lines.append(f"另有 {awaiting} 份交办文书待信息收集组补回当事人手机号后重发（见下）")
    to_redo = [r for r in referrals if r.get("redo") or r.get("gaps") or r.get("awaiting_contacts")]
    if not to_redo:
        lines.append("无需机构重办的事项")
        return lines
    lines.append(f"以下 {len(to_redo)} 件交办，中心持有而机构恢复后的数据库可能已丢失，请经办人员重办或核对：")
    for line in to_redo:
        status = STATUS_WORDS.get(line["status"], line["status"])
        unit = unit_name(line["unit"])
        lines.append(f"  案件 {line['case_id']}  {unit}  交办 {line['referral_id']}（中心状态：{status}）")
        lines.extend(f"    · {_redo_text(item, line)}" for item in line.get("redo") or [])
        lines.extend(f"    · {GAP_WORDS.get(gap, gap)}" for gap in line.get("gaps") or [])
        if line.get("awaiting_contacts"):
            lines.append(f"    · {AWAITING_CONTACTS_WORDS}")
    if any(line.get("redo") for line in to_redo):
        lines.append(
            "重办时，中心已有的记录不会重复计入，也不会拒收；办理结果须与中心记录的相同，否则中心拒收（已报结）"
        )
    if not since:
        lines.append("未给出恢复时间点（--since 或 --backup）：以上为中心所持全部记录，机构仍有的无需重办")
    return lines


# While officers catch up, a pause they redo while the centre's clock runs is refused (centre_clock_running), so
# that a new pause numbered from the earlier point is never lost: expected, and said so before it happens.
CATCH_UP_NOTE = "（补办中，中心计时未停时补办的暂停会被拒收并注明中心的暂停次数，属正常，接着恢复计时即可）"


def _redo_text(item: str, line: JsonObject) -> str:
    """One thing to redo, with when the centre received it and what the officer must give to match the centre."""
    at = local_time(line.get(REDO_TIME.get(item, "")))
    received = f"中心于 {at} 收到" if at else ""
    pauses = line.get("pauses") or 0
    if item == "progress":
        return f"进展报告（{received or '中心已收到'}）：中心已有记录，可不重报；重报也会收下，时间线上另记一条"
    if item == "pause":
        text = f"重办暂停计时（{received + '；' if received else ''}中心记录共暂停 {pauses} 次，现暂停中）"
        if pauses > 1:
            text += f"：机构记录的暂停少于 {pauses} 次的，按先后补办暂停、恢复，直至第 {pauses} 次暂停{CATCH_UP_NOTE}"
        return text
    if item == "resume":
        return (
            f"核对恢复计时（中心记录共暂停 {pauses} 次，均已恢复）：机构仍显示暂停的，请恢复计时；"
            f"机构记录的暂停少于 {pauses} 次的，按先后补办暂停、恢复，直至第 {pauses} 次恢复{CATCH_UP_NOTE}"
        )
    what = REDO_WORDS.get(item, item)
    if item == "result" and line.get("result"):
        what += f"：{RESULT_CODES.get(line['result'], line['result'])}"
    return f"重办{what}" + (f"（{received}）" if received else "")
