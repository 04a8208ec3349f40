"""Which sent rows a sender marks again for a restored follower, against the real PostgreSQL: the coordinator's
database of a run of its own, migrated as provisioning migrates it."""

import json
import uuid
from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from shared.messaging.routing import DOCUMENTS_EXCHANGE, EVENTS_EXCHANGE, SENT_AGAIN_HEADER
from tests.integration.databases import provisioned
from wuyuan.backup import BackupError
from wuyuan.reconcile_followers import reconcile_follower, taken_types

pytestmark = pytest.mark.integration

# Last night's backup, as the nightly CronJob takes it: well within what senders keep.
BACKUP = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=6)


@pytest.fixture
def settings(tmp_path):
    with provisioned(tmp_path, ["coordinator"]) as settings:
        yield settings


def sent(settings, message_type: str, exchange: str, routing_key: str, created_at: datetime, body: dict) -> str:
    message_id = str(uuid.uuid4())
    with psycopg.connect(settings.admin_database_url("coordinator")) as conn:
        conn.execute(
            "INSERT INTO outbox (message_id, message_type, case_id, exchange, routing_key, body, created_at,"
            " published_at) VALUES (%s, %s, '430426-20261206-00001', %s, %s, %s, %s, %s)",
            (message_id, message_type, exchange, routing_key, json.dumps(body), created_at, created_at),
        )
    return message_id


def unsent(settings) -> set[str]:
    with psycopg.connect(settings.admin_database_url("coordinator")) as conn:
        rows = conn.execute("SELECT message_id::text FROM outbox WHERE published_at IS NULL").fetchall()
    return {row[0] for row in rows}


def test_the_facts_the_follower_takes_since_a_day_before_the_backup_are_sent_again_and_nothing_else(settings):
    after = BACKUP + timedelta(hours=3)
    assigned = sent(settings, "CaseAssigned", EVENTS_EXCHANGE, "CaseAssigned.walk_in", after, {"summary": "邻里"})
    waited = sent(settings, "CaseResolved", EVENTS_EXCHANGE, "CaseResolved.walk_in", BACKUP - timedelta(hours=5), {})
    sent(settings, "CaseClosed", EVENTS_EXCHANGE, "CaseClosed.walk_in", BACKUP - timedelta(days=2), {})
    # A referral document for an agency: not the follower's.
    referral = {"referral_id": str(uuid.uuid4()), "case_id": "430426-20261206-00001", "recipient": "court:430426"}
    sent(settings, "ReferralIssued", DOCUMENTS_EXCHANGE, "court_link.ReferralIssued", after, referral)
    # A fact whose mobile number was scrubbed once sent: it would fail the receiver's schema now.
    sent(settings, "CaseAssigned", EVENTS_EXCHANGE, "CaseAssigned.walk_in", after, {"p": "[redacted]"})

    report = reconcile_follower(settings, "supervision", since=BACKUP)

    assert unsent(settings) == {assigned, waited}
    [coordinator] = [s for s in report.senders if s.service == "coordinator"]
    assert (coordinator.sent_again, coordinator.scrubbed, coordinator.unreachable) == (2, 1, None)
    assert report.sent_from == (BACKUP - timedelta(days=1)).isoformat()
    assert report.pruned_before is None  # a day before a backup of today: within what senders keep
    with psycopg.connect(settings.admin_database_url("coordinator")) as conn:
        [said] = conn.execute("SELECT headers ->> %s FROM outbox WHERE message_id = %s", (SENT_AGAIN_HEADER, assigned))
    assert datetime.fromisoformat(said[0]) > BACKUP  # each message sent again says when


def test_a_wait_for_manual_triage_goes_again_to_supervision_as_the_coordinator_sent_it(settings):
    # 期末待人工分流 counts the cases whose latest fact is this wait: a restored supervision that lost it would
    # count the case neither as waiting nor where it happened.
    body = {
        "type": "CaseAwaitingManualTriage",
        "schema_version": 2,
        "reason": "无有管辖权的单位，待人工分派",
        "source": "walk_in",
        "category": "neighbour",
        "division_code": "430426104",
    }
    waiting = sent(
        settings, "CaseAwaitingManualTriage", EVENTS_EXCHANGE, "CaseAwaitingManualTriage.walk_in", BACKUP, body
    )

    report = reconcile_follower(settings, "supervision", since=BACKUP)

    assert "CaseAwaitingManualTriage" in taken_types(settings, "supervision")
    assert unsent(settings) == {waiting}
    [coordinator] = [s for s in report.senders if s.service == "coordinator"]
    assert coordinator.sent_again == 1
    with psycopg.connect(settings.admin_database_url("coordinator")) as conn:
        [kept] = conn.execute("SELECT body FROM outbox WHERE message_id = %s", (waiting,))
    assert (kept[0]["schema_version"], kept[0]["division_code"]) == (2, "430426104")  # the place goes with it


def test_documents_addressed_to_the_follower_go_again_and_those_to_others_do_not(settings):
    asked = sent(settings, "ProvideLeadContacts", DOCUMENTS_EXCHANGE, "intake.ProvideLeadContacts", BACKUP, {})
    sent(settings, "ProvideLeadContacts", DOCUMENTS_EXCHANGE, "intake_other.ProvideLeadContacts", BACKUP, {})

    report = reconcile_follower(settings, "intake", since=None)

    assert unsent(settings) == {asked}
    assert report.pruned_before is not None  # without a time, all that is kept: older rows may be gone


