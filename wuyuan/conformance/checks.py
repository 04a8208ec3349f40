"""The checks the kit runs against an agency, in order, each with a stable code and a Chinese title."""

import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

from pydantic import ValidationError

from shared.auth.settings import HANDLE_CLAIM
from shared.contracts.envelope import message_model
from shared.contracts.messages import MessageRejected, ReferralIssued
from shared.messaging.routing import document_routing_key
from shared.registry import Agency
from wuyuan.agencies import health_url
from wuyuan.conformance.centre import Answer, Centre, Delivery, OfficerApi
from wuyuan.conformance.environment import ConformanceEnvironment
from wuyuan.settings import PlatformSettings
from wuyuan.supervise import health_problem, health_words

# How long the kit watches for something that must not happen (a second record, a reply while refused).
QUIET_SECONDS = 2.0
POLL_SECONDS = 0.2


class CheckFailed(Exception):
    """The agency did not do what the check expects; the message says what was expected and what was seen."""


@dataclass
class Run:
    """What the checks share: the private environment, the kit's side of the wire, and the referrals so far."""

    environment: ConformanceEnvironment
    agency: Agency
    timeout: float
    centre: Centre
    api: OfficerApi
    # Restarts the broker the run is on (a private node of the kit's: `--private-broker`); None closes the
    # agency's connections instead, which is what a restart looks like to a client, without the outage.
    restart_broker: Callable[[], None] | None = None
    referrals: dict[str, ReferralIssued] = field(default_factory=dict)  # by the check that issued it
    traces: dict[str, str] = field(default_factory=dict)  # referral id -> the trace id the kit gave it
    replies: list[tuple[str, Delivery]] = field(default_factory=list)  # (reply type, delivery), in order

    @property
    def settings(self) -> PlatformSettings:
        return self.environment.settings

    @property
    def agency_user(self) -> str:
        return self.settings.broker_user(self.environment.service)

    # --- referrals -------------------------------------------------------------------------------------

    def new_referral(self) -> ReferralIssued:
        county = self.settings.county
        division = f"{county}101203"
        now = datetime.now(UTC).replace(microsecond=0)
        return ReferralIssued.model_validate(
            {
                "message_id": str(uuid4()),
                "type": ReferralIssued.TYPE,
                "schema_version": ReferralIssued.VERSION,
                "case_id": f"{county}-{now:%Y%m%d}-{secrets.randbelow(90000) + 10000}",
                "sender": self.settings.registry.centre_unit(county),
                "recipient": self.agency.unit_for(division),
                "occurred_at": now.isoformat(),
                "referral_id": str(uuid4()),
                "role": "lead",
                "round": 1,
                "source": "walk_in",
                "category": "neighbour",
                "division_code": division,
                "summary": "一致性检查：两户村民因宅基地边界发生争执，申请调解。",
                "flags": [],
                "parties": [{"role": "applicant", "kind": "person", "name": "张某"}],
                "due_at": (now + timedelta(days=14)).isoformat(),
            }
        )

    def send_referral(self, referral: ReferralIssued, as_service: str = "coordinator") -> None:
        trace_id = self.traces.setdefault(str(referral.referral_id), secrets.token_hex(16))
        self.centre.publish(
            as_service,
            document_routing_key(self.environment.service, referral.type),
            referral.model_dump_json().encode(),
            message_id=str(referral.message_id),
            message_type=referral.type,
            headers={"traceparent": f"00-{trace_id}-{secrets.token_hex(8)}-01"},
        )

    def referral_path(self, referral: ReferralIssued, action: str = "") -> str:
        return f"/api/v1/referrals/{referral.referral_id}" + (f"/{action}" if action else "")

    def show(self, referral: ReferralIssued) -> Answer:
        return self.api.call("GET", self.referral_path(referral), referral.recipient)

    def wait_until_received(self, referral: ReferralIssued) -> dict[str, Any]:
        """The agency's record of the referral once it shows `received`, or CheckFailed with what it showed."""
        deadline = time.monotonic() + self.timeout
        answer = self.show(referral)
        while time.monotonic() < deadline:
            answer = self.show(referral)
            if answer.status == 200 and isinstance(answer.body, dict) and answer.body.get("status") == "received":
                return answer.body
            self.require_alive()
            time.sleep(POLL_SECONDS)
        raise CheckFailed(
            f"应在 {self.timeout:g} 秒内由 GET {self.referral_path(referral)} 显示状态 received；"
            f"它的回答是 {answer.describe()}"
        )

    def require_alive(self) -> None:
        code = self.environment.exit_code()
        if code is not None:
            raise CheckFailed(f"机构的进程已退出（退出码 {code}）；其日志的最后几行：\n{self.environment.log_tail()}")

    # --- replies ----------------------------------------------------------------------------------------

    def act(self, referral: ReferralIssued, action: str, body: dict[str, Any]) -> str:
        """An officer's action that must be taken (202 with a message id); returns that id."""
        answer = self.api.call("POST", self.referral_path(referral, action), referral.recipient, body)
        if answer.status != 202:
            raise CheckFailed(f"POST {self.referral_path(referral, action)} 应回答 202；实际为 {answer.describe()}")
        message_id = answer.body.get("message_id") if isinstance(answer.body, dict) else None
        if not message_id:
            raise CheckFailed(
                f"POST {self.referral_path(referral, action)} 的 202 回答中没有 message_id：{answer.describe()}"
            )
        return str(message_id)

    def await_reply(self, message_type: str, referral: ReferralIssued, message_id: str) -> Delivery:
        """The reply the action announced, checked against the contract; CheckFailed listing every problem."""

        def about_it(delivery: Delivery) -> bool:
            body = delivery.json() or {}
            return (
                delivery.message_id == message_id
                or body.get("message_id") == message_id
                or (
                    delivery.routing_key.endswith(f".{message_type}")
                    and body.get("referral_id") == str(referral.referral_id)
                )
            )

        delivery = self.centre.replies.wait_for(about_it, self.timeout)
        if delivery is None:
            others = ", ".join(f"{d.routing_key} ({d.message_id})" for d in self.centre.replies.unclaimed) or "（无）"
            raise CheckFailed(
                f"应在 {self.timeout:g} 秒内在 wuyuan.coordinator.inbox 收到 {message_type}"
                f"（message_id {message_id}）；收到的是：{others}"
            )
        self.replies.append((message_type, delivery))
        problems = reply_problems(delivery, message_type, referral, self.agency_user, message_id)
        if problems:
            raise CheckFailed(f"{message_type} 已到达，但不符合契约：\n- " + "\n- ".join(problems))
        return delivery


