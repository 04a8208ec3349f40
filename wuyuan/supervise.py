"""Runs the services as supervisord programs: writes its config, starts, stops and inspects them."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import time
import xmlrpc.client
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import requests
from supervisor.datatypes import dict_of_key_value_pairs
from supervisor.xmlrpc import Faults, SupervisorTransport

from shared.private_dirs import private_directory
from wuyuan.agencies import health_url, is_external, is_managed, launch, managed_services
from wuyuan.secrets import kept_secret
from wuyuan.settings import REPO_ROOT, PlatformSettings

# All services form one supervisord group so that `down` stops them in parallel.
GROUP = "wuyuan"
STOP_WAIT_SECONDS = 15
# sockaddr_un.sun_path holds 108 bytes including the terminating NUL.
_MAX_SOCKET_PATH = 107

CommandFor = Callable[[str], Sequence[str]]


class SupervisorError(RuntimeError):
    """supervisord could not do what was asked; the message says what to do."""


class NotRunning(SupervisorError):
    """supervisord is not running for this state directory."""


class AlreadyRunning(SupervisorError):
    """supervisord is already running for this state directory."""


class PortsTaken(SupervisorError):
    """Something already listens on a port a service of the platform is to take (another platform, most likely)."""


class PasswordRefused(SupervisorError):
    """A supervisord answers on the platform's socket but refuses the password kept in the state's secrets."""


class NotReady(SupervisorError):
    """A service did not answer its health check in time, or crashed repeatedly."""

    def __init__(self, service: str, reason: str, log_lines: list[str]):
        super().__init__(f"{service} 未就绪：{reason}")
        self.service = service
        self.reason = reason
        self.log_lines = log_lines


@dataclass(frozen=True)
class ServiceStatus:
    name: str
    pid: int | None
    state: str  # supervisord's state, lower case: running, starting, backoff, stopped, exited, fatal …
    url: str
    # "python", or "external" for an agency in another language (registry); one that runs elsewhere has
    # no supervisord state, only its health check: "running" or "unreachable".
    kind: str = "python"
    # Why a running service does not answer its readiness check (its database or broker), when asked
    # (`status(check_ready=True)`); None when it is ready or was not asked.
    not_ready: str | None = None

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


# --- where things live ------------------------------------------------------------------------


def config_path(settings: PlatformSettings) -> Path:
    return settings.state_dir / "supervisord.conf"


def socket_path(settings: PlatformSettings) -> Path:
    return settings.state_dir / "supervisor.sock"


def pid_path(settings: PlatformSettings) -> Path:
    return settings.state_dir / "supervisord.pid"


def rpc_password_path(settings: PlatformSettings) -> Path:
    """The password of supervisord's socket, made once: only those who read the state's secrets may command it."""
    return settings.state_dir / "secrets" / "supervisor"


# The user name that goes with it; the password alone is the secret.
RPC_USERNAME = "wuyuan"


def log_path(settings: PlatformSettings, service: str) -> Path:
    return settings.log_dir / f"{service}.log"


def supervisord_log_path(settings: PlatformSettings) -> Path:
    return settings.log_dir / "supervisord.log"


# --- the configuration file -------------------------------------------------------------------

# The variables the services' settings are read from (shared/config.py and the others), and OpenTelemetry's own.
_SERVICE_PREFIXES = ("WUYUAN_", "OTEL_")
# The platform's own settings (wuyuan/settings.py): admin URLs, every password and key, the command's sign-in, the
# names and ports. `wuyuan up` turns them into each service's settings and gives each service only its own secrets.
_PLATFORM_VARIABLES = frozenset(f"WUYUAN_{name.upper()}" for name in PlatformSettings.model_fields)


def passed_on(environ: Mapping[str, str]) -> dict[str, str]:
    """The operator's settings for the services (WUYUAN_TRACE_FILE_MAX_BYTES, OTEL_EXPORTER_OTLP_ENDPOINT …), as set
    where `wuyuan up` runs: written into every program's environment, so that one changed since is a changed config
    that `wuyuan up -d` restarts the services on, and one unset since is gone from them too. pydantic-settings reads
    names in any case, so they are compared in upper case."""
    return {
        key: value
        for key, value in sorted(environ.items())
        if key.upper().startswith(_SERVICE_PREFIXES) and key.upper() not in _PLATFORM_VARIABLES
    }


def daemon_environment(environ: Mapping[str, str]) -> dict[str, str]:
    """supervisord's own environment, which every service inherits: the operator's, less every platform and service
    setting. The services get theirs from the config alone, never an admin URL, another service's password or
    intake's keys that happened to be exported where `wuyuan up` ran."""
    return {key: value for key, value in environ.items() if not key.upper().startswith(_SERVICE_PREFIXES)}


