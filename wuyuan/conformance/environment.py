"""A private copy of the platform for one conformance run: its own vhost, database, token issuer and agency process."""

import json
import os
import secrets
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO

from shared.auth.principal import Principal, Role
from shared.auth.settings import HANDLE_CLAIM
from shared.auth.signing import SigningKey, SigningKeys, issue_token
from shared.auth.tokens import subject_digest
from wuyuan.agencies import has_database, launch
from wuyuan.ports import free_port_base
from wuyuan.provision_amqp import delete_broker, ensure_broker
from wuyuan.provision_db import drop_databases, ensure_databases
from wuyuan.settings import PlatformSettings

# The kit plays these two of the centre's services: the coordinator sends referrals and takes the replies,
# supervision is a real centre user that is nonetheless no sender of referrals.
PLAYED_SERVICES = ("coordinator", "supervision")
TOKEN_LIFETIME = timedelta(hours=1)
STOP_GRACE_SECONDS = 10.0
LOG_TAIL_LINES = 30


@dataclass
class ConformanceEnvironment:
    """What a run needs: the private settings, the agency's process and log, and the run's token issuer."""

    run_id: str
    settings: PlatformSettings
    service: str
    key: SigningKey
    log_path: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def issuer(self) -> str:
        return f"urn:wuyuan-conformance:{self.run_id}"

    @property
    def revocations_path(self) -> Path:
        """The run's list of withdrawn tokens, as identity publishes one (WUYUAN_AUTH_REVOCATIONS_URL points here)."""
        return self.log_path.parent / "token-revocations.json"

    def officer_token(self, unit: str, subject: str = "conformance.officer", handle: str | None = None) -> str:
        """A token the agency must accept: an officer acting for `unit`, signed by the run's own key; with `handle`,
        carrying it as identity's tokens carry the account's (HANDLE_CLAIM)."""
        principal = Principal(subject, "一致性检查", frozenset({Role.OFFICER}), frozenset({unit}))
        claims = [(HANDLE_CLAIM, handle)] if handle else []
        return issue_token(
            principal, self.key, self.issuer, self.issuer, datetime.now(UTC), TOKEN_LIFETIME, extra_claims=claims
        )

    def list_withdrawals(self, by_handle: dict[str, int], by_subject: dict[str, int]) -> None:
        """Publish the list of withdrawn tokens as identity does: accounts by the handle their tokens carry
        (`withdrawn`) and, for tokens without one, by the SHA-256 of the username (`revoked`), each with the epoch
        second its valid tokens begin. Replaced whole, so that the agency never reads half a list."""
        document = {
            "as_of": datetime.now(UTC).isoformat(),
            "withdrawn": [{"handle": h, "tokens_valid_from": at} for h, at in sorted(by_handle.items())],
            "revoked": [
                {"subject_digest": subject_digest(s), "tokens_valid_from": at} for s, at in sorted(by_subject.items())
            ],
        }
        written = self.revocations_path.with_suffix(".tmp")
        written.write_text(json.dumps(document), encoding="utf-8")
        written.replace(self.revocations_path)

    def exit_code(self) -> int | None:
        return None if self.process is None else self.process.poll()

    def log_tail(self, lines: int = LOG_TAIL_LINES) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:]) or "(empty log)"


def private_settings(settings: PlatformSettings, run_id: str, state_dir: Path, jwks_url: str) -> PlatformSettings:
    """The caller's settings with everything a run could collide on made its own."""
    issuer = f"urn:wuyuan-conformance:{run_id}"
    overrides = {
        "vhost": f"{settings.vhost}_conf_{run_id}",
        "db_prefix": f"wyconf_{run_id}_",
        "state_dir": state_dir,
        "auth_issuer": issuer,
        "auth_audience": issuer,
        "auth_jwks_url": jwks_url,
        # Passwords the caller configured belong to the caller's users; the run's users get their own.
        "broker_passwords": {},
        "database_passwords": {},
    }
    overrides["http_port_base"] = free_port_base(len(settings.services) + 1)
    return PlatformSettings.model_validate({**settings.model_dump(), **overrides})


@contextmanager
def conformance_environment(settings: PlatformSettings, service: str) -> Iterator[ConformanceEnvironment]:
    """Provision the private vhost and database, start the agency, and always take it all down again."""
    run_id = secrets.token_hex(4)
    state_dir = Path(tempfile.mkdtemp(prefix=f"wuyuan-conformance-{run_id}-"))
    with ExitStack() as cleanup:
        cleanup.callback(shutil.rmtree, state_dir, True)
        keys = SigningKeys(state_dir / "token-signing")
        key = keys.create()
        jwks_path = state_dir / "jwks.json"
        jwks_path.write_text(json.dumps({"keys": [key.public_jwk()]}), encoding="utf-8")
        conf = private_settings(settings, run_id, state_dir, jwks_path.as_uri())
        environment = ConformanceEnvironment(run_id, conf, service, key, state_dir / f"{service}.log")
        environment.list_withdrawals({}, {})
        broker_services = [*PLAYED_SERVICES, service]
        cleanup.callback(_quietly, delete_broker, conf, broker_services)
        ensure_broker(conf, broker_services)
        if has_database(conf, service):
            cleanup.callback(_quietly, drop_databases, conf, [service])
            ensure_databases(conf, [service])
        log_file = cleanup.enter_context(environment.log_path.open("wb"))
        environment.process = _start(conf, service, log_file, environment.revocations_path)
        cleanup.callback(_stop, environment.process)
        yield environment


def _start(settings: PlatformSettings, service: str, log_file: IO[bytes], revocations: Path) -> subprocess.Popen[bytes]:
    started = launch(settings, service)
    # The run plays the embedded issuer, withdrawals included: its list is read again every second.
    withdrawals = {"WUYUAN_AUTH_REVOCATIONS_URL": revocations.as_uri(), "WUYUAN_AUTH_REVOCATIONS_MAX_AGE_SECONDS": "1"}
    return subprocess.Popen(
        list(started.argv),
        cwd=started.cwd,
        env={**os.environ, **settings.service_environment(service), **withdrawals},
        stdin=subprocess.DEVNULL,
        stdout=log_file,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: a Ctrl-C meant for the kit reaches the kit first
    )


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM, then SIGKILL after a grace period; only this process, by its id."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(STOP_GRACE_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(STOP_GRACE_SECONDS)


def _quietly(function: Callable[..., object], *args: object) -> None:
    """Clean-up keeps going past a failure of one step, so the others still run."""
    with suppress(Exception):
        function(*args)