def reply_problems(
    delivery: Delivery, message_type: str, referral: ReferralIssued, agency_user: str, message_id: str
) -> list[str]:
    """What is wrong with a reply to `referral`, each as expected-versus-seen; empty when it is right."""
    problems = []
    expected_key = f"coordinator.{message_type}"
    if delivery.routing_key != expected_key:
        problems.append(f"routing key：应为 {expected_key}，实为 {delivery.routing_key}")
    if delivery.properties.get("user_id") != agency_user:
        problems.append(f"AMQP user_id：应为 {agency_user}，实为 {delivery.properties.get('user_id')}")
    if delivery.properties.get("delivery_mode") != 2:
        problems.append(f"delivery_mode：应为 2（持久），实为 {delivery.properties.get('delivery_mode')}")
    body = delivery.json()
    if body is None:
        return [*problems, f"消息体：应为 JSON 对象，实为 {delivery.body[:200]!r}"]
    model = message_model(message_type)
    assert model is not None, message_type
    try:
        model.model_validate_json(delivery.body)
    except ValidationError as invalid:
        for error in invalid.errors():
            where = ".".join(str(part) for part in error["loc"]) or "(body)"
            problems.append(f"不符合消息模型：{where}：{error['msg']}")
    expected = {
        "type": message_type,
        "sender": referral.recipient,
        "recipient": referral.sender,
        "case_id": referral.case_id,
        "referral_id": str(referral.referral_id),
        "message_id": message_id,
    }
    for name, value in expected.items():
        if body.get(name) != value:
            problems.append(f"{name}：应为 {value}，实为 {body.get(name)}")
    if delivery.message_id != body.get("message_id"):
        problems.append(f"message_id 属性：应与消息体的相同（{body.get('message_id')}），实为 {delivery.message_id}")
    return problems