def render_config(
    settings: PlatformSettings,
    services: Sequence[str] | None = None,
    command_for: CommandFor | None = None,
) -> str:
    """The text of supervisord.conf for these services (by default every one the platform starts itself)."""
    services = managed_services(settings) if services is None else services
    sock = socket_path(settings)
    if len(os.fsencode(sock)) > _MAX_SOCKET_PATH:
        raise SupervisorError(f"状态目录的路径太长，放不下 unix 套接字（{sock}）：请把 WUYUAN_STATE_DIR 设为较短的路径")
    # A socket without a user and password makes supervisord log a CRIT line on every start; with them, its
    # socket (mode 0700 already) also refuses any process of this user that has not read the state's secrets.
    password = kept_secret(rpc_password_path(settings))
    credentials = [f"username={RPC_USERNAME}", f"password={_ini(password, 'supervisord 的 RPC 口令')}"]
    lines = [
        "; Written by `wuyuan up`; edits are overwritten on the next run.",
        "[unix_http_server]",
        f"file={_ini(str(sock), STATE_DIR_PATH)}",
        "chmod=0700",
        *credentials,
        "",
        "[supervisord]",
        f"logfile={_ini(str(supervisord_log_path(settings)), STATE_DIR_PATH)}",
        "logfile_maxbytes=10MB",
        "logfile_backups=3",
        f"pidfile={_ini(str(pid_path(settings)), STATE_DIR_PATH)}",
        f"childlogdir={_ini(str(settings.log_dir), STATE_DIR_PATH)}",
        # Logs (supervisord's, and each service's stdout it writes) readable by this user alone;
        # the services inherit it, so their span files and anything else they write are too.
        f"umask={PRIVATE_UMASK:03o}",
        # Whoever runs `wuyuan up`; naming them spares supervisord's "running as root" warning.
        f"user={os.getuid()}",
        "",
        "[rpcinterface:supervisor]",
        "supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface",
        "",
        "[supervisorctl]",
        f"serverurl=unix://{_ini(str(sock), STATE_DIR_PATH)}",
        *credentials,
        "",
        f"[group:{GROUP}]",
        f"programs={','.join(services)}",
    ]
    operators = passed_on(os.environ)
    for priority, service in enumerate(services, start=1):
        own = settings.service_environment(service)
        environment = ",".join(f"{key}={_env_value(key, value)}" for key, value in {**operators, **own}.items())
        how = launch(settings, service)
        command, directory = (command_for(service), REPO_ROOT) if command_for else (how.argv, how.cwd)
        lines += [
            "",
            f"[program:{service}]",
            f"command={_ini(shlex.join(command), f'服务 {service} 的启动命令')}",
            f"environment={environment}",
            f"directory={_ini(str(directory), f'服务 {service} 的工作目录')}",
            f"priority={priority}",
            "autostart=true",
            "autorestart=true",
            "startsecs=1",
            "startretries=3",
            "stopsignal=TERM",
            f"stopwaitsecs={STOP_WAIT_SECONDS}",
            "stopasgroup=true",
            "killasgroup=true",
            "redirect_stderr=true",
            # supervisord expands %(…)s in this one value twice.
            f"stdout_logfile={_ini(_ini(str(log_path(settings, service)), STATE_DIR_PATH), STATE_DIR_PATH)}",
            "stdout_logfile_maxbytes=10MB",
            "stdout_logfile_backups=3",
        ]
    return "\n".join(lines) + "\n"


