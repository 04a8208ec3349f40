"""The coordinator reads its routing table and the county's centres as it starts: a broken file keeps it from
starting, with the fault named, so that cases wait in its queue rather than each fail into the dead letters."""

import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from services.coordinator.dependencies import CoordinationProvider
from services.coordinator.routing import RoutingTableError
from shared.centres import CentresError
from shared.registry import DEFAULT_CONFIG_DIR
from shared.runtime.dependencies import PlatformOfContainer


@pytest.fixture
def config(tmp_path, platform, monkeypatch) -> Path:
    """The shipped configuration, copied for the test to break, as the coordinator's platform reads it."""
    copied = tmp_path / "config"
    shutil.copytree(DEFAULT_CONFIG_DIR, copied)
    monkeypatch.setattr(PlatformOfContainer, "get", lambda self: replace(platform, config_dir=copied))
    return copied


def test_the_shipped_configuration_starts(config):
    provider = CoordinationProvider()
    provider.setup()

    assert provider.get_dependency(None).routing_table() is not None  # type: ignore[arg-type]


def test_a_routing_table_naming_an_unknown_agency_keeps_the_coordinator_from_starting(config):
    routing = config / "routing.toml"
    routing.write_text(routing.read_text(encoding="utf-8").replace('lead = ["plc"]', 'lead = ["plcc"]', 1), "utf-8")

    with pytest.raises(RoutingTableError, match="unknown agency 'plcc'"):
        CoordinationProvider().setup()


def test_a_broken_centres_file_keeps_the_coordinator_from_starting(config):
    (config / "centres.toml").write_text("[centres\n", encoding="utf-8")

    with pytest.raises(CentresError, match="not valid TOML"):
        CoordinationProvider().setup()
