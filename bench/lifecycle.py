"""`make bench`: N full case lifecycles through the real services, beside the raw broker and database rates.

Each case is filed at intake, triaged, handled by every designated unit (accept, result)
through the agencies' own HTTP APIs, resolved, rated at the follow-up visit and closed.
Latencies come from the services' own database timestamps, not from the drivers' polling.
"""

import argparse
import itertools
import json
import os
import random
import shutil
import statistics
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import psycopg

from bench.cpu import BROKER_CPU, DRIVERS, POSTGRES, CpuMeter
from bench.filings import in_turn, walk_in_dispute
from bench.http import JsonHttp, sign_in
from bench.raw import amqp_broker_cost, amqp_confirmed_rate, postgres_write_rate
from shared.auth.settings import AuthSettings
from shared.auth.tokens import TokenVerifier
from shared.registry import load_registry
from shared.telemetry.round_trips import ROUND_TRIPS
from wuyuan import supervise
from wuyuan.accounts import ensure_accounts, working_accounts
from wuyuan.agencies import is_external
from wuyuan.provision import provision_all
from wuyuan.provision_amqp import delete_broker
from wuyuan.provision_db import drop_databases
from wuyuan.settings import FRONT_SERVICES, PlatformSettings

# A mix of joint (traffic: police + court) and single-unit (neighbour: justice; debt: court) cases.
CATEGORIES = ("traffic", "neighbour", "debt")
# Officers and visitors look again this long after finding nothing: people act on a list, not a busy loop.
IDLE_POLL_SECONDS = 0.25
# Token verifications timed in-process on a token from the run's identity service (its keys fetched once).
VERIFICATIONS = 2000
ROUND_TRIPS_FIELD = f'"{ROUND_TRIPS}"'.encode()  # a span line that counted round trips has it


def dispute(index: int, run: str) -> dict[str, object]:
    phone = f"139{random.randrange(10**8):08d}"
    return walk_in_dispute(f"压测纠纷 {run}-{index}", f"{run}{index}", in_turn(CATEGORIES, index), phone)


class SignedIn:
    """The working accounts (made once, as for the demo), each signed in once at the run's identity service."""

    def __init__(self, settings: PlatformSettings) -> None:
        self.settings = settings
        self.passwords = ensure_accounts(settings, working_accounts(settings))
        self.registry = load_registry(settings.config_dir)
        self.tokens: dict[str, str] = {}
        self.lock = threading.Lock()

    def token(self, username: str) -> str:
        with self.lock:
            if username not in self.tokens:
                identity = self.settings.http_base_url("identity")
                self.tokens[username] = sign_in(identity, username, self.passwords[username])
            return self.tokens[username]

    def officer_of(self, service: str) -> str:
        """The agency's working officer, who acts for every unit of the agency in the county."""
        return f"demo.{self.registry.by_service(service).code}"


class Drivers:
    """Officers and follow-up visitors, acting on whatever is waiting for them until told to stop."""

    def __init__(self, settings: PlatformSettings, accounts: SignedIn, keys: bool = False) -> None:
        self.settings = settings
        self.accounts = accounts
        self.keys = keys
        self.stop = threading.Event()
        self.errors: list[str] = []
        self.clients: list[JsonHttp] = []

    def client(self, username: str) -> JsonHttp:
        http = JsonHttp(connections=1, token=self.accounts.token(username))
        self.clients.append(http)
        return http

    def key(self) -> str | None:
        """An Idempotency-Key for one action, when the run sends them."""
        return str(uuid.uuid4()) if self.keys else None

    def officer(self, service: str) -> None:
        http = self.client(self.accounts.officer_of(service))
        base = self.settings.http_base_url(service)
        while not self.stop.is_set():
            waiting = http.get(f"{base}/api/v1/referrals", status="received", limit=200)["referrals"]
            for referral in waiting:
                rid = referral["referral_id"]
                for action, body in (
                    ("accept", {}),
                    ("result", {"result": "handled", "summary": "已化解"}),
                ):
                    status, answer = http.post(f"{base}/api/v1/referrals/{rid}/{action}", body, self.key())
                    if status != 202:
                        self.errors.append(f"{service} {action} {rid}: {status} {answer[:200]!r}")
            if not waiting:
                self.stop.wait(IDLE_POLL_SECONDS)

    def visitor(self) -> None:
        http = self.client("demo.supervisor")
        base = self.settings.http_base_url("supervision")
        while not self.stop.is_set():
            pending = http.get(f"{base}/api/v1/follow-ups")["follow_ups"]
            for follow_up in pending:
                status, _ = http.post(
                    f"{base}/api/v1/follow-ups/{follow_up['case_id']}/rating", {"rating": "satisfied"}, self.key()
                )
                if status not in (202, 409):
                    self.errors.append(f"rating {follow_up['case_id']}: {status}")
            if not pending:
                self.stop.wait(IDLE_POLL_SECONDS)


