"""An agency learns which existing case its fed record joined (RecordLinked): only from intake, only for its units."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest
from nameko.testing.services import worker_factory

from services.police_link.service import PoliceLink
from shared.contracts.messages import RecordLinked
from shared.refusal import Refused

POLICE_STATION = "police:430426101"
CALL = "JQ430426202611220042"
WALK_IN_CASE = "430426-20261122-00001"
LATER_CASE = "430426-20261123-00004"
INTAKE_USER = "wuyuan.intake"
COORDINATOR_USER = "wuyuan.coordinator"
FED = UUID("f0f0f0f0-0000-4000-8000-000000000001")
LINKED_AT = datetime(2026, 11, 22, 2, 0, tzinfo=UTC)


@pytest.fixture
def police(uow, platform) -> PoliceLink:
    return worker_factory(PoliceLink, uow=uow, platform=replace(platform, service="police_link"), sender=INTAKE_USER)


def linked(message_id: int, *, case_id: str = WALK_IN_CASE, recipient: str = POLICE_STATION, **fields) -> RecordLinked:
    defaults = {
        "occurred_at": LINKED_AT,
        "sender": "centre:430426",
        "record_id": CALL,
        "reason": "same parties and category within 30 days",
        "fed_message_id": FED,
    }
    return RecordLinked.build(
        message_id=UUID(int=message_id), case_id=case_id, recipient=recipient, **{**defaults, **fields}
    )


def deliver(police: PoliceLink, message: RecordLinked, broker_user: str = INTAKE_USER) -> None:
    police.sender = broker_user
    police.on_record_linked(message)


def kept(uow, record_id: str = CALL):
    with uow:
        return uow.store.record_link(record_id)


def test_the_case_a_fed_call_joined_is_kept_against_the_call(police, uow):
    message = linked(1)

    deliver(police, message)

    assert message.message_id in uow.claimed
    link = kept(uow)
    assert (link["case_id"], link["reason"], link["unit"], link["fed_message_id"]) == (
        WALK_IN_CASE,
        "same parties and category within 30 days",
        POLICE_STATION,
        FED,
    )
    assert link["linked_at"] == LINKED_AT


def test_a_link_delivered_twice_is_kept_once(police, uow):
    deliver(police, linked(1))
    commits = uow.commits

    deliver(police, linked(1))

    assert uow.commits == commits  # acknowledged and skipped: the inbox had its id
    assert kept(uow)["case_id"] == WALK_IN_CASE


def test_a_link_made_before_the_one_kept_changes_nothing(police, uow):
    deliver(police, linked(2, case_id=LATER_CASE, reason="same source record"))

    deliver(police, linked(1, occurred_at=LINKED_AT - timedelta(hours=1)))

    assert (kept(uow)["case_id"], kept(uow)["reason"]) == (LATER_CASE, "same source record")


@pytest.mark.parametrize("broker_user", [COORDINATOR_USER, "wuyuan.court_link", None])
def test_a_link_from_anyone_but_intake_is_refused_and_not_kept(police, uow, broker_user):
    with pytest.raises(Refused, match=r"wrong_sender: RecordLinked .* must come from wuyuan\.intake"):
        deliver(police, linked(1), broker_user)

    assert kept(uow) is None
    assert uow.claimed == set()


def test_a_link_naming_another_unit_than_the_centre_as_sender_is_refused(police, uow):
    with pytest.raises(Refused, match="wrong_sender"):
        deliver(police, linked(1, sender="court:430426"))

    assert kept(uow) is None


def test_a_link_to_another_agencys_unit_is_refused_and_not_kept(police, uow):
    with pytest.raises(Refused, match=r"wrong_unit: .*court:430426 is not a unit of police"):
        deliver(police, linked(1, recipient="court:430426"))

    assert kept(uow) is None
    assert uow.claimed == set()
