"""How each service of the platform runs and what its inbox takes, Python package or external agency alike."""

import importlib
import importlib.util
import sys
from dataclasses import dataclass
from pathlib import Path

from shared.contracts.envelope import Envelope
from shared.messaging.routing import CaseFilter
from shared.messaging.topology import AGENCY_INBOX, case_filters, handled_models
from shared.registry import Implementation
from wuyuan.settings import REPO_ROOT, PlatformSettings


@dataclass(frozen=True)
class Launch:
    """The process that runs a service: its arguments and its working directory."""

    argv: tuple[str, ...]
    cwd: Path


def implementation(settings: PlatformSettings, service: str) -> Implementation | None:
    """An agency's implementation, or None for one of the platform's own services."""
    return settings.registry.implementation_of(service) if settings.is_agency(service) else None


def is_external(settings: PlatformSettings, service: str) -> bool:
    found = implementation(settings, service)
    return found is not None and found.kind == "external"


def is_managed(settings: PlatformSettings, service: str) -> bool:
    """True when `wuyuan up` starts the service; an external agency without a command runs elsewhere."""
    found = implementation(settings, service)
    return found is None or found.managed


def managed_services(settings: PlatformSettings) -> tuple[str, ...]:
    return tuple(service for service in settings.services if is_managed(settings, service))


def launch(settings: PlatformSettings, service: str) -> Launch:
    """How the platform starts a service: `python -m shared.runtime SERVICE` for its own and for Python
    agencies, the registry's command in its directory for an external agency."""
    settings.require_service(service)
    found = implementation(settings, service)
    if found is None or found.kind == "python":
        return Launch((sys.executable, "-m", "shared.runtime", service), REPO_ROOT)
    if not found.command:
        raise ValueError(f"{service} runs elsewhere (no command in config/agencies.toml); the platform only watches it")
    return Launch(found.command, REPO_ROOT / (found.directory or "."))


def python_module(settings: PlatformSettings, service: str) -> str:
    found = implementation(settings, service)
    return found.module_of(service) if found is not None else f"services.{service}.service"


def inbox_models(settings: PlatformSettings, service: str) -> list[type[Envelope]]:
    """The message types a service's inbox is bound to: a Python service's `@handles`, or the documents every
    agency receives for an external one."""
    if is_external(settings, service):
        return list(AGENCY_INBOX)
    return handled_models(_service_class(settings, service))


def inbox_case_filters(settings: PlatformSettings, service: str) -> dict[str, CaseFilter]:
    """The case facts a Python service's inbox takes only for some cases (by their source or flags), by type (none
    for an external agency, which receives documents alone)."""
    if is_external(settings, service):
        return {}
    return case_filters(_service_class(settings, service))


def _service_class(settings: PlatformSettings, service: str) -> type:
    service_class: type = importlib.import_module(python_module(settings, service)).SERVICE
    return service_class


def migrations_dir(settings: PlatformSettings, service: str) -> Path:
    """A Python service's own migrations: `migrations/` beside the module that defines it."""
    module = python_module(settings, service)
    default = REPO_ROOT / "services" / service / "migrations"
    if module == f"services.{service}.service":
        return default
    spec = importlib.util.find_spec(module)
    if spec is None or spec.origin is None:
        raise ValueError(f"{service}: module {module!r} (config/agencies.toml) cannot be found")
    return Path(spec.origin).parent / "migrations"


def has_database(settings: PlatformSettings, service: str) -> bool:
    found = implementation(settings, service)
    return found is None or found.database


def health_url(settings: PlatformSettings, service: str) -> str:
    """Where the platform checks the service is up."""
    found = implementation(settings, service)
    if found is not None and found.health_url:
        return found.health_url
    return f"{settings.http_base_url(service)}/health"
