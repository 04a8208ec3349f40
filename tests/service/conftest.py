"""Service tests: each service built by nameko's `worker_factory`, with an in-memory unit of work and store.

A test gives the service `uow=FakeUnitOfWork(FakeXStore())` (tests/fakes) and the platform
below. The fake unit of work keeps what the real one guarantees: a message id is claimed
once, messages count as sent only if the block commits, and a failed block leaves the store
as it was. The fake stores pass the same contract suites as the PostgreSQL ones (tests/stores).
"""

import json
from collections.abc import Callable, Iterator

import pytest
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request, Response

from shared.config import ServiceSettings, current_settings
from shared.platform import Platform
from shared.registry import load_registry

CENTRE = "centre:430426"
# A service's own broker password, as provisioning makes one: random hex, here fixed.
BROKER_PASSWORD = "5f2c9e07b1d84a36c0e9f1a27b6d3c48"


@pytest.fixture
def platform() -> Platform:
    """The platform of a county deployment on vhost `wuyuan`: broker users are `wuyuan.<service>`."""
    return Platform(service="test", registry=load_registry(), county="430426", broker_user_prefix="wuyuan")


@pytest.fixture
def run_as(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str], ServiceSettings]]:
    """Set the WUYUAN_* environment of one service, as `wuyuan up` does, and return its settings."""

    def configure(service: str) -> ServiceSettings:
        for name in ("WUYUAN_COUNTY", "WUYUAN_CONFIG_DIR", "WUYUAN_MAX_ATTEMPTS"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("WUYUAN_SERVICE", service)
        monkeypatch.setenv("WUYUAN_AMQP_URI", f"amqp://wuyuan.{service}:{BROKER_PASSWORD}@localhost:5672/wuyuan")
        monkeypatch.setenv("WUYUAN_AMQP_USER", f"wuyuan.{service}")
        monkeypatch.setenv("WUYUAN_DATABASE_URL", f"postgresql://localhost:5432/wuyuan_{service}")
        current_settings.cache_clear()
        return current_settings()

    yield configure
    current_settings.cache_clear()


class Http:
    """Builds the werkzeug requests nameko hands an @api method, and reads JSON responses."""

    @staticmethod
    def post(body: object = None, *, data: bytes | None = None, content_type: str | None = None) -> Request:
        if data is not None:
            return EnvironBuilder(method="POST", data=data, content_type=content_type).get_request()
        return EnvironBuilder(method="POST", json=body).get_request()

    @staticmethod
    def get(query: dict[str, str] | None = None) -> Request:
        return EnvironBuilder(method="GET", query_string=query or {}).get_request()

    @staticmethod
    def body(response: Response) -> dict:
        assert response.mimetype == "application/json"
        return json.loads(response.get_data(as_text=True))


@pytest.fixture
def http() -> Http:
    return Http()
