"""Fakes for service tests: an in-memory Database, settings from the environment, stores swapped by name.

A service test builds the service with nameko's `worker_factory`, gives it `FakeDatabase` as
`db`, and replaces the SQL of the service's store module with a small in-memory class (see
`install_store`). The fake transaction keeps the inbox claim and the outbox of the real unit
of work: a message id is claimed once, and messages are "sent" only if the block commits.
"""

import inspect
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import ModuleType

import pytest
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request, Response

from shared.contracts.envelope import Envelope
from shared.messaging.routing import address
from shared.persistence.unit_of_work import AlreadyHandled
from shared.registry import AgencyRegistry, load_registry
from shared.runtime.context import current_settings

CENTRE = "centre:430426"


class FakeUnitOfWork:
    """One transaction: what it claimed and what it queued, kept apart until it commits."""

    def __init__(self, db: "FakeDatabase") -> None:
        self.db = db
        self.registry: AgencyRegistry = db.registry
        self.claimed: list[object] = []
        self.sent: list[Envelope] = []

    def claim(self, message: Envelope) -> None:
        # The real claim finds a duplicate at its next round trip; the outcome is the same.
        if message.message_id in self.db.claimed or message.message_id in self.claimed:
            raise AlreadyHandled(str(message.message_id))
        self.claimed.append(message.message_id)

    def send(self, message: Envelope) -> None:
        # The real outbox addresses every message; one that cannot be routed fails here too.
        address(message, self.registry)
        self.sent.append(message)

    def execute(self, sql: str, params: object = None):
        raise AssertionError(f"SQL reached the fake database (fake the store function instead): {sql[:80]}")

    one = all = write = execute


class FakeDatabase:
    """Stands in for the `Database` dependency: `with db.transaction() as uow: ...`."""

    def __init__(self, registry: AgencyRegistry | None = None) -> None:
        self.registry = registry or load_registry()
        self.claimed: set[object] = set()
        self.sent: list[Envelope] = []
        self.commits = 0
        self.rollbacks = 0

    @contextmanager
    def transaction(self) -> Iterator[FakeUnitOfWork]:
        uow = FakeUnitOfWork(self)
        try:
            yield uow
        except AlreadyHandled:
            self.rollbacks += 1
            return
        except BaseException:
            self.rollbacks += 1
            raise
        self.commits += 1
        self.claimed.update(uow.claimed)
        self.sent.extend(uow.sent)

    def sent_of(self, model: type[Envelope]) -> list:
        """The committed messages of one type, in the order they were sent."""
        return [message for message in self.sent if isinstance(message, model)]

    def sent_types(self) -> list[str]:
        return [message.type for message in self.sent]


@pytest.fixture
def db() -> FakeDatabase:
    return FakeDatabase()


@pytest.fixture
def run_as(monkeypatch) -> Iterator[Callable[[str], object]]:
    """Set the WUYUAN_* environment of one service, as `wuyuan up` does, and return its settings."""

    def configure(service: str):
        for name in ("WUYUAN_COUNTY", "WUYUAN_CONFIG_DIR", "WUYUAN_MAX_ATTEMPTS"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("WUYUAN_SERVICE", service)
        monkeypatch.setenv("WUYUAN_AMQP_URI", "amqp://localhost:5672/wuyuan")
        monkeypatch.setenv("WUYUAN_AMQP_USER", f"wuyuan.{service}")
        monkeypatch.setenv("WUYUAN_DATABASE_URL", f"postgresql://localhost:5432/wuyuan_{service}")
        current_settings.cache_clear()
        return current_settings()

    yield configure
    current_settings.cache_clear()


@pytest.fixture
def install_store(monkeypatch) -> Callable[[ModuleType, object], object]:
    """Swap a store module's functions for the methods of an in-memory fake of the same names.

    A fake method replaces the module's function of the same name and must take the same
    parameters; other methods are the test's own look-ups. A store function left unfaked
    reaches `FakeUnitOfWork.execute` and fails, so a fake that drifts cannot pass quietly.
    """

    def install(module: ModuleType, fake: object) -> object:
        for name, _ in inspect.getmembers(type(fake), inspect.isfunction):
            real = getattr(module, name, None)
            if name.startswith("_") or not inspect.isfunction(real):
                continue
            real_params = list(inspect.signature(real).parameters)
            fake_params = list(inspect.signature(getattr(fake, name)).parameters)
            assert fake_params == real_params, f"{name}: fake takes {fake_params}, store takes {real_params}"
            monkeypatch.setattr(module, name, getattr(fake, name))
        return fake

    return install


class Http:
    """Builds the werkzeug requests nameko hands an @api method, and reads JSON responses."""

    @staticmethod
    def post(body: object = None, *, data: bytes | None = None, content_type: str | None = None) -> Request:
        if data is not None:
            return EnvironBuilder(method="POST", data=data, content_type=content_type).get_request()
        return EnvironBuilder(method="POST", json=body).get_request()

    @staticmethod
    def get(query: dict | None = None) -> Request:
        return EnvironBuilder(method="GET", query_string=query or {}).get_request()

    @staticmethod
    def body(response: Response) -> dict:
        assert response.mimetype == "application/json"
        return json.loads(response.get_data(as_text=True))


@pytest.fixture
def http() -> Http:
    return Http()
