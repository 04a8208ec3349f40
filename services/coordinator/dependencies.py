"""The coordinator's own dependency: what it decides with (the platform, the routing table, the calendar)."""

from functools import cache

from nameko.containers import WorkerContext

from services.coordinator.deadlines import deadline_for, extend_for
from services.coordinator.handlers import Coordination
from services.coordinator.routing import RoutingTable, load_routing_table
from shared.dependency import Injects
from shared.platform import Platform
from shared.runtime.dependencies import PlatformOfContainer


class CoordinationProvider(Injects[Coordination]):
    """`self.desk`: the platform, the official calendar, and the routing table, which is read
    when the first case is triaged: a broken table sends cases to the dead letters (after their
    retries) and names the fault, rather than keeping the coordinator from starting."""

    context = PlatformOfContainer()
    _coordination: Coordination | None = None

    def get_dependency(self, worker_ctx: WorkerContext) -> Coordination:
        if self._coordination is None:
            self._coordination = coordination_for(self.context.get())
        return self._coordination


def coordination_for(platform: Platform) -> Coordination:
    @cache
    def routing_table() -> RoutingTable:
        return load_routing_table(platform.config_dir / "routing.toml", set(platform.registry.agencies))

    return Coordination(platform, routing_table, deadline_for, extend_for)