# --- the checks ----------------------------------------------------------------------------------------------


def starts(run: Run) -> None:
    # The same test `wuyuan up` and `wuyuan status` apply: 200 with {"status": "ok"}, and the right service
    # and vhost where it names them.
    deadline = time.monotonic() + run.timeout
    problem = None
    while time.monotonic() < deadline:
        run.require_alive()
        problem = health_problem(run.api.session, run.settings, run.environment.service)
        if problem is None:
            return
        time.sleep(POLL_SECONDS)
    said = f"{health_words(problem)}（{problem}）" if problem else "未检查"
    raise CheckFailed(
        f"健康检查应在 {run.timeout:g} 秒内回答正常；{said}。其日志的最后几行：\n" + run.environment.log_tail()
    )


def consumes_referral(run: Run) -> None:
    referral = run.referrals["main"] = run.new_referral()
    run.send_referral(referral)
    run.wait_until_received(referral)


def accept_reply(run: Run) -> None:
    referral = run.referrals["main"]
    run.await_reply("ReferralAccepted", referral, run.act(referral, "accept", {}))


def progress_reply(run: Run) -> None:
    referral = run.referrals["main"]
    message_id = run.act(referral, "progress", {"note": "一致性检查：已联系双方当事人。"})
    run.await_reply("ProgressReported", referral, message_id)


def result_reply(run: Run) -> None:
    referral = run.referrals["main"]
    body = {"result": "handled", "summary": "一致性检查：已依职能办结。"}
    run.await_reply("ResultReported", referral, run.act(referral, "result", body))


def decline_reply(run: Run) -> None:
    referral = run.referrals["declined"] = run.new_referral()
    run.send_referral(referral)
    run.wait_until_received(referral)
    body = {"reason": "一致性检查：不属于本单位职责。", "reason_code": "not_competent"}
    run.await_reply("ReferralDeclined", referral, run.act(referral, "decline", body))


def trace_continued(run: Run) -> None:
    if not run.replies:
        raise CheckFailed("没有收到可供检查的回执")
    problems = []
    for message_type, delivery in run.replies:
        body = delivery.json() or {}
        expected = run.traces.get(str(body.get("referral_id")), "（交办单的）")
        traceparent = delivery.headers.get("traceparent")
        parts = str(traceparent).split("-") if traceparent else []
        if len(parts) != 4:
            problems.append(f"{message_type}：应有 trace id 为 {expected} 的 traceparent 头，实为 {traceparent}")
        elif parts[1] != expected:
            problems.append(f"{message_type}：trace id 应为 {expected}，实为 {parts[1]}")
    if problems:
        raise CheckFailed("回执没有延续交办单的链路：\n- " + "\n- ".join(problems))


