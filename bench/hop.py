"""`make bench-hop`: one service's CPU per delivery, its inbox filled while it was stopped, then drained alone.

`make bench` measures whole lifecycles, where every process shares two cores and the cost of
one hop moves with what the others do (a tenth between runs of the same code). Here the
service under test (`--service`, the coordinator by default) is stopped while cases are filed
and the other services take them as far as they can without it; then every other service is
stopped too, and the service alone drains its inbox. Its CPU, its database's and the broker's,
between a tenth and nine tenths of the drain (start-up and the tail left out), divided by the
deliveries handled meanwhile, is the cost of one delivery with a full queue (handlers grouped,
publishes batched). Beside it, in the same run: a bare consumer of the same libraries
(`bench.raw.bare_consumer_cost`), and the raw broker and database rates.
"""

import argparse
import json
import os
import shutil
import sys
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

import amqp
import psycopg

from bench.cpu import backend_database, process_seconds, seconds_by_command
from bench.http import JsonHttp
from bench.lifecycle import Drivers, SignedIn, dispute, officered_agencies
from bench.raw import amqp_confirmed_rate, bare_consumer_cost, postgres_write_rate
from shared.contracts import message_model
from shared.contracts.examples import valid_example
from shared.messaging.routing import inbox_queue
from wuyuan import supervise
from wuyuan.provision import provision_all
from wuyuan.provision_amqp import delete_broker
from wuyuan.provision_db import drop_databases
from wuyuan.settings import PlatformSettings

SAMPLE_SECONDS = 0.1
NOT_MEASURABLE = ("intake", "identity", "console")
SETTLED_SECONDS = 3.0  # the inbox has stopped growing this long: the other services are done with the cases


@dataclass(frozen=True)
class Sample:
    at: float
    handled: int
    service_cpu: float
    database_cpu: float
    broker_cpu: float


def queue_depth(settings: PlatformSettings, queue: str) -> int:
    """Messages ready in a queue, asked of the broker as its operator (a passive declare changes nothing)."""
    parts = urlsplit(settings.service_amqp_uri("operator"))
    connection = amqp.Connection(
        host=f"{parts.hostname}:{parts.port or 5672}",
        userid=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
        virtual_host=unquote(parts.path.lstrip("/")),
    )
    connection.connect()
    try:
        return int(connection.channel().queue_declare(queue, passive=True).message_count)
    finally:
        connection.close()


def fill(settings: PlatformSettings, service: str, cases: int, run_id: str) -> None:
    """File the cases with the service stopped; the others (officers acting) take them as far as they go."""
    supervise.stop_service(settings, service)
    accounts = SignedIn(settings)
    drivers = Drivers(settings, accounts)
    # Officers act at every agency but the stopped one; the follow-up visitor rates at supervision.
    agencies = [agency for agency in officered_agencies(settings) if agency != service]
    acting = [threading.Thread(target=drivers.officer, args=(agency,), daemon=True) for agency in agencies]
    if service != "supervision":
        acting.append(threading.Thread(target=drivers.visitor, daemon=True))
    for thread in acting:
        thread.start()
    http = JsonHttp(connections=8, token=accounts.token("demo.window"))
    intake = settings.http_base_url("intake")

    def file(index: int) -> None:
        status, answer = http.post(f"{intake}/api/v1/disputes", dispute(index, run_id), None)
        if status != 201:
            raise RuntimeError(f"filing case {index}: {status} {answer[:200]!r}")

    try:
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(file, range(cases)))
        depth, still_since = -1, time.monotonic()
        while time.monotonic() - still_since < SETTLED_SECONDS:
            now = queue_depth(settings, inbox_queue(service))
            if now != depth:
                depth, still_since = now, time.monotonic()
            time.sleep(0.5)
    finally:
        drivers.stop.set()
    if drivers.errors:
        raise RuntimeError(f"the drivers failed: {drivers.errors[:3]}")


def drain(settings: PlatformSettings, service: str) -> list[Sample]:
    """Stop every other service, start this one, and sample until it has handled everything queued for it."""
    for other in settings.services:
        if other != service:
            supervise.stop_service(settings, other)
    database = settings.database_name(service)
    with psycopg.connect(settings.admin_database_url(service), autocommit=True) as conn:

        def handled() -> int:
            row = conn.execute("SELECT count(*) FROM inbox").fetchone()
            return int(row[0]) if row else 0

        before = handled()
        # Sampled from the spawn on: a service that waited for its health check would have drained much
        # of a small inbox unseen. Start-up falls before the first tenth, outside what is measured.
        supervise.start_service(settings, service, wait=False)
        pid = 0
        while not pid:
            pid = next((s.pid for s in supervise.status(settings, [service]) if s.pid), 0)
        samples: list[Sample] = []
        unchanged = 0
        shared: dict[int, str] = {}  # the broker's and the database's processes: pid -> what it counts for
        while unchanged < SETTLED_SECONDS / SAMPLE_SECONDS:
            if len(samples) % 10 == 0:  # new backends appear as the pool grows; /proc is read in full seldom
                shared = _shared_processes(database)
            seconds = {p: process_seconds(p) or 0.0 for p in shared}
            sample = Sample(
                at=time.monotonic(),
                handled=handled() - before,
                service_cpu=process_seconds(pid) or 0.0,
                database_cpu=sum(s for p, s in seconds.items() if shared[p] == "database"),
                broker_cpu=sum(s for p, s in seconds.items() if shared[p] == "broker"),
            )
            unchanged = unchanged + 1 if samples and sample.handled == samples[-1].handled else 0
            samples.append(sample)
            time.sleep(SAMPLE_SECONDS)
        return samples


