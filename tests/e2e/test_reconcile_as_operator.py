"""`wuyuan reconcile` run as in a deployment: the services at configured addresses, signed in with an operator's own
account whose password is in a file, against a running platform; no working account is made on the way."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from tests.e2e.platforms import private_settings, running_platform
from tests.e2e.test_delivery import debt_case
from wuyuan.accounts import add_account
from wuyuan.client import PlatformClient
from wuyuan.settings import PlatformSettings

pytestmark = pytest.mark.e2e

SERVICES = ("intake", "coordinator", "court_link", "identity")
OPERATOR = "e2e.yunwei"


@pytest.fixture(scope="module")
def platform(tmp_path_factory) -> PlatformSettings:
    settings = private_settings(tmp_path_factory.mktemp("deployed"))
    with running_platform(settings, SERVICES):
        yield settings


def usernames(settings: PlatformSettings) -> dict[str, object]:
    """username -> when it last signed in, as the identity database holds them."""
    with psycopg.connect(settings.database_url("identity")) as conn:
        return dict(conn.execute("SELECT username, last_signed_in_at FROM accounts").fetchall())


def as_deployed(platform: PlatformSettings, state: Path, username: str, password: str) -> dict[str, str]:
    """The ops pod's environment for this platform: the services at configured addresses, another state
    directory, no database server, and a person's account with its password in a file."""
    state.mkdir(exist_ok=True)
    (state.parent / f"{username}.password").write_text(password + "\n", encoding="utf-8")
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("WUYUAN_")},
        "WUYUAN_VHOST": platform.vhost,
        "WUYUAN_DB_PREFIX": platform.db_prefix,
        "WUYUAN_CONFIG_DIR": str(platform.config_dir),
        "WUYUAN_STATE_DIR": str(state),
        "WUYUAN_PG_ADMIN_URL": "postgresql://nobody@127.0.0.1:9/postgres",
        # Each service on a port of its own here, so one by one rather than a template.
        "WUYUAN_SERVICE_URLS": json.dumps({s: platform.http_base_url(s) for s in ("identity", "coordinator")}),
        "WUYUAN_CLI_USERNAME": username,
        "WUYUAN_CLI_PASSWORD_FILE": str(state.parent / f"{username}.password"),
    }


def reconcile(environment: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "wuyuan.cli", "reconcile", "court_link", *args, "--json"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_an_operator_reconciles_with_their_own_account_at_configured_addresses(platform, tmp_path):
    # A referral at the court, filed through the local platform's working accounts.
    _, referral = debt_case(PlatformClient.with_working_accounts(platform))
    password = "Yunwei-" + secrets.token_hex(12)
    add_account(platform, OPERATOR, "运维值班", ["operator"], [], password)
    before = usernames(platform)
    state = tmp_path / "ops-state"

    done = reconcile(as_deployed(platform, state, OPERATOR, password), "--since", "2026-01-01T00:00:00+08:00")

    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(done.stdout)
    assert report["service"] == "court_link"
    assert referral["referral_id"] in {line["referral_id"] for line in report["referrals"]}
    after = usernames(platform)
    assert set(after) == set(before)  # no account made
    assert before[OPERATOR] is None and after[OPERATOR] is not None  # the operator signed in
    assert list(state.iterdir()) == []


def test_an_account_without_the_operator_role_is_refused_with_its_code(platform, tmp_path):
    password = "Chuangkou-" + secrets.token_hex(12)
    add_account(platform, "e2e.chuangkou", "窗口", ["intake_staff"], [], password)

    done = reconcile(as_deployed(platform, tmp_path / "ops-state", "e2e.chuangkou", password))

    assert done.returncode == 1
    refusal = json.loads(done.stdout)
    assert refusal["error"] == "forbidden" and "e2e.chuangkou" in refusal["message"]