def duplicate_referral(run: Run) -> None:
    referral = run.referrals["main"]
    before = run.show(referral)
    run.send_referral(referral)  # the same message, the same message_id: a redelivery as the agency sees it
    arrived = run.centre.replies.collect(QUIET_SECONDS)
    after = run.show(referral)
    problems = []
    if not isinstance(after.body, dict) or not isinstance(before.body, dict):
        problems.append(f"GET {run.referral_path(referral)}：前后都应为 200，实为 {before.status}、{after.status}")
    elif after.body.get("status") != before.body.get("status"):
        problems.append(f"status：应保持为 {before.body.get('status')}，实为 {after.body.get('status')}")
    listed = run.api.call("GET", "/api/v1/referrals?limit=500", referral.recipient)
    if listed.status == 200 and isinstance(listed.body, dict):
        count = sum(
            1 for item in listed.body.get("referrals", []) if item.get("referral_id") == str(referral.referral_id)
        )
        if count != 1:
            problems.append(f"GET /api/v1/referrals：该交办单应列出一次，实为 {count} 次")
    again = run.api.call(
        "POST", run.referral_path(referral, "result"), referral.recipient, {"result": "handled", "summary": "再次报告"}
    )
    if again.status != 409:
        problems.append(f"对已办结的交办单再次报告结果：应为 409，实为 {again.describe()}")
    arrived += run.centre.replies.collect(QUIET_SECONDS)
    if arrived:
        sent = ", ".join(f"{d.routing_key} ({d.message_id})" for d in arrived)
        problems.append(f"不应有消息发给综合协调组，实有：{sent}")
    if problems:
        raise CheckFailed("重复的消息产生了效果：\n- " + "\n- ".join(problems))


def reply_confirmed(run: Run) -> None:
    referral = run.referrals["confirmed"] = run.new_referral()
    run.send_referral(referral)
    run.wait_until_received(referral)
    run.centre.refuse_replies()
    try:
        message_id = run.act(referral, "accept", {})
        early = run.centre.replies.collect(QUIET_SECONDS + 1)
    finally:
        run.centre.accept_replies()
    if early:
        raise CheckFailed(f"综合协调组收件队列拒收期间不应收到任何消息；实收到 {len(early)} 条")
    delivery = run.centre.replies.wait_for(
        lambda d: d.message_id == message_id or (d.json() or {}).get("message_id") == message_id, run.timeout
    )
    if delivery is None:
        raise CheckFailed(
            f"综合协调组收件队列拒收期间（代理对确认发布回 nack），机构对 ReferralAccepted {message_id} 回答了 202；"
            f"收件队列恢复接收后，应在 {run.timeout:g} 秒内以同一 message_id 重发，但始终没有收到"
            "（发布时未用确认模式，或在代理确认前就记为已发出）"
        )
    copies = [d for d in run.centre.replies.collect(QUIET_SECONDS) if d.message_id == message_id]
    if copies:
        raise CheckFailed(f"ReferralAccepted {message_id} 应只收到一次，实收到 {1 + len(copies)} 次")
    problems = reply_problems(delivery, "ReferralAccepted", referral, run.agency_user, message_id)
    if problems:
        raise CheckFailed("重发的回执不符合契约：\n- " + "\n- ".join(problems))


