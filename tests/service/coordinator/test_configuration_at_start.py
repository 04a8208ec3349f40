"""The coordinator reads its routing table and the county's centres as it starts: a broken file keeps it from
starting, with the fault named, so that cases wait in its queue rather than each fail into the dead letters."""

import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from structlog.testing import capture_logs

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

    with capture_logs() as logs, pytest.raises(RoutingTableError) as refused:
        CoordinationProvider().setup()

    assert (refused.value.field, refused.value.code, refused.value.file) == (
        "rules[2].lead",
        "unknown_agency",
        str(routing),
    )
    # `wuyuan up` and `wuyuan start` show the log's last lines: the operator reads the refusal there in Chinese, the
    # code and the key stay as fields for whoever searches the logs.
    [line] = [entry for entry in logs if entry["log_level"] == "error"]
    assert line["error"].startswith(f"配置文件 {routing} 有误：rules[2].lead：没有代码为 “plcc” 的机构")
    assert (line["code"], line["field"], line["file"]) == ("unknown_agency", "rules[2].lead", str(routing))


def test_a_broken_centres_file_keeps_the_coordinator_from_starting(config):
    centres = config / "centres.toml"
    centres.write_text("[centres\n", encoding="utf-8")

    with capture_logs() as logs, pytest.raises(CentresError) as refused:
        CoordinationProvider().setup()

    assert (refused.value.code, refused.value.file) == ("invalid_toml", str(centres))
    [line] = [entry for entry in logs if entry["log_level"] == "error"]
    assert line["error"].startswith(f"配置文件 {centres} 有误：不是有效的 TOML：第1行")


def test_a_centre_outside_the_county_keeps_the_coordinator_from_starting_naming_its_key(config):
    centres = config / "centres.toml"
    centres.write_text(
        centres.read_text(encoding="utf-8").replace('division = "430426101"', 'division = "430427101"', 1), "utf-8"
    )

    with capture_logs() as logs, pytest.raises(CentresError):
        CoordinationProvider().setup()

    [line] = [entry for entry in logs if entry["log_level"] == "error"]
    assert line["code"] == "not_in_county" and line["field"].endswith("].division")
    assert f"{line['field']}：区划代码 “430427101” 不在本县（430426）之内" in line["error"]
