"""Nothing lost, nothing done twice: dead letters, redelivery, forged senders, an agency down, a crashed coordinator."""

import contextlib
import json
import os
import random
import signal
import time
from datetime import UTC, datetime
from uuid import uuid4

import psycopg
import pytest
from amqp.exceptions import PreconditionFailed
from kombu import Connection, Exchange
from psycopg.rows import dict_row

from shared.contracts.envelope import Envelope
from shared.contracts.messages import DOCUMENTS_EXCHANGE, FollowUpRated, ReferralAccepted, ResultReported
from shared.messaging.routing import dead_queue, document_routing_key, inbox_queue
from shared.telemetry.file_exporter import read_spans
from wuyuan import supervise
from wuyuan.dead_letters import list_dead_letters, operator_connection, replay
from wuyuan.provision_amqp import admin_connection

pytestmark = pytest.mark.e2e

CENTRE = "centre:430426"
COURT = "court:430426"
POLICE = "police:430426101"
PLACE = "430426101203"  # a village of the county's first township
DEAD_LETTER_LIMIT = 2000


# --- filing cases -------------------------------------------------------------------------


def dispute(category: str, summary: str) -> dict:
    """A report whose parties no other test uses, so intake never links it to another case as a repeat."""
    rng = random.Random()
    tag = f"{rng.randint(0, 999_999):06d}"
    return {
        "source": "walk_in",
        "category": category,
        "division_code": PLACE,
        "summary": summary,
        "parties": [
            {"role": "applicant", "name": f"周{tag}", "phone": f"137{rng.randint(0, 99_999_999):08d}"},
            {"role": "respondent", "name": f"郑{tag}"},
        ],
    }


def debt_case(client) -> tuple[str, dict]:
    """民间借贷: the court alone handles it (马上办); returns the case id and its court referral."""
    case_id = client.register(dispute("debt", "借款两万元到期未还，出借人多次催要无果"))["case_id"]
    case = client.wait_for_status(case_id, "assigned")
    [referral] = case["referrals"]
    assert referral["unit"] == COURT
    return case_id, referral


def finish_referrals(client, case: dict) -> None:
    for referral in case["referrals"]:
        client.settle(referral["unit"], referral["referral_id"], "当事人达成还款协议")


def close_after_follow_up(client, case_id: str) -> dict:
    client.wait_for_status(case_id, "resolved")
    client.wait_for_follow_up(case_id)
    client.rate(case_id, "satisfied")
    return client.wait_for_status(case_id, "closed")


def kinds(case: dict) -> list[str]:
    return [entry["kind"] for entry in case["timeline"]]


# --- talking to the broker as an agency would -----------------------------------------------


def message_body(message: Envelope) -> bytes:
    return json.dumps(message.model_dump(mode="json"), ensure_ascii=False).encode()


def publish_as(
    platform,
    service: str,
    body: bytes,
    *,
    routing_key: str,
    message_id: str,
    message_type: str | None,
    headers: dict | None = None,
    user_id: str | None = None,
) -> None:
    """Publish a document with a service's own broker user, stamped (by default) with that user's id."""
    with Connection(
        platform.service_amqp_uri(service), connect_timeout=10, transport_options={"confirm_publish": True}
    ) as conn:
        conn.Producer().publish(
            body,
            exchange=Exchange(DOCUMENTS_EXCHANGE, type="topic", durable=True, no_declare=True),
            routing_key=routing_key,
            content_type="application/json",
            content_encoding="utf-8",
            message_id=message_id,
            type=message_type,
            user_id=user_id or platform.broker_user(service),
            headers=headers or {},
            delivery_mode=2,
            mandatory=True,
            retry=False,
        )


def publish_message_as(platform, service: str, message: Envelope, destination: str = "coordinator") -> str:
    publish_as(
        platform,
        service,
        message_body(message),
        routing_key=document_routing_key(destination, message.type),
        message_id=str(message.message_id),
        message_type=message.type,
    )
    return str(message.message_id)