def refused_result_reopens(run: Run) -> None:
    """A result the centre refused for good (a MessageRejected naming that very message) leaves the unit's part
    undone: the referral goes back to the status it had, an officer reports again under a new message id, and the
    same notice delivered again changes nothing."""
    referral = run.referrals["refused"] = run.new_referral()
    run.send_referral(referral)
    run.wait_until_received(referral)
    run.await_reply("ReferralAccepted", referral, run.act(referral, "accept", {}))
    accepted = run.show(referral).body
    had = accepted.get("status") if isinstance(accepted, dict) else None
    body = {"result": "handled", "summary": "一致性检查：已依职能办结。"}
    refused_id = run.act(referral, "result", body)
    run.await_reply("ResultReported", referral, refused_id)
    notice = MessageRejected.model_validate(
        {
            "message_id": str(uuid4()),
            "type": MessageRejected.TYPE,
            "schema_version": MessageRejected.VERSION,
            "case_id": referral.case_id,
            "sender": referral.sender,
            "recipient": referral.recipient,
            "occurred_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
            "rejected_message_id": refused_id,
            "rejected_type": "ResultReported",
            "reason": "failed",
            "detail": "一致性检查：综合协调组拒收了这份结果报告。",
            "referral_id": str(referral.referral_id),
            "refused_by": "coordinator",
        }
    )
    path = run.referral_path(referral)

    def send_notice() -> None:
        run.centre.publish(
            "coordinator",
            document_routing_key(run.environment.service, notice.type),
            notice.model_dump_json().encode(),
            message_id=str(notice.message_id),
            message_type=notice.type,
        )

    send_notice()
    deadline = time.monotonic() + run.timeout
    answer = run.show(referral)
    while not (isinstance(answer.body, dict) and answer.body.get("status") == had):
        if time.monotonic() > deadline:
            raise CheckFailed(
                f"综合协调组以 MessageRejected（rejected_message_id {refused_id}）拒收结果报告后，交办单应在"
                f" {run.timeout:g} 秒内回到报告前的状态 {had}，以便重新报告；GET {path} 的回答是 {answer.describe()}"
            )
        run.require_alive()
        time.sleep(POLL_SECONDS)
        answer = run.show(referral)
    again = run.act(referral, "result", body)
    if again == refused_id:
        raise CheckFailed(f"重新报告的结果应使用新的 message_id；却仍用被拒收的 {refused_id}")
    run.await_reply("ResultReported", referral, again)
    finished = run.show(referral).body
    send_notice()  # the same notice delivered again: its result was reported anew since
    arrived = run.centre.replies.collect(QUIET_SECONDS)
    after = run.show(referral).body
    problems = []
    if not isinstance(after, dict) or not isinstance(finished, dict) or after.get("status") != finished.get("status"):
        problems.append(f"GET {path}：应保持为 {finished}，实为 {after}")
    if arrived:
        problems.append(
            "不应有消息发给综合协调组，实有：" + ", ".join(f"{d.routing_key} ({d.message_id})" for d in arrived)
        )
    if problems:
        raise CheckFailed("重复送达的拒收通知产生了效果：\n- " + "\n- ".join(problems))


def _with_id(message_id: str) -> Callable[[Delivery], bool]:
    return lambda delivery: delivery.message_id == message_id


def malformed_dead_lettered(run: Run) -> None:
    broken = run.new_referral().model_dump(mode="json")
    del broken["summary"]
    sent = {
        "消息体不是 JSON 的消息": (str(uuid4()), b"{not json"),
        "缺少 summary 的 ReferralIssued": (broken["message_id"], json.dumps(broken).encode()),
    }
    routing_key = document_routing_key(run.environment.service, ReferralIssued.TYPE)
    for message_id, body in sent.values():
        run.centre.publish("coordinator", routing_key, body, message_id=message_id, message_type=ReferralIssued.TYPE)
    problems = []
    for what, (message_id, _) in sent.items():
        letter = run.centre.dead_letters.wait_for(_with_id(message_id), run.timeout)
        if letter is None:
            where = f"wuyuan.{run.environment.service}.dead"
            problems.append(f"{what}（{message_id}）：应在 {run.timeout:g} 秒内进入 {where}，但没有")
        elif not letter.dead_reason:
            problems.append(f"{what}（{message_id}）：进入了死信，但没有 x-wuyuan-dead-reason 头")
    referral_id = broken["referral_id"]
    shown = run.api.call("GET", f"/api/v1/referrals/{referral_id}", broken["recipient"])
    if shown.status != 404:
        problems.append(f"缺少 summary 的 ReferralIssued：不应被记录（应为 404），实为 {shown.describe()}")
    run.require_alive()
    status = run.api.health(health_url(run.settings, run.environment.service))
    if status != 200:
        problems.append(f"之后的 GET /health：应为 200，实为 {status}")
    if problems:
        raise CheckFailed("畸形消息没有连同原因进入死信：\n- " + "\n- ".join(problems))


def foreign_sender_refused(run: Run) -> None:
    referral = run.new_referral()
    sender = run.settings.broker_user("supervision")
    problems = _not_taken(run, referral, "supervision", f"由 {sender} 发布的交办单")
    if problems:
        raise CheckFailed("收下了非综合协调组发来的交办单：\n- " + "\n- ".join(problems))


