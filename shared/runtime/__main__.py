"""`python -m shared.runtime SERVICE`: start one service in the foreground until SIGTERM or Ctrl-C."""

import warnings

# eventlet announces its deprecation (known, see the design's stack table) as a warning on
# import; printed to stderr it would be the only plain-text lines in the JSON service log.
warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")

import eventlet  # noqa: E402

eventlet.monkey_patch()

import importlib  # noqa: E402
import logging  # noqa: E402
import signal  # noqa: E402
import sys  # noqa: E402
from types import FrameType  # noqa: E402

import nameko  # noqa: E402
from nameko.runners import ServiceRunner  # noqa: E402
from pydantic import ValidationError  # noqa: E402
from pydantic_settings import BaseSettings  # noqa: E402

import shared.persistence.green  # noqa: E402,F401  (selects psycopg's green wait before psycopg loads)
from shared.config import current_settings  # noqa: E402
from shared.logs import configure_logging  # noqa: E402
from shared.runtime.collector import settle_after_start  # noqa: E402
from shared.runtime.tracing import install_tracing  # noqa: E402

log = logging.getLogger("wuyuan.runtime")


def service_class(service: str) -> type:
    module = importlib.import_module(f"services.{service}.service")
    service_cls: type = module.SERVICE
    return service_cls


def refused_settings(service: str, invalid: ValidationError) -> int:
    """Say which settings are missing or wrong, each by its environment variable, and nothing of their values."""
    print(f"{service}: not started: its settings are invalid", file=sys.stderr)
    prefix = env_prefix(invalid.title)
    for error in invalid.errors(include_url=False, include_input=False):
        field = ".".join(str(part) for part in error["loc"])
        named = f"{prefix}{field}".upper() + ": " if field else ""
        print(f"  {named}{error['msg']}", file=sys.stderr)
    return 2


def env_prefix(settings_class: str) -> str:
    """The environment prefix of the settings class a validation error names (its title)."""
    pending: list[type[BaseSettings]] = [BaseSettings]
    while pending:
        cls = pending.pop()
        if cls.__name__ == settings_class:
            return str(cls.model_config.get("env_prefix") or "")
        pending.extend(cls.__subclasses__())
    return ""


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m shared.runtime SERVICE", file=sys.stderr)
        return 2
    service = argv[1]
    try:
        settings = current_settings()
    except ValidationError as invalid:
        return refused_settings(service, invalid)
    if settings.service != service:
        print(f"WUYUAN_SERVICE is {settings.service!r} but {service!r} was asked for", file=sys.stderr)
        return 2
    configure_logging(service, settings.log_level)
    try:
        provider = install_tracing(service, settings.trace_file)
    except ValidationError as invalid:  # the span files' own (WUYUAN_TRACE_FILE_MAX_BYTES, …_BACKUPS)
        return refused_settings(service, invalid)
    nameko.config.update(
        {
            "AMQP_URI": settings.amqp_uri,
            "SERVICE_CONTAINER_CLS": "shared.runtime.entrypoint_spans.TracedContainer",
            "WEB_SERVER_ADDRESS": settings.http_address,
            "max_workers": settings.max_workers,
            "PREFETCH_COUNT": settings.prefetch_count,
            "HEARTBEAT": 30,
            "WEB_SERVER_LIMITS": {
                "read_timeout_seconds": settings.http_read_timeout_seconds,
                "max_connections": settings.http_max_connections,
                "max_connections_per_client": settings.http_max_connections_per_client,
                "max_header_bytes": settings.http_max_header_bytes,
            },
        }
    )
    runner = ServiceRunner()
    runner.add_service(service_class(service))

    def shutdown(signum: int, _frame: FrameType | None) -> None:
        log.info("stopping", extra={"signal": signal.Signals(signum).name})
        eventlet.spawn_n(runner.stop)

    signal.signal(signal.SIGTERM, shutdown)
    signal.signal(signal.SIGINT, shutdown)
    try:
        runner.start()
    except ValidationError as invalid:  # a dependency's own settings (the token verifier's, identity's …)
        return refused_settings(service, invalid)
    settle_after_start()
    log.info("started", extra={"http": settings.http_address})
    try:
        runner.wait()
    finally:
        provider.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
