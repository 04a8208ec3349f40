"""The coordinator's service tests: its store in memory, and a unit of work over it (tests/service/conftest.py)."""

import pytest

from tests.fakes.coordinator import FakeCaseStore
from tests.fakes.unit_of_work import FakeUnitOfWork


@pytest.fixture
def store() -> FakeCaseStore:
    return FakeCaseStore()


@pytest.fixture
def uow(store) -> FakeUnitOfWork[FakeCaseStore]:
    return FakeUnitOfWork(store)
