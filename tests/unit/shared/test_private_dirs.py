"""Secrets' folders are their owner's alone, the parents made on the way to them too."""

import os
import stat
from pathlib import Path

import pytest

from shared.private_dirs import private_directory
from wuyuan.secrets import kept_secret


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def usual_umask():
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def test_a_secret_two_folders_down_leaves_no_folder_others_can_list(tmp_path):
    kept_secret(tmp_path / "state" / "secrets" / "postgres" / "intake")

    assert mode(tmp_path / "state" / "secrets") == 0o700
    assert mode(tmp_path / "state" / "secrets" / "postgres") == 0o700
    assert mode(tmp_path / "state" / "secrets" / "postgres" / "intake") == 0o600


def test_a_folder_an_earlier_version_left_readable_is_put_right_and_those_above_it_left_alone(tmp_path):
    shared_state = tmp_path / "state"
    (shared_state / "secrets").mkdir(parents=True, mode=0o755)
    shared_state.chmod(0o755)

    private_directory(shared_state / "secrets")

    assert mode(shared_state / "secrets") == 0o700
    assert mode(shared_state) == 0o755
