"""The example agency's image builds from the repository root: every file it copies reaches the build context."""

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "examples" / "womens_federation" / "Dockerfile"
COMPOSE_TEMPLATE = ROOT / "deploy" / "templates" / "compose.yaml.j2"


def _pattern(text: str) -> re.Pattern[str]:
    """A .dockerignore pattern as Docker reads it: Go's filepath.Match, plus `**` for any number of directories."""
    out, i = "", 0
    while i < len(text):
        if text.startswith("**/", i):
            out, i = out + "(?:.*/)?", i + 3
        elif text.startswith("**", i):
            out, i = out + ".*", i + 2
        elif text[i] == "*":
            out, i = out + "[^/]*", i + 1
        elif text[i] == "?":
            out, i = out + "[^/]", i + 1
        elif text[i] == "[":
            end = text.index("]", i)
            out, i = out + text[i : end + 1].replace("[!", "[^"), end + 1
        else:
            out, i = out + re.escape(text[i]), i + 1
    return re.compile(out)


def _rules() -> list[tuple[bool, re.Pattern[str]]]:
    """(is an exception, pattern) for each line of .dockerignore, in order."""
    rules = []
    for line in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        exception = line.startswith("!")
        rules.append((exception, _pattern(line.lstrip("!").strip("/"))))
    return rules


def in_context(path: str, rules: list[tuple[bool, re.Pattern[str]]]) -> bool:
    """Whether Docker sends the file: the last pattern that matches it or one of its parent directories decides."""
    parts = path.split("/")
    candidates = ["/".join(parts[: n + 1]) for n in range(len(parts))]
    sent = True
    for exception, pattern in rules:
        if any(pattern.fullmatch(candidate) for candidate in candidates):
            sent = exception
    return sent


def _tracked(under: str) -> list[str]:
    done = subprocess.run(["git", "ls-files", "--", under], cwd=ROOT, capture_output=True, text=True, check=True)
    return done.stdout.split()


def _copy_sources() -> list[str]:
    sources = []
    for line in DOCKERFILE.read_text(encoding="utf-8").splitlines():
        words = line.split()
        if words[:1] == ["COPY"] and not any(word.startswith("--from") for word in words):
            sources += [word for word in words[1:-1] if not word.startswith("--")]
    return sources


def test_every_file_the_example_image_copies_is_in_the_build_context():
    rules = _rules()
    sources = _copy_sources()

    assert "docs/contracts/schemas" in sources
    for source in sources:
        files = _tracked(source)
        assert files, f"{source}: nothing in the repository to copy"
        left_out = [path for path in files if not in_context(path, rules)]
        assert not left_out, f".dockerignore keeps {left_out[:3]} out of the build context, which COPY {source} needs"


def test_nothing_else_of_docs_and_no_local_packages_go_into_the_build_context():
    rules = _rules()

    sent = [path for path in _tracked("docs") if in_context(path, rules)]
    assert sent and all(path.startswith("docs/contracts/schemas/") for path in sent), sent
    assert not in_context("examples/womens_federation/node_modules/pg/package.json", rules)
    assert not in_context("tests/unit/test_example_agency_image.py", rules)
    assert in_context("shared/contracts/messages.py", rules)  # the platform's image still builds


def test_the_image_has_the_tool_the_compose_health_check_runs():
    dockerfile = DOCKERFILE.read_text(encoding="utf-8")
    installed = re.search(r"apt-get install[^\n]*\b(wget|curl)\b", dockerfile)

    assert installed, "node:20-slim has neither wget nor curl: the image must install one"
    assert f"{installed.group(1)} " in COMPOSE_TEMPLATE.read_text(encoding="utf-8")
    assert "HEALTHCHECK" in dockerfile