def verification_cost(settings: PlatformSettings, token: str, count: int = VERIFICATIONS) -> tuple[float, float]:
    """Microseconds per verification on a real token, as every service runs it per request: the full
    check (ES256 signature, claims, Principal) a token gets the first time a service sees it, and the
    remembered answer every later request with the same token gets. The key set is fetched once first,
    as a running service holds it."""
    environment = settings.auth_environment()
    verifier = TokenVerifier(
        AuthSettings(
            issuer=environment["WUYUAN_AUTH_ISSUER"],
            audience=environment["WUYUAN_AUTH_AUDIENCE"],
            jwks_url=environment["WUYUAN_AUTH_JWKS_URL"],
        )
    )
    verifier.verify(token)  # fetches the keys, and remembers the caller
    started = time.perf_counter()
    for _ in range(count):
        verifier.check_signature(token)
    signed = (time.perf_counter() - started) / count * 1e6
    started = time.perf_counter()
    for _ in range(count):
        verifier.verify(token)
    remembered = (time.perf_counter() - started) / count * 1e6
    return signed, remembered


def officered_agencies(settings: PlatformSettings) -> list[str]:
    """The agencies of the registry whose officers the bench plays: every Python agency, as they all take
    referrals through the same HTTP API and keep them in the same table. An external agency is started and
    its CPU measured like every service, but answers its referrals its own way."""
    return [s for s in settings.services if settings.is_agency(s) and not is_external(settings, s)]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def measure(settings: PlatformSettings, case_ids: list[str]) -> dict:
    with psycopg.connect(settings.database_url("intake")) as conn:
        registered = dict(
            conn.execute("SELECT case_id, registered_at FROM cases WHERE case_id = ANY(%s)", (case_ids,)).fetchall()
        )
    with psycopg.connect(settings.database_url("coordinator")) as conn:
        closed = dict(
            conn.execute(
                "SELECT case_id, at FROM timeline WHERE kind = 'case_closed' AND case_id = ANY(%s)", (case_ids,)
            ).fetchall()
        )
        sent = conn.execute("SELECT count(*) FROM outbox").fetchone()[0]
    lead_delivered: dict[str, object] = {}
    for service in officered_agencies(settings):
        with psycopg.connect(settings.database_url(service)) as conn:
            for case_id, at in conn.execute(
                "SELECT case_id, received_at FROM referrals WHERE role = 'lead' AND round = 1 AND case_id = ANY(%s)",
                (case_ids,),
            ):
                lead_delivered[case_id] = at
            sent += conn.execute("SELECT count(*) FROM outbox").fetchone()[0]
    for service in ("intake", "supervision"):
        with psycopg.connect(settings.database_url(service)) as conn:
            sent += conn.execute("SELECT count(*) FROM outbox").fetchone()[0]
    delivered = sum(inbox_rows(settings, service) for service in settings.services if service not in FRONT_SERVICES)
    to_lead = [(lead_delivered[c] - registered[c]).total_seconds() * 1000 for c in case_ids if c in lead_delivered]
    to_closed = [(closed[c] - registered[c]).total_seconds() * 1000 for c in case_ids if c in closed]
    span = (max(closed.values()) - min(registered.values())).total_seconds() if closed else float("nan")
    return {
        "closed": len(closed),
        "to_lead": to_lead,
        "to_closed": to_closed,
        "span_s": span,
        "messages": sent,
        "delivered": delivered,
    }


