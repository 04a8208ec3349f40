"""The petition service under test: its in-memory store, a unit of work on it, a clock to move, and the worker."""

from dataclasses import dataclass, replace
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from nameko.testing.services import worker_factory

from services.petition_link.service import PetitionLink
from shared.auth.principal import Principal, Role
from tests.fakes.petition import FakePetitionStore
from tests.fakes.unit_of_work import FakeUnitOfWork

BEIJING = ZoneInfo("Asia/Shanghai")
PETITION_KEY = b"a petition key secret of 32 byte"
# Signed in, as the token verifier hands them to the service.
BUREAU_OFFICER = Principal("xu.jing", "许静", frozenset({Role.OFFICER}), frozenset({"petition:430426"}))


@dataclass
class Clock:
    """The platform's clock, which a test moves on: the county's dates follow it."""

    at: datetime = datetime(2026, 11, 2, 9, 30, tzinfo=BEIJING)

    def now(self) -> datetime:
        return self.at


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def petition_store() -> FakePetitionStore:
    return FakePetitionStore()


@pytest.fixture
def uow(petition_store) -> FakeUnitOfWork[FakePetitionStore]:
    return FakeUnitOfWork(petition_store)


@pytest.fixture
def bureau(uow, platform, clock) -> PetitionLink:
    return worker_factory(
        PetitionLink,
        uow=uow,
        platform=replace(platform, service="petition_link", now=clock.now),
        sender="wuyuan.coordinator",
        caller=BUREAU_OFFICER,
        petition_key=PETITION_KEY,
    )