def foreign_unit_refused(run: Run) -> None:
    """A referral the coordinator addressed to another agency's unit, delivered to this one's inbox all the same."""
    registry = run.settings.registry
    others = [registry.by_service(s) for s in registry.agency_services() if s != run.environment.service]
    referral = run.new_referral()
    referral = referral.model_copy(update={"recipient": others[0].unit_for(referral.division_code)})
    problems = _not_taken(
        run, referral, "coordinator", f"交给 {referral.recipient} 的交办单", as_unit=referral, reason="wrong_unit"
    )
    if problems:
        raise CheckFailed("收下了交给其他机构单位的交办单：\n- " + "\n- ".join(problems))


def _not_taken(
    run: Run,
    referral: ReferralIssued,
    as_service: str,
    what: str,
    as_unit: ReferralIssued | None = None,
    reason: str | None = None,
) -> list[str]:
    """Send the referral as `as_service`; the problems if it is recorded or not dead-lettered with a reason. Asked
    for as an officer of the agency's own unit (`as_unit` names another: the officer asks about it as their own)."""
    run.send_referral(referral, as_service=as_service)
    asked = run.new_referral() if as_unit is not None else referral
    asked = asked.model_copy(update={"referral_id": referral.referral_id})

    deadline = time.monotonic() + run.timeout
    letter = None
    # Until it is dead-lettered, or shows up recorded (then there is no point waiting for the dead letter).
    while letter is None and time.monotonic() < deadline:
        letter = run.centre.dead_letters.wait_for(lambda d: d.message_id == str(referral.message_id), POLL_SECONDS)
        if letter is None and run.show(asked).status == 200:
            break
    shown = run.show(asked)
    problems = []
    if shown.status != 404:
        problems.append(f"{what}：不应被记录（应为 404），实为 {shown.describe()}")
    if letter is None:
        problems.append(f"{what}：应进入 wuyuan.{run.environment.service}.dead，但没有")
    elif not letter.dead_reason:
        problems.append(f"{what}：进入了死信，但没有 x-wuyuan-dead-reason 头")
    elif reason is not None and reason not in letter.dead_reason:
        problems.append(f"{what}：进入了死信，但原因中没有 {reason}：{letter.dead_reason[:200]!r}")
    return problems


def reconnects(run: Run) -> None:
    if run.restart_broker is not None:
        survives_broker_restart(run, run.restart_broker)
        return
    deadline = time.monotonic() + run.timeout
    names = run.centre.agency_connections()
    while not names and time.monotonic() < deadline:
        time.sleep(POLL_SECONDS)
        names = run.centre.agency_connections()
    if not names:
        raise CheckFailed(f"机构应以 {run.agency_user} 连接代理；代理上没有这样的连接")
    for name in names:
        run.centre.close_connection(name)
    referral = run.referrals["reconnected"] = run.new_referral()
    run.send_referral(referral)
    try:
        run.wait_until_received(referral)
    except CheckFailed as failed:
        raise CheckFailed(f"代理关闭它的 {len(names)} 个连接之后：{failed}") from None


def survives_broker_restart(run: Run, restart: Callable[[], None]) -> None:
    """The broker is killed (kill -9) and started again on its data: the agency must come back by itself,
    keep what it had recorded, and take a referral sent once the broker is back."""
    recorded = run.referrals["main"]
    restart()
    run.centre.reconnect()
    referral = run.referrals["reconnected"] = run.new_referral()
    run.send_referral(referral)
    try:
        run.wait_until_received(referral)
    except CheckFailed as failed:
        raise CheckFailed(f"代理被杀掉并重新启动之后：{failed}") from None
    answer = run.show(recorded)
    if answer.status != 200:
        raise CheckFailed(f"重启前已记录的交办单：应仍保留，实为 {answer.describe()}")


@dataclass(frozen=True)
class Check:
    code: str
    title_zh: str
    run: Callable[[Run], None]
    needs: tuple[str, ...] = ()


