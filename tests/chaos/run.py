"""`make chaos`: cases through every agency on a private broker and database while services, broker and database fail.

The platform runs on a PostgreSQL cluster and RabbitMQ node(s) of its own (wuyuan.private_infra),
never the machine's shared ones. While window staff file cases at a steady rate and officers and
the visitor work through them (every POST retried with its Idempotency-Key), the faults are
injected one after another: SIGKILL of each service (supervisord restarts it), a broker crash
(kill -9 of the node, then a restart on its data), a PostgreSQL immediate restart and a PostgreSQL
outage. With `--nodes 3` the broker is a three-node cluster with quorum queues and the fault is the
loss of the node leading most queues, which stays down. Afterwards every database is checked
(tests.chaos.checks) and the lost and duplicated counts are printed with each fault's recovery times:
from the fault's end (what was killed answers again) to the next filing accepted, to the next case
closed, and to the close of the first case filed after it (which lived its whole life after the fault).
"""

import argparse
import os
import signal
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

import psycopg
import requests

from tests.chaos.checks import Findings, check
from tests.chaos.driver import Workload
from tests.chaos.private_platform import ChaosPlatform, chaos_platform
from wuyuan import supervise
from wuyuan.private_infra import RabbitNode

RECOVERY_TIMEOUT = 120.0
PG_OUTAGE_SECONDS = 20.0
BROKER_DOWN_SECONDS = 3.0


@dataclass
class FaultResult:
    name: str
    started: float  # wall-clock seconds
    ended: float
    next_filing: float | None = None  # seconds from the fault's end to the next filing accepted
    next_closed: float | None = None  # … to the next case closed
    new_case_closed: float | None = None  # … to the close of the first case filed after it (its whole life after)
    hand_restarts: int = 0  # services supervisord had given up on, started by hand to go on

    @property
    def recovered(self) -> bool:
        return None not in (self.next_filing, self.next_closed, self.new_case_closed)


@dataclass
class Fault:
    name: str
    inject: Callable[[], None]  # returns once the fault is over (what was killed is back, or stays lost)


# --- the faults -----------------------------------------------------------------------------------


def kill_service(platform: ChaosPlatform, service: str) -> None:
    """SIGKILL of the service's process (its pid from supervisord); supervisord is what brings it back."""
    settings = platform.settings
    [before] = supervise.status(settings, [service])
    if before.pid is None:
        raise RuntimeError(f"{service} is not running before its fault: {before.state}")
    os.kill(before.pid, signal.SIGKILL)
    deadline = time.monotonic() + RECOVERY_TIMEOUT
    while True:
        [now] = supervise.status(settings, [service])
        if now.pid not in (None, before.pid) and now.state == "running":
            break
        if now.state == "fatal" or time.monotonic() > deadline:
            raise RuntimeError(f"{service} not restarted by supervisord: {now.state}")
        time.sleep(0.1)
    supervise.wait_until_ready(settings, RECOVERY_TIMEOUT, services=[service])


def crash_broker(node: RabbitNode) -> None:
    node.crash()
    time.sleep(BROKER_DOWN_SECONDS)
    node.start()


def lose_node(node: RabbitNode) -> None:
    node.crash()


def postgres_outage(platform: ChaosPlatform, seconds: float) -> None:
    platform.postgres.stop("fast")
    time.sleep(seconds)
    platform.postgres.start()


def busiest_node(platform: ChaosPlatform) -> tuple[RabbitNode, str]:
    """The node leading the most of the platform's queues (losing it forces the most leader elections),
    and how many it leads."""
    leaders: Counter[str] = Counter()
    for node in platform.rabbit.nodes:
        url = f"http://127.0.0.1:{node.management_port}/api/queues/{platform.settings.vhost}"
        try:
            queues = requests.get(url, auth=("guest", "guest"), timeout=10).json()
        except (requests.RequestException, ValueError):
            continue
        leaders.update(q.get("leader") or q.get("node") for q in queues)
        break
    top = leaders.most_common(1)[0][0] if leaders else platform.rabbit.nodes[0].node
    return platform.rabbit.node_named(top), f"leading {leaders[top]} of {leaders.total()} queues"


def node_loss_plan(platform: ChaosPlatform) -> list[Fault]:
    """Lose the node leading most queues, for good; checks then read the broker through a survivor."""
    lost, held = busiest_node(platform)
    survivor = next(n for n in platform.rabbit.nodes if n is not lost)
    platform.settings = platform.with_management_of(survivor)
    name = f"loss of RabbitMQ node {lost.name}, 1 of {len(platform.rabbit.nodes)} ({held})"
    return [Fault(name, lambda: lose_node(lost))]


