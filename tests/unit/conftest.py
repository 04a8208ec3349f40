"""Unit tests read no setting from the shell that runs them: an operator's exported WUYUAN_* variables (another vhost,
database prefix, state directory or port base) would otherwise change what the settings under test default to."""

import os

import pytest

# Read by the root conftest and the Makefile to choose which tests run, not by the code under test.
_TEST_SELECTION = frozenset({"WUYUAN_BROWSER_TESTS", "WUYUAN_REQUIRE_BROWSER"})


@pytest.fixture(autouse=True)
def _no_platform_settings_from_the_shell(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("WUYUAN_") and name not in _TEST_SELECTION:
            monkeypatch.delenv(name)
