"""`wuyuan agency new` in a copy of the repository: the agency it writes passes its own tests, ruff, strict mypy
and the conformance kit as generated, with no edit by hand."""

import json
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from shared.registry import load_registry
from wuyuan.settings import REPO_ROOT

pytestmark = pytest.mark.integration

# What an agency's service, its tests and the tools need of the repository; not .venv, var, .git or node_modules.
COPIED = ("shared", "services", "wuyuan", "config", "tests", "typings", "docs", "pyproject.toml")
SKIPPED = shutil.ignore_patterns("__pycache__", ".mypy_cache", ".ruff_cache", "node_modules", "*.pyc")
BIN = Path(sys.executable).parent


def unused_code(*candidates: str) -> str:
    """The first of these agency codes the repository has not registered or scaffolded: an integrator may have added
    the ones the README gives as examples (`wuyuan agency new housing`), and the copy would refuse them."""
    registered = load_registry().agencies
    for code in candidates:
        if code not in registered and not (REPO_ROOT / "services" / f"{code}_link").exists():
            return code
    raise RuntimeError(f"every one of {candidates} is registered already: add another candidate")


FIRST = unused_code("women", "education", "health", "veterans", "transport")
SECOND = unused_code("housing", "labour", "commerce", "ecology", "culture")
FIRST_SERVICE, SECOND_SERVICE = f"{FIRST}_link", f"{SECOND}_link"
WOMEN = [FIRST, "--name-zh", "妇联", "--name-en", "Women's federation"]
# A second agency that differs in every choice the templates make: level, unit name, a source it feeds.
HOUSING = [
    SECOND, "--name-zh", "住房和城乡建设局", "--name-en", "Housing and urban-rural development bureau",
    "--unit-digits", "9", "--unit-name", "{place}住建所", "--feeds", "mediation_request",
]  # fmt: skip
GENERATED = [
    f"{folder}/{service}"
    for service in (FIRST_SERVICE, SECOND_SERVICE)
    for folder in ("services", "tests/unit", "tests/service")
]


def environment(**extra: str) -> dict[str, str]:
    """The caller's environment without anything that would point the copy back at the repository."""
    kept = {k: v for k, v in os.environ.items() if not k.startswith("WUYUAN_") and k not in ("PYTHONPATH", "PWD")}
    return {**kept, **extra}


def run(tree: Path, *argv: str, timeout: float = 300, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        argv, cwd=tree, env=environment(**extra), capture_output=True, text=True, timeout=timeout, check=False
    )


def wuyuan(tree: Path, *arguments: str, timeout: float = 300, **extra: str) -> subprocess.CompletedProcess[str]:
    """The copy's own `wuyuan` command: `python -c` puts the copy first on sys.path, ahead of the editable install."""
    program = "from wuyuan.cli import main; main()"
    return run(tree, sys.executable, "-c", program, *arguments, timeout=timeout, **extra)


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("repository")
    for name in COPIED:
        source = REPO_ROOT / name
        if source.is_dir():
            shutil.copytree(source, root / name, ignore=SKIPPED)
        elif source.exists():
            shutil.copy2(source, root / name)
    # Each of the five sources is fed by a shipped agency, and the window's channels by none: the copy frees the
    # justice bureau's for the second agency to feed.
    registry = root / "config" / "agencies.toml"
    shipped = registry.read_text(encoding="utf-8")
    assert shipped.count('feeds = "mediation_request"\n') == 1
    registry.write_text(shipped.replace('feeds = "mediation_request"\n', "", 1), encoding="utf-8")
    for spec in (WOMEN, HOUSING):
        made = wuyuan(root, "agency", "new", *spec, "--root", str(root))
        assert made.returncode == 0, made.stdout + made.stderr
    yield root


