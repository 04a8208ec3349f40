"""`wuyuan logs SERVICE --lines N`: the last N lines of a service's log, and a number out of range said in Chinese."""

import json

import pytest

# The same clean environment as the failure tests (their autouse fixture applies here too), and the same runner.
from tests.unit.wuyuan.test_cli_failures import clean_environment, failed_cleanly, run  # noqa: F401


@pytest.fixture
def intake_log(tmp_path):
    """intake's log on the local platform (WUYUAN_STATE_DIR is tmp_path/state): 120 numbered lines."""
    log = tmp_path / "state" / "logs" / "intake.log"
    log.parent.mkdir(parents=True)
    log.write_text("".join(f'{{"event": "case registered", "n": {n}}}\n' for n in range(1, 121)))
    return log


@pytest.mark.parametrize("lines", ["99999999999999999999999", "-5", "0", "100001"])
def test_a_number_of_lines_out_of_range_is_a_usage_error_naming_the_option_and_its_range(intake_log, lines):
    out = failed_cleanly(run("logs", "intake", "--lines", lines), exit_code=2)

    assert f"错误：-n / --lines：{lines} 超出允许的范围（1至100000）" in out
    assert "case registered" not in out


def test_lines_that_are_no_number_are_said_to_be_no_integer(intake_log):
    out = failed_cleanly(run("logs", "intake", "-n", "many"), exit_code=2)

    assert "错误：-n / --lines：“many”不是整数" in out


def test_the_last_lines_asked_for_are_shown_in_order(intake_log):
    result = run("logs", "intake", "--lines", "3")

    assert result.exit_code == 0, result.output
    assert [json.loads(line)["n"] for line in result.output.splitlines()] == [118, 119, 120]


def test_the_largest_number_allowed_shows_the_whole_of_a_shorter_log(intake_log):
    result = run("logs", "intake", "--lines", "100000")

    assert result.exit_code == 0, result.output
    assert len(result.output.splitlines()) == 120
