"""The case list's search and a case's number in the path: a NUL is refused naming the field, never a 500."""

import json
from dataclasses import replace

import pytest
from nameko.testing.services import worker_factory

from services.coordinator.dependencies import coordination_for
from services.coordinator.service import Coordinator
from services.coordinator.store import CaseQuery, ListedCase
from shared.auth.principal import Principal, Role
from shared.http import PUBLIC, ApiHandler, BadInput
from shared.persistence.errors import InvalidValue
from shared.platform import Platform
from tests.fakes.coordinator import FakeCaseStore
from tests.fakes.unit_of_work import FakeUnitOfWork

LEADER = Principal("li.xianzhang", "李县长", frozenset({Role.LEADER}))


class WatchedStore(FakeCaseStore):
    """The fake store, counting the searches that reach it."""

    def __init__(self) -> None:
        super().__init__()
        self.searches = 0

    def list_cases(self, query: CaseQuery, limit: int, offset: int = 0) -> list[ListedCase]:
        self.searches += 1
        return super().list_cases(query, limit, offset)


class RefusingStore(FakeCaseStore):
    """A store whose database refuses a value of the search, as PostgreSQL does (shared.persistence.transaction)."""

    def list_cases(self, query: CaseQuery, limit: int, offset: int = 0) -> list[ListedCase]:
        raise InvalidValue("the database refused a value (22P02: InvalidTextRepresentation)")


def coordinator_on(store: FakeCaseStore, platform: Platform) -> Coordinator:
    desk = coordination_for(replace(platform, service="coordinator"))
    return worker_factory(Coordinator, uow=FakeUnitOfWork(store), desk=desk, caller=LEADER)


def test_a_search_holding_a_nul_is_refused_naming_q_and_never_reaches_the_store(platform, http):
    store = WatchedStore()

    with pytest.raises(BadInput) as refused:
        coordinator_on(store, platform).list_cases(http.get({"q": "张\x00三"}))

    assert [(f["field"], f["type"]) for f in refused.value.fields] == [("q", "control_character")]
    assert store.searches == 0


def test_a_search_without_control_characters_reaches_the_store(platform, http):
    store = WatchedStore()

    answer = coordinator_on(store, platform).list_cases(http.get({"q": "张三"}))

    assert answer.status_code == 200
    assert store.searches == 1


def test_a_case_number_holding_a_nul_is_refused_naming_case_id(platform, http):
    with pytest.raises(BadInput) as refused:
        coordinator_on(FakeCaseStore(), platform).show_case(http.get(), "430426-20261123-00017\x00")

    assert [f["field"] for f in refused.value.fields] == ["case_id"]


def test_a_value_the_database_refuses_answers_400_not_500(platform, http):
    with pytest.raises(InvalidValue) as raised:
        coordinator_on(RefusingStore(), platform).list_cases(http.get({"q": "张三"}))

    response = ApiHandler("GET", "/api/v1/cases", access=PUBLIC).response_from_exception(raised.value)

    assert response.status_code == 400
    assert json.loads(response.get_data(as_text=True))["error"] == "invalid_input"