def commits(settings: PlatformSettings) -> int:
    """Transactions committed so far in the run's databases (PostgreSQL's own count)."""
    with psycopg.connect(settings.pg_admin_url) as conn:
        row = conn.execute(
            "SELECT coalesce(sum(xact_commit), 0) FROM pg_stat_database WHERE starts_with(datname, %s)",
            (settings.db_prefix,),
        ).fetchone()
    return int(row[0]) if row else 0


def inbox_rows(settings: PlatformSettings, service: str) -> int:
    """Messages the service's inbox took and handled (one row each; redeliveries add none); 0 for an agency
    outside Python, whose inbox is its own."""
    try:
        with psycopg.connect(settings.database_url(service)) as conn:
            return int(conn.execute("SELECT count(*) FROM inbox").fetchone()[0])
    except (psycopg.errors.UndefinedTable, psycopg.OperationalError):
        return 0


@dataclass(frozen=True)
class TraceVolume:
    spans: int
    round_trips: int  # database round trips the hops counted (`db.round_trips` on their spans)


def trace_volume(settings: PlatformSettings) -> TraceVolume:
    """Spans the services wrote to their trace files (rotated files included), and the database round trips
    those spans counted: the trace volume a run makes, and a figure of its cost that no machine's speed moves."""
    spans = round_trips = 0
    for path in settings.trace_dir.glob("*.jsonl"):
        with path.open("rb") as handle:
            for line in handle:
                spans += 1
                if ROUND_TRIPS_FIELD in line:
                    round_trips += int(json.loads(line)["attributes"].get(ROUND_TRIPS, 0))
    return TraceVolume(spans, round_trips)