def test_a_record_fed_to_intake_is_never_sent_again_but_counted_for_staff_to_check(settings):
    fed = sent(settings, "RegisterDispute", DOCUMENTS_EXCHANGE, "intake.RegisterDispute", BACKUP, {})

    report = reconcile_follower(settings, "intake", since=BACKUP)

    assert fed not in unsent(settings)
    [coordinator] = [s for s in report.senders if s.service == "coordinator"]
    assert (coordinator.sent_again, coordinator.never_again) == (0, 1)


def test_a_follower_takes_only_the_types_its_inbox_is_bound_to(settings):
    assert "CaseAssigned" in taken_types(settings, "stability") and "CaseResolved" not in taken_types(
        settings, "stability"
    )
    assert {"CaseClosed", "ProvideLeadContacts"} <= set(taken_types(settings, "intake"))


def test_stability_gets_again_the_closings_of_its_leads_and_flagged_cases_alone(settings):
    lead = sent(settings, "CaseClosed", EVENTS_EXCHANGE, "CaseClosed.stability_lead", BACKUP, {})
    risky = sent(settings, "CaseClosed", EVENTS_EXCHANGE, "CaseClosed.walk_in.group.high_risk", BACKUP, {})
    sent(settings, "CaseClosed", EVENTS_EXCHANGE, "CaseClosed.walk_in.petition_involved", BACKUP, {})
    sent(settings, "CaseClosed", EVENTS_EXCHANGE, "CaseClosed.hotline", BACKUP, {})

    reconcile_follower(settings, "stability", since=BACKUP)

    assert unsent(settings) == {lead, risky}


def test_a_sender_whose_database_cannot_be_reached_is_reported_not_fatal(settings):
    report = reconcile_follower(settings, "supervision", since=BACKUP)

    # Only the coordinator's database exists in this run: every other sender is named, with why.
    missing = [s for s in report.senders if s.service == "court_link"]
    assert missing and "上没有数据库" in (missing[0].unreachable or "")
    assert "does not exist" in (missing[0].detail or "") and "does not exist" not in (missing[0].unreachable or "")


def test_the_police_get_again_only_their_own_calls_case_facts_and_no_agency_its_referral_documents(settings):
    own = sent(settings, "CaseResolved", EVENTS_EXCHANGE, "CaseResolved.police_call", BACKUP, {})
    flagged = sent(settings, "CaseResolved", EVENTS_EXCHANGE, "CaseResolved.police_call.violence_risk", BACKUP, {})
    sent(settings, "CaseResolved", EVENTS_EXCHANGE, "CaseResolved.walk_in", BACKUP, {})  # bound for others alone
    sent(settings, "CaseResolved", EVENTS_EXCHANGE, "CaseResolved.walk_in.violence_risk", BACKUP, {})
    referral = {"referral_id": str(uuid.uuid4()), "case_id": "430426-20261206-00001", "recipient": "police:430426"}
    sent(settings, "ReferralIssued", DOCUMENTS_EXCHANGE, "police_link.ReferralIssued", BACKUP, referral)

    report = reconcile_follower(settings, "police_link", since=BACKUP)

    assert unsent(settings) == {own, flagged}
    [coordinator] = [s for s in report.senders if s.service == "coordinator"]
    assert coordinator.sent_again == 2


def letter(settings, message_type: str, service: str, referral_id: str) -> str:
    body = {"referral_id": referral_id}
    return sent(settings, message_type, DOCUMENTS_EXCHANGE, f"{service}.{message_type}", BACKUP, body)


def test_a_restored_agency_gets_its_letters_again_only_about_the_referrals_it_holds_again(settings):
    held, finished_since = str(uuid.uuid4()), str(uuid.uuid4())
    reminder = letter(settings, "ReminderIssued", "court_link", held)
    letter(settings, "OverdueNoticeIssued", "court_link", finished_since)  # it never gets that referral back
    # A refusal needs no referral to be filed under: it goes whatever it is about.
    refusal = letter(settings, "MessageRejected", "court_link", finished_since)

    reconcile_follower(settings, "court_link", since=BACKUP, held_referrals=[held])

    assert unsent(settings) == {reminder, refusal}


def test_a_late_units_note_to_stability_goes_again_whatever_became_of_its_referral(settings):
    late = sent(
        settings, "CaseWentOverdue", DOCUMENTS_EXCHANGE, "stability.CaseWentOverdue", BACKUP, {"referral_id": "r"}
    )

    reconcile_follower(settings, "stability", since=BACKUP, held_referrals=[])

    assert unsent(settings) == {late}


def test_against_a_deployment_with_no_database_addresses_nothing_is_marked_on_this_machine(settings):
    deployed = settings.model_copy(update={"service_urls": {"coordinator": "http://coordinator:8000"}})
    deployed.model_fields_set.discard("pg_admin_url")
    waiting = sent(settings, "CaseAssigned", EVENTS_EXCHANGE, "CaseAssigned.walk_in", BACKUP, {})

    with pytest.raises(BackupError) as refused:
        reconcile_follower(deployed, "supervision", since=BACKUP)

    assert refused.value.code == "databases_not_configured"
    assert waiting not in unsent(settings)


def test_a_time_outside_the_calendars_years_is_refused_before_anything_is_marked(settings):
    with pytest.raises(BackupError) as refused:
        reconcile_follower(settings, "supervision", since=datetime(1, 1, 1, tzinfo=UTC))
    assert refused.value.code == "since_out_of_range"


def test_a_service_that_takes_no_ones_messages_is_not_reconciled_so(settings):
    with pytest.raises(BackupError) as refused:
        reconcile_follower(settings, "identity", since=BACKUP)
    assert refused.value.code == "not_a_follower"