def report_for(case_id: str, referral_id: str, sender: str, model=ResultReported, **fields) -> Envelope:
    return model.build(
        message_id=uuid4(),
        occurred_at=datetime.now(UTC),
        case_id=case_id,
        sender=sender,
        recipient=CENTRE,
        referral_id=referral_id,
        **fields,
    )


def dead_letters(platform, service: str = "coordinator") -> dict:
    return {d.message_id: d for d in list_dead_letters(platform, services=(service,), limit=DEAD_LETTER_LIMIT)}


def wait_for_dead_letters(platform, message_ids, service: str = "coordinator", timeout: float = 30.0) -> dict:
    wanted = set(message_ids)
    deadline = time.monotonic() + timeout
    while True:
        found = {mid: letter for mid, letter in dead_letters(platform, service).items() if mid in wanted}
        if set(found) == wanted or time.monotonic() > deadline:
            assert set(found) == wanted, f"never dead-lettered in {service}: {sorted(wanted - set(found))}"
            return found
        time.sleep(0.3)


def discard_dead_letters(platform, message_ids, service: str = "coordinator") -> None:
    """Remove this test's dead letters, so operators' views in later tests show only their own."""
    wanted = set(message_ids)
    with operator_connection(platform) as conn:
        channel = conn.channel()
        kept = []
        while (message := channel.basic_get(dead_queue(service), no_ack=False)) is not None:
            if message.properties.get("message_id") in wanted:
                channel.basic_ack(message.delivery_tag)
            else:
                kept.append(message)
        for message in kept:
            channel.basic_reject(message.delivery_tag, requeue=True)


def queue_depth(platform, queue: str) -> tuple[int, int]:
    """(messages ready, consumers) of a queue, straight from the broker."""
    with admin_connection(platform) as conn:
        _, ready, consumers = conn.default_channel.queue_declare(queue=queue, passive=True)
        return ready, consumers


# --- looking inside a service's own database (as its operator would) ----------------------------


@contextlib.contextmanager
def database(platform, service: str):
    with psycopg.connect(platform.database_url(service), row_factory=dict_row, autocommit=True) as conn:
        yield conn


def outbox_count(platform, service: str, case_id: str) -> int:
    with database(platform, service) as db:
        return db.execute("SELECT count(*) AS n FROM outbox WHERE case_id = %s", (case_id,)).fetchone()["n"]