def fault_plan(platform: ChaosPlatform, services: list[str], pg_outage: float) -> list[Fault]:
    faults = [Fault(f"SIGKILL {service}", lambda s=service: kill_service(platform, s)) for service in services]
    node = platform.rabbit.nodes[0]
    faults.append(Fault("broker crash (kill -9) and restart", lambda: crash_broker(node)))
    faults.append(Fault("PostgreSQL immediate restart", platform.postgres.restart_immediately))
    faults.append(Fault(f"PostgreSQL outage {pg_outage:g} s", lambda: postgres_outage(platform, pg_outage)))
    return faults


# --- measuring recovery -----------------------------------------------------------------------------


def first_close_after(platform: ChaosPlatform, moment: float) -> float | None:
    """Seconds from `moment` to the first case the coordinator closed after it, waiting for one if need be."""
    deadline = time.monotonic() + RECOVERY_TIMEOUT
    while time.monotonic() < deadline:
        try:
            with psycopg.connect(platform.settings.database_url("coordinator"), connect_timeout=5) as conn:
                row = conn.execute(
                    "SELECT extract(epoch FROM min(at)) FROM timeline"
                    " WHERE kind = 'case_closed' AND at > to_timestamp(%s)",
                    (moment,),
                ).fetchone()
            if row and row[0] is not None:
                return float(row[0]) - moment
        except psycopg.OperationalError:
            pass
        time.sleep(0.25)
    return None


def first_new_case_closed(platform: ChaosPlatform, moments: list[float]) -> list[float | None]:
    """For each moment: seconds from it to the close of the first case registered after it."""
    settings = platform.settings
    with psycopg.connect(settings.database_url("intake")) as conn:
        registered = conn.execute("SELECT case_id, extract(epoch FROM registered_at) FROM cases").fetchall()
    with psycopg.connect(settings.database_url("coordinator")) as conn:
        closed = dict(
            conn.execute("SELECT case_id, extract(epoch FROM at) FROM timeline WHERE kind = 'case_closed'").fetchall()
        )
    ordered = sorted((float(at), case_id) for case_id, at in registered)
    answers: list[float | None] = []
    for moment in moments:
        first = next((case_id for at, case_id in ordered if at > moment), None)
        answers.append(float(closed[first]) - moment if first in closed else None)
    return answers


def first_filing_after(workload: Workload, moment: float) -> float | None:
    deadline = time.monotonic() + RECOVERY_TIMEOUT
    while time.monotonic() < deadline:
        later = [at for at in list(workload.filed_at) if at > moment]
        if later:
            return min(later) - moment
        time.sleep(0.1)
    return None


def hand_restart(platform: ChaosPlatform) -> int:
    """Start any service supervisord gave up on (a fault the platform did not survive by itself)."""
    given_up = [s.name for s in supervise.status(platform.settings) if s.pid is None and s.kind == "python"]
    for service in given_up:
        supervise.start_service(platform.settings, service)
    return len(given_up)


# --- the run ------------------------------------------------------------------------------------


@dataclass
class ChaosReport:
    faults: list[FaultResult]
    findings: Findings
    workload: Workload
    seconds: float

    @property
    def passed(self) -> bool:
        return (
            self.findings.clean
            and all(f.recovered and not f.hand_restarts for f in self.faults)
            and not self.workload.tally.errors
        )

    def text(self) -> str:
        width = max([len(f.name) for f in self.faults] + [20])
        lines = [
            f"{'fault':{width}} {'lasted s':>9} {'→ next filing s':>16} {'→ next closed s':>16}"
            f" {'→ a new case closed s':>22}  hand restarts"
        ]
        for f in self.faults:
            lines.append(
                f"{f.name:{width}} {f.ended - f.started:9.1f} {seconds(f.next_filing):>16} {seconds(f.next_closed):>16}"
                f" {seconds(f.new_case_closed):>22}  {f.hand_restarts}"
            )
        lines.append("")
        lines.append(self.findings.summary())
        tally = self.workload.tally
        lines.append(
            "clients saw: " + (", ".join(f"{k} × {v}" for k, v in sorted(tally.counts.items())) or "nothing odd")
        )
        lines += [f"  client error: {e}" for e in tally.errors[:10]]
        lines.append(f"{'passed' if self.passed else 'FAILED'} in {self.seconds:.0f} s")
        return "\n".join(lines)


def seconds(value: float | None) -> str:
    return "none" if value is None else f"{value:.1f}"


