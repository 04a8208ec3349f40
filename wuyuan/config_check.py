"""The coordinator's configuration checked before anything starts: the routing table and the county's centres, which
the coordinator reads as it starts and will not start without (services/coordinator/dependencies.py)."""

from pathlib import Path

from services.coordinator.routing import RoutingTableError, load_routing_table
from shared.centres import CentresError, load_centres
from shared.config_errors import ConfigFileError
from wuyuan.cli_errors import CommandError, config_error_text
from wuyuan.settings import PlatformSettings

# The code of a file that could not be read at all (missing, not permitted), beside the parsers' own codes.
UNREADABLE = "unreadable"


def check_coordinator_configuration(settings: PlatformSettings) -> None:
    """CommandError `config_invalid` naming the file and the key at fault, in Chinese, with `file`, `field` and the
    refusal's English `reason` in its details; nothing otherwise."""
    registry = settings.registry
    routing = settings.config_dir / "routing.toml"
    try:
        load_routing_table(routing, set(registry.agencies))
    except (RoutingTableError, OSError) as broken:
        raise _invalid(routing, broken) from None
    centres = settings.config_dir / "centres.toml"
    try:
        load_centres(settings.config_dir, settings.county, registry)
    except (CentresError, OSError) as broken:
        raise _invalid(centres, broken) from None


def _invalid(path: Path, broken: Exception) -> CommandError:
    if isinstance(broken, ConfigFileError):
        details = {"file": str(path), "field": broken.field, "reason": broken.code}
    else:
        details = {"file": str(path), "field": "", "reason": UNREADABLE}
    return CommandError(
        "config_invalid",
        f"配置文件 {path} 有误：{config_error_text(broken)}。综合协调组读不了它就不会启动（登记的案件在其队列中等候）；"
        "改正后再运行",
        details,
    )
