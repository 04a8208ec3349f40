"""One real platform for the end-to-end tests: all eight services as processes on a vhost and databases of their own."""

import random
import socket
import uuid
from pathlib import Path

import pytest

from wuyuan import supervise
from wuyuan.client import PlatformClient
from wuyuan.provision import provision_all
from wuyuan.provision_amqp import delete_broker
from wuyuan.provision_db import drop_databases
from wuyuan.settings import SERVICES, PlatformSettings


def _ephemeral_ports() -> tuple[int, int]:
    """The range the kernel gives outgoing connections (Linux; the IANA range elsewhere)."""
    try:
        low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
        return int(low), int(high)
    except (OSError, ValueError):
        return 49152, 65535


def _free_port_base(span: int = len(SERVICES) + 1) -> int:
    """A base port with the next `span` ports free, so parallel runs never collide.

    Chosen below the ephemeral range: a port in it that is free now can be taken a moment
    later by one of the platform's own outgoing connections, before its service binds it.
    """
    top = _ephemeral_ports()[0] - span - 1
    lowest = 10_000 if top > 11_000 else 1024
    for _ in range(200):
        base = random.randrange(lowest, top)
        if all(_port_free(base + offset) for offset in range(1, span + 1)):
            return base
    raise RuntimeError("no free block of ports")


def _port_free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


@pytest.fixture(scope="session")
def platform_settings(tmp_path_factory) -> PlatformSettings:
    run = uuid.uuid4().hex[:8]
    # Passed explicitly, not through os.environ, so no other test sees this run's names.
    return PlatformSettings(
        vhost=f"wyt_{run}",
        db_prefix=f"wyt_{run}_",
        state_dir=tmp_path_factory.mktemp("platform"),
        http_port_base=_free_port_base(),
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