def wait_until(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise TimeoutError(f"{what} not within {timeout}s")


def service_pid(platform, service: str) -> int | None:
    [state] = supervise.status(platform, [service])
    return state.pid if state.state == "running" else None


def ensure_running(platform, service: str) -> None:
    """Leave the platform healthy for the tests that follow, whatever happened here."""
    if service_pid(platform, service) is None:
        with contextlib.suppress(supervise.SupervisorError):  # supervisord restarted it meanwhile
            supervise.start_service(platform, service)
    supervise.wait_until_ready(platform, 90, services=[service])


# --- (a) what can never be processed ------------------------------------------------------------


def test_unprocessable_messages_are_dead_lettered_with_the_reason(platform, client):
    case_id, referral = debt_case(client)
    key = document_routing_key("coordinator", ReferralAccepted.TYPE)
    valid = report_for(case_id, referral["referral_id"], COURT, ReferralAccepted, officer="法官陈")
    malformed, unknown, invalid = str(uuid4()), str(uuid4()), str(uuid4())

    publish_as(
        platform,
        "court_link",
        b'{"type": "ReferralAccepted", "case_id": ',
        routing_key=key,
        message_id=malformed,
        message_type="ReferralAccepted",
    )
    unknown_body = {**valid.model_dump(mode="json"), "message_id": unknown, "type": "ReferralWithdrawn"}
    publish_as(
        platform,
        "court_link",
        json.dumps(unknown_body).encode(),
        routing_key=key,
        message_id=unknown,
        message_type="ReferralWithdrawn",
    )
    invalid_body = {**valid.model_dump(mode="json"), "message_id": invalid, "referral_id": "not-a-uuid"}
    del invalid_body["officer"]
    publish_as(
        platform,
        "court_link",
        json.dumps(invalid_body).encode(),
        routing_key=key,
        message_id=invalid,
        message_type="ReferralAccepted",
    )
    try:
        letters = wait_for_dead_letters(platform, [malformed, unknown, invalid])
        assert letters[malformed].reason.startswith("malformed JSON")
        assert "unknown message type 'ReferralWithdrawn'" in letters[unknown].reason
        reason = letters[invalid].reason
        assert reason.startswith("schema violation") and "referral_id" in reason and "officer" in reason, reason
        assert {letter.from_queue for letter in letters.values()} == {inbox_queue("coordinator")}

        # None of them touched the case (the two whose case could be read are noted as refused, issue 15),
        # the court is told of each, and the coordinator keeps working.
        lines = kinds(client.case(case_id))
        assert [k for k in lines if k != "report_rejected"] == ["case_triaged", "referral_issued"]
        assert lines.count("report_rejected") == 2

        def told() -> dict[str, str]:
            listed = client.call("GET", "court_link", "/api/v1/rejections?limit=500")["rejections"]
            found = {r["rejected_message_id"]: r["reason"] for r in listed}
            return {key: found[key] for key in (malformed, unknown, invalid) if key in found}

        wait_until(lambda: len(told()) == 3, 30, "the court told of each")
        assert told() == {malformed: "malformed", unknown: "unknown_type", invalid: "schema"}
        fresh_id, _ = debt_case(client)
        assert fresh_id != case_id

        # Replayed, the malformed message reaches the coordinator again, which dead-letters it again.
        assert replay(platform, services=("coordinator",), message_id=malformed) == 1
        again = wait_until(
            lambda: (d := dead_letters(platform).get(malformed)) and d.dead_at != letters[malformed].dead_at and d,
            30,
            "the replayed malformed message dead-lettered again",
        )
        assert again.reason.startswith("malformed JSON")
    finally:
        discard_dead_letters(platform, [malformed, unknown, invalid])


def test_a_replayed_dead_letter_is_handled_and_leaves_the_queue(platform, client):
    """A rating that reached the coordinator before the case was resolved is replayed once it is."""
    case_id, _ = debt_case(client)
    early = FollowUpRated.build(
        message_id=uuid4(),
        occurred_at=datetime.now(UTC),
        case_id=case_id,
        sender=CENTRE,
        recipient=CENTRE,
        rating="satisfied",
        comment="钱已还清",
    )
    early_id = publish_message_as(platform, "supervision", early)
    try:
        letter = wait_for_dead_letters(platform, [early_id])[early_id]
        assert letter.reason.startswith("rejected: wrong_status") and "resolved" in letter.reason
        assert client.case(case_id)["status"] == "assigned"

        finish_referrals(client, client.case(case_id))
        client.wait_for_status(case_id, "resolved")

        assert replay(platform, services=("coordinator",), message_id=early_id) == 1
        closed = client.wait_for_status(case_id, "closed")
        assert closed["rating"] == "satisfied"
        assert kinds(closed)[-1] == "case_closed"
        assert early_id not in dead_letters(platform)
    finally:
        discard_dead_letters(platform, [early_id])


# --- (b) a redelivery ----------------------------------------------------------------------------


def handled_after(platform, service: str, message_type: str, parent_span_id: str) -> int:
    name = f"{service} handle {message_type}"
    return sum(
        1
        for span in read_spans(platform.trace_dir)
        if span["name"] == name and span["parent_span_id"] == parent_span_id
    )


def test_a_redelivered_report_changes_nothing(platform, client):
    case_id, referral = debt_case(client)
    client.wait_for_referral(COURT, referral["referral_id"])
    client.act(COURT, referral["referral_id"], "accept", {})
    before = client.wait_for(case_id, lambda c: "referral_accepted" in kinds(c), what="acceptance applied")

    # The court's message exactly as its relay sent it: the outbox row, whose stored trace context
    # (the court's handler span) is the one the message carried.
    with database(platform, "court_link") as db:
        sent = wait_until(
            lambda: db.execute(
                "SELECT message_id, routing_key, body, headers FROM outbox"
                " WHERE case_id = %s AND message_type = 'ReferralAccepted' AND published_at IS NOT NULL",
                (case_id,),
            ).fetchone(),
            10,
            "the court's acceptance published",
        )
    message_id = str(sent["message_id"])
    sender_span_id = sent["headers"]["traceparent"].split("-")[2]
    wait_until(
        lambda: handled_after(platform, "coordinator", "ReferralAccepted", sender_span_id) == 1,
        10,
        "the original delivery's handler span exported, beneath the court's",
    )
    outbox_before = outbox_count(platform, "coordinator", case_id)

    publish_as(
        platform,
        "court_link",
        json.dumps(sent["body"], ensure_ascii=False).encode(),
        routing_key=sent["routing_key"],
        message_id=message_id,
        message_type="ReferralAccepted",
        headers=sent["headers"],
    )
    wait_until(
        lambda: handled_after(platform, "coordinator", "ReferralAccepted", sender_span_id) == 2,
        30,
        "the coordinator handling the copy",
    )

    after = client.case(case_id)
    assert after["timeline"] == before["timeline"]
    assert kinds(after).count("referral_accepted") == 1
    assert outbox_count(platform, "coordinator", case_id) == outbox_before
    with database(platform, "coordinator") as db:
        claims = db.execute("SELECT count(*) AS n FROM inbox WHERE message_id = %s", (message_id,)).fetchone()["n"]
    assert claims == 1
    assert message_id not in dead_letters(platform), "the copy was treated as a new, conflicting report"


# --- (c) a report from the wrong agency ---------------------------------------------------------------


def test_a_result_from_another_agency_is_rejected_and_changes_nothing(platform, client):
    case_id, referral = debt_case(client)
    client.wait_for_referral(COURT, referral["referral_id"])
    before = client.case(case_id)
    police_user, court_user = platform.broker_user("police_link"), platform.broker_user("court_link")

    # The police's broker user claims to speak for the court …
    posing = report_for(case_id, referral["referral_id"], COURT, outcome="resolved", summary="已调解", officer="民警刘")
    # … or reports, as itself, on a referral that went to the court.
    meddling = report_for(
        case_id, referral["referral_id"], POLICE, outcome="resolved", summary="已调解", officer="民警刘"
    )
    ids = [publish_message_as(platform, "police_link", posing), publish_message_as(platform, "police_link", meddling)]
    try:
        letters = wait_for_dead_letters(platform, ids)
        reason = letters[str(posing.message_id)].reason
        assert reason.startswith("rejected:") and police_user in reason and court_user in reason, reason
        reason = letters[str(meddling.message_id)].reason
        assert reason.startswith("rejected: wrong_unit") and POLICE in reason and COURT in reason, reason

        wait_until(
            lambda: kinds(client.case(case_id)).count("report_rejected") == 2, 30, "both refusals on the timeline"
        )
        after = client.case(case_id)
        kept = [line for line in after["timeline"] if line["kind"] != "report_rejected"]
        assert (after["status"], kept, after["referrals"]) == (
            before["status"],
            before["timeline"],
            before["referrals"],
        )
        # The police, who sent both, are told (issue 15); the court, whose unit was named, is not.
        refused = [line["detail"] for line in after["timeline"] if line["kind"] == "report_rejected"]
        assert sorted((d["unit"], d["reason"]) for d in refused) == [
            ("police:430426", "wrong_sender"),
            (POLICE, "wrong_unit"),
        ]
        assert client.referral(COURT, referral["referral_id"])["status"] == "received"
    finally:
        discard_dead_letters(platform, ids)


def test_the_broker_refuses_a_message_stamped_with_another_agencys_user(platform, client):
    """RabbitMQ checks user_id against the connection, so the sender check above cannot be fooled."""
    forged = report_for(
        "430426-20260101-00001", str(uuid4()), COURT, outcome="resolved", summary="已调解", officer="民警刘"
    )
    with pytest.raises(PreconditionFailed):
        publish_as(
            platform,
            "police_link",
            message_body(forged),
            routing_key=document_routing_key("coordinator", forged.type),
            message_id=str(forged.message_id),
            message_type=forged.type,
            user_id=platform.broker_user("court_link"),
        )


# --- (d) an agency that is down -------------------------------------------------------------------------


def test_a_referral_waits_for_its_agency_to_come_back(platform, client):
    supervise.stop_service(platform, "court_link")
    try:
        assert service_pid(platform, "court_link") is None
        case_id, referral = debt_case(client)
        # The referral is parked in the court's durable queue; nobody consumes it meanwhile.
        _, consumers = wait_until(
            lambda: (depth := queue_depth(platform, inbox_queue("court_link")))[0] >= 1 and depth,
            15,
            "the referral queued for the stopped court",
        )
        assert consumers == 0
        supervise.start_service(platform, "court_link")
        received = client.wait_for_referral(COURT, referral["referral_id"])
        assert received["case_id"] == case_id
    finally:
        ensure_running(platform, "court_link")

    finish_referrals(client, client.case(case_id))
    closed = close_after_follow_up(client, case_id)
    assert kinds(closed).count("result_reported") == 1


# --- (e) a coordinator killed in the middle ---------------------------------------------------------------


CASES_IN_FLIGHT = 20


def test_cases_in_flight_survive_a_killed_coordinator_exactly_once(platform, client):
    categories = ["debt", "neighbour"]  # court alone, or the township's mediators alone
    killed_pid = service_pid(platform, "coordinator")
    assert killed_pid is not None
    case_ids: list[str] = []
    try:
        for number in range(CASES_IN_FLIGHT):
            category = categories[number % 2]
            case_ids.append(client.register(dispute(category, f"第{number + 1}起纠纷，双方争执不下"))["case_id"])
            if number == CASES_IN_FLIGHT // 2 - 1:
                os.kill(killed_pid, signal.SIGKILL)
        restarted = wait_until(
            lambda: (pid := service_pid(platform, "coordinator")) != killed_pid and pid,
            60,
            "supervisord restarting the coordinator",
        )
        assert restarted != killed_pid
    finally:
        ensure_running(platform, "coordinator")
    assert len(set(case_ids)) == CASES_IN_FLIGHT

    assigned = [client.wait_for_status(case_id, "assigned", timeout=60) for case_id in case_ids]
    for case in assigned:
        finish_referrals(client, case)
    closed = [close_after_follow_up(client, case_id) for case_id in case_ids]

    for case in closed:
        assert kinds(case).count("case_triaged") == 1, case["case_id"]
        assert kinds(case).count("referral_issued") == 1, case["case_id"]
        assert kinds(case).count("result_reported") == 1, case["case_id"]
        assert [entry["seq"] for entry in case["timeline"]] == list(range(1, len(case["timeline"]) + 1))

    with database(platform, "coordinator") as db:
        triaged = db.execute(
            "SELECT case_id, count(*) AS n FROM inbox WHERE message_type = 'CaseRegistered'"
            " AND case_id = ANY(%s) GROUP BY case_id",
            (case_ids,),
        ).fetchall()
    assert {row["case_id"]: row["n"] for row in triaged} == dict.fromkeys(case_ids, 1)

    issued = {(r["referral_id"], case["case_id"], r["unit"]) for case in closed for r in case["referrals"]}
    held = []
    for service in ("court_link", "justice_link"):
        with database(platform, service) as db:
            held += db.execute(
                "SELECT r.referral_id::text AS referral_id, r.case_id, r.unit,"
                " (SELECT count(*) FROM referral_log l WHERE l.referral_id = r.referral_id AND l.kind = 'received')"
                " AS received FROM referrals r WHERE r.case_id = ANY(%s)",
                (case_ids,),
            ).fetchall()
    assert sorted((r["referral_id"], r["case_id"], r["unit"]) for r in held) == sorted(issued)
    assert all(r["received"] == 1 for r in held)

    for service in ("coordinator", "court_link", "justice_link", "supervision"):
        stuck = [d for d in dead_letters(platform, service).values() if any(c in d.body_preview for c in case_ids)]
        assert stuck == [], f"{service} dead-lettered messages of these cases: {stuck}"
