"""One real platform for the end-to-end tests: all eight services as processes on a vhost and databases of their own."""

import uuid

import pytest

from wuyuan import supervise
from wuyuan.client import PlatformClient
from wuyuan.ports import free_port_base
from wuyuan.provision import provision_all
from wuyuan.provision_amqp import delete_broker
from wuyuan.provision_db import drop_databases
from wuyuan.settings import PlatformSettings

# Every service of a platform with the shipped agency registry.
SERVICES = PlatformSettings().services


@pytest.fixture(scope="session")
def platform_settings(tmp_path_factory) -> PlatformSettings:
    run = uuid.uuid4().hex[:8]
    # Passed explicitly, not through os.environ, so no other test sees this run's names.
    return PlatformSettings(
        vhost=f"wyt_{run}",
        db_prefix=f"wyt_{run}_",
        state_dir=tmp_path_factory.mktemp("platform"),
        http_port_base=free_port_base(len(SERVICES) + 1),
    )


@pytest.fixture(scope="session")
def platform(platform_settings):
    """Provision, start all services, and tear everything down afterwards."""
    settings = platform_settings
    provision_all(settings)
    try:
        supervise.start(settings, detach=True)
        supervise.wait_until_ready(settings, timeout=120)
        yield settings
    finally:
        try:
            supervise.stop(settings)
        finally:
            delete_broker(settings)
            drop_databases(settings)


@pytest.fixture(scope="session")
def client(platform) -> PlatformClient:
    return PlatformClient.with_working_accounts(platform)
