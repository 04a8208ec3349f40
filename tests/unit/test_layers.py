"""The shape of the code: each layer of shared/ imports only the layers below it, and domain rules stay pure."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# What each part of shared/ may import of the project; anything else is a layer leaking upwards.
BASE = ("shared.contracts", "shared.clock", "shared.refusal", "shared.registry", "shared.config", "shared.telemetry")
ALLOWED = {
    "shared/contracts": ("shared.contracts",),
    # shared.refusal (which imports nothing of the project): a number another unit holds is only taken (409).
    "shared/auth": ("shared.auth", "shared.contracts", "shared.private_dirs", "shared.refusal"),
    "shared/telemetry": ("shared.telemetry",),
    "shared/delivery": ("shared.contracts", "shared.telemetry", "shared.delivery"),
    # shared.refusal: a unit of work refuses a message whose id another message took (shared.delivery.inbox).
    "shared/persistence": (
        "shared.contracts",
        "shared.telemetry",
        "shared.delivery",
        "shared.persistence",
        "shared.refusal",
    ),
    "shared/messaging": (*BASE, "shared.dependency", "shared.delivery", "shared.messaging"),
    "shared/http.py": (
        "shared.contracts",
        "shared.auth",
        "shared.dependency",
        "shared.persistence.errors",
        "shared.persistence.idempotency",  # the Idempotency-Key's rules and refusals, pure like errors
        "shared.refusal",
        "shared.web_server",
    ),
    "shared/platform.py": BASE,
    # nameko's web server with limits, beneath shared.http: it imports nothing of the project.
    "shared/web_server.py": (),
    # Below shared.config, which uses it to refuse placeholder secrets: it imports nothing of the project.
    "shared/secret_values.py": (),
    # Below shared.auth, whose signing keys it keeps private: it imports nothing of the project.
    "shared/private_dirs.py": (),
    # Below shared.registry and every configuration file's reader: it imports nothing of the project.
    "shared/config_errors.py": (),
}
# Libraries a layer must not reach for: the outbox and inbox know neither the broker's client
# nor nameko, and persistence knows no broker.
FORBIDDEN = {
    "shared/delivery": ("nameko", "kombu", "amqp", "psycopg", "eventlet"),
    "shared/persistence": ("nameko", "kombu", "amqp"),
    "shared/messaging": ("psycopg",),
}
# Pure rules: no framework, database, broker, logging or tracing, nor the layers that bring them.
DOMAIN_FORBIDDEN = (
    "nameko",
    "psycopg",
    "kombu",
    "amqp",
    "eventlet",
    "structlog",
    "logging",
    "opentelemetry",
    "requests",
    "shared.persistence",
    "shared.messaging",
    "shared.runtime",
    "shared.delivery",
    "shared.http",
    "shared.telemetry",
)
DOMAIN_FILES = sorted(
    [
        *ROOT.glob("services/*/domain.py"),
        *ROOT.glob("services/*/domain/*.py"),
        ROOT / "shared/agency/domain.py",
        ROOT / "services/coordinator/routing.py",
        ROOT / "services/supervision/documents.py",  # 两函一通报's rules
    ]
)


def imports_of(path: Path) -> set[str]:
    """Every module a file imports, at the top or inside a function."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def files_of(part: str) -> list[Path]:
    target = ROOT / part
    return [target] if target.is_file() else sorted(target.rglob("*.py"))


def within(module: str, prefixes: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


@pytest.mark.parametrize("part", sorted(ALLOWED))
def test_each_layer_of_shared_imports_only_the_layers_below_it(part: str) -> None:
    leaks = {
        f"{path.relative_to(ROOT)} imports {module}"
        for path in files_of(part)
        for module in imports_of(path)
        if within(module, ("shared", "services", "wuyuan")) and not within(module, ALLOWED[part])
    }
    assert not leaks, sorted(leaks)


@pytest.mark.parametrize("part", sorted(FORBIDDEN))
def test_a_layer_does_not_reach_for_the_libraries_of_another(part: str) -> None:
    reached = {
        f"{path.relative_to(ROOT)} imports {module}"
        for path in files_of(part)
        for module in imports_of(path)
        if within(module, FORBIDDEN[part])
    }
    assert not reached, sorted(reached)


@pytest.mark.parametrize("path", DOMAIN_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_domain_rules_are_pure(path: Path) -> None:
    impure = sorted(module for module in imports_of(path) if within(module, DOMAIN_FORBIDDEN))
    assert not impure, f"{path.relative_to(ROOT)} imports {impure}"


def is_the_agency_base_alone(service: Path, roles: set[str]) -> bool:
    """An agency as `wuyuan agency new` writes it: the agency base and nothing of its own yet, whose domain rules
    are shared/agency/domain.py (shared/agency/README.md)."""
    on_the_base = "shared.agency.service.AgencyService" in imports_of(service / "service.py")
    return on_the_base and roles <= {"__init__", "service", "README"}


def test_every_service_has_the_same_roles() -> None:
    for service in sorted(p for p in (ROOT / "services").iterdir() if (p / "service.py").exists()):
        roles = {p.stem for p in service.iterdir() if p.name != "__pycache__"}
        needed = {"service", "README"} | (set() if is_the_agency_base_alone(service, roles) else {"domain"})
        assert needed <= roles, f"{service.name} lacks {needed - roles}"
        # A service with state of its own has its store and handlers; an agency's come from shared/agency.
        if (service / "migrations").exists():
            assert {"store", "handlers"} <= roles, f"{service.name} keeps tables but has no store or handlers"
