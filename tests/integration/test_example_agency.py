"""The worked example agency in Node.js (examples/womens_federation) passes the conformance kit: the kit proven
against an agency that shares no code with the platform, registered from configuration alone."""

import os
import subprocess
import uuid
from pathlib import Path

import pytest

from tests.joined_agencies import NODE_EXAMPLE, config_with
from wuyuan.settings import REPO_ROOT, PlatformSettings

EXAMPLE = REPO_ROOT / "examples" / "womens_federation"


@pytest.fixture(scope="module")
def example_installed() -> None:
    """Node.js and the example's pinned packages; a machine without them fails here, saying what to install."""
    done = subprocess.run(
        [str(REPO_ROOT / "scripts" / "ensure-example-agency.sh")], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr + done.stdout


@pytest.fixture
def config_with_women(tmp_path: Path) -> Path:
    """A copy of the shipped config/ with the women's federation registered: the shipped registry stays as it is."""
    return config_with(tmp_path / "config", NODE_EXAMPLE)


@pytest.mark.usefixtures("example_installed")
def test_the_node_example_agency_passes_every_conformance_check(config_with_women: Path) -> None:
    # On a RabbitMQ node of the kit's own, so that `reconnects` really kills the broker and starts it again.
    from wuyuan.conformance.runner import run_on_private_broker

    run = uuid.uuid4().hex[:8]
    settings = PlatformSettings(config_dir=config_with_women, vhost=f"wyx_{run}", db_prefix=f"wyx_{run}_")
    assert "women_link" in settings.services

    report = run_on_private_broker(settings, "women")

    assert report.passed, report.render()
    assert report.service == "women_link"
    assert all(result.outcome == "passed" for result in report.results), report.render()


@pytest.mark.usefixtures("example_installed")
def test_the_example_agency_own_unit_tests_pass() -> None:
    """Its pure rules and contract checks (`npm test`: node --test), part of make test through this test."""
    done = subprocess.run(["npm", "test"], cwd=EXAMPLE, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]


@pytest.mark.usefixtures("example_installed")
def test_the_example_agency_refuses_to_start_without_its_environment_naming_the_variable() -> None:
    environment = {"PATH": os.environ["PATH"], "WUYUAN_SERVICE": "women_link"}
    done = subprocess.run(
        ["node", "agency.js"], cwd=EXAMPLE, env=environment, capture_output=True, text=True, timeout=30
    )
    assert done.returncode == 2
    assert "WUYUAN_AMQP_URI is missing" in done.stderr
