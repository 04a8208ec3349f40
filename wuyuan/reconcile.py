"""`wuyuan reconcile`: ask the coordinator to send a restored agency its referral documents again, and say in
Chinese, referral by referral, what the agency's officers must redo."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from shared.wording import local_time
from wuyuan.client import JsonObject, PlatformClient
from wuyuan.settings import PlatformSettings

# The working account with the operator role (wuyuan/accounts.py), on the local platform; elsewhere the
# client acts as the person signed in, who must hold that role.
OPERATOR = "demo.operator"

REDO_WORDS = {
    "accept": "受理",
    "progress": "进展报告",
    "pause": "期限中止",
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


def request_reconcile(
    settings: PlatformSettings, service: str, since: datetime | None, client: PlatformClient | None = None
) -> JsonObject:
    """Call the coordinator's operator endpoint, signed in as the settings say (PlatformClient.from_settings);
    raises PlatformError (SignInError among them) or OSError (ServiceUnreachable) as the client does."""
    client = client or PlatformClient.from_settings(settings)
    body: JsonObject = {"service": service, "since": since.isoformat() if since else None}
    return client.call("POST", "coordinator", "/api/v1/reconcile", body, as_user=OPERATOR)


def report_lines(report: JsonObject, unit_name: Callable[[str], str] = str) -> list[str]:
    """The coordinator's answer as operators and the agency's officers read it."""
    referrals: list[dict[str, Any]] = report.get("referrals") or []
    since = report.get("since")
    head = f"已向 {report['service']} 重发 {report['resent']} 份交办文书（原消息编号不变，机构已有的将被跳过）"
    lines = [head + (f"；以恢复时间点 {local_time(since)} 为准" if since else "")]
    to_redo = [r for r in referrals if r.get("redo") or r.get("gaps")]
    if not to_redo:
        lines.append("无需机构重办的事项")
        return lines
    lines.append(f"以下 {len(to_redo)} 件交办，中心持有而机构恢复后的数据库可能已丢失，请经办人员重办或核对：")
    for line in to_redo:
        status = STATUS_WORDS.get(line["status"], line["status"])
        unit = unit_name(line["unit"])
        lines.append(f"  案件 {line['case_id']}  {unit}  交办 {line['referral_id']}（中心状态：{status}）")
        for item in line.get("redo") or []:
            at = local_time(line.get(REDO_TIME.get(item, "")))
            lines.append(f"    · 重办{REDO_WORDS.get(item, item)}" + (f"（中心于 {at} 收到）" if at else ""))
        if "issued_unknown" in (line.get("gaps") or []):
            lines.append("    · 该交办的原消息编号已无记录，未重发：请核对机构是否仍有此交办，没有则联系中心重新交办")
    if not since:
        lines.append("未给出恢复时间点（--since 或 --backup）：以上为中心所持全部记录，机构仍有的无需重办")
    return lines
