"""Intake keeps parties' numbers sealed, masks numbers typed into free text, and purges them after retention."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest
from nameko.testing.services import worker_factory

from services.intake.frequency import DEFAULT_RULES
from services.intake.personal_data import PersonalDataCipher, is_sealed
from services.intake.service import Intake
from services.intake.settings import intake_settings
from shared.contracts.disputes import DisputeReport
from shared.contracts.messages import (
    CaseClosed,
    CaseRegistered,
    CaseReopened,
    LeadContactsProvided,
    ProvideLeadContacts,
    RegisterDispute,
)
from shared.contracts.vocabulary import Rating, ReopenCause
from shared.refusal import Refused
from tests.fakes.intake import FakeIntakeStore
from tests.fakes.unit_of_work import FakeUnitOfWork

ZHANG_SAN_ID = "430426199005201239"
LI_SI_PHONE = "13900139000"
TYPED_PHONE = "13700137000"
TYPED_ID = "430426198511114563"
PARTY_KEY_SECRET = b"a deployment secret of 32 bytes!"
CLOSED_AT = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
RETENTION_DAYS = 1095


@pytest.fixture(autouse=True)
def intake_environment(run_as, monkeypatch):
    """The timer reads the retention period from intake's settings, as the running service does."""
    run_as("intake")
    monkeypatch.setenv("WUYUAN_PARTY_KEY_SECRET", PARTY_KEY_SECRET.decode())
    monkeypatch.setenv("WUYUAN_PERSONAL_DATA_KEY", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=")
    monkeypatch.setenv("WUYUAN_PERSONAL_DATA_RETENTION_DAYS", str(RETENTION_DAYS))
    intake_settings.cache_clear()
    yield
    intake_settings.cache_clear()


@pytest.fixture
def intake_store() -> FakeIntakeStore:
    return FakeIntakeStore()


@pytest.fixture
def uow(intake_store) -> FakeUnitOfWork[FakeIntakeStore]:
    return FakeUnitOfWork(intake_store)


def worker(uow, platform, sender: str, at: datetime | None = None) -> Intake:
    clock = {"now": (lambda: at)} if at else {}
    return worker_factory(
        Intake,
        uow=uow,
        platform=replace(platform, service="intake", **clock),
        sender=sender,
        party_key_secret=PARTY_KEY_SECRET,
        alert_rules=DEFAULT_RULES,
    )


def court_filing(message_id: str) -> RegisterDispute:
    report = {
        "source": "court_filing",
        "category": "debt",
        "division_code": "430426101",
        "summary": f"张三称李四欠款未还，李四手机 {TYPED_PHONE}，身份证 {TYPED_ID}。",
        "parties": [
            {"role": "applicant", "name": "张三", "id_number": ZHANG_SAN_ID},
            {"role": "respondent", "name": "李四", "phone": LI_SI_PHONE},
        ],
        "source_record_id": "(2026)湘0426民诉前调1234号",
    }
    return RegisterDispute.build(
        message_id=UUID(message_id),
        occurred_at=CLOSED_AT,
        case_id=None,
        sender="court:430426",
        recipient="centre:430426",
        report=DisputeReport.model_validate(report),
    )


def registered_case(uow, platform) -> str:
    worker(uow, platform, "wuyuan.court_link").on_register_dispute(court_filing("7d9f3c1e-0000-4000-8000-000000000001"))
    [registered] = uow.sent_of(CaseRegistered)
    return registered.case_id


def fact(kind, case_id: str, at: datetime, message_id: str, **fields):
    return kind.build(
        message_id=UUID(message_id),
        occurred_at=at,
        case_id=case_id,
        sender="centre:430426",
        recipient="centre:430426",
        **fields,
    )


def test_numbers_typed_into_the_summary_are_masked_before_the_case_leaves_intake(uow, intake_store, platform):
    case_id = registered_case(uow, platform)

    [registered] = uow.sent_of(CaseRegistered)
    assert TYPED_PHONE not in registered.model_dump_json() and TYPED_ID not in registered.model_dump_json()
    assert "137****7000" in registered.summary and "430426********4563" in registered.summary
    # Intake keeps the masked text too: the clear numbers were typed, never stored.
    assert TYPED_PHONE not in str(intake_store.cases[case_id])


def test_parties_numbers_are_sealed_in_the_store_and_open_only_through_intake(uow, intake_store, platform):
    case_id = registered_case(uow, platform)

    stored = intake_store.cases[case_id]["report"]["parties"]
    assert is_sealed(stored[0]["id_number"]) and is_sealed(stored[1]["phone"])
    assert ZHANG_SAN_ID not in str(intake_store.cases) and LI_SI_PHONE not in str(intake_store.cases)
    with uow:
        opened = uow.store.get_case(case_id)["report"]["parties"]
    assert (opened[0]["id_number"], opened[1]["phone"]) == (ZHANG_SAN_ID, LI_SI_PHONE)


def test_a_case_closed_longer_than_the_retention_period_loses_its_numbers_but_keeps_its_names(
    uow, intake_store, platform
):
    case_id = registered_case(uow, platform)
    from_coordinator = worker(uow, platform, "wuyuan.coordinator")
    from_coordinator.on_case_closed(
        fact(CaseClosed, case_id, CLOSED_AT, "7d9f3c1e-0000-4000-8000-000000000002", rating=Rating.SATISFIED)
    )

    a_day_early = worker(uow, platform, "wuyuan.coordinator", CLOSED_AT + timedelta(days=RETENTION_DAYS - 1))
    a_day_early.purge_personal_data()
    assert is_sealed(intake_store.cases[case_id]["report"]["parties"][0]["id_number"])

    worker(uow, platform, "wuyuan.coordinator", CLOSED_AT + timedelta(days=RETENTION_DAYS + 1)).purge_personal_data()
    parties = intake_store.cases[case_id]["report"]["parties"]
    assert [(p["name"], p["id_number"], p["phone"]) for p in parties] == [("张三", None, None), ("李四", None, None)]


def test_a_reopened_case_keeps_its_numbers_even_when_the_close_arrives_late(uow, intake_store, platform):
    case_id = registered_case(uow, platform)
    from_coordinator = worker(uow, platform, "wuyuan.coordinator")
    from_coordinator.on_case_reopened(
        fact(
            CaseReopened,
            case_id,
            CLOSED_AT + timedelta(days=1),
            "7d9f3c1e-0000-4000-8000-000000000003",
            cause=ReopenCause.REPEAT_REPORT,
            round=2,
        )
    )
    from_coordinator.on_case_closed(
        fact(CaseClosed, case_id, CLOSED_AT, "7d9f3c1e-0000-4000-8000-000000000004", rating=Rating.SATISFIED)
    )

    worker(uow, platform, "wuyuan.coordinator", CLOSED_AT + timedelta(days=5000)).purge_personal_data()
    assert is_sealed(intake_store.cases[case_id]["report"]["parties"][0]["id_number"])


def test_only_the_coordinator_may_close_a_case_in_intake(uow, intake_store, platform):
    case_id = registered_case(uow, platform)
    closed = fact(CaseClosed, case_id, CLOSED_AT, "7d9f3c1e-0000-4000-8000-000000000005", rating=Rating.SATISFIED)

    with pytest.raises(Refused):
        worker(uow, platform, "wuyuan.court_link").on_case_closed(closed)
    assert intake_store.cases[case_id]["closed_at"] is None


LOST_REFERRAL = UUID("5b0c1c7e-0000-4000-8000-0000000000aa")


def contacts_asked(case_id: str, message_id: str) -> ProvideLeadContacts:
    return fact(ProvideLeadContacts, case_id, CLOSED_AT, message_id, referral_id=LOST_REFERRAL)


def test_the_coordinator_gets_the_parties_numbers_back_for_a_lead_that_lost_its_referral(uow, intake_store, platform):
    """A restored agency's lead lost its referral after the centre dropped its copy: intake alone can give them."""
    case_id = registered_case(uow, platform)
    asked = contacts_asked(case_id, "7d9f3c1e-0000-4000-8000-000000000006")

    from_coordinator = worker(uow, platform, "wuyuan.coordinator")
    from_coordinator.on_provide_lead_contacts(asked)
    from_coordinator.on_provide_lead_contacts(asked)  # delivered again: answered once

    [answer] = uow.sent_of(LeadContactsProvided)
    assert (answer.case_id, answer.referral_id) == (case_id, LOST_REFERRAL)
    assert [(p.name, p.phone) for p in answer.parties or []] == [("张三", None), ("李四", LI_SI_PHONE)]
    # ID numbers never leave intake, whoever asks.
    assert ZHANG_SAN_ID not in answer.model_dump_json()
    assert uow.routing_keys[answer.message_id] == "coordinator.LeadContactsProvided"


def test_numbers_are_given_back_to_the_coordinator_alone(uow, intake_store, platform):
    case_id = registered_case(uow, platform)

    with pytest.raises(Refused) as refused:
        worker(uow, platform, "wuyuan.court_link").on_provide_lead_contacts(
            contacts_asked(case_id, "7d9f3c1e-0000-4000-8000-000000000007")
        )
    assert refused.value.code == "wrong_sender"
    assert uow.sent_of(LeadContactsProvided) == []


def test_a_case_intake_does_not_hold_or_has_purged_is_answered_without_numbers(uow, intake_store, platform):
    """The coordinator waits for an answer either way: it then sends the referral as it can."""
    case_id = registered_case(uow, platform)
    from_coordinator = worker(uow, platform, "wuyuan.coordinator")
    from_coordinator.on_provide_lead_contacts(
        contacts_asked("430426-20261130-09999", "7d9f3c1e-0000-4000-8000-00000000000a")
    )
    from_coordinator.on_case_closed(
        fact(CaseClosed, case_id, CLOSED_AT, "7d9f3c1e-0000-4000-8000-000000000008", rating=Rating.SATISFIED)
    )
    worker(uow, platform, "wuyuan.coordinator", CLOSED_AT + timedelta(days=RETENTION_DAYS + 1)).purge_personal_data()
    from_coordinator.on_provide_lead_contacts(contacts_asked(case_id, "7d9f3c1e-0000-4000-8000-000000000009"))

    unknown, purged = uow.sent_of(LeadContactsProvided)
    assert unknown.parties is None
    assert [(p.name, p.phone) for p in purged.parties or []] == [("张三", None), ("李四", None)]


def test_a_number_that_no_longer_opens_is_left_out_and_the_answer_still_goes(uow, intake_store, platform):
    """A retired key dropped too early, say: the lead's referral must still go out, without that number."""
    case_id = registered_case(uow, platform)
    intake_store.cipher = PersonalDataCipher(bytes(range(1, 33)))  # not the key the numbers were sealed under

    worker(uow, platform, "wuyuan.coordinator").on_provide_lead_contacts(
        contacts_asked(case_id, "7d9f3c1e-0000-4000-8000-00000000000b")
    )

    [answer] = uow.sent_of(LeadContactsProvided)
    assert [(p.name, p.phone) for p in answer.parties or []] == [("张三", None), ("李四", None)]
