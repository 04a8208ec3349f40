"""supervisord's socket asks for a user and password kept in the state's secrets: it starts without its CRIT line
about running without authentication, the project's own calls still work, and a caller without them is refused."""

import shutil
import socket
import tempfile
import time
import xmlrpc.client
from pathlib import Path

import pytest
from supervisor.options import ServerOptions
from supervisor.xmlrpc import SupervisorTransport

from wuyuan import supervise
from wuyuan.ports import free_port_base
from wuyuan.settings import PlatformSettings

# Every service's port above the base: a platform running on this machine must not make the start refuse.
PORTS_SPANNED = 16


@pytest.fixture
def settings():
    # Short enough for a unix socket path, and a name of this test's own.
    state = Path(tempfile.mkdtemp(prefix="wysock-"))
    try:
        yield PlatformSettings(state_dir=state, http_port_base=free_port_base(PORTS_SPANNED))
    finally:
        shutil.rmtree(state)


def test_the_socket_and_supervisorctl_both_carry_the_kept_password(settings):
    options = ServerOptions()
    options.configfile = str(supervise.write_config(settings))
    options.process_config(do_usage=False)
    password = supervise.rpc_password_path(settings).read_text(encoding="ascii").strip()

    [server] = options.configroot.supervisord.server_configs
    assert (server["username"], server["password"]) == (supervise.RPC_USERNAME, password)
    assert len(password) == 64 and supervise.rpc_password_path(settings).stat().st_mode & 0o777 == 0o600
    text = supervise.config_path(settings).read_text(encoding="utf-8")
    supervisorctl = text[text.index("[supervisorctl]") :].split("\n\n")[0]
    assert f"password={password}" in supervisorctl


def test_the_password_is_made_once_and_kept(settings):
    supervise.write_config(settings)
    first = supervise.rpc_password_path(settings).read_text(encoding="ascii")
    supervise.write_config(settings)

    assert supervise.rpc_password_path(settings).read_text(encoding="ascii") == first


def test_a_real_supervisord_starts_without_the_crit_line_and_answers_only_with_the_password(settings):
    supervise.start(settings, detach=True, services=["intake"], command_for=lambda service: ["sleep", "30"])
    try:
        assert supervise.is_running(settings)
        deadline = time.monotonic() + 10
        while supervise.status(settings, ["intake"])[0].state != "running":
            assert time.monotonic() < deadline, supervise.status(settings, ["intake"])
            time.sleep(0.1)

        stranger = SupervisorTransport(None, None, f"unix://{supervise.socket_path(settings)}")
        with pytest.raises(xmlrpc.client.ProtocolError) as refused:
            xmlrpc.client.ServerProxy("http://127.0.0.1", transport=stranger).supervisor.getState()
        assert refused.value.errcode == 401
    finally:
        assert supervise.stop(settings)

    log = supervise.supervisord_log_path(settings).read_text(encoding="utf-8")
    assert "without any HTTP authentication" not in log and "CRIT" not in log


def test_a_supervisord_that_refuses_the_kept_password_is_said_to_run_not_taken_for_stopped(settings):
    supervise.start(settings, detach=True, services=["intake"], command_for=lambda service: ["sleep", "30"])
    kept = supervise.rpc_password_path(settings)
    password = kept.read_text(encoding="ascii")
    try:
        kept.write_text("f" * 64 + "\n", encoding="ascii")  # the secrets replaced while it runs

        # Taken for stopped, `down` would leave every service running and `up` would start a second supervisord.
        with pytest.raises(supervise.PasswordRefused) as refused:
            supervise.stop(settings)
        assert str(supervise.pid_path(settings)) in str(refused.value)
        with pytest.raises(supervise.PasswordRefused):
            supervise.start(settings, detach=True, services=["intake"], command_for=lambda service: ["sleep", "30"])
    finally:
        kept.write_text(password, encoding="ascii")
        supervise.write_config(settings, ["intake"], lambda service: ["sleep", "30"])
        assert supervise.stop(settings)


def test_a_port_another_program_listens_on_stops_the_start_at_once_naming_it(settings):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    port = listener.getsockname()[1]
    taking = PlatformSettings(state_dir=settings.state_dir, http_port_base=port - 1 - settings.services.index("intake"))
    try:
        with pytest.raises(supervise.PortsTaken, match=rf"端口已被占用：intake 127\.0\.0\.1:{port}。.*wuyuan down"):
            supervise.start(taking, detach=True, services=["intake"], command_for=lambda service: ["sleep", "30"])
        assert not supervise.is_running(taking)  # nothing was started
    finally:
        listener.close()


def test_a_platform_run_in_the_foreground_writes_its_logs_and_files_for_its_user_alone(settings):
    written = settings.state_dir / "written-by-the-service"
    service = ["sh", "-c", f"echo 已启动; : > {written}; sleep 30"]
    conf = supervise.write_config(settings, ["intake"], command_for=lambda name: service)
    child = supervise.launch_in_foreground(conf)  # as `wuyuan up` runs it, not daemonized
    log = supervise.log_path(settings, "intake")
    try:
        deadline = time.monotonic() + 15
        while not (written.exists() and log.exists() and log.stat().st_size):
            assert child.poll() is None and time.monotonic() < deadline, "the service did not start"
            time.sleep(0.1)
    finally:
        supervise.stop(settings)
        child.wait(timeout=30)

    assert (written.stat().st_mode & 0o777, log.stat().st_mode & 0o777) == (0o600, 0o600)
