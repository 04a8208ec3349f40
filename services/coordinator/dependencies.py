"""The coordinator's own dependency: what it decides with (the platform, the routing table, the calendar)."""

from functools import cache

import structlog
from nameko.containers import WorkerContext

from services.coordinator.deadlines import deadline_for, extend_for
from services.coordinator.handlers import Coordination
from services.coordinator.routing import RoutingTable, RoutingTableError, load_routing_table
from shared.centres import CentresError
from shared.dependency import Injects
from shared.platform import Platform
from shared.runtime.dependencies import PlatformOfContainer

log = structlog.get_logger(__name__)


class CoordinationProvider(Injects[Coordination]):
    """`self.desk`: the platform, the official calendar, the routing table and the county's centres, both read as the
    service starts. A broken table or centres file keeps the coordinator from starting, with the fault named in its
    log (which `wuyuan up` shows): started, it would take every case off its queue only to fail it into the dead
    letters. Stopped, it leaves the cases waiting in its queue until the file is put right."""

    context = PlatformOfContainer()
    _coordination: Coordination | None = None

    def setup(self) -> None:
        coordination = coordination_for(self.context.get())
        try:
            coordination.routing_table()
            coordination.levels()  # config/centres.toml, which triage reads for every case's level too
        except (RoutingTableError, CentresError) as broken:
            log.error("the coordinator's configuration is invalid; it does not start", **broken.log_fields())
            raise
        self._coordination = coordination

    def get_dependency(self, worker_ctx: WorkerContext) -> Coordination:
        if self._coordination is None:
            self._coordination = coordination_for(self.context.get())
        return self._coordination


def coordination_for(platform: Platform) -> Coordination:
    @cache
    def routing_table() -> RoutingTable:
        return load_routing_table(platform.config_dir / "routing.toml", set(platform.registry.agencies))

    return Coordination(platform, routing_table, deadline_for, extend_for)