def withdrawn_tokens_refused(run: Run) -> None:
    """Tokens the issuer withdrew (an account disabled, its password, roles or units changed) are refused, by the handle
    a token carries and, for a token without one, by the digest of its subject; a token not withdrawn still works."""
    unit = run.referrals["main"].recipient
    handle = secrets.token_hex(16)
    tokens = {
        "by_handle": run.environment.officer_token(unit, "conformance.withdrawn", handle=handle),
        "by_subject": run.environment.officer_token(unit, "conformance.withdrawn.old"),
        "kept": run.environment.officer_token(unit, "conformance.kept", handle=secrets.token_hex(16)),
    }
    path = run.referral_path(run.referrals["main"])
    for name, token in tokens.items():  # taken first, so that an agency remembering a verified caller is tried too
        answer = run.api.call("GET", path, unit, token=token)
        if answer.status != 200:
            raise CheckFailed(f"用有效令牌（{name}）GET {path} 应回答 200；实为 {answer.describe()}")
    valid_from = int(time.time()) + 1  # every token above was issued before it
    run.environment.list_withdrawals({handle: valid_from}, {"conformance.withdrawn.old": valid_from})
    deadline = time.monotonic() + run.timeout
    refused: dict[str, Answer] = {}
    while time.monotonic() < deadline:
        refused = {n: run.api.call("GET", path, unit, token=tokens[n]) for n in ("by_handle", "by_subject")}
        if all(answer.status == 401 for answer in refused.values()):
            break
        run.require_alive()
        time.sleep(POLL_SECONDS)
    else:
        seen = "; ".join(f"{name}: {answer.describe()}" for name, answer in refused.items())
        raise CheckFailed(
            f"在 {run.environment.revocations_path.name}（WUYUAN_AUTH_REVOCATIONS_URL）中撤回的令牌（一个按其"
            f" `{HANDLE_CLAIM}` 声明，一个按其 subject 的 SHA-256）应在 {run.timeout:g} 秒内被拒绝（401）；{seen}"
        )
    kept = run.api.call("GET", path, unit, token=tokens["kept"])
    if kept.status != 200:
        raise CheckFailed(f"未撤回的令牌应仍可用：GET {path} 的回答是 {kept.describe()}")


CHECKS = (
    Check("starts", "启动并应答健康检查", starts),
    Check("consumes_referral", "接收交办单并记录为已接收", consumes_referral, ("starts",)),
    Check("accept_reply", "签收：回执符合契约", accept_reply, ("consumes_referral",)),
    Check("progress_reply", "进展报告：回执符合契约", progress_reply, ("accept_reply",)),
    Check("result_reply", "结果报告：回执符合契约", result_reply, ("accept_reply",)),
    Check("decline_reply", "退回：回执符合契约", decline_reply, ("consumes_referral",)),
    Check("trace_continued", "回执延续交办单的链路", trace_continued, ("accept_reply",)),
    Check("duplicate_referral", "重复消息不产生第二次效果", duplicate_referral, ("result_reply",)),
    Check("reply_confirmed", "回执经代理确认后才算发出", reply_confirmed, ("consumes_referral",)),
    Check(
        "refused_result_reopens", "中心拒收的结果报告使交办单重新打开", refused_result_reopens, ("consumes_referral",)
    ),
    Check("malformed_dead_lettered", "畸形消息进入死信并注明原因", malformed_dead_lettered, ("starts",)),
    Check("foreign_sender_refused", "拒收非协调组发来的交办单", foreign_sender_refused, ("consumes_referral",)),
    Check("foreign_unit_refused", "拒收交给其他机构单位的交办单", foreign_unit_refused, ("consumes_referral",)),
    Check("reconnects", "连接断开后重连并继续接收", reconnects, ("consumes_referral",)),
    Check("withdrawn_tokens_refused", "已撤回的令牌被拒绝", withdrawn_tokens_refused, ("consumes_referral",)),
)
CHECK_CODES = tuple(check.code for check in CHECKS)