def run_faults(
    platform: ChaosPlatform,
    faults: list[Fault],
    cases: int,
    rate: float,
    *,
    warm_up: int = 10,
    drain_timeout: float = 300.0,
    keys: bool = True,
    echo: Callable[[str], None] = print,
) -> ChaosReport:
    """File at least `cases` cases at `rate` a second, injecting `faults` spread over the filing, then check."""
    started = time.monotonic()
    workload = Workload(platform.settings, platform.run_id, rate, keys=keys)
    workload.start()
    results: list[FaultResult] = []
    try:
        wait_for(lambda: workload.closed_count() >= warm_up, RECOVERY_TIMEOUT, "the first cases closing")
        spacing = (cases / rate) / (len(faults) + 1)
        for number, fault in enumerate(faults, start=1):
            time.sleep(max(0.0, started + number * spacing - time.monotonic()))
            echo(f"fault {number}/{len(faults)}: {fault.name} …")
            result = FaultResult(fault.name, time.time(), 0.0)
            fault.inject()
            result.ended = time.time()
            result.next_filing = first_filing_after(workload, result.ended)
            result.next_closed = first_close_after(platform, result.ended)
            result.hand_restarts = hand_restart(platform)
            results.append(result)
            echo(
                f"  over after {result.ended - result.started:.1f} s;"
                f" next filing after {seconds(result.next_filing)} s,"
                f" next case closed after {seconds(result.next_closed)} s"
            )
        wait_for(lambda: len(workload.filed_at) >= cases, cases / rate + RECOVERY_TIMEOUT, f"{cases} filings")
        workload.finish_filing()
        for thread in workload.threads[: workload.filers]:
            thread.join()
        attempted = workload.next_index
        echo(f"{attempted} filings made; waiting for every case to close …")
        wait_for(
            lambda: workload.closed_count() >= len(workload.filed), drain_timeout, "every case closing", fail=False
        )
    finally:
        workload.shut_down()
    for result, value in zip(results, first_new_case_closed(platform, [r.ended for r in results]), strict=True):
        result.new_case_closed = value
    findings = check(platform.settings, platform.run_id, workload.next_index, dict(workload.filed))
    return ChaosReport(results, findings, workload, time.monotonic() - started)


def wait_until_settled(workload: Workload, timeout: float, stalled_after: float = 60.0) -> None:
    """Until every filed case is closed, or nothing has closed for `stalled_after` seconds, or `timeout`."""
    deadline = time.monotonic() + timeout
    last, last_change = -1, time.monotonic()
    while (closed := workload.closed_count()) < len(workload.filed) and time.monotonic() < deadline:
        if closed != last:
            last, last_change = closed, time.monotonic()
        elif time.monotonic() - last_change > stalled_after:
            return
        time.sleep(0.5)


def wait_for(condition: Callable[[], bool], timeout: float, what: str, fail: bool = True) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            if fail:
                raise TimeoutError(f"{what}: not within {timeout:g} s")
            return False
        time.sleep(0.5)
    return True


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--cases", type=int, default=3000)
    parser.add_argument("--rate", type=float, default=8.0, help="cases filed a second")
    parser.add_argument("--nodes", type=int, choices=(1, 3), default=1, help="3: node loss on a quorum-queue cluster")
    parser.add_argument("--pg-outage", type=float, default=PG_OUTAGE_SECONDS, help="seconds PostgreSQL stays down")
    parser.add_argument("--services", help="comma-separated services to SIGKILL (default: every one)")
    parser.add_argument("--no-keys", action="store_true", help="send no Idempotency-Key (to see what that costs)")
    parser.add_argument("--keep", action="store_true", help="keep the private servers' directories and logs")
    args = parser.parse_args(argv)
    if args.cases < 1 or args.rate <= 0:
        parser.error("--cases must be at least 1 and --rate more than 0")
    print(f"chaos: {args.cases} cases at {args.rate:g}/s on {args.nodes} private RabbitMQ node(s)", flush=True)
    with chaos_platform(nodes=args.nodes, keep=args.keep) as platform:
        settings = platform.settings
        if args.nodes == 1:
            chosen = (
                args.services.split(",") if args.services else [s.name for s in supervise.status(settings) if s.pid]
            )
            faults = fault_plan(platform, [settings.require_service(s) for s in chosen], args.pg_outage)
        else:
            faults = node_loss_plan(platform)
        report = run_faults(
            platform, faults, args.cases, args.rate, keys=not args.no_keys, echo=lambda s: print(s, flush=True)
        )
        print()
        print(report.text())
    return 0 if report.passed else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