def write_config(
    settings: PlatformSettings,
    services: Sequence[str] | None = None,
    command_for: CommandFor | None = None,
) -> Path:
    """Write state_dir/supervisord.conf (creating the state and log directories) and return its path."""
    text = render_config(settings, services, command_for)
    settings.state_dir.mkdir(parents=True, exist_ok=True)
    private_directory(settings.state_dir / "secrets")  # also when an earlier version left it readable
    for private in (settings.log_dir, settings.trace_dir):
        private.mkdir(parents=True, exist_ok=True, mode=0o700)
        private.chmod(0o700)  # also when an earlier version made it world-readable
        for written in private.iterdir():
            if written.is_file():
                written.chmod(0o600)
    # supervisord opens its own log before its umask applies: made here first, it stays private.
    os.close(os.open(supervisord_log_path(settings), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600))
    path = config_path(settings)
    tmp = path.with_suffix(".conf.tmp")
    tmp.unlink(missing_ok=True)
    # The services' environments in it hold broker passwords and intake's party key secret.
    with os.fdopen(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w", encoding="utf-8") as handle:
        handle.write(text)
    tmp.replace(path)
    return path


# configparser cuts a value at ";" or "#" preceded by whitespace, and has no escape for it.
_INLINE_COMMENT = re.compile(r"\s[;#]")
# Where the paths in supervisord.conf come from, as an error about one of them names it.
STATE_DIR_PATH = "状态目录（WUYUAN_STATE_DIR）的路径"


def _ini(value: str, what: str) -> str:
    """A value for supervisord's ini format: `%` doubled (it expands %(name)s), no line breaks.

    `what` names where the value comes from (a variable, a path); the value itself is never quoted back,
    since it may be a password or a database URL that holds one."""
    if any(c in value for c in "\r\n\0"):
        raise SupervisorError(f"{what} 含有换行或空字符，无法写入 supervisord.conf：请改正后再启动")
    if _INLINE_COMMENT.search(value):
        raise SupervisorError(
            f"{what} 含有空白后紧跟的 ; 或 #，supervisord.conf 会把其后部分当作注释截掉：请改正后再启动"
        )
    return value.replace("%", "%%")


def _env_value(key: str, value: str) -> str:
    """One value of `environment=`, which supervisord splits with a non-POSIX shlex: quote, no escapes."""
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key):
        raise SupervisorError(
            f"环境变量名 {key[:80]!r} 不能交给 supervisord：只能由字母、数字和下划线组成，且不以数字开头"
        )
    # supervisord strips every quote character from both ends of a value.
    if value[:1] in ("'", '"') or value[-1:] in ("'", '"'):
        raise SupervisorError(f"环境变量 {key} 的值不能以引号开头或结尾（supervisord 会把它们去掉）：请改正后再启动")
    if '"' not in value:
        quoted = f'"{value}"'
    elif "'" not in value:
        quoted = f"'{value}'"
    else:
        raise SupervisorError(f"环境变量 {key} 的值同时含有单引号和双引号，supervisord 无法传递：请改正后再启动")
    return _ini(quoted, f"环境变量 {key} 的值")


# --- talking to supervisord -------------------------------------------------------------------


@contextlib.contextmanager
def _rpc(settings: PlatformSettings) -> Iterator[Any]:
    """An XML-RPC proxy to supervisord (its replies are plain dicts and lists, hence Any)."""
    # A supervisord started before its socket had a password checks none: sending it does no harm there.
    try:
        password: str | None = rpc_password_path(settings).read_text(encoding="ascii").strip()
    except FileNotFoundError:
        password = None
    username = RPC_USERNAME if password else None
    transport = SupervisorTransport(username, password, f"unix://{socket_path(settings)}")
    try:
        # The host part is ignored: the transport talks over the unix socket.
        yield xmlrpc.client.ServerProxy("http://127.0.0.1", transport=transport)
    finally:
        transport.close()


def is_running(settings: PlatformSettings) -> bool:
    """Whether a supervisord answers on this platform's socket."""
    if not socket_path(settings).exists():
        return False
    try:
        with _rpc(settings) as rpc:
            state: str = rpc.supervisor.getState()["statename"]
            return state == "RUNNING"
    except xmlrpc.client.ProtocolError as exc:
        if exc.errcode == 401:  # one runs, but not with the password kept here: neither stop nor start over it
            raise PasswordRefused(
                f"本机平台的 supervisord 正在运行，但不接受 {rpc_password_path(settings)} 中的密码（该文件在它启动后"
                f"被删除或替换）：请按 {pid_path(settings)} 中的进程号停止它（kill 进程号），再运行 wuyuan up"
            ) from None
        return False
    except (OSError, xmlrpc.client.Error):
        return False