def _shared_processes(database: str) -> dict[int, str]:
    """The RabbitMQ processes, and the PostgreSQL backends serving `database`."""
    found = {pid: "broker" for pid in seconds_by_command(("beam.smp",))}
    for pid in seconds_by_command(("postgres",)):
        if backend_database(pid) == database:
            found[pid] = "database"
    return found


def handled_types(settings: PlatformSettings, service: str) -> Counter[str]:
    with psycopg.connect(settings.admin_database_url(service), autocommit=True) as conn:
        rows = conn.execute("SELECT message_type, count(*) FROM inbox GROUP BY message_type").fetchall()
    return Counter({str(kind): int(n) for kind, n in rows})


def spans_of(settings: PlatformSettings, service: str) -> Counter[str]:
    names: Counter[str] = Counter()
    for path in settings.trace_dir.glob(f"{service}*.jsonl"):
        with path.open(encoding="utf-8") as handle:
            for line in handle:
                try:
                    names[json.loads(line)["name"]] += 1
                except (ValueError, KeyError):
                    continue  # a line cut short
    return names


def run(service: str, cases: int) -> int:
    run_id = uuid.uuid4().hex[:6]
    os.environ.update(
        {
            "WUYUAN_VHOST": f"wyh_{run_id}",
            "WUYUAN_DB_PREFIX": f"wyh_{run_id}_",
            "WUYUAN_STATE_DIR": f"/tmp/wuyuan-bench-{run_id}",
            "WUYUAN_HTTP_PORT_BASE": os.environ.get("WUYUAN_BENCH_PORT_BASE", "18900"),
        }
    )
    settings = PlatformSettings()
    # Intake takes the filings, so it cannot be the one stopped; identity and the console keep no inbox.
    measurable = [s for s in settings.services if s not in NOT_MEASURABLE]
    if service not in measurable:
        print(f"--service {service!r}: one of {', '.join(measurable)}", file=sys.stderr)
        return 2
    print(f"bench {run_id}: provisioning a platform of its own (vhost {settings.vhost})", flush=True)
    provision_all(settings)
    try:
        supervise.start(settings, detach=True)
        supervise.wait_until_ready(settings, timeout=120)
        print(f"filing {cases} cases with {service} stopped …", flush=True)
        fill(settings, service, cases, run_id)
        print(f"{service} drains its inbox alone …", flush=True)
        samples = drain(settings, service)
        time.sleep(1.0)  # the batch span processor exports every half second
        kinds = handled_types(settings, service)
        spans = spans_of(settings, service)
        print("measuring a bare consumer and the raw broker and database on the same machine, now …", flush=True)
        model = message_model(kinds.most_common(1)[0][0]) if kinds else None
        if model is None:
            raise RuntimeError(f"{service} handled no platform message ({dict(kinds)}): file more cases")
        example = valid_example(model)
        raw_uri = settings.amqp_admin_uri.rstrip("/") + f"/{settings.vhost}"
        bare_us = bare_consumer_cost(raw_uri, settings.pg_admin_url, json.dumps(example, ensure_ascii=False).encode())
        amqp_rate = amqp_confirmed_rate(raw_uri, window=200)
        pg_rate, pg_how, _ = postgres_write_rate(settings.pg_admin_url)
    finally:
        supervise.stop(settings)
        delete_broker(settings)
        drop_databases(settings)
        shutil.rmtree(settings.state_dir, ignore_errors=True)

    total = samples[-1].handled
    low = next(s for s in samples if s.handled >= 0.1 * total)
    high = next(s for s in samples if s.handled >= 0.9 * total)
    count = high.handled - low.handled
    if count <= 0 or high.at <= low.at:
        print(f"{service} handled too few deliveries to measure ({total}); file more cases", file=sys.stderr)
        return 1
    print()
    print(f"{service}: {total} deliveries drained ({', '.join(f'{k} {n}' for k, n in kinds.most_common())})")
    per_delivery = [
        ("deliveries measured (a tenth to nine tenths of the drain)", f"{count:10d}"),
        ("deliveries a second while draining", f"{count / (high.at - low.at):10.0f}"),
        (f"{service} CPU per delivery (µs)", f"{1e6 * (high.service_cpu - low.service_cpu) / count:10.0f}"),
        ("its PostgreSQL backends per delivery (µs)", f"{1e6 * (high.database_cpu - low.database_cpu) / count:10.0f}"),
        ("RabbitMQ per delivery (µs)", f"{1e6 * (high.broker_cpu - low.broker_cpu) / count:10.0f}"),
        ("spans written per delivery", f"{sum(spans.values()) / max(total, 1):10.2f}"),
        ("raw: bare consumer, CPU per message (µs)", f"{bare_us:10.0f}   (kombu, strict JSON, pydantic, one tx, ack)"),
        ("raw AMQP: persistent confirmed publishes/s, 1 client", f"{amqp_rate:10.0f}   (confirms awaited per 200)"),
        ("raw PostgreSQL: write transactions/s", f"{pg_rate:10.0f}   ({pg_how})"),
    ]
    print(f"{'figure':60} {'value':>10}")
    for name, value in per_delivery:
        print(f"{name:60} {value}")
    return 0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--service", default="coordinator", help="the service whose deliveries are measured")
    parser.add_argument("--cases", type=int, default=2000)
    args = parser.parse_args(argv)
    return run(args.service, args.cases)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
