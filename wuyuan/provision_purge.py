"""Remove a local platform on purpose (`wuyuan down --purge`): what provisioning made, and the state it keeps.

Provisioning makes, per service, a database and its login role, and on the broker a vhost with one user per
service and the operator; `wuyuan up` keeps their secrets, logs and traces in the state directory. Removing
the state alone (as `make clean` once did) leaves databases holding data sealed under keys no longer known;
this removes all of it together, and keeps the backups, which carry their own copy of the secrets.
"""

from __future__ import annotations

import ipaddress
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
from psycopg.conninfo import conninfo_to_dict

from wuyuan.agencies import has_database
from wuyuan.provision_amqp import delete_broker
from wuyuan.provision_db import drop_databases
from wuyuan.settings import OPERATOR, PlatformSettings

# What `wuyuan up` writes in the state directory; anything else there (backups, screenshots) is left alone.
STATE_ENTRIES = (
    "secrets",
    "logs",
    "traces",
    "supervisord.conf",
    "supervisord.conf.tmp",
    "supervisor.sock",
    "supervisord.pid",
)
KEPT_ENTRIES = ("backups",)
BROKER_SETTING = "WUYUAN_RABBIT_MANAGEMENT_URL"


class PurgeRefused(RuntimeError):
    """The settings point at something that is not a local platform's to remove; the message says what."""


@dataclass(frozen=True)
class PurgePlan:
    """What `wuyuan down --purge` removes, named as the confirmation shows it."""

    databases: tuple[str, ...]
    roles: tuple[str, ...]
    vhost: str
    broker_users: tuple[str, ...]
    state: tuple[Path, ...]
    kept: tuple[Path, ...]
    servers: tuple[str, ...] = ()  # each setting's server, as the one asked to confirm must see it
    state_dir: Path | None = None  # removed too when nothing is left in it

    def lines(self) -> list[str]:
        lines = [
            *(f"所在服务器：{server}" for server in self.servers),
            f"PostgreSQL 数据库 {len(self.databases)} 个：{'、'.join(self.databases)}",
            f"PostgreSQL 角色 {len(self.roles)} 个：{'、'.join(self.roles) or '无'}",
            f"RabbitMQ 虚拟主机 {self.vhost}（其中的全部队列和消息）及用户 {len(self.broker_users)} 个",
        ]
        if self.state:
            lines.append(f"状态目录中的密钥、日志和追踪：{'、'.join(str(path) for path in self.state)}")
        if self.kept:
            lines.append(f"保留：{'、'.join(str(path) for path in self.kept)}")
        elif self.state_dir is not None:
            lines.append(f"状态目录 {self.state_dir} 本身（删除以上各项后若已为空）")
        return lines


def purge_plan(settings: PlatformSettings) -> PurgePlan:
    """What would be removed; PurgeRefused when it is not a local platform's (a server elsewhere, or databases
    whose owner role is handed out by their operator, as CloudNativePG does)."""
    refuse_unless_local(settings)
    with_database = [s for s in settings.services if has_database(settings, s)]
    return PurgePlan(
        databases=tuple(settings.database_name(s) for s in with_database),
        roles=tuple(settings.database_role(s) for s in with_database),
        vhost=settings.vhost,
        broker_users=tuple(settings.broker_user(user) for user in (*settings.services, OPERATOR)),
        state=tuple(settings.state_dir / name for name in STATE_ENTRIES if _exists(settings.state_dir / name)),
        kept=tuple(settings.state_dir / name for name in KEPT_ENTRIES if (settings.state_dir / name).exists()),
        servers=tuple(f"{setting} {_address(setting, url)}" for setting, url in _servers(settings).items()),
        state_dir=settings.state_dir,
    )


def _address(setting: str, url: str) -> str:
    """The host and port a setting names, without its credentials."""
    if setting == BROKER_SETTING:
        parts = urlsplit(url)
        return f"{parts.hostname}:{parts.port or 15672}"
    given = conninfo_to_dict(url)
    host = given.get("host") or given.get("hostaddr") or os.environ.get("PGHOST") or "本机默认 unix 套接字"
    return f"{host}:{given.get('port') or os.environ.get('PGPORT') or 5432}"