def run(cases: int, filers: int, timeout: float, keep: bool, rate: float | None = None, keys: bool = False) -> int:
    run_id = uuid.uuid4().hex[:6]
    os.environ.update(
        {
            "WUYUAN_VHOST": f"wyb_{run_id}",
            "WUYUAN_DB_PREFIX": f"wyb_{run_id}_",
            "WUYUAN_STATE_DIR": f"/tmp/wuyuan-bench-{run_id}",
            "WUYUAN_HTTP_PORT_BASE": os.environ.get("WUYUAN_BENCH_PORT_BASE", "18900"),
        }
    )
    settings = PlatformSettings()
    print(f"bench {run_id}: provisioning a platform of its own (vhost {settings.vhost})", flush=True)
    provision_all(settings)
    complete = started = False
    try:
        try:
            supervise.start(settings, detach=True)
        except supervise.PortsTaken as taken:
            raise SystemExit(
                f"bench {run_id}: {taken}\n(the bench's platform takes its ports from WUYUAN_BENCH_PORT_BASE,"
                " 18900 by default)"
            ) from None
        started = True
        supervise.wait_until_ready(settings, timeout=120)
        accounts = SignedIn(settings)
        drivers = Drivers(settings, accounts, keys)
        officers = officered_agencies(settings)
        threads = [threading.Thread(target=drivers.officer, args=(s,), daemon=True) for s in officers]
        threads.append(threading.Thread(target=drivers.visitor, daemon=True))
        for thread in threads:
            thread.start()

        pace = f" at {rate:g} a second" if rate else " as fast as they are taken"
        pace += ", every change under an Idempotency-Key" if keys else ""
        print(f"filing {cases} cases with {filers} concurrent clients{pace} …", flush=True)
        intake = settings.http_base_url("intake")
        http = JsonHttp(connections=filers, token=accounts.token("demo.window"))
        watcher = JsonHttp(connections=1, token=accounts.token("demo.coordinator"))

        def file(index: int) -> str:
            if rate:  # an arrival rate below capacity shows latency without a backlog
                time.sleep(max(0.0, started + index / rate - time.perf_counter()))
            status, answer = http.post(f"{intake}/api/v1/disputes", dispute(index, run_id), drivers.key())
            if status != 201:
                raise RuntimeError(f"filing case {index}: {status} {answer[:200]!r}")
            return json.loads(answer)["case_id"]

        meter = CpuMeter({s.name: s.pid for s in supervise.status(settings) if s.pid})
        commits_before = commits(settings)
        started = time.perf_counter()
        with ThreadPoolExecutor(filers) as pool:
            case_ids = list(pool.map(file, range(cases)))
        filed = time.perf_counter() - started
        coordinator = settings.http_base_url("coordinator")
        deadline = time.monotonic() + timeout
        closed = 0
        while time.monotonic() < deadline:
            closed = watcher.get(f"{coordinator}/api/v1/cases", limit=0)["counts"].get("closed", 0)
            if closed >= cases:
                break
            time.sleep(0.5)
        drivers.stop.set()
        cpu_used = meter.used()
        time.sleep(1.5)  # PostgreSQL publishes its backends' counts within a second
        committed = commits(settings) - commits_before
        database_cpu = meter.by_database()
        results = measure(settings, case_ids)

        print("measuring the raw broker and database on the same machine, now …", flush=True)
        raw_uri = settings.amqp_admin_uri.rstrip("/") + f"/{settings.vhost}"
        amqp_rate = amqp_confirmed_rate(raw_uri, window=200)
        amqp_one_by_one = amqp_confirmed_rate(raw_uri, messages=3000, window=1)
        broker_alone = amqp_broker_cost(raw_uri, messages=3000, window=1)
        broker_batched = amqp_broker_cost(raw_uri, messages=20_000, window=200)
        pg_rate, pg_how, pg_server_us = postgres_write_rate(settings.pg_admin_url)
        verify_us, remembered_us = verification_cost(settings, accounts.token("demo.window"))
        requests_sent = http.requests + watcher.requests + sum(c.requests for c in drivers.clients)
        volume = trace_volume(settings)  # the raw figures took seconds: the services' spans are flushed by now
        complete = results["closed"] == cases and not drivers.errors
    finally:
        if keep:
            print(
                f"bench {run_id}: the platform keeps running; to stop it and remove what it provisioned:"
                f" WUYUAN_VHOST={settings.vhost} WUYUAN_DB_PREFIX={settings.db_prefix}"
                f" WUYUAN_STATE_DIR={settings.state_dir} WUYUAN_HTTP_PORT_BASE={settings.http_port_base}"
                " .venv/bin/wuyuan down --purge --yes",
                flush=True,
            )
        else:
            supervise.stop(settings)
            delete_broker(settings)
            drop_databases(settings)
            # A run's logs and traces take tens of megabytes; they are kept only to explain a failure.
            if complete or not started:
                shutil.rmtree(settings.state_dir, ignore_errors=True)
            else:
                print(f"bench {run_id}: logs and traces kept in {settings.state_dir}", flush=True)

    rate = results["closed"] / results["span_s"] if results["closed"] else 0.0
    per_case = results["messages"] / max(results["closed"], 1)
    print()
    print(f"cases filed: {cases} in {filed:.1f} s; closed: {results['closed']}; driver errors: {len(drivers.errors)}")
    for error in itertools.islice(drivers.errors, 5):
        print("  ", error)
    print(f"{'figure':52} {'value':>12}")
    print(f"{'full lifecycles per second (first filed → last closed)':52} {rate:12.1f}")
    for name, values in (
        ("registration → lead referral delivered (ms)", results["to_lead"]),
        ("registration → closed (ms)", results["to_closed"]),
    ):
        if values:
            print(
                f"{name:52} p50 {percentile(values, 0.5):7.0f}  p95 {percentile(values, 0.95):7.0f}"
                f"  p99 {percentile(values, 0.99):7.0f}  (mean {statistics.fmean(values):.0f})"
            )
    print(f"{'messages sent per case (all outboxes)':52} {per_case:12.1f}")
    print(f"{'platform messages per second':52} {rate * per_case:12.0f}")
    print(f"{'raw AMQP: persistent confirmed publishes/s, 1 client':52} {amqp_rate:12.0f}   (confirms awaited per 200)")
    print(f"{'raw AMQP: the same, awaiting each confirm':52} {amqp_one_by_one:12.0f}")
    print(f"{'raw PostgreSQL: write transactions/s':52} {pg_rate:12.0f}   ({pg_how})")
    if pg_server_us is not None:
        print(f"{'raw PostgreSQL: its CPU per transaction (µs)':52} {pg_server_us:12.0f}   (all postgres processes)")
    print(f"{'the platform: transactions per lifecycle':52} {committed / max(results['closed'], 1):12.1f}")
    per_commit = 1e6 * cpu_used.get(POSTGRES, 0.0) / max(committed, 1)
    print(f"{'the platform: PostgreSQL CPU per transaction (µs)':52} {per_commit:12.0f}")
    delivered = results["delivered"] / max(results["closed"], 1)
    print(f"{'messages delivered per case (all inboxes)':52} {delivered:12.1f}")
    if broker_alone is not None and broker_batched is not None:
        # The broker's floor beside what it took from the platform: a service's relay mostly sends one
        # message at a time, and each persistent message alone pays for its own write to disk and confirm.
        how = "(persistent, confirmed, delivered, acked)"
        print(f"{'raw AMQP: broker CPU per message, sent alone (µs)':52} {broker_alone:12.0f}   {how}")
        print(f"{'raw AMQP: the same, sent 200 at a time (µs)':52} {broker_batched:12.0f}")
        broker_seconds = cpu_used.get(BROKER_CPU, 0.0)
        per_delivery = 1e6 * broker_seconds / max(results["delivered"], 1)
        print(f"{'the platform: broker CPU per message delivered (µs)':52} {per_delivery:12.0f}")
    print(f"{'ratio: platform messages / raw AMQP rate':52} {rate * per_case / amqp_rate:12.3f}")
    print(f"{'ratio: lifecycles / raw PostgreSQL tx rate':52} {rate / pg_rate:12.4f}")
    requests_per_case = requests_sent / max(results["closed"], 1)
    print(f"{'token verification, first sight (µs, in-process)':52} {verify_us:12.0f}   ({VERIFICATIONS} × ES256)")
    print(f"{'token verification, remembered (µs per request)':52} {remembered_us:12.1f}")
    print(f"{'HTTP requests per lifecycle (drivers, incl. polls)':52} {requests_per_case:12.1f}")
    # The drivers hold one token each for the whole run, as signed-in staff do: every request after a
    # service's first sight of a token is a remembered one.
    print(f"{'token verification CPU per lifecycle (ms)':52} {requests_per_case * remembered_us / 1000:12.3f}")
    print(f"{'spans written per lifecycle (all services)':52} {volume.spans / max(results['closed'], 1):12.1f}")
    print(f"{'database round trips per lifecycle (hops)':52} {volume.round_trips / max(results['closed'], 1):12.1f}")
    print()
    closed_cases = max(results["closed"], 1)
    print(f"{'CPU used while the cases ran':52} {'seconds':>12} {'ms per lifecycle':>18}")
    for name, seconds in sorted(cpu_used.items(), key=lambda item: -item[1]):
        print(f"{name:52} {seconds:12.1f} {1000 * seconds / closed_cases:18.1f}")
    total = sum(cpu_used.values())
    print(f"{'total':52} {total:12.1f} {1000 * total / closed_cases:18.1f}")
    platform = total - cpu_used[DRIVERS]
    platform_ms = 1000 * platform / closed_cases
    print(f"{'the platform alone (all but the bench drivers)':52} {platform:12.1f} {platform_ms:18.1f}")
    print()
    print(f"{'PostgreSQL backends, by database':52} {'seconds':>12} {'ms per lifecycle':>18}")
    for database, seconds in sorted(database_cpu.items(), key=lambda item: -item[1]):
        if seconds >= 0.05:
            name = database.removeprefix(settings.db_prefix)
            print(f"{name:52} {seconds:12.1f} {1000 * seconds / closed_cases:18.1f}")
    return 0 if results["closed"] == cases else 1


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--filers", type=int, default=8)
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument("--rate", type=float, help="file this many cases a second (default: as fast as possible)")
    parser.add_argument("--keep", action="store_true", help="leave the bench platform running afterwards")
    parser.add_argument(
        "--keys", action="store_true", help="send an Idempotency-Key with every change, as the console and wuyuan do"
    )
    args = parser.parse_args(argv)
    if args.cases < 1 or args.filers < 1:
        parser.error("--cases and --filers must be at least 1")
    if args.rate is not None and args.rate <= 0:
        parser.error("--rate must be more than 0")
    return run(args.cases, args.filers, args.timeout, args.keep, args.rate, args.keys)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
