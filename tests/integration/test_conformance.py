"""The conformance kit against real agencies on the real broker and database: it passes every shipped agency and
the reference agency, and fails each deliberately broken variant naming the check that catches it."""

import json
import shutil
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from wuyuan.cli import main
from wuyuan.conformance import run_conformance
from wuyuan.conformance.runner import run_on_private_broker
from wuyuan.settings import REPO_ROOT, PlatformSettings

REFERENCE = REPO_ROOT / "tests" / "conformance" / "reference_agency.py"
# A broken variant fails fast: the kit waits this long for what never comes.
FAULT_TIMEOUT = 8.0


def register_reference(tmp_path: Path, fault: str | None) -> Path:
    """A copy of the shipped config/ with the reference agency registered as an external agency."""
    config = tmp_path / "config"
    shutil.copytree(REPO_ROOT / "config", config)
    command = [sys.executable, str(REFERENCE.relative_to(REPO_ROOT)), *(["--fault", fault] if fault else [])]
    with (config / "agencies.toml").open("a", encoding="utf-8") as registry:
        registry.write(
            "\n[agencies.reference]\n"
            'name_zh = "参照机构"\n'
            'name_en = "Reference agency"\n'
            'service = "reference_link"\n'
            "unit_digits = 9\n"
            "[agencies.reference.external]\n"
            f"command = {json.dumps(command)}\n"
            'directory = "."\n'
        )
    return config


@pytest.mark.parametrize("agency", ["court", "police", "justice", "petition", "plc"])
def test_every_shipped_agency_passes_every_check(agency: str) -> None:
    report = run_conformance(PlatformSettings(), agency)

    assert report.passed, report.render()
    assert all(result.outcome == "passed" for result in report.results), report.render()


def test_the_reference_agency_passes_every_check(tmp_path: Path) -> None:
    report = run_conformance(PlatformSettings(config_dir=register_reference(tmp_path, None)), "reference_link")

    assert report.service == "reference_link"
    assert [result.outcome for result in report.results] == ["passed"] * 15, report.render()


@pytest.mark.parametrize(
    ("fault", "check"),
    [
        ("any_unit", "foreign_unit_refused"),
        ("wrong_schema", "accept_reply"),
        ("duplicate_effects", "duplicate_referral"),
        ("no_trace", "trace_continued"),
        ("ack_before_confirm", "reply_confirmed"),
        ("ignores_withdrawals", "withdrawn_tokens_refused"),
        ("ignores_refusals", "refused_result_reopens"),
    ],
)
def test_a_broken_agency_fails_naming_the_check(tmp_path: Path, fault: str, check: str) -> None:
    settings = PlatformSettings(config_dir=register_reference(tmp_path, fault))

    report = run_conformance(settings, "reference", only=[check], timeout=FAULT_TIMEOUT)

    assert not report.passed
    assert report.failed_codes == [check], report.render()
    assert report.results[-1].code == check
    assert report.results[-1].detail  # what was expected and what was seen


def test_a_python_agency_survives_a_real_broker_restart() -> None:
    # The kit's own RabbitMQ node is killed (kill -9) and started again: the service reconnects by itself.
    report = run_on_private_broker(PlatformSettings(), "court", only=["reconnects"])

    assert report.passed, report.render()


def test_an_agency_that_does_not_reconnect_fails_the_restart(tmp_path: Path) -> None:
    settings = PlatformSettings(config_dir=register_reference(tmp_path, "no_reconnect"))

    report = run_on_private_broker(settings, "reference", only=["reconnects"], timeout=FAULT_TIMEOUT)

    assert report.failed_codes == ["reconnects"], report.render()
    assert "代理被杀掉并重新启动之后" in report.results[-1].detail


def test_the_command_fails_an_agency_taking_referrals_from_anyone(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("WUYUAN_CONFIG_DIR", str(register_reference(tmp_path, "wrong_user")))

    done = CliRunner().invoke(
        main, ["conformance", "reference", "--check", "foreign_sender_refused", "--timeout", "8", "--json"]
    )

    assert done.exit_code == 1, done.output
    report = json.loads(done.output)
    assert report["passed"] is False
    failed = [result for result in report["results"] if result["outcome"] == "failed"]
    assert [result["code"] for result in failed] == ["foreign_sender_refused"]
    assert "不应被记录（应为 404）" in failed[0]["detail"]


def test_the_command_names_the_known_agencies_when_one_is_unknown() -> None:
    done = CliRunner().invoke(main, ["conformance", "nosuchagency"])  # no registry has it, whatever was added
    as_json = CliRunner().invoke(main, ["conformance", "nosuchagency", "--json"])

    assert done.exit_code == 2
    assert "未知机构 'nosuchagency'" in done.output
    assert "court (court_link)" in done.output
    assert as_json.exit_code == 2
    assert json.loads(as_json.output)["error"] == "unknown_agency"
