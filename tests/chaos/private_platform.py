"""A whole platform on a private PostgreSQL cluster and private RabbitMQ node(s), for the fault suite."""

import contextlib
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from wuyuan import supervise
from wuyuan.ports import free_port_base
from wuyuan.private_infra import (
    PrivatePostgres,
    RabbitCluster,
    RabbitNode,
    kill_group,
    private_postgres,
    private_rabbit,
    start_balancer,
)
from wuyuan.provision import provision_all
from wuyuan.settings import PlatformSettings


@dataclass
class ChaosPlatform:
    settings: PlatformSettings
    postgres: PrivatePostgres
    rabbit: RabbitCluster
    run_id: str

    def with_management_of(self, node: RabbitNode) -> PlatformSettings:
        """The same platform seen through another node's management API (the first may be the one lost)."""
        return self.settings.model_copy(update={"rabbit_management_url": node.management_url})


@contextlib.contextmanager
def chaos_platform(nodes: int = 1, keep: bool = False) -> Iterator[ChaosPlatform]:
    """Provision and start every service on private infrastructure; stop and remove it all afterwards.

    With several nodes they form a cluster, the queues are quorum queues, and the services reach
    the cluster through a TCP balancer that hands each connection to a node that answers, as the
    Kubernetes Service `rabbitmq` does in the manifests.
    """
    run_id = uuid.uuid4().hex[:6]
    state_dir = Path(tempfile.mkdtemp(prefix=f"wuyuan-chaos-{run_id}-"))
    with private_postgres(keep) as postgres, private_rabbit(nodes, keep) as rabbit:
        first = rabbit.nodes[0]
        balancer: subprocess.Popen[bytes] | None = None
        amqp_port = first.amqp_port
        if nodes > 1:
            amqp_port = free_port_base(1) + 1
            balancer = start_balancer(amqp_port, [n.amqp_port for n in rabbit.nodes], state_dir / "balancer.log")
        services = PlatformSettings().services
        settings = PlatformSettings(
            amqp_admin_uri=f"amqp://guest:guest@127.0.0.1:{amqp_port}/",
            rabbit_management_url=first.management_url,
            pg_admin_url=postgres.admin_url,
            vhost=f"wyc_{run_id}",
            db_prefix=f"wyc_{run_id}_",
            state_dir=state_dir,
            http_port_base=free_port_base(len(services) + 1),
            queue_type="quorum" if nodes > 1 else "classic",
        )
        try:
            provision_all(settings)
            supervise.start(settings, detach=True)
            supervise.wait_until_ready(settings, timeout=180)
            yield ChaosPlatform(settings, postgres, rabbit, run_id)
        finally:
            try:
                supervise.stop(settings)
            finally:
                if balancer is not None:
                    kill_group(balancer.pid)
                    balancer.wait(timeout=10)
                if not keep:
                    shutil.rmtree(state_dir, ignore_errors=True)
