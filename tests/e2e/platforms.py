"""Private platforms for the end-to-end tests: names, ports and state of their own, always taken down again."""

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from shared.registry import DEFAULT_CONFIG_DIR
from wuyuan import supervise
from wuyuan.ports import free_port_base
from wuyuan.provision import provision_all
from wuyuan.provision_amqp import delete_broker
from wuyuan.provision_db import drop_databases
from wuyuan.settings import PlatformSettings


def private_settings(state_dir: Path, config_dir: Path = DEFAULT_CONFIG_DIR) -> PlatformSettings:
    """A vhost, databases and a block of ports unique to the run; passed explicitly, not through os.environ,
    so no other test sees them."""
    run = uuid.uuid4().hex[:8]
    services = PlatformSettings(config_dir=config_dir).services
    return PlatformSettings(
        vhost=f"wyt_{run}",
        db_prefix=f"wyt_{run}_",
        state_dir=state_dir,
        config_dir=config_dir,
        http_port_base=free_port_base(len(services) + 1),
        auth_revocations_max_age_seconds=2,  # a withdrawn token is refused within seconds, not half a minute
    )


@contextmanager
def running_platform(
    settings: PlatformSettings, services: Sequence[str] | None = None, timeout: float = 120
) -> Iterator[PlatformSettings]:
    """Provision every service, start these (all by default) and wait for them; then stop and remove it all."""
    provision_all(settings)
    try:
        supervise.start(settings, detach=True, services=services)
        supervise.wait_until_ready(settings, timeout=timeout, services=services)
        yield settings
    finally:
        try:
            supervise.stop(settings)
        finally:
            delete_broker(settings)
            drop_databases(settings)


def run_wuyuan(settings: PlatformSettings, *args: str, ok: bool = True, timeout: float = 180) -> str:
    """What `wuyuan ARGS` prints when an operator runs it against this platform; `ok` says whether it must
    succeed or must fail."""
    environment = {
        **os.environ,
        "WUYUAN_VHOST": settings.vhost,
        "WUYUAN_DB_PREFIX": settings.db_prefix,
        "WUYUAN_STATE_DIR": str(settings.state_dir),
        "WUYUAN_CONFIG_DIR": str(settings.config_dir),
        "WUYUAN_HTTP_PORT_BASE": str(settings.http_port_base),
    }
    done = subprocess.run(
        [sys.executable, "-m", "wuyuan.cli", *args], env=environment, capture_output=True, text=True, timeout=timeout
    )
    assert (done.returncode == 0) is ok, f"wuyuan {' '.join(args)} -> {done.returncode}\n{done.stdout}{done.stderr}"
    return done.stdout