def test_the_command_wrote_the_packages_tests_and_registry_entries_and_said_what_comes_next(tree: Path) -> None:
    for folder in GENERATED:
        assert (tree / folder).is_dir(), folder
    registry = (tree / "config" / "agencies.toml").read_text(encoding="utf-8")
    shipped = (REPO_ROOT / "config" / "agencies.toml").read_text(encoding="utf-8")
    assert registry.startswith(shipped.replace('feeds = "mediation_request"\n', "", 1))
    assert f"[agencies.{FIRST}]" in registry and f"[agencies.{SECOND}]" in registry
    again = wuyuan(tree, "agency", "new", *WOMEN, "--root", str(tree))
    assert again.returncode == 2
    assert f"CODE：机构代码 {FIRST} 已在 config/agencies.toml 中登记" in again.stderr


def test_the_copy_imports_its_own_packages_not_the_repositorys(tree: Path) -> None:
    probe = run(
        tree,
        sys.executable,
        "-c",
        f"import shared, services.{FIRST_SERVICE}.service as s; from shared.registry import load_registry as r;"
        f" print(shared.__file__); print(s.__file__); print(r().get('{FIRST}').service)",
    )

    assert probe.returncode == 0, probe.stderr
    shared_file, service_file, service = probe.stdout.split()
    assert Path(shared_file).is_relative_to(tree)
    assert Path(service_file).is_relative_to(tree)
    assert service == FIRST_SERVICE


def test_the_generated_tests_pass_as_generated(tree: Path) -> None:
    tests = [folder for folder in GENERATED if folder.startswith("tests/")]

    result = run(tree, sys.executable, "-m", "pytest", "-q", *tests)

    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert " passed" in result.stdout and " failed" not in result.stdout


def test_the_generated_tests_fail_when_the_service_and_its_registry_entry_disagree(tree: Path) -> None:
    service = tree / "services" / FIRST_SERVICE / "service.py"
    written = service.read_text(encoding="utf-8")
    service.write_text(written.replace(f'name = "{FIRST_SERVICE}"', 'name = "another_link"'), encoding="utf-8")
    try:
        result = run(tree, sys.executable, "-m", "pytest", "-q", f"tests/unit/{FIRST_SERVICE}")
    finally:
        service.write_text(written, encoding="utf-8")

    assert result.returncode == 1, result.stdout[-4000:]
    assert "test_the_package_defines_the_service_the_platform_runs" in result.stdout


def test_the_generated_code_passes_ruff_and_strict_mypy(tree: Path) -> None:
    check = run(tree, str(BIN / "ruff"), "check", *GENERATED)
    formatted = run(tree, str(BIN / "ruff"), "format", "--check", *GENERATED)
    # Strict mypy on the generated files; what they import is the repository's, checked by `make lint`.
    typed = run(tree, str(BIN / "mypy"), "--follow-imports=silent", *GENERATED)

    assert check.returncode == 0, check.stdout + check.stderr
    assert formatted.returncode == 0, formatted.stdout + formatted.stderr
    assert typed.returncode == 0, typed.stdout + typed.stderr


def test_the_generated_agency_passes_the_conformance_kit(tree: Path) -> None:
    run_id = uuid.uuid4().hex[:8]

    # Run from the copy: the kit starts the agency in the repository of the code that runs it.
    result = wuyuan(
        tree,
        "conformance",
        FIRST,
        "--json",
        timeout=600,
        WUYUAN_CONFIG_DIR=str(tree / "config"),
        WUYUAN_VHOST=f"wys_{run_id}",
        WUYUAN_DB_PREFIX=f"wys_{run_id}_",
        WUYUAN_STATE_DIR=str(tree / "var"),
    )

    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    report = json.loads(result.stdout)
    assert (report["agency"], report["service"], report["passed"]) == (FIRST, FIRST_SERVICE, True)
    outcomes = {check["code"]: check["outcome"] for check in report["results"]}
    assert {code for code, outcome in outcomes.items() if outcome != "passed"} == set()
    assert {"consumes_referral", "accept_reply", "foreign_sender_refused"} <= set(outcomes)
