"""One real platform for the end-to-end tests: every service as a process, on a vhost and databases of its own."""

import pytest

from tests.e2e.platforms import private_settings, running_platform
from wuyuan.client import PlatformClient
from wuyuan.settings import PlatformSettings

# Every service of a platform with the shipped agency registry.
SERVICES = PlatformSettings().services


@pytest.fixture(scope="session")
def platform_settings(tmp_path_factory) -> PlatformSettings:
    return private_settings(tmp_path_factory.mktemp("platform"))


@pytest.fixture(scope="session")
def platform(platform_settings):
    """Provision, start all services, and tear everything down afterwards."""
    with running_platform(platform_settings) as settings:
        yield settings


@pytest.fixture(scope="session")
def client(platform) -> PlatformClient:
    return PlatformClient.with_working_accounts(platform)
