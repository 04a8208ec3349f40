"""The coordinator's service tests: its store in memory, a unit of work over it, and the service worker over both,
called by a signed-in member of the coordination group (tests/service/conftest.py gives the platform)."""

from dataclasses import replace

import pytest
from nameko.testing.services import worker_factory

from services.coordinator.dependencies import coordination_for
from services.coordinator.service import Coordinator
from shared.auth.principal import Principal, Role
from tests.fakes.coordinator import FakeCaseStore
from tests.fakes.unit_of_work import FakeUnitOfWork

COORDINATOR = Principal("chen.zhuren", "陈主任", frozenset({Role.COORDINATOR}))


@pytest.fixture
def store() -> FakeCaseStore:
    return FakeCaseStore()


@pytest.fixture
def uow(store) -> FakeUnitOfWork[FakeCaseStore]:
    return FakeUnitOfWork(store)


@pytest.fixture
def coordinator(uow, platform) -> Coordinator:
    return worker_factory(
        Coordinator, uow=uow, desk=coordination_for(replace(platform, service="coordinator")), caller=COORDINATOR
    )
