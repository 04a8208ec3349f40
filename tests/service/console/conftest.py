"""The console as nameko's `worker_factory` builds it: sessions in memory, the platform's APIs scripted, a fixed clock.

A test signs a member of staff in by putting their session in the store (`Staff.signed_in`)
and drives the page methods with the werkzeug requests a browser would send (`Browser`).
"""

from dataclasses import replace

import pytest

from services.console.dependencies import console_settings
from services.console.service import Console
from shared.platform import Platform
from tests.fakes.console import FakeApis, FakeSessionStore
from tests.fakes.unit_of_work import FakeUnitOfWork
from tests.service.console.visitors import NOW, Browser, Staff, console_knowing


@pytest.fixture(autouse=True)
def console_environment(monkeypatch: pytest.MonkeyPatch):
    """The console's settings as `wuyuan up` would give them (the APIs themselves are faked)."""
    monkeypatch.setenv("WUYUAN_CONSOLE_API_URLS", '{"identity": "http://identity:8001"}')
    monkeypatch.delenv("WUYUAN_CONSOLE_SECURE_COOKIES", raising=False)
    console_settings.cache_clear()
    yield
    console_settings.cache_clear()


@pytest.fixture
def sessions() -> FakeSessionStore:
    return FakeSessionStore()


@pytest.fixture
def uow(sessions) -> FakeUnitOfWork[FakeSessionStore]:
    return FakeUnitOfWork(sessions)


@pytest.fixture
def apis() -> FakeApis:
    return FakeApis()


@pytest.fixture
def staff(sessions) -> Staff:
    return Staff(sessions)


@pytest.fixture
def browser() -> Browser:
    return Browser()


@pytest.fixture
def console_platform(platform: Platform) -> Platform:
    return replace(platform, service="console", now=lambda: NOW)


@pytest.fixture
def people() -> dict[str, str]:
    """identity's directory of names as the console's pages get it: empty unless a test names someone."""
    return {}


@pytest.fixture
def console(uow, apis, console_platform, people) -> Console:
    return console_knowing(uow, apis, console_platform, people=people)
