"""The fault suite's users: window staff filing cases, officers handling referrals, the visitor rating, all retrying.

Every POST carries an `Idempotency-Key` that stays the same across the retries of one action, as a
careful client does: a request that timed out or failed may still have committed, and the key lets
the service answer the retry with the first answer instead of doing it twice. Failures the client
saw are counted, so duplicates that slip through can be traced to ambiguous failures.
"""

import json
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field

import urllib3

from bench.filings import in_turn, walk_in_dispute
from bench.http import sign_in
from wuyuan.accounts import ensure_accounts, working_accounts
from wuyuan.agencies import is_external
from wuyuan.settings import PlatformSettings

# A mix of joint (traffic: police + court; wages: justice + petition) and single-unit cases.
CATEGORIES = ("traffic", "neighbour", "debt", "wages")
# A request that has not answered in this long is given up and retried (the service may still commit it).
REQUEST_TIMEOUT = 10.0
# How long one action is retried before the client gives up on it.
GIVE_UP_AFTER = 300.0
IDLE_POLL_SECONDS = 0.3
RETRYABLE = {429, 500, 502, 503, 504}


def summary_tag(run_id: str, index: int) -> str:
    """What the case's summary carries, so each filing can be found in intake's database."""
    return f"混沌测试 {run_id}-{index}"


def dispute(run_id: str, index: int) -> dict[str, object]:
    summary = f"{summary_tag(run_id, index)} 双方争执不下"
    return walk_in_dispute(summary, f"{run_id}{index}", in_turn(CATEGORIES, index), f"139{index:08d}")


class RetryingClient:
    """JSON over HTTP with a bearer token; POSTs retried with the same Idempotency-Key until answered."""

    def __init__(self, token: str, tally: "Tally", connections: int = 4, keys: bool = True) -> None:
        self.pool = urllib3.PoolManager(
            maxsize=connections, retries=False, timeout=urllib3.Timeout(connect=3, read=REQUEST_TIMEOUT)
        )
        self.headers = {"Authorization": f"Bearer {token}"}
        self.tally = tally
        self.keys = keys  # off only to show what retries without keys do

    def get(self, url: str, **params: object) -> dict[str, object] | None:
        """The JSON answer, or None when the service could not answer now (the caller polls again)."""
        try:
            response = self.pool.request(
                "GET", url, fields={k: str(v) for k, v in params.items()} or None, headers=self.headers
            )
        except urllib3.exceptions.HTTPError:
            return None
        if response.status != 200:
            return None
        answer: dict[str, object] = json.loads(response.data)
        return answer

    def post(self, url: str, body: object, key: str, done: frozenset[int]) -> tuple[int, bytes]:
        """POST until a status in `done` (or another 4xx, which no retry would change) comes back."""
        payload = json.dumps(body, ensure_ascii=False).encode()
        headers = {**self.headers, "Content-Type": "application/json"}
        if self.keys:
            headers["Idempotency-Key"] = key
        deadline = time.monotonic() + GIVE_UP_AFTER
        delay = 0.2
        ambiguous = False  # an earlier attempt may have committed
        while True:
            try:
                response = self.pool.request("POST", url, body=payload, headers=headers)
                status, data = response.status, response.data
            except urllib3.exceptions.HTTPError as failed:
                status, data = 0, str(failed).encode()
            # The first attempt with this key is still running: its answer comes to a later retry.
            in_progress = status == 409 and b'"in_progress"' in data
            if not in_progress and (status in done or (400 <= status < 500 and status not in RETRYABLE)):
                if ambiguous:
                    self.tally.count(f"answered after an ambiguous failure: {status}")
                return status, data
            self.tally.count("retried: no answer" if status == 0 else f"retried: {status}")
            ambiguous = ambiguous or status == 0 or status >= 500 or in_progress
            if time.monotonic() > deadline:
                self.tally.count("gave up")
                return status, data
            time.sleep(delay)
            delay = min(delay * 2, 2.0)


@dataclass
class Tally:
    """What the clients saw, counted across threads."""

    counts: Counter[str] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self, what: str) -> None:
        with self.lock:
            self.counts[what] += 1

    def error(self, what: str) -> None:
        with self.lock:
            if what not in self.errors:  # an officer meets the same refusal at every look
                self.errors.append(what)


