"""What staff read in the `wuyuan` command: services by their group or agency name, times in Beijing time."""

from datetime import datetime

from shared.registry import load_registry
from shared.workdays import CHINA_TZ
from wuyuan.settings import PlatformSettings

CENTRE_GROUPS = {
    "intake": "信息收集组",
    "coordinator": "综合协调组",
    "supervision": "检查督导组",
    "identity": "身份认证",
}


def service_label(settings: PlatformSettings, service: str) -> str:
    """'综合协调组', or an agency's name ('公安局'), for a service; the code itself if it is neither."""
    if service in CENTRE_GROUPS:
        return CENTRE_GROUPS[service]
    try:
        return load_registry(settings.config_dir).by_service(service).name_zh
    except KeyError:
        return service


def local_time(moment: str | datetime | None) -> str:
    """An ISO time (or datetime) as Beijing time to the second, '2026-12-04 22:10:03'; '' when there is none."""
    if moment is None or moment == "":
        return ""
    try:
        parsed = moment if isinstance(moment, datetime) else datetime.fromisoformat(str(moment))
    except ValueError:
        return str(moment)
    if parsed.tzinfo is None:
        return str(moment)  # a time without its zone cannot be shown as local time honestly
    return parsed.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M:%S")