def _require_running(settings: PlatformSettings) -> None:
    if not is_running(settings):
        raise NotRunning("平台没有运行：请先启动（make run，或 .venv/bin/wuyuan up -d）")


def _namespec(service: str) -> str:
    return f"{GROUP}:{service}"


# --- lifecycle --------------------------------------------------------------------------------


def start(
    settings: PlatformSettings,
    detach: bool,
    *,
    services: Sequence[str] | None = None,
    command_for: CommandFor | None = None,
    timeout: float = 90.0,
    echo: Callable[[str], None] = print,
) -> int:
    """Start supervisord with every service.

    Detached: supervisord daemonizes; returns 0 once it answers on its socket (services may still
    be starting: call wait_until_ready). If it is already running, the config is reloaded and any
    stopped service started. Foreground: supervisord runs as a child with `-n`; SIGINT and SIGTERM
    are forwarded to it; each service's URL is printed once ready; returns supervisord's exit code.
    """
    conf = write_config(settings, services, command_for)
    starting = managed_services(settings) if services is None else services
    if detach:
        if is_running(settings):
            _reload(settings)
            return 0
        _require_free_ports(settings, starting)
        _start_daemon(settings, conf)
        return 0
    if is_running(settings):
        raise AlreadyRunning("平台已在后台运行：用 wuyuan status 查看，wuyuan down 停止")
    _require_free_ports(settings, starting)
    return _run_foreground(settings, conf, starting, timeout, echo)


def require_free_ports(settings: PlatformSettings) -> None:
    """PortsTaken when a port of a service this platform starts itself is answered already (see below)."""
    _require_free_ports(settings, managed_services(settings))


def _require_free_ports(settings: PlatformSettings, services: Sequence[str]) -> None:
    """PortsTaken, naming each, when something already answers on a port the services are to listen on: each would
    otherwise fail to start, or another platform's service would answer its health checks, and only a wait for
    readiness would tell, long after."""
    taken = [
        f"{service} {settings.http_host}:{settings.http_port(service)}"
        for service in services
        if _answers(settings.http_host, settings.http_port(service))
    ]
    if taken:
        raise PortsTaken(
            f"端口已被占用：{'、'.join(taken)}。可能另一个 wuyuan 平台仍在运行（用它的 WUYUAN_STATE_DIR 执行"
            " wuyuan down 停止它），或设置 WUYUAN_HTTP_PORT_BASE 换用其他端口"
        )


def _answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


# supervisord applies the umask of its config only as it daemonizes: run in the foreground (`wuyuan up`), it is given
# the same one as it starts, and its services and their log files inherit it either way.
PRIVATE_UMASK = 0o077


def _supervisord_argv(conf: Path) -> list[str]:
    return [sys.executable, "-m", "supervisor.supervisord", "-c", str(conf)]


def _start_daemon(settings: PlatformSettings, conf: Path) -> None:
    # A file, not a pipe, for its errors: the daemon keeps no pipe open that we would wait on.
    with tempfile.TemporaryFile() as errors:
        result = subprocess.run(
            _supervisord_argv(conf),
            stdin=subprocess.DEVNULL,
            stdout=errors,
            stderr=errors,
            check=False,
            env=daemon_environment(os.environ),
        )
        errors.seek(0)
        message = errors.read().decode(errors="replace").strip()
    if result.returncode != 0:
        raise SupervisorError(f"supervisord 没有启动：{message or '退出码 ' + str(result.returncode)}")
    deadline = time.monotonic() + 15
    while not is_running(settings):
        if time.monotonic() > deadline:
            tail = "\n".join(_tail(supervisord_log_path(settings), 20))
            raise SupervisorError(f"supervisord 没有启动起来；它的日志最后几行：\n{tail}")
        time.sleep(0.1)


