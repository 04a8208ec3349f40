"""The supervision service under test: its in-memory store, a unit of work on it, and the worker."""

from dataclasses import replace

import pytest
from nameko.testing.services import worker_factory

from services.supervision.calendar_warning import CalendarWarning
from services.supervision.documents_settings import Documents, DocumentSettings, NoticeSchedule
from services.supervision.service import Supervision
from shared.auth.principal import Principal, Role
from shared.platform import Platform
from shared.wording import load_places
from tests.fakes.supervision import FakeSupervisionStore
from tests.fakes.unit_of_work import FakeUnitOfWork

COORDINATOR_USER = "wuyuan.coordinator"  # the broker user RabbitMQ vouches for as a fact's publisher
SUPERVISOR = Principal("zhou.hui", "回访员小周", frozenset({Role.SUPERVISOR}))  # signed in, as the verifier names them


@pytest.fixture
def supervision_store() -> FakeSupervisionStore:
    return FakeSupervisionStore()


@pytest.fixture
def uow(supervision_store) -> FakeUnitOfWork[FakeSupervisionStore]:
    return FakeUnitOfWork(supervision_store)


@pytest.fixture
def supervision(uow, platform) -> Supervision:
    return worker_factory(
        Supervision,
        sent_again=None,  # a fact as first sent, not sent again by `wuyuan reconcile`
        uow=uow,
        platform=replace(platform, service="supervision"),
        sender=COORDINATOR_USER,
        caller=SUPERVISOR,
        documents=documents_of(platform),
        calendar_warning=CalendarWarning((12, 1)),
    )


def documents_of(platform: Platform, schedule: NoticeSchedule = NoticeSchedule.MONTHLY) -> Documents:
    """The county's documents as `wuyuan up` configures them: prefix 祁东综治 from divisions.toml."""
    return Documents.for_county(
        platform.county,
        platform.registry,
        load_places(),
        DocumentSettings(document_prefix="祁东综治", notice_schedule=schedule),
    )
