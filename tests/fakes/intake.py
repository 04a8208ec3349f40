"""Intake's store in memory: cases, their repeat keys, every report and the daily counters."""

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any
from uuid import UUID

from services.intake.domain import PairKey, PriorCase, RepeatKeys
from services.intake.frequency import Alert, AlertHistory, SeenReport, Watched
from services.intake.personal_data import PersonalDataCipher
from services.intake.store import contact_of, has_plain_numbers, without_personal_numbers
from shared.contracts.disputes import DisputeReport
from shared.delivery.statements import Row
from shared.persistence.errors import Conflict, NotFound, StoreError
from tests.fakes.coordinator import as_json

# A fixed key for tests, as `wuyuan up` would make one: 32 bytes.
TEST_PERSONAL_DATA_KEY = bytes(range(32))


class FakeIntakeStore:
    def __init__(self, cipher: PersonalDataCipher | None = None) -> None:
        self.cipher = cipher or PersonalDataCipher(TEST_PERSONAL_DATA_KEY)
        self.cases: dict[str, dict[str, Any]] = {}
        self.keys: list[tuple[str, str | None, PairKey | None]] = []  # (case_id, record key, pair key) rows
        self.reports: list[Row] = []
        self.counters: dict[tuple[str, date], int] = {}
        self.locked: list[RepeatKeys] = []
        self.sighted: dict[tuple[str, str, UUID], Row] = {}  # (party key, kind, report id)
        self.alerts: list[Row] = []

    def lock_keys(self, keys: RepeatKeys) -> None:
        self.locked.append(keys)  # one worker at a time in memory; kept so tests see what was serialised

    def candidates(self, keys: RepeatKeys) -> list[PriorCase]:
        wanted = set(keys.pairs)
        matching = {
            case_id
            for case_id, record, pair in self.keys
            if (record is not None and record == keys.record) or (pair is not None and pair in wanted)
        }
        found = []
        for case_id in self.cases:
            if case_id not in matching:
                continue
            records = frozenset(record for c, record, _ in self.keys if c == case_id and record)
            pairs = frozenset(pair for c, _, pair in self.keys if c == case_id and pair)
            found.append(PriorCase(case_id, self.cases[case_id]["registered_at"], records, pairs))
        return found

    def next_sequence(self, county: str, day: date) -> int:
        self.counters[(county, day)] = self.counters.get((county, day), 0) + 1
        return self.counters[(county, day)]

    def add_case(
        self, case_id: str, report: DisputeReport, keys: RepeatKeys, at: datetime, trace: dict[str, str]
    ) -> None:
        if case_id in self.cases:
            raise Conflict(f"duplicate key value violates unique constraint: case {case_id}")
        self.cases[case_id] = {
            "report": self.cipher.seal_parties(report.model_dump(mode="json"), case_id),
            "registered_at": at,
            "trace": as_json(trace),
            "closed_at": None,
            "closure_noted_at": None,
            "purged_at": None,
        }
        self.add_keys(case_id, keys)

    def add_keys(self, case_id: str, keys: RepeatKeys) -> None:
        self._require_case(case_id)
        if keys.record:
            self.keys.append((case_id, keys.record, None))
        self.keys.extend((case_id, None, pair) for pair in keys.pairs)

    def add_report(
        self,
        report_id: UUID,
        case_id: str,
        report: DisputeReport,
        record_key: str | None,
        linked: bool,
        reason: str | None,
        at: datetime,
        registered_by: str | None = None,
    ) -> None:
        if any(r["report_id"] == report_id for r in self.reports):
            raise Conflict(f"duplicate key value violates unique constraint: report {report_id}")
        self._require_case(case_id)
        self.reports.append(
            {
                "report_id": report_id,
                "case_id": case_id,
                "source": report.source.value,
                "record_key": record_key,
                "linked": linked,
                "reason": reason,
                "received_at": at,
                "registered_by": registered_by,
            }
        )

    def case_trace(self, case_id: str) -> dict[str, str]:
        return dict(self.cases[case_id]["trace"]) if case_id in self.cases else {}

    def get_case(self, case_id: str) -> Row:
        if case_id not in self.cases:
            raise NotFound(f"no case {case_id}")
        case = self.cases[case_id]
        report = case["report"]
        reports = sorted((r for r in self.reports if r["case_id"] == case_id), key=lambda r: r["received_at"])
        return {
            "case_id": case_id,
            "source": report["source"],
            "category": report["category"],
            "division_code": report["division_code"],
            "summary": report["summary"],
            "report": as_json(self.cipher.open_parties(report, case_id)),
            "registered_at": case["registered_at"],
            "reports": [
                {key: r[key] for key in ("report_id", "source", "linked", "reason", "received_at", "registered_by")}
                for r in reports
            ],
        }

    def contacts(self, case_id: str) -> list[dict[str, Any]] | None:
        if case_id not in self.cases:
            return None
        return [contact_of(party, self.cipher, case_id) for party in self.cases[case_id]["report"]["parties"]]

    def note_closure(self, case_id: str, closed_at: datetime | None, occurred_at: datetime) -> None:
        case = self.cases.get(case_id)
        if case is not None and (case["closure_noted_at"] is None or case["closure_noted_at"] < occurred_at):
            case["closed_at"], case["closure_noted_at"] = closed_at, occurred_at

    def purge_personal_data(self, closed_before: datetime, at: datetime, *, dry_run: bool = False) -> list[str]:
        due = sorted(
            (c["closed_at"], case_id)
            for case_id, c in self.cases.items()
            if c["closed_at"] is not None and c["closed_at"] < closed_before and c["purged_at"] is None
        )
        if not dry_run:
            for _, case_id in due:
                self.cases[case_id]["report"] = without_personal_numbers(self.cases[case_id]["report"])
                self.cases[case_id]["purged_at"] = at
        return [case_id for _, case_id in due]

    def seal_plain_rows(self) -> int:
        changed = 0
        for case_id, case in self.cases.items():
            if has_plain_numbers(case["report"]):
                case["report"] = self.cipher.seal_parties(case["report"], case_id)
                changed += 1
        return changed

    def add_sightings(
        self, report_id: UUID, case_id: str, watched: list[Watched], applicants: frozenset[str], at: datetime
    ) -> None:
        self._require_case(case_id)
        for party in watched:
            self.sighted.setdefault(
                (party.key, party.kind.value, report_id),
                {"report_id": report_id, "case_id": case_id, "applicants": applicants, "received_at": at},
            )

    def alert_histories(self, watched: Sequence[Watched], since: datetime) -> list[AlertHistory]:
        return [AlertHistory(self._sightings(party, since), self._last_alert_at(party)) for party in watched]

    def _sightings(self, watched: Watched, since: datetime) -> list[SeenReport]:
        rows = sorted(
            (
                row
                for (key, kind, _), row in self.sighted.items()
                if key == watched.key and kind == watched.kind.value and row["received_at"] > since
            ),
            key=lambda row: (row["received_at"], str(row["report_id"])),
        )
        return [SeenReport(str(r["report_id"]), r["case_id"], r["received_at"], r["applicants"]) for r in rows]

    def _last_alert_at(self, watched: Watched) -> datetime | None:
        raised = [a["raised_at"] for a in self.alerts if a["key"] == watched.key and a["kind"] == watched.kind.value]
        return max(raised, default=None)

    def add_alert(self, alert_id: UUID, alert: Alert, at: datetime) -> None:
        if any(a["alert_id"] == alert_id for a in self.alerts):
            raise Conflict(f"duplicate key value violates unique constraint: alert {alert_id}")
        self.alerts.append(
            {"alert_id": alert_id, "kind": alert.kind.value, "key": alert.key, "count": alert.count, "raised_at": at}
        )

    def _require_case(self, case_id: str) -> None:
        # A missing parent row is a plain StoreError in PostgreSQL, not a Conflict: nothing was there twice.
        if case_id not in self.cases:
            raise StoreError(f"insert violates foreign key constraint: no case {case_id}")