def _reload(settings: PlatformSettings) -> None:
    """Apply a changed config to a running supervisord (restarting the services), then start anything stopped."""
    with _rpc(settings) as rpc:
        [[added, changed, removed]] = rpc.supervisor.reloadConfig()
        for group in changed + removed:
            rpc.supervisor.stopProcessGroup(group, True)
            rpc.supervisor.removeProcessGroup(group)
        for group in added + changed:
            rpc.supervisor.addProcessGroup(group)
        rpc.supervisor.startProcessGroup(GROUP, False)


def launch_in_foreground(conf: Path) -> subprocess.Popen[bytes]:
    """supervisord as this process's child (`-n`), with the platform's private umask."""
    # Its own session, so a Ctrl-C reaches supervisord once, through us, not twice.
    return subprocess.Popen(
        [*_supervisord_argv(conf), "-n"],
        stdin=subprocess.DEVNULL,
        start_new_session=True,
        env=daemon_environment(os.environ),
        umask=PRIVATE_UMASK,
    )


def _run_foreground(
    settings: PlatformSettings,
    conf: Path,
    services: Sequence[str],
    timeout: float,
    echo: Callable[[str], None],
) -> int:
    child = launch_in_foreground(conf)

    def forward(signum: int, _frame: object) -> None:
        with contextlib.suppress(ProcessLookupError):
            child.send_signal(signum)

    previous = {sig: signal.signal(sig, forward) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        try:
            _wait_ready(settings, timeout, services, abort=lambda: child.poll() is not None)
        except NotReady as exc:
            echo(f"警告：{exc}；它的日志最后几行：")
            for line in exc.log_lines:
                echo(f"  {line}")
            echo("其他服务仍在运行；Ctrl-C 全部停止")
        else:
            if child.poll() is None:
                _echo_urls(settings, services, echo)
                echo("全部服务已就绪；按 Ctrl-C 全部停止")
        return child.wait()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if child.poll() is None:
            child.terminate()
            child.wait()


def _echo_urls(settings: PlatformSettings, services: Sequence[str], echo: Callable[[str], None]) -> None:
    width = max(len(s) for s in services)
    for service in services:
        echo(f"  {service:<{width}}  {settings.http_base_url(service)}")
    if "console" in services:
        echo(console_banner(settings))


def console_banner(settings: PlatformSettings) -> str:
    """Where staff open the platform: the line a new user looks for after `make run`."""
    return (
        f"\n工作台：{settings.http_base_url('console')}/\n"
        "  用 wuyuan account add 建立的账号登录（见 README「第一次使用」）"
    )


def wait_until_ready(
    settings: PlatformSettings, timeout: float = 90.0, *, services: Sequence[str] | None = None
) -> None:
    """Return once every service (by default all, external agencies too) answers GET /health with status ok;
    raise NotReady otherwise."""

    def supervisord_gone() -> bool:
        _require_running(settings)
        return False

    _wait_ready(settings, timeout, settings.services if services is None else services, abort=supervisord_gone)


def _wait_ready(settings: PlatformSettings, timeout: float, services: Sequence[str], abort: Callable[[], bool]) -> None:
    """Poll the health checks; `abort` returning True ends the wait early (and may raise)."""
    waiting = list(services)
    deadline = time.monotonic() + timeout
    with requests.Session() as http:
        http.trust_env = False  # never send local health checks through a proxy
        while waiting:
            problems = {s: health_problem(http, settings, s) for s in waiting}
            waiting = [s for s, problem in problems.items() if problem is not None]
            if not waiting or abort():
                return
            for service in _given_up(settings, waiting):
                raise NotReady(service, "反复崩溃，supervisord 已放弃重启", failure_tail(settings, service))
            if time.monotonic() > deadline:
                service = waiting[0]
                said = health_words(problems[service] or "")
                reason = f"{timeout:g} 秒内 {health_url(settings, service)} 没有回答正常：{said}"
                raise NotReady(service, reason, failure_tail(settings, service))
            time.sleep(0.25)


def _healthy(http: requests.Session, settings: PlatformSettings, service: str) -> bool:
    return health_problem(http, settings, service) is None


# A 503's reason (the service's own words about its database or broker), by its kind.
_UNREADY_WORDS = {
    "authentication_failed": "其登录被拒绝（密码不对或用户不存在）",
    "database_missing": "其数据库不存在（是否已 wuyuan provision？）",
    "permission_denied": "其用户缺少所需的权限",
    "disk_full": "数据库服务器磁盘已满",
    "server_full": "数据库服务器的连接已满（max_connections）",
}


def health_words(reason: str) -> str:
    """What health_problem's reason means, as an operator reads it: a 503 is the service saying it cannot reach its
    database or broker; no answer at all is not that, and is most often a port other than the platform's, or a service
    stuck."""
    if ": no answer (" in reason:
        return (
            "其健康检查地址没有应答：服务卡住或仍在启动，"
            "或本命令所用的 WUYUAN_HTTP_PORT_BASE、WUYUAN_HTTP_HOST 与平台的不同"
        )
    if ": HTTP 503" in reason:
        from wuyuan.database_words import failure_reason

        why = _UNREADY_WORDS.get(failure_reason(reason))
        return "连不上其数据库或消息队列" + (f"：{why}" if why else "")
    return "健康检查的应答不对：该地址上可能是另一个程序或另一个平台的服务"


def health_problem(http: requests.Session, settings: PlatformSettings, service: str) -> str | None:
    """Why the service's GET /health does not say it is up, or None when it does."""
    url = health_url(settings, service)
    try:
        response = http.get(url, timeout=2)
        body = response.json() if response.status_code in (200, 503) else None
    except requests.RequestException as failed:
        return f"GET {url}: no answer ({failed.__class__.__name__})"
    except ValueError:
        return f"GET {url}: HTTP {response.status_code} but not JSON"
    if body is None:
        return f"GET {url}: HTTP {response.status_code}"
    if response.status_code == 503:
        # The service runs but cannot reach what it needs: its answer says which and why (a wrong password …).
        down = body.get("down") if isinstance(body, dict) else None
        if isinstance(down, dict) and down:
            return f"GET {url}: HTTP 503, " + "; ".join(f"{name}: {why}" for name, why in down.items())[:600]
        return f"GET {url}: HTTP 503"
    if not isinstance(body, dict) or body.get("status") != "ok":
        return f'GET {url}: expected {{"status": "ok"}}, saw {str(body)[:200]}'
    # Name and vhost guard against another platform's service holding the port; an external agency
    # need not say them (docs/integrating-an-agency.md), but what it says must be right.
    expected = {"service": service, "vhost": settings.vhost}
    optional = is_external(settings, service)
    for key, value in expected.items():
        if body.get(key, value if optional else None) != value:
            return f"GET {url}: {key} is {body.get(key)!r}, expected {value!r}"
    return None


def _given_up(settings: PlatformSettings, services: Sequence[str]) -> list[str]:
    managed = [s for s in services if is_managed(settings, s)]
    states = {s.name: s.state for s in status(settings, managed)}
    return [s for s in managed if states.get(s) == "fatal"]


def stop(settings: PlatformSettings, timeout: float | None = None) -> bool:
    """Stop every service and supervisord itself; returns False if it was not running."""
    if not is_running(settings):
        return False
    with _rpc(settings) as rpc:
        pid: int = rpc.supervisor.getPID()
        rpc.supervisor.shutdown()
    deadline = time.monotonic() + (timeout if timeout is not None else STOP_WAIT_SECONDS * 2 + 10)
    while _pid_alive(pid):
        if time.monotonic() > deadline:
            raise SupervisorError(f"supervisord（pid {pid}）仍在停止中：见 {supervisord_log_path(settings)}")
        time.sleep(0.1)
    return True


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # An exited daemon stays a zombie where nothing reaps orphans (some containers).
    with contextlib.suppress(OSError):
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat.rsplit(")", 1)[1].split()[0] != "Z"
    return True


def status(
    settings: PlatformSettings, services: Sequence[str] | None = None, *, check_ready: bool = False
) -> list[ServiceStatus]:
    """Each service's supervisord state (all "stopped" when supervisord is not running); an external agency
    that runs elsewhere is "running" or "unreachable" by its health check. With `check_ready`, a running
    service is asked its readiness too, and `not_ready` says why it is not (a database that refuses it …)."""
    services = settings.services if services is None else services
    infos: dict[str, dict[str, Any]] = {}
    if socket_path(settings).exists():
        try:
            with _rpc(settings) as rpc:
                infos = {i["name"]: i for i in rpc.supervisor.getAllProcessInfo() if i["group"] == GROUP}
        except (OSError, xmlrpc.client.Error):
            infos = {}
    result = []
    for service in services:
        kind = "external" if is_external(settings, service) else "python"
        if not is_managed(settings, service):
            with requests.Session() as http:
                http.trust_env = False
                state = "running" if _healthy(http, settings, service) else "unreachable"
            result.append(ServiceStatus(service, None, state, health_url(settings, service), kind))
            continue
        info = infos.get(service)
        pid = info["pid"] if info and info["pid"] else None
        state = info["statename"].lower() if info else "stopped"
        not_ready = None
        if check_ready and state == "running":
            with requests.Session() as http:
                http.trust_env = False
                not_ready = health_problem(http, settings, service)
        result.append(ServiceStatus(service, pid, state, settings.http_base_url(service), kind, not_ready))
    return result


def stop_service(settings: PlatformSettings, name: str) -> None:
    """Stop one service (SIGTERM, then SIGKILL after stopwaitsecs); it stays down until started."""
    _require_running(settings)
    with _rpc(settings) as rpc:
        try:
            rpc.supervisor.stopProcess(_namespec(name), True)
        except xmlrpc.client.Fault as fault:
            _raise_unless(fault, Faults.NOT_RUNNING, name)


class ConfigChanged(SupervisorError):
    """supervisord would start a service with settings or secrets that are no longer the platform's."""


def require_current_config(settings: PlatformSettings) -> None:
    """supervisord holds every service's environment as `wuyuan up` wrote it. A secret replaced since (`wuyuan
    restore --restore-secrets`, a key rotated by hand) or a changed setting would not reach a service started
    again: one process cannot be given a new environment while the others run on in its group, so say so."""
    path = config_path(settings)
    try:
        written = path.read_text(encoding="utf-8")
    except OSError:
        return
    configured = re.findall(r"^\[program:([^\]]+)\]$", written, flags=re.MULTILINE)
    if not configured:
        return
    joined, left = registry_changes(settings, written, configured)
    if joined or left:
        # What the platform derives from the registry (the console's addresses of every service, the programs) is no
        # variable of the operator's: say what changed in the registry, and how to start on it.
        named = "、".join(_agency_named(settings, service) for service in joined)
        said = "；".join(
            part
            for part in (
                f"登记了新的单位（{named}）" if joined else "",
                f"撤销了单位（{'、'.join(left)}）" if left else "",
            )
            if part
        )
        raise ConfigChanged(
            f"自 wuyuan up 以来{said}（config/agencies.toml），supervisord 仍按原来的单位启动服务：请运行 "
            "wuyuan up -d，按现在登记的单位重启全部服务"
        )
    current = render_config(settings, configured)
    if current != written:
        changed = changed_variables(written, current)
        what = f"变了的环境变量：{'、'.join(changed)}" if changed else "例如刚用 --restore-secrets 恢复了密钥"
        raise ConfigChanged(
            f"平台的设置或密钥自 wuyuan up 以来已变（{what}），supervisord 仍按原配置启动服务：请运行 wuyuan up -d，"
            "按新配置重启全部服务；若只是本终端没有像运行 wuyuan up 时那样设置这些变量，请照样设置后再运行本命令"
        )


def registry_changes(
    settings: PlatformSettings, written: str, configured: Sequence[str]
) -> tuple[list[str], list[str]]:
    """The services the agency registry has joined and those it has dropped since `wuyuan up` wrote `written`: it
    knew the programs it started (`configured`) and, in the console's addresses, every service, those running
    elsewhere too."""
    now = settings.services
    known = set(configured)
    console = _environments(written).get("[program:console]")
    if console is None:  # a config of some services alone: only those it started can be missed
        return [], sorted(known - set(now))
    with contextlib.suppress(ValueError):
        addresses = json.loads(console.get("WUYUAN_CONSOLE_API_URLS", "{}"))
        known |= set(addresses) if isinstance(addresses, dict) else set()
    return [service for service in now if service not in known], sorted(known - set(now))


def _agency_named(settings: PlatformSettings, service: str) -> str:
    """'住建局 housing' for housing_link: the agency as the registry names it, and its code as the operator typed it."""
    if not settings.is_agency(service):
        return service
    agency = settings.registry.by_service(service)
    return f"{agency.name_zh} {agency.code}"


def _environments(text: str) -> dict[str, dict[str, str]]:
    """Each program's environment in a supervisord.conf text, by its section header."""
    programs: dict[str, dict[str, str]] = {}
    program = None
    for line in text.splitlines():
        if line.startswith("["):
            program = line
        elif line.startswith("environment=") and program is not None:
            programs[program] = dict_of_key_value_pairs(line.removeprefix("environment="))
    return programs


def changed_variables(written: str, current: str) -> list[str]:
    """The names of the services' variables that differ between two supervisord.conf texts (set, changed or
    unset), never their values: they may be passwords or keys."""
    before, after = _environments(written), _environments(current)
    return sorted(
        {
            key
            for program in before.keys() | after.keys()
            for key in before.get(program, {}).keys() | after.get(program, {}).keys()
            if before.get(program, {}).get(key) != after.get(program, {}).get(key)
        }
    )


def start_service(settings: PlatformSettings, name: str, *, timeout: float = 60.0, wait: bool = True) -> None:
    """Start one stopped service and wait until it answers its health check (`wait=False`: only spawn it);
    refused (ConfigChanged) when the platform's settings or secrets changed since `wuyuan up` wrote them."""
    _require_running(settings)
    require_current_config(settings)
    with _rpc(settings) as rpc:
        try:
            rpc.supervisor.startProcess(_namespec(name), wait)
        except xmlrpc.client.Fault as fault:
            if fault.faultCode in (Faults.SPAWN_ERROR, Faults.ABNORMAL_TERMINATION):
                raise NotReady(name, "启动时退出了", failure_tail(settings, name)) from fault
            _raise_unless(fault, Faults.ALREADY_STARTED, name)
    if wait:
        wait_until_ready(settings, timeout, services=[name])


def _raise_unless(fault: xmlrpc.client.Fault, harmless: int, name: str) -> None:
    if fault.faultCode == harmless:
        return
    if fault.faultCode == Faults.BAD_NAME:
        raise SupervisorError(f"supervisord 中没有服务 {name!r}") from fault
    raise SupervisorError(f"supervisord 拒绝了对 {name} 的操作：{fault.faultString}") from fault


# --- logs -------------------------------------------------------------------------------------


def log_tail(settings: PlatformSettings, service: str, lines: int = 50) -> list[str]:
    """The last lines of a service's log (stdout and stderr together)."""
    return _tail(log_path(settings, service), lines)


def failure_tail(settings: PlatformSettings, service: str, lines: int = 50) -> list[str]:
    """The last lines of the log of a service that did not come up, without the access lines of the health checks
    (`wuyuan up` asks several times a second while it waits): they would fill the tail and push out the error that
    says why, which the service logged once as it started."""
    read = _tail(log_path(settings, service), FAILURE_LINES_READ)
    return [line for line in read if not _health_probe(line)][-lines:]


# How far back a failure's tail looks past the health checks' access lines: a minute of them at four a second.
FAILURE_LINES_READ = 2000


def _health_probe(line: str) -> bool:
    if '"/health' not in line:
        return False
    try:
        fields = json.loads(line)
    except ValueError:
        return False
    return isinstance(fields, dict) and str(fields.get("path", "")).startswith("/health") and "status" in fields


def _tail(path: Path, lines: int) -> list[str]:
    if lines <= 0:
        return []
    try:
        with path.open("rb") as f:
            size = f.seek(0, os.SEEK_END)
            # Read backwards in blocks until enough line breaks are in hand.
            block, data = 8192, b""
            while size > 0 and data.count(b"\n") <= lines:
                step = min(block, size)
                size -= step
                f.seek(size)
                data = f.read(step) + data
    except FileNotFoundError:
        return []
    return [line.decode("utf-8", errors="replace") for line in deque(data.splitlines(), maxlen=lines)]
