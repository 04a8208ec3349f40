"""Private PostgreSQL clusters and RabbitMQ nodes for fault tests: own ports, directories and processes.

Nothing here touches the machine's shared broker or database. Each server runs from a temporary
directory of its own, on ports of its own, in a process group of its own, so that a fault can kill
it (SIGKILL of the group) and a restart finds its data where it left it. Everything started is
stopped by its process id at the end.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import requests

from wuyuan.ports import free_port_base

RABBIT_BIN = Path(os.environ.get("WUYUAN_RABBITMQ_BIN", "/usr/lib/rabbitmq/bin"))
START_TIMEOUT = 120.0


class InfraError(RuntimeError):
    """A private server did not start or stop as asked; the message says which and where its log is."""


def postgres_bin() -> Path:
    """The newest PostgreSQL server binaries installed (Debian's layout), or WUYUAN_POSTGRES_BIN."""
    if configured := os.environ.get("WUYUAN_POSTGRES_BIN"):
        return Path(configured)
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parent.parent.name))
    if not found:
        raise InfraError("no PostgreSQL server binaries under /usr/lib/postgresql (apt-get install postgresql)")
    return found[-1].parent


def wait_for_port(port: int, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while True:
        with socket.socket() as probe:
            probe.settimeout(1)
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        if time.monotonic() > deadline:
            raise InfraError(f"{what} not listening on 127.0.0.1:{port} within {timeout:g}s")
        time.sleep(0.1)


def kill_group(pid: int, sig: int = signal.SIGKILL) -> None:
    """Signal a process group we started (its leader's pid is the group id)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, sig)


# --- PostgreSQL -------------------------------------------------------------------------------


@dataclass
class PrivatePostgres:
    """One PostgreSQL cluster: initdb into `root`, trust on loopback, its own port and socket directory."""

    root: Path
    port: int

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def log(self) -> Path:
        return self.root / "postgres.log"

    @property
    def admin_url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _as_owner(self, argv: list[str]) -> list[str]:
        # initdb refuses to run as root: the cluster then belongs to the postgres account.
        return ["runuser", "-u", "postgres", "--", *argv] if os.getuid() == 0 else argv

    def _run(self, *argv: str, timeout: float = START_TIMEOUT) -> None:
        done = subprocess.run(
            self._as_owner([str(postgres_bin() / argv[0]), *argv[1:]]),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            cwd=self.root,
        )
        if done.returncode != 0:
            raise InfraError(f"{argv[0]} {argv[1] if len(argv) > 1 else ''} failed: {done.stderr.strip()[-800:]}")

    def init(self) -> None:
        (self.root / "socket").mkdir(parents=True, exist_ok=True)
        if os.getuid() == 0:
            owner = pwd.getpwnam("postgres")
            for path in (self.root, self.root / "socket"):
                os.chown(path, owner.pw_uid, owner.pw_gid)
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
        settings = {
            "listen_addresses": "'127.0.0.1'",
            "port": str(self.port),
            "unix_socket_directories": f"'{self.root / 'socket'}'",
            "max_connections": "300",
            "shared_buffers": "64MB",
            "log_min_messages": "warning",
        }
        with (self.data / "postgresql.conf").open("a", encoding="utf-8") as conf:
            conf.write("\n# private cluster for fault tests\n")
            conf.writelines(f"{key} = {value}\n" for key, value in settings.items())

    def start(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", "start")

    def stop(self, mode: str = "fast") -> None:
        """`fast` disconnects clients and shuts down cleanly; `immediate` is a crash (recovery at next start)."""
        if self.pid() is not None:
            self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")

    def restart_immediately(self) -> None:
        self.stop("immediate")
        self.start()

    def pid(self) -> int | None:
        try:
            pid = int((self.data / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        return pid


@contextlib.contextmanager
def private_postgres(keep: bool = False) -> Iterator[PrivatePostgres]:
    """A running private cluster, stopped (immediately) and its directory removed afterwards unless `keep`.

    It lives in a directory of its own under the system's temporary directory, which the postgres
    account can reach when we are root (a test's own temporary directory is private to us).
    """
    root = Path(tempfile.mkdtemp(prefix="wuyuan-pg-"))
    root.chmod(0o755)
    cluster = PrivatePostgres(root, free_port_base(1) + 1)
    try:
        cluster.init()
        cluster.start()
        yield cluster
    finally:
        with contextlib.suppress(InfraError, subprocess.TimeoutExpired):
            cluster.stop("immediate")
        if (pid := cluster.pid()) is not None:  # pg_ctl could not stop it: the postmaster's pid
            os.kill(pid, signal.SIGKILL)
        if not keep:
            shutil.rmtree(root, ignore_errors=True)


# --- RabbitMQ ---------------------------------------------------------------------------------


@dataclass
class RabbitNode:
    """One RabbitMQ node: its own node name, AMQP, management and distribution ports, and directories."""

    name: str  # the node's short name; the node is name@localhost
    root: Path
    home: Path  # holds the Erlang cookie, shared by the nodes of one cluster and the CLI
    epmd_port: int
    amqp_port: int
    management_port: int
    dist_port: int
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def node(self) -> str:
        return f"{self.name}@localhost"

    @property
    def amqp_uri(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.amqp_port}/"

    @property
    def management_url(self) -> str:
        return f"http://guest:guest@127.0.0.1:{self.management_port}"

    @property
    def log(self) -> Path:
        return self.root / "console.log"

    def environment(self) -> dict[str, str]:
        empty_env_file = self.root / "rabbitmq-env.conf"  # instead of /etc/rabbitmq's, which names the shared node
        return {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(self.home),
            "LANG": "C.UTF-8",
            "RABBITMQ_CONF_ENV_FILE": str(empty_env_file),
            "RABBITMQ_NODENAME": self.node,
            "RABBITMQ_CONFIG_FILE": str(self.root / "rabbitmq.conf"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.root / "enabled_plugins"),
            "RABBITMQ_MNESIA_BASE": str(self.root / "mnesia"),
            "RABBITMQ_LOG_BASE": str(self.root / "log"),
            "RABBITMQ_PID_FILE": str(self.root / "beam.pid"),
            "RABBITMQ_DIST_PORT": str(self.dist_port),
            "RABBITMQ_CTL_DIST_PORT_MIN": str(self.dist_port + 1),
            "RABBITMQ_CTL_DIST_PORT_MAX": str(self.dist_port + 9),
            "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS": "-kernel inet_dist_use_interface {127,0,0,1}",
            "ERL_EPMD_PORT": str(self.epmd_port),
            "ERL_EPMD_ADDRESS": "127.0.0.1",
        }

    def write_files(self) -> None:
        for directory in ("mnesia", "log"):
            (self.root / directory).mkdir(parents=True, exist_ok=True)
        (self.root / "rabbitmq-env.conf").write_text("# private node: settings come from the environment\n")
        (self.root / "enabled_plugins").write_text("[rabbitmq_management].\n")
        (self.root / "rabbitmq.conf").write_text(
            f"listeners.tcp.local = 127.0.0.1:{self.amqp_port}\n"
            f"management.tcp.ip = 127.0.0.1\n"
            f"management.tcp.port = {self.management_port}\n"
            "disk_free_limit.absolute = 50MB\n"
            "log.console = true\n"
            "log.console.level = warning\n"
            "log.file.level = info\n"
        )

    def start(self, timeout: float = START_TIMEOUT) -> None:
        """Start the node (again, after a crash, on the data it kept) and wait for AMQP and management."""
        if self.running():
            return
        self.launch()
        self.wait_ready(timeout)

    def launch(self) -> None:
        """Start the node's process without waiting for it to be ready."""
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [str(RABBIT_BIN / "rabbitmq-server")],
                env=self.environment(),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # a group of its own: a crash is SIGKILL of the group
                cwd=self.root,
            )

    def wait_ready(self, timeout: float = START_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while True:
            if self.process is not None and self.process.poll() is not None:
                raise InfraError(f"RabbitMQ node {self.node} exited while starting; see {self.log}")
            if self.answers():
                return
            if time.monotonic() > deadline:
                raise InfraError(f"RabbitMQ node {self.node} not ready within {timeout:g}s; see {self.log}")
            time.sleep(0.3)

    def answers(self) -> bool:
        """AMQP accepts connections and the management API says the node is running."""
        with socket.socket() as probe:
            probe.settimeout(1)
            if probe.connect_ex(("127.0.0.1", self.amqp_port)) != 0:
                return False
        try:
            response = requests.get(
                f"http://127.0.0.1:{self.management_port}/api/nodes/{self.node}",
                auth=("guest", "guest"),
                timeout=3,
            )
        except requests.RequestException:
            return False
        return response.status_code == 200 and bool(response.json().get("running"))

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def crash(self) -> None:
        """kill -9 of the node: its shell, the Erlang VM and its helpers, with no chance to clean up."""
        if self.process is not None:
            kill_group(self.process.pid)
            self.process.wait(timeout=30)

    def stop(self) -> None:
        """A clean stop (SIGTERM to the group), or a crash if it takes too long."""
        if not self.running():
            return
        assert self.process is not None
        kill_group(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.crash()
        kill_group(self.process.pid)  # helpers left behind

    def ctl(self, *args: str, timeout: float = 120.0) -> str:
        done = subprocess.run(
            [str(RABBIT_BIN / "rabbitmqctl"), "-n", self.node, *args],
            env=self.environment(),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if done.returncode != 0:
            raise InfraError(f"rabbitmqctl {' '.join(args)} on {self.node}: {(done.stderr or done.stdout)[-800:]}")
        return done.stdout


@dataclass
class RabbitCluster:
    """One or more private RabbitMQ nodes sharing a cookie and an epmd of their own."""

    root: Path
    nodes: list[RabbitNode]
    epmd: subprocess.Popen[bytes] | None = None

    def node_named(self, node: str) -> RabbitNode:
        return next(n for n in self.nodes if n.node == node)

    def start_epmd(self) -> None:
        port = self.nodes[0].epmd_port
        epmd = shutil.which("epmd") or "/usr/bin/epmd"
        self.epmd = subprocess.Popen(
            [epmd, "-port", str(port), "-address", "127.0.0.1"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        wait_for_port(port, 15, "epmd")

    def start(self) -> None:
        self.start_epmd()
        first, *others = self.nodes
        for node in self.nodes:
            node.write_files()
        # Started together (the VM's boot is most of the wait), then joined to the first one by one.
        for node in self.nodes:
            node.launch()
        for node in self.nodes:
            node.wait_ready()
        for node in others:
            node.ctl("stop_app")
            node.ctl("join_cluster", first.node)
            node.ctl("start_app")
            node.wait_ready()

    def stop(self) -> None:
        for node in self.nodes:
            if node.running():
                with contextlib.suppress(OSError, subprocess.TimeoutExpired):
                    node.crash()
        if self.epmd is not None:
            kill_group(self.epmd.pid)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.epmd.wait(timeout=10)

    def running_members(self, via: RabbitNode) -> set[str]:
        response = requests.get(f"http://127.0.0.1:{via.management_port}/api/nodes", auth=("guest", "guest"), timeout=5)
        response.raise_for_status()
        return {n["name"] for n in response.json() if n.get("running")}


@contextlib.contextmanager
def private_rabbit(nodes: int = 1, keep: bool = False, prefix: str = "wyc") -> Iterator[RabbitCluster]:
    """`nodes` private RabbitMQ nodes (a cluster when more than one), killed and removed afterwards unless `keep`."""
    root = Path(tempfile.mkdtemp(prefix="wuyuan-rabbit-"))
    home = root / "home"
    home.mkdir()
    cookie = home / ".erlang.cookie"
    cookie.write_text(os.urandom(16).hex().upper())
    cookie.chmod(0o400)
    # Per node: AMQP, management and a distribution port with nine CLI ports after it; one epmd port.
    base = free_port_base(1 + 12 * nodes)
    tag = os.urandom(3).hex()
    members = [
        RabbitNode(
            name=f"{prefix}{index + 1}_{tag}",
            root=root / f"node{index + 1}",
            home=home,
            epmd_port=base + 1,
            amqp_port=base + 2 + 12 * index,
            management_port=base + 3 + 12 * index,
            dist_port=base + 4 + 12 * index,
        )
        for index in range(nodes)
    ]
    cluster = RabbitCluster(root, members)
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()
        if not keep:
            shutil.rmtree(root, ignore_errors=True)


# --- a load balancer in front of a cluster (what a Kubernetes Service is to the services) -------


def start_balancer(listen_port: int, backends: list[int], log: Path) -> subprocess.Popen[bytes]:
    """Run the balancer below in a process of its own: TCP on `listen_port` to the next backend that answers."""
    with log.open("ab") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "wuyuan.private_infra", "balance", str(listen_port), *map(str, backends)],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    wait_for_port(listen_port, 15, "the balancer")
    return process


def _pipe(source: socket.socket, sink: socket.socket) -> None:
    """Copy bytes one way until either side closes, then close both (the client then reconnects)."""
    try:
        while chunk := source.recv(65536):
            sink.sendall(chunk)
    except OSError:
        pass
    finally:
        for end in (source, sink):
            with contextlib.suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)
            end.close()


def balance(listen_port: int, backends: list[int]) -> None:
    """Accept on 127.0.0.1:listen_port; hand each connection to the backends in turn, skipping any that
    refuses, as a Kubernetes Service spreads connections over the pods that are ready."""
    listener = socket.create_server(("127.0.0.1", listen_port), reuse_port=False, backlog=128)
    turn = 0
    while True:
        client, _ = listener.accept()
        upstream = None
        for attempt in range(len(backends)):
            port = backends[(turn + attempt) % len(backends)]
            try:
                upstream = socket.create_connection(("127.0.0.1", port), timeout=2)
            except OSError:
                continue
            upstream.settimeout(None)
            break
        turn += 1
        if upstream is None:
            client.close()
            continue
        for source, sink in ((client, upstream), (upstream, client)):
            threading.Thread(target=_pipe, args=(source, sink), daemon=True).start()


if __name__ == "__main__":
    if len(sys.argv) < 4 or sys.argv[1] != "balance":
        sys.exit("usage: python -m wuyuan.private_infra balance LISTEN_PORT BACKEND_PORT...")
    balance(int(sys.argv[2]), [int(port) for port in sys.argv[3:]])
