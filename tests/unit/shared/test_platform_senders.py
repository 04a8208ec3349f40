"""A message counts only from its service's broker user, in the name of a unit that service speaks for."""

from datetime import UTC, datetime
from uuid import UUID

import pytest

from shared.contracts.messages import CaseClosed, ProgressReported
from shared.platform import Platform, SenderRefusal
from shared.refusal import Refused
from shared.registry import load_registry

NOW = datetime(2026, 12, 4, 9, 30, tzinfo=UTC)
CASE_ID = "430426-20261122-00001"


@pytest.fixture
def platform() -> Platform:
    return Platform(service="supervision", registry=load_registry(), county="430426", broker_user_prefix="wuyuan")


def closed(sender: str) -> CaseClosed:
    return CaseClosed.build(
        message_id=UUID(int=1),
        occurred_at=NOW,
        case_id=CASE_ID,
        sender=sender,
        recipient="centre:430426",
        rating="satisfied",
    )


def progress(sender: str) -> ProgressReported:
    return ProgressReported.build(
        message_id=UUID(int=2),
        occurred_at=NOW,
        case_id=CASE_ID,
        sender=sender,
        recipient="centre:430426",
        referral_id=UUID(int=3),
        officer="liu.yang",
        note="已约双方到所调解。",
    )


def test_the_centres_services_speak_for_the_centre_and_agencies_for_their_own_units(platform):
    platform.require_sender(closed("centre:430426"), "wuyuan.coordinator", "coordinator")
    platform.require_sender(progress("police:430426101"), "wuyuan.police_link", "police_link")
    platform.require_sender(progress("police:430426"), "wuyuan.police_link", "police_link")


@pytest.mark.parametrize("sender", ["police:430426101", "court:430426", "centre:430426101", "centre:430481"])
def test_a_centre_services_user_sending_in_another_units_name_is_refused(platform, sender):
    with pytest.raises(Refused) as refused:
        platform.require_sender(closed(sender), "wuyuan.coordinator", "coordinator")

    assert refused.value.code == SenderRefusal.WRONG_SENDER
    assert str(refused.value) == (
        f"wrong_sender: CaseClosed from wuyuan.coordinator names sender {sender}, not the centre (centre:430426)"
    )


@pytest.mark.parametrize("sender", ["court:430426", "justice:430426101", "centre:430426"])
def test_an_agencys_user_sending_in_another_agencys_name_is_refused(platform, sender):
    with pytest.raises(Refused) as refused:
        platform.require_sender(progress(sender), "wuyuan.police_link", "police_link")

    assert refused.value.code == SenderRefusal.WRONG_SENDER
    assert f"names sender {sender}, which is not a unit of police" in str(refused.value)


def test_the_user_is_judged_before_the_unit(platform):
    with pytest.raises(Refused, match=r"must come from wuyuan\.coordinator, came from wuyuan\.court_link"):
        platform.require_sender(closed("court:430426"), "wuyuan.court_link", "coordinator")
