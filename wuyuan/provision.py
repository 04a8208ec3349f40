"""Everything a platform needs before its services start: databases with migrations, broker vhost, users, topology."""

from collections.abc import Sequence

from wuyuan.provision_amqp import ensure_broker
from wuyuan.provision_db import ensure_databases
from wuyuan.settings import PlatformSettings


def provision_all(settings: PlatformSettings, services: Sequence[str] | None = None) -> None:
    """Provision the services named, or every service in the registry."""
    services = settings.services if services is None else services
    ensure_databases(settings, services)
    ensure_broker(settings, services)
