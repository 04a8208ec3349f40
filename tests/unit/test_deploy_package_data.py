"""The image installs the platform as a regular package (deploy/Dockerfile: `pip install .`), so a file a service
serves or renders from its static/ or templates/ folder reaches the image only as package data: every one of them
must match pyproject.toml's patterns, or the installed console answers 404 for it (as it did for favicon.ico)."""

import glob
import tomllib
from pathlib import Path

from setuptools.discovery import PEP420PackageFinder

ROOT = Path(__file__).resolve().parents[2]


def installed_files() -> set[Path]:
    """What setuptools puts in the wheel beside the code: each package's files matching its package-data patterns,
    the packages found as pyproject.toml finds them (namespace folders such as static/ included)."""
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    patterns = setuptools["package-data"]
    found: set[Path] = set()
    for package in PEP420PackageFinder.find(where=str(ROOT), include=setuptools["packages"]["find"]["include"]):
        folder = ROOT.joinpath(*package.split("."))
        for pattern in [*patterns.get("*", []), *patterns.get(package, [])]:
            found |= {Path(p) for p in glob.glob(str(folder / pattern), recursive=True) if Path(p).is_file()}
    return found


def served_files() -> list[Path]:
    return sorted(
        path
        for folder in ("static", "templates")
        for path in ROOT.glob(f"services/*/{folder}/**/*")
        if path.is_file() and "__pycache__" not in path.parts
    )


def test_every_file_a_service_serves_or_renders_is_installed_with_it():
    served, installed = served_files(), installed_files()

    missing = [str(path.relative_to(ROOT)) for path in served if path not in installed]

    assert ROOT / "services" / "console" / "static" / "favicon.ico" in served
    assert not missing, f"not package data (pyproject.toml [tool.setuptools.package-data]): {', '.join(missing)}"