def refuse_unless_local(settings: PlatformSettings) -> None:
    """A local platform's databases and broker are on this machine, and its database roles are provisioning's."""
    owned = [s for s in settings.services if has_database(settings, s) and settings.admin_is_the_role(s)]
    if owned:
        raise PurgeRefused(
            f"{'、'.join(owned)} 的数据库由其运维方管理（WUYUAN_PG_ADMIN_URL 的用户就是数据库的所有者，"
            "如 CloudNativePG）：这不是本机平台，不能用 wuyuan down --purge 删除"
        )
    remote = {setting: where for setting, url in _servers(settings).items() if (where := _elsewhere(setting, url))}
    if remote:
        named = "、".join(f"{setting}（{where}）" for setting, where in remote.items())
        raise PurgeRefused(f"{named} 不在本机：wuyuan down --purge 只删除本机平台")


def _elsewhere(setting: str, url: str) -> str | None:
    """Where a setting's server is when that is not this machine (or cannot be told), else None."""
    if setting == BROKER_SETTING:
        host = urlsplit(url).hostname or ""
        return None if _loopback(host) else host or "未写主机"
    return _postgres_elsewhere(url)


def _postgres_elsewhere(url: str) -> str | None:
    """Where libpq would connect for this URL, when that is not this machine. libpq takes its hosts from the
    URL's authority, from `host`/`hostaddr`/`service` in its query, and, for what the URL leaves out, from
    PGHOST, PGHOSTADDR and PGSERVICE: a URL with no host of its own may still name a server elsewhere."""
    try:
        given = conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "无法解析的地址"
    service = given.get("service") or os.environ.get("PGSERVICE")
    if service:
        return f"service={service}"  # pg_service.conf may name any host
    hosts = str(given.get("host") or os.environ.get("PGHOST", ""))
    addresses = str(given.get("hostaddr") or os.environ.get("PGHOSTADDR", ""))
    for host in filter(None, hosts.split(",")):
        if not (host.startswith("/") or host.startswith("@") or _loopback(host)):  # a unix socket's directory
            return host
    for address in filter(None, addresses.split(",")):
        if not _loopback(address):
            return address
    return None  # no host at all: libpq's default unix socket on this machine


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:  # a name other than localhost may resolve anywhere
        return False


def purge_platform(settings: PlatformSettings) -> list[str]:
    """Drop the databases and roles, delete the vhost and broker users, then the state; returns what was removed,
    one line each. The platform must be stopped first. Run again after a failure: each step is idempotent, and
    the state (whose secrets nothing here needs) goes last, so a failed run leaves it in place."""
    plan = purge_plan(settings)
    drop_databases(settings)
    delete_broker(settings)
    for path in plan.state:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)
    removed_state = [str(path) for path in plan.state]
    if _remove_if_empty(settings.state_dir):
        removed_state.append(str(settings.state_dir))
    done = [
        f"已删除数据库及角色：{'、'.join(plan.databases)}",
        f"已删除 RabbitMQ 虚拟主机 {plan.vhost} 及其用户",
    ]
    if removed_state:
        done.append(f"已删除：{'、'.join(removed_state)}")
    if plan.kept:
        done.append(f"已保留：{'、'.join(str(path) for path in plan.kept)}（不需要时可自行删除）")
    return done


def _remove_if_empty(directory: Path) -> bool:
    """The state directory goes too once nothing is left in it (backups kept there keep it); a mount point, or one
    that something else wrote into meanwhile, stays."""
    try:
        directory.rmdir()
    except OSError:
        return False
    return True


def _servers(settings: PlatformSettings) -> dict[str, str]:
    """Each setting that names a server the purge would act on, with its URL."""
    servers = {
        "WUYUAN_PG_ADMIN_URL": settings.pg_admin_url,
        BROKER_SETTING: settings.rabbit_management_url,
    }
    for service, url in settings.pg_admin_urls.items():
        servers[f"WUYUAN_PG_ADMIN_URLS.{service}"] = url
    return servers


def _exists(path: Path) -> bool:
    return path.exists() or path.is_symlink()
