"""An agency learns the centre refused one of its messages: kept, logged on the referral, listed for its officers;
and a refused result or decline no longer leaves the referral finished."""

from dataclasses import replace
from uuid import UUID

import pytest
from nameko.testing.services import worker_factory

from services.police_link.service import PoliceLink
from shared.auth.principal import Forbidden, Principal, Role
from shared.clock import now
from shared.contracts.messages import MessageRejected, ReferralDeclined, ReferralWithdrawn, ResultReported
from shared.http import BadInput
from shared.refusal import Refused
from tests.messages import referral_issued

CASE_ID = "430426-20261122-00001"
POLICE_STATION = "police:430426101"
NEIGHBOURING_STATION = "police:430426102"
CENTRE = "centre:430426"
REFERRAL = UUID("33333333-3333-4333-8333-333333333333")
REPORT = UUID("44444444-4444-4444-8444-444444444444")
COORDINATOR_USER = "wuyuan.coordinator"
STATION_OFFICER = Principal("liu.yang", "刘洋", frozenset({Role.OFFICER}), frozenset({POLICE_STATION}))
NEIGHBOURING_OFFICER = Principal("chen.jing", "陈静", frozenset({Role.OFFICER}), frozenset({NEIGHBOURING_STATION}))
COUNTY_BUREAU_OFFICER = Principal("zhou.bin", "周斌", frozenset({Role.OFFICER}), frozenset({"police:430426"}))
COURT_OFFICER = Principal("zhao.li", "赵丽", frozenset({Role.OFFICER}), frozenset({"court:430426"}))


@pytest.fixture
def police(uow, platform) -> PoliceLink:
    service = worker_factory(
        PoliceLink,
        uow=uow,
        platform=replace(platform, service="police_link"),
        sender=COORDINATOR_USER,
        caller=STATION_OFFICER,
    )
    service.on_referral_issued(referral_issued(REFERRAL, POLICE_STATION, occurred_at=now(), case_id=CASE_ID))
    return service


def rejection(**fields: object) -> MessageRejected:
    values: dict[str, object] = {
        "message_id": UUID("77777777-7777-4777-8777-777777777777"),
        "occurred_at": now(),
        "case_id": CASE_ID,
        "sender": CENTRE,
        "recipient": POLICE_STATION,
        "rejected_message_id": REPORT,
        "rejected_type": "ResultReported",
        "reason": "referral_closed",
        "detail": "rejected: referral_closed: the referral is closed",
        "referral_id": REFERRAL,
        "refused_by": "coordinator",
    }
    return MessageRejected.build(**{**values, **fields})


def test_a_refused_report_is_kept_and_logged_on_its_referral(police, agency_store, http):
    police.on_message_rejected(rejection())

    log = [e for e in agency_store.entries if e["referral_id"] == REFERRAL]
    assert [e["kind"] for e in log] == ["received", "rejected"]
    assert log[-1]["detail"]["reason"] == "referral_closed"
    assert log[-1]["detail"]["rejected_message_id"] == str(REPORT)
    listed = http.body(police.list_rejections(http.get()))["rejections"]
    assert [(r["reason"], r["rejected_message_id"], r["unit"]) for r in listed] == [
        ("referral_closed", str(REPORT), POLICE_STATION)
    ]


def test_the_same_notice_twice_is_kept_and_logged_once(police, agency_store):
    police.on_message_rejected(rejection())
    police.on_message_rejected(rejection())

    assert len(agency_store.rejections) == 1
    assert [e["kind"] for e in agency_store.entries].count("rejected") == 1


def test_a_refusal_about_no_referral_of_the_agency_is_kept_without_a_log_line(police, agency_store):
    police.on_message_rejected(rejection(referral_id=None, case_id=None, rejected_type=None, reason="malformed"))

    assert len(agency_store.rejections) == 1
    assert [e["kind"] for e in agency_store.entries] == ["received"]


@pytest.mark.parametrize(
    "fields",
    [{"recipient": NEIGHBOURING_STATION}, {"case_id": "430426-20261122-00002"}],
    ids=["another station's", "another case's"],
)
def test_a_refusal_naming_the_referral_of_another_unit_or_case_leaves_that_referral_alone(
    police, uow, agency_store, http, fields
):
    police.accept(http.post({}), str(REFERRAL))
    police.result(http.post({"result": "handled", "summary": "已化解"}), str(REFERRAL))

    police.on_message_rejected(rejection(**fields))

    assert len(agency_store.rejections) == 1  # kept for the officers it names
    assert agency_store.status_of(REFERRAL) == "reported"  # not reopened
    assert "rejected" not in [e["kind"] for e in agency_store.entries]


@pytest.mark.parametrize(
    ("sent_by", "refused_by"),
    [
        ("wuyuan.intake", "coordinator"),  # claims the coordinator refused, published by intake
        ("wuyuan.court_link", "court_link"),  # an agency is no centre service
        (None, "coordinator"),  # no user_id at all
        ("other.coordinator", "coordinator"),  # another platform's coordinator
    ],
)
def test_a_notice_not_published_by_the_centre_service_that_refused_is_refused(
    police, agency_store, sent_by, refused_by
):
    police.sender = sent_by
    with pytest.raises(Refused) as refused:
        police.on_message_rejected(rejection(refused_by=refused_by))

    assert refused.value.code == "wrong_sender"
    assert agency_store.rejections == {}


def test_intake_and_supervision_may_tell_of_their_own_refusals(police, agency_store):
    police.sender = "wuyuan.intake"
    police.on_message_rejected(rejection(refused_by="intake", message_id=UUID(int=1), referral_id=None))
    police.sender = "wuyuan.supervision"
    police.on_message_rejected(rejection(refused_by="supervision", message_id=UUID(int=2), referral_id=None))

    assert sorted(r["refused_by"] for r in agency_store.rejections.values()) == ["intake", "supervision"]


