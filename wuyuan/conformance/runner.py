"""`run_conformance`: set up the private environment, run the checks in order, and report each."""

from collections.abc import Callable, Sequence
from urllib.parse import urlsplit

from shared.registry import CENTRE, Agency
from wuyuan.agencies import health_url
from wuyuan.conformance.centre import Centre, OfficerApi
from wuyuan.conformance.checks import CHECK_CODES, CHECKS, Check, CheckFailed, Run
from wuyuan.conformance.environment import conformance_environment
from wuyuan.conformance.report import CheckResult, ConformanceReport
from wuyuan.settings import PlatformSettings


class UnknownAgency(ValueError):
    """The agency named is not in the registry; the message names the known ones."""

    def __init__(self, name: str, known: Sequence[str]) -> None:
        super().__init__(f"agency: unknown {name!r}; known agencies are {', '.join(known)}")
        self.name = name
        self.known = tuple(known)


class UnknownCheck(ValueError):
    """A check code the kit does not have; the message names the known ones."""

    def __init__(self, names: Sequence[str]) -> None:
        super().__init__(f"check: unknown {', '.join(names)}; checks are {', '.join(CHECK_CODES)}")
        self.names = tuple(names)
        self.known = CHECK_CODES


class NotReached(RuntimeError):
    """The broker or database the kit runs on could not be reached: no check of the agency was made.

    `what` is "broker" or "database"; `address` is host:port, without the credentials its setting carries."""

    def __init__(self, what: str, setting: str, address: str, cause: BaseException) -> None:
        super().__init__(f"{what} not reached at {address}: {cause.__class__.__name__}: {cause}")
        self.what = what
        self.setting = setting
        self.address = address


def not_reached(settings: PlatformSettings, error: BaseException) -> NotReached | None:
    """`error` as the broker or database not being there; None when it is anything else (then the run failed)."""
    import psycopg
    import requests
    from kombu.exceptions import OperationalError as KombuUnreachable

    from wuyuan.cli_errors import database_server
    from wuyuan.commands_ops import management_host
    from wuyuan.provision_amqp import ManagementUnreachable

    if isinstance(error, ManagementUnreachable | requests.ConnectionError):
        return NotReached("broker", "WUYUAN_RABBIT_MANAGEMENT_URL", management_host(settings), error)
    if isinstance(error, KombuUnreachable | ConnectionError | TimeoutError):
        parts = urlsplit(settings.amqp_admin_uri)
        return NotReached("broker", "WUYUAN_AMQP_ADMIN_URI", f"{parts.hostname}:{parts.port or 5672}", error)
    if isinstance(error, psycopg.OperationalError) and getattr(error, "sqlstate", None) is None:
        return NotReached("database", "WUYUAN_PG_ADMIN_URL", database_server(settings.pg_admin_url), error)
    return None


def find_agency(settings: PlatformSettings, name: str) -> Agency:
    """An agency by its code (`court`) or its service's name (`court_link`); the centre is no agency here."""
    agencies = {code: agency for code, agency in settings.registry.agencies.items() if code != CENTRE}
    for code, agency in agencies.items():
        if name in (code, agency.service):
            return agency
    raise UnknownAgency(name, [f"{code} ({agency.service})" for code, agency in agencies.items()])


def selected_checks(only: Sequence[str]) -> list[Check]:
    """The checks asked for, with every check they need first, in the kit's order."""
    unknown = [code for code in only if code not in CHECK_CODES]
    if unknown:
        raise UnknownCheck(unknown)
    if not only:
        return list(CHECKS)
    by_code = {check.code: check for check in CHECKS}
    wanted: set[str] = set()
    pending = list(only)
    while pending:
        code = pending.pop()
        if code not in wanted:
            wanted.add(code)
            pending.extend(by_code[code].needs)
    return [check for check in CHECKS if check.code in wanted]


def run_conformance(
    settings: PlatformSettings,
    agency: str,
    *,
    only: Sequence[str] = (),
    timeout: float = 20.0,
    restart_broker: Callable[[], None] | None = None,
) -> ConformanceReport:
    """Play the centre against the agency in a private vhost of its own and report every check.

    `restart_broker` kills and restarts the broker `settings` point at, for `reconnects`; without it that
    check closes the agency's connections instead. Raises UnknownAgency or UnknownCheck for bad input;
    anything the agency does wrong is a failed check.
    """
    found = find_agency(settings, agency)
    checks = selected_checks(only)
    results: list[CheckResult] = []
    try:
        with conformance_environment(settings, found.service) as environment:
            centre = Centre(environment)
            try:
                api = OfficerApi(environment, health_url(environment.settings, found.service).removesuffix("/health"))
                run = Run(environment, found, timeout, centre, api, restart_broker)
                results = _run_checks(checks, run)
            finally:
                centre.close()
    except Exception as exc:
        unreachable = not_reached(settings, exc) if not results else None
        if unreachable is not None:
            raise unreachable from exc
        done = {result.code for result in results}
        detail = f"检查工具未能准备或清理它的私有环境（虚拟主机、数据库、机构进程）：{exc.__class__.__name__}: {exc}"
        if not results:
            results = [CheckResult(checks[0].code, checks[0].title_zh, "failed", detail)]
        else:
            results.append(CheckResult("environment", "私有环境的准备与清理", "failed", detail))
        for check in checks:
            if check.code not in done and check.code != results[0].code:
                results.append(CheckResult(check.code, check.title_zh, "skipped", "私有环境未就绪"))
    return ConformanceReport(found.code, found.service, results)


def run_on_private_broker(
    settings: PlatformSettings, agency: str, *, only: Sequence[str] = (), timeout: float = 20.0
) -> ConformanceReport:
    """The kit on a RabbitMQ node of its own, started for the run and removed after it, so that `reconnects`
    can kill the broker (kill -9) and start it again on its data: a real restart, which the shared broker
    could not be put through."""
    from wuyuan.private_infra import private_rabbit

    find_agency(settings, agency)  # bad input is refused before a node is started for it
    selected_checks(only)
    with private_rabbit(nodes=1, prefix="wyk") as cluster:
        node = cluster.nodes[0]
        on_node = PlatformSettings.model_validate(
            {**settings.model_dump(), "amqp_admin_uri": node.amqp_uri, "rabbit_management_url": node.management_url}
        )

        def restart() -> None:
            node.crash()
            node.start()

        return run_conformance(on_node, agency, only=only, timeout=timeout, restart_broker=restart)


def _run_checks(checks: list[Check], run: Run) -> list[CheckResult]:
    results: list[CheckResult] = []
    passed: set[str] = set()
    for check in checks:
        missing = [need for need in check.needs if need not in passed]
        if missing:
            results.append(CheckResult(check.code, check.title_zh, "skipped", f"需先通过：{', '.join(missing)}"))
            continue
        try:
            check.run(run)
        except CheckFailed as failed:
            results.append(CheckResult(check.code, check.title_zh, "failed", str(failed)))
        except Exception as exc:
            said = f"检查中出现意外错误：{exc.__class__.__name__}: {exc}"
            results.append(CheckResult(check.code, check.title_zh, "failed", said))
        else:
            results.append(CheckResult(check.code, check.title_zh, "passed"))
            passed.add(check.code)
    return results