class Workload:
    """Files cases at a steady rate and plays every Python agency's officer and the follow-up visitor."""

    def __init__(
        self, settings: PlatformSettings, run_id: str, rate: float, filers: int = 4, keys: bool = True
    ) -> None:
        self.settings = settings
        self.keys = keys
        self.run_id = run_id
        self.rate = rate
        self.filers = filers
        self.tally = Tally()
        passwords = ensure_accounts(settings, working_accounts(settings))
        identity = settings.http_base_url("identity")
        self.tokens = {user: sign_in(identity, user, password) for user, password in passwords.items()}
        self.filed: dict[int, str] = {}  # filing index -> case id the client was given
        self.filed_at: list[float] = []  # wall-clock time of each accepted filing
        self.stop_filing = threading.Event()
        self.stop = threading.Event()
        self.threads: list[threading.Thread] = []
        self.next_index = 0
        self.index_lock = threading.Lock()

    # --- the people ---------------------------------------------------------------------------

    def _file_loop(self) -> None:
        client = RetryingClient(self.tokens["demo.window"], self.tally, keys=self.keys)
        url = f"{self.settings.http_base_url('intake')}/api/v1/disputes"
        while not self.stop_filing.is_set():
            with self.index_lock:
                index = self.next_index
                self.next_index += 1
            # Each filer keeps the common pace: filing `index` is due at start + index / rate.
            time.sleep(max(0.0, self.started + index / self.rate - time.monotonic()))
            key = str(uuid.uuid5(uuid.NAMESPACE_URL, f"wuyuan-chaos:{self.run_id}:file:{index}"))
            status, answer = client.post(url, dispute(self.run_id, index), key, frozenset({201}))
            if status == 201:
                self.filed[index] = json.loads(answer)["case_id"]
                self.filed_at.append(time.time())
            else:
                self.tally.error(f"filing {index}: {status} {answer[:200]!r}")

    def _officer_loop(self, service: str) -> None:
        code = self.settings.registry.by_service(service).code
        client = RetryingClient(self.tokens[f"demo.{code}"], self.tally, keys=self.keys)
        base = f"{self.settings.http_base_url(service)}/api/v1/referrals"
        while not self.stop.is_set():
            acted = False
            for status, steps in (
                ("received", (("accept", {}), ("result", {"result": "handled", "summary": "已化解"}))),
                ("accepted", (("result", {"result": "handled", "summary": "已化解"}),)),
            ):
                listed = client.get(base, status=status, limit=200)
                for referral in (listed or {}).get("referrals", []):  # type: ignore[attr-defined]
                    rid = referral["referral_id"]
                    for action, body in steps:
                        key = str(uuid.uuid5(uuid.NAMESPACE_URL, f"wuyuan-chaos:{rid}:{action}"))
                        answer, data = client.post(f"{base}/{rid}/{action}", body, key, frozenset({202, 409}))
                        if answer == 409:
                            self.tally.count(f"{service} {action}: 409")
                        elif answer != 202:
                            self.tally.error(f"{service} {action} {rid}: {answer} {data[:200]!r}")
                    acted = True
            if not acted:
                self.stop.wait(IDLE_POLL_SECONDS)

    def _visitor_loop(self) -> None:
        client = RetryingClient(self.tokens["demo.supervisor"], self.tally, keys=self.keys)
        base = f"{self.settings.http_base_url('supervision')}/api/v1/follow-ups"
        while not self.stop.is_set():
            pending = (client.get(base) or {}).get("follow_ups", [])
            for follow_up in pending:  # type: ignore[attr-defined]
                case_id = follow_up["case_id"]
                key = str(uuid.uuid5(uuid.NAMESPACE_URL, f"wuyuan-chaos:{case_id}:rating"))
                answer, data = client.post(
                    f"{base}/{case_id}/rating", {"rating": "satisfied"}, key, frozenset({202, 409})
                )
                if answer not in (202, 409):
                    self.tally.error(f"rating {case_id}: {answer} {data[:200]!r}")
            if not pending:
                self.stop.wait(IDLE_POLL_SECONDS)

    # --- running it ---------------------------------------------------------------------------

    def officered_agencies(self) -> list[str]:
        settings = self.settings
        return [s for s in settings.services if settings.is_agency(s) and not is_external(settings, s)]

    def start(self) -> None:
        self.started = time.monotonic()
        targets = [(self._file_loop, ())] * self.filers
        targets += [(self._officer_loop, (service,)) for service in self.officered_agencies()]
        targets.append((self._visitor_loop, ()))
        for target, args in targets:
            thread = threading.Thread(target=target, args=args, daemon=True)
            thread.start()
            self.threads.append(thread)

    def finish_filing(self) -> None:
        self.stop_filing.set()

    def shut_down(self) -> None:
        self.stop_filing.set()
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=GIVE_UP_AFTER + REQUEST_TIMEOUT)

    def closed_count(self) -> int:
        """Closed cases as the coordinator counts them (the platform is this run's alone)."""
        client = RetryingClient(self.tokens["demo.coordinator"], self.tally, keys=self.keys)
        answer = client.get(f"{self.settings.http_base_url('coordinator')}/api/v1/cases", limit=0)
        counts = (answer or {}).get("counts", {})
        return int(counts.get("closed", 0))  # type: ignore[union-attr]
