"""The coordinator's configuration checked before anything starts: the routing table and the county's centres, which
the coordinator reads as it starts and will not start without (services/coordinator/dependencies.py)."""

from services.coordinator.routing import RoutingTableError, load_routing_table
from shared.centres import CentresError, load_centres
from wuyuan.cli_errors import CommandError
from wuyuan.settings import PlatformSettings


def check_coordinator_configuration(settings: PlatformSettings) -> None:
    """CommandError `config_invalid` naming the file and the entry at fault; nothing otherwise."""
    registry = settings.registry
    routing = settings.config_dir / "routing.toml"
    try:
        load_routing_table(routing, set(registry.agencies))
    except (RoutingTableError, OSError) as broken:
        raise _invalid(str(routing), broken) from None
    try:
        load_centres(settings.config_dir, settings.county, registry)
    except (CentresError, OSError) as broken:
        raise _invalid(str(settings.config_dir / "centres.toml"), broken) from None


def _invalid(path: str, broken: Exception) -> CommandError:
    return CommandError(
        "config_invalid",
        f"配置文件 {path} 有误：{broken}。综合协调组读不了它就不会启动（登记的案件在其队列中等候）；改正后再运行",
    )
