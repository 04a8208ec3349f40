"""The agency base under test: its in-memory store and a unit of work on it (a file may override the store)."""

import pytest

from tests.fakes.agency import FakeAgencyStore
from tests.fakes.unit_of_work import FakeUnitOfWork


@pytest.fixture
def agency_store() -> FakeAgencyStore:
    return FakeAgencyStore()


@pytest.fixture
def uow(agency_store) -> FakeUnitOfWork[FakeAgencyStore]:
    return FakeUnitOfWork(agency_store)