def test_a_notice_for_another_agencys_unit_is_refused(police, agency_store):
    with pytest.raises(Refused) as refused:
        police.on_message_rejected(rejection(recipient="court:430426"))

    assert refused.value.code == "wrong_unit"
    assert agency_store.rejections == {}


def test_officers_see_only_their_own_units_refusals_and_a_county_bureau_sees_its_stations(police, http):
    police.on_message_rejected(rejection())
    police.on_message_rejected(
        rejection(message_id=UUID(int=3), recipient=NEIGHBOURING_STATION, referral_id=None, reason="schema")
    )

    def reasons(caller: Principal, **query: str) -> list[str]:
        police.caller = caller
        return sorted(r["reason"] for r in http.body(police.list_rejections(http.get(query)))["rejections"])

    assert reasons(STATION_OFFICER) == ["referral_closed"]
    assert reasons(NEIGHBOURING_OFFICER) == ["schema"]
    assert reasons(COUNTY_BUREAU_OFFICER) == ["referral_closed", "schema"]
    assert len(reasons(COUNTY_BUREAU_OFFICER, limit="1")) == 1


def test_only_the_agencys_own_officers_may_list_its_refusals(police, http):
    police.caller = COURT_OFFICER
    with pytest.raises(Forbidden, match="is not an officer of police"):
        police.list_rejections(http.get())


def test_a_limit_that_is_not_a_number_names_the_field(police, http):
    with pytest.raises(BadInput) as bad:
        police.list_rejections(http.get({"limit": "many"}))
    assert [f["field"] for f in bad.value.fields] == ["limit"]


# --- a refused result or decline: the referral is not finished ----------------------------------


def withdrawn_by_the_centre() -> ReferralWithdrawn:
    return ReferralWithdrawn.build(
        message_id=UUID(int=904),
        occurred_at=now(),
        case_id=CASE_ID,
        sender=CENTRE,
        recipient=POLICE_STATION,
        referral_id=REFERRAL,
        reason="escalated",
        successor="police:430426",
    )


def reported(police, uow, http) -> UUID:
    """The station's result, as sent to the centre; its message id."""
    police.accept(http.post({}), str(REFERRAL))
    police.result(http.post({"result": "handled", "summary": "已调处。"}), str(REFERRAL))
    [report] = uow.sent_of(ResultReported)
    return UUID(str(report.message_id))


def shown(police, http) -> dict:
    return http.body(police.show_referral(http.get(), str(REFERRAL)))


def test_a_result_the_centre_dead_lettered_goes_back_to_accepted_and_can_be_reported_again(police, uow, http):
    report = reported(police, uow, http)

    police.on_message_rejected(rejection(rejected_message_id=report, reason="failed", detail="rejected: failed"))
    police.on_message_rejected(rejection(rejected_message_id=report, reason="failed", detail="rejected: failed"))

    referral = shown(police, http)
    assert (referral["status"], referral["result"], referral["outcome"]) == ("accepted", None, None)
    assert (referral["refusal"]["reason"], referral["refusal"]["rejected_type"]) == ("failed", "ResultReported")
    [line] = [e for e in referral["log"] if e["kind"] == "rejected"]
    assert line["detail"]["reopened"] == {"status": "accepted", "was": "reported"}

    police.result(http.post({"result": "handled", "summary": "已调处，重新反馈。"}), str(REFERRAL))
    referral = shown(police, http)
    assert (referral["status"], referral["refusal"]) == ("reported", None)
    assert len(uow.sent_of(ResultReported)) == 2


def test_a_result_refused_as_the_centre_escalated_is_then_withdrawn(police, uow, http):
    report = reported(police, uow, http)

    police.on_message_rejected(rejection(rejected_message_id=report))  # referral_closed
    police.on_referral_withdrawn(withdrawn_by_the_centre())

    referral = shown(police, http)
    assert (referral["status"], referral["result"]) == ("withdrawn", None)
    [line] = [e for e in referral["log"] if e["kind"] == "withdrawn"]
    assert line["detail"]["was"] == "accepted"


def test_a_withdrawal_that_overtook_the_refusal_of_the_result_leaves_the_referral_withdrawn(police, uow, http):
    report = reported(police, uow, http)

    police.on_referral_withdrawn(withdrawn_by_the_centre())
    assert shown(police, http)["status"] == "reported"  # the centre may still have taken the result
    police.on_message_rejected(rejection(rejected_message_id=report))

    referral = shown(police, http)
    assert (referral["status"], referral["result"]) == ("withdrawn", None)


def test_a_refused_decline_goes_back_to_received(police, uow, http):
    police.decline(http.post({"reason": "不属于本所辖区。"}), str(REFERRAL))
    [declined] = uow.sent_of(ReferralDeclined)

    police.on_message_rejected(
        rejection(rejected_message_id=UUID(str(declined.message_id)), rejected_type="ReferralDeclined")
    )

    assert shown(police, http)["status"] == "received"


def test_the_refusal_of_an_older_message_changes_no_status(police, uow, http):
    reported(police, uow, http)

    police.on_message_rejected(rejection(rejected_type="ProgressReported"))  # REPORT: not the result sent

    referral = shown(police, http)
    assert (referral["status"], referral["result"], referral["refusal"]) == ("reported", "handled", None)
    [line] = [e for e in referral["log"] if e["kind"] == "rejected"]
    assert "reopened" not in line["detail"]
