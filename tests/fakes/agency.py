"""An agency's store in memory: referrals, their log and the agency's own records; and stability's risk register."""

import copy
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from services.stability.domain import SEVERITY, WarningColour
from shared.agency.domain import AgencyReferral, AgencyReferralStatus
from shared.agency.store import CASE_REFERRAL_COLUMNS
from shared.contracts.disputes import Agreement
from shared.contracts.messages import (
    CaseAssigned,
    CaseWentOverdue,
    MessageRejected,
    NoticeCirculated,
    PauseReason,
    RecordLinked,
    ReferralIssued,
    StabilityAlertRaised,
)
from shared.contracts.vocabulary import Outcome, ResultCode
from shared.delivery.statements import Row
from shared.persistence.errors import Conflict, NotFound, StoreError
from tests.fakes.coordinator import as_json


class FakeAgencyStore:
    def __init__(self) -> None:
        self.referrals: dict[UUID, Row] = {}
        self.entries: list[Row] = []
        self.records: dict[str, Row] = {}
        self.deadline_revisions: dict[UUID, int] = {}
        self.rejections: dict[UUID, Row] = {}
        self.notices: dict[tuple[UUID, str], Row] = {}
        self.record_links: dict[str, Row] = {}

    def add_referral(self, message: ReferralIssued, trace: dict[str, str], now: datetime) -> None:
        if message.referral_id in self.referrals:
            raise Conflict(f"duplicate key value violates unique constraint: referral {message.referral_id}")
        self.referrals[message.referral_id] = {
            "referral_id": message.referral_id,
            "case_id": message.case_id,
            "unit": message.recipient,
            "role": message.role.value,
            "round": message.round,
            "status": AgencyReferralStatus.RECEIVED.value,
            "outcome": None,
            "result": None,
            "agreement": None,
            "category": message.category.value,
            "source": message.source.value,
            "division_code": message.division_code,
            "summary": message.summary,
            "flags": [f.value for f in message.flags],
            "parties": [p.model_dump(mode="json") for p in message.parties],
            "due_at": message.due_at,
            "received_at": now,
            "updated_at": now,
            "source_record_id": message.source_record_id,
            "paused_at": None,
            "pause_reason": None,
            "pause_note": None,
            "pauses": 0,
            "due_provisional": message.due_provisional,
            "refusal": None,
            "finished_by": None,
            "finished_from": None,
            "finished_paused_at": None,
            "finished_pause_reason": None,
            "finished_pause_note": None,
            "trace": as_json(trace),
        }
        self.deadline_revisions[message.referral_id] = 0
        self.log(message.referral_id, "received", None, {"role": message.role.value, "due_at": message.due_at}, now)

    def carry_over_phones(self, referral_id: UUID) -> None:
        new = self.referrals[referral_id]
        if new["role"] != "lead" or _has_phone(new):
            return
        earlier = [
            r
            for r in self.referrals.values()
            if r["case_id"] == new["case_id"]
            and r is not new
            and r["role"] == "lead"
            and len(r["parties"]) == len(new["parties"])
            and _has_phone(r)
        ]
        if earlier:
            new["parties"] = copy.deepcopy(max(earlier, key=lambda r: r["received_at"])["parties"])

    def purge_phones(self, finished_before: datetime, *, dry_run: bool = False) -> list[UUID]:
        due = sorted(
            (
                r
                for r in self.referrals.values()
                if r["status"] in ("declined", "reported", "withdrawn")
                and r["updated_at"] < finished_before
                and _has_phone(r)
            ),
            key=lambda r: r["updated_at"],
        )
        if not dry_run:
            for r in due:
                r["parties"] = [{**p, "phone": None} for p in r["parties"]]
        return [r["referral_id"] for r in due]

    def purge_record_phones(self, recorded_before: datetime, *, dry_run: bool = False) -> list[str]:
        due = sorted(
            (
                r
                for r in self.records.values()
                if r["recorded_at"] < recorded_before and any(p.get("phone") for p in r["report"].get("parties", []))
            ),
            key=lambda r: r["recorded_at"],
        )
        if not dry_run:
            for r in due:
                r["report"] = {**r["report"], "parties": [{**p, "phone": None} for p in r["report"]["parties"]]}
        return [r["record_id"] for r in due]

    def log(self, referral_id: UUID, kind: str, officer: str | None, detail: dict[str, Any], at: datetime) -> None:
        if referral_id not in self.referrals:
            # A missing parent row is a plain StoreError in PostgreSQL, not a Conflict: nothing was there twice.
            raise StoreError(f"insert violates foreign key constraint: no referral {referral_id}")
        self.entries.append(
            {"referral_id": referral_id, "kind": kind, "officer": officer, "detail": as_json(detail), "at": at}
        )

    def keep_notice(self, notice: NoticeCirculated, at: datetime) -> None:
        self.notices.setdefault(
            (notice.document_id, notice.recipient),
            {
                "document_number": notice.document_number,
                "period_from": notice.period_from,
                "period_to": notice.period_to,
                "received_at": at,
            },
        )

    def lock_referral(self, referral_id: UUID) -> tuple[AgencyReferral, dict[str, str]]:
        row = self.referrals.get(referral_id)
        if row is None:
            raise NotFound(f"no referral {referral_id}")
        referral = AgencyReferral(
            referral_id=row["referral_id"],
            case_id=row["case_id"],
            unit=row["unit"],
            status=AgencyReferralStatus(row["status"]),
            outcome=Outcome(row["outcome"]) if row["outcome"] else None,
            result=ResultCode(row["result"]) if row["result"] else None,
            agreement=Agreement.model_validate(row["agreement"]) if row["agreement"] else None,
            paused_at=row["paused_at"],
            pause_reason=PauseReason(row["pause_reason"]) if row["pause_reason"] else None,
            pause_note=row["pause_note"],
            pauses=row["pauses"],
            finished_by=row["finished_by"],
            finished_from=AgencyReferralStatus(row["finished_from"]) if row["finished_from"] else None,
            refusal=copy.deepcopy(row["refusal"]),
            finished_paused_at=row["finished_paused_at"],
            finished_pause_reason=PauseReason(row["finished_pause_reason"]) if row["finished_pause_reason"] else None,
            finished_pause_note=row["finished_pause_note"],
        )
        return referral, dict(row["trace"])

    def save_referral(self, referral: AgencyReferral) -> None:
        row = self.referrals.get(referral.referral_id)
        if row is not None:
            if referral.updated_at is None:
                raise StoreError(
                    f"null value in column updated_at violates not-null constraint: {referral.referral_id}"
                )
            row.update(
                status=referral.status.value,
                outcome=referral.outcome.value if referral.outcome else None,
                result=referral.result.value if referral.result else None,
                agreement=as_json(referral.agreement.model_dump(mode="json")) if referral.agreement else None,
                updated_at=referral.updated_at,
                paused_at=referral.paused_at,
                pause_reason=referral.pause_reason.value if referral.pause_reason else None,
                pause_note=referral.pause_note,
                pauses=referral.pauses,
                finished_by=referral.finished_by,
                finished_from=referral.finished_from.value if referral.finished_from else None,
                refusal=as_json(dict(referral.refusal)) if referral.refusal is not None else None,
                finished_paused_at=referral.finished_paused_at,
                finished_pause_reason=referral.finished_pause_reason.value if referral.finished_pause_reason else None,
                finished_pause_note=referral.finished_pause_note,
            )

    def referral_exists(self, referral_id: UUID) -> bool:
        return referral_id in self.referrals

    def move_deadline(self, referral_id: UUID, due_at: datetime, revision: int, provisional: bool) -> bool:
        row = self.referrals.get(referral_id)
        if row is None or self.deadline_revisions[referral_id] >= revision:
            return False
        self.deadline_revisions[referral_id] = revision
        moved = (row["due_at"], row["due_provisional"]) != (due_at, provisional)
        row.update(due_at=due_at, due_provisional=provisional)
        return moved

    def list_referrals(self, status: AgencyReferralStatus | None, limit: int, units: frozenset[str]) -> list[Row]:
        rows = [r for r in self.referrals.values() if any(r["unit"].startswith(own) for own in units)]
        if status is not None:
            rows = sorted(
                (r for r in rows if r["status"] == status.value), key=lambda r: (r["due_at"], str(r["referral_id"]))
            )
        else:
            by_id = sorted(rows, key=lambda r: str(r["referral_id"]))
            rows = sorted(by_id, key=lambda r: r["received_at"], reverse=True)  # stable: ties by id
        return [_read(r) for r in rows[:limit]]

    def get_referral(self, referral_id: UUID) -> Row:
        row = self.referrals.get(referral_id)
        if row is None:
            raise NotFound(f"no referral {referral_id}")
        log = [
            {k: e[k] for k in ("kind", "officer", "detail", "at")}
            for e in self.entries
            if e["referral_id"] == referral_id
        ]
        return _read({**row, "log": log})

    def add_record(
        self, record_id: str, report: dict[str, Any], details: dict[str, Any], message_id: UUID, now: datetime
    ) -> bool:
        if record_id in self.records:
            return False
        self.records[record_id] = {
            "record_id": record_id,
            "report": as_json(report),
            "details": as_json(details),
            "message_id": message_id,
            "recorded_at": now,
        }
        return True

    def get_record(self, record_id: str) -> Row | None:
        row = self.records.get(record_id)
        return _read(row) if row else None

    def keep_record_link(self, link: RecordLinked, at: datetime) -> bool:
        kept = self.record_links.get(link.record_id)
        if kept is not None and (
            kept["linked_at"] >= link.occurred_at or (kept["case_id"], kept["reason"]) == (link.case_id, link.reason)
        ):
            return False
        self.record_links[link.record_id] = {
            "record_id": link.record_id,
            "case_id": link.case_id,
            "reason": link.reason,
            "unit": link.recipient,
            "fed_message_id": link.fed_message_id,
            "linked_at": link.occurred_at,
            "received_at": at,
        }
        return True

    def record_link(self, record_id: str) -> Row | None:
        row = self.record_links.get(record_id)
        return _read(row) if row else None

    def of_joined_case(self, referral: Row, record_ids: Sequence[str]) -> bool:
        """Whether `referral` is of the case intake linked one of `record_ids` to (the store's `of_joined_case`)."""
        return any(
            record_id in self.record_links and referral["case_id"] == self.record_links[record_id]["case_id"]
            for record_id in record_ids
        )

    def add_rejection(self, notice: MessageRejected, at: datetime) -> bool:
        if notice.message_id in self.rejections:
            return False
        self.rejections[notice.message_id] = {
            "notice_id": notice.message_id,
            "unit": notice.recipient,
            "rejected_message_id": notice.rejected_message_id,
            "rejected_type": notice.rejected_type,
            "reason": notice.reason,
            "detail": notice.detail,
            "case_id": notice.case_id,
            "referral_id": notice.referral_id,
            "refused_by": notice.refused_by,
            "refused_at": notice.occurred_at,
            "received_at": at,
        }
        return True

    def list_rejections(self, units: frozenset[str], limit: int) -> list[Row]:
        rows = [r for r in self.rejections.values() if any(r["unit"].startswith(own) for own in units)]
        by_id = sorted(rows, key=lambda r: str(r["notice_id"]))
        return [dict(r) for r in sorted(by_id, key=lambda r: r["received_at"], reverse=True)[:limit]]

    # --- for tests -----------------------------------------------------------------------

    def status_of(self, referral_id: UUID) -> str:
        return str(self.referrals[referral_id]["status"])


class FakeStabilityStore(FakeAgencyStore):
    def __init__(self) -> None:
        super().__init__()
        self.register: dict[str, Row] = {}
        self.persons: dict[UUID, Row] = {}
        self.person_events: list[Row] = []
        self.histories: dict[str, Row] = {}
        self.overdue: dict[UUID, Row] = {}
        self.closures: dict[str, Row] = {}

    def _note(self, row: Row) -> None:
        kept = self.register.setdefault(row["case_id"], row)
        if SEVERITY.index(WarningColour(row["colour"])) > SEVERITY.index(WarningColour(kept["colour"])):
            kept["colour"] = row["colour"]
        kept["lead_unit"] = kept["lead_unit"] or row["lead_unit"]
        kept["record_id"] = kept["record_id"] or row["record_id"]

    def note_risk(self, assigned: CaseAssigned, colour: WarningColour, at: datetime) -> None:
        self._note(
            {
                "case_id": assigned.case_id,
                "colour": colour.value,
                "flags": [f.value for f in assigned.flags],
                "category": assigned.category.value,
                "division_code": assigned.division_code,
                "lead_unit": assigned.lead_unit,
                "noted_at": at,
                "record_id": None,
            }
        )

    def note_lead(self, referral: ReferralIssued, colour: WarningColour, at: datetime) -> None:
        self._note(
            {
                "case_id": referral.case_id,
                "colour": colour.value,
                "flags": [f.value for f in referral.flags],
                "category": referral.category.value,
                "division_code": referral.division_code,
                "lead_unit": referral.recipient,
                "noted_at": at,
                "record_id": referral.source_record_id,
            }
        )

    def _with_closing(self, row: Row) -> Row:
        closing = self.closures.get(row["case_id"])
        if closing is None:
            status = "open" if row.get("closings_heard", True) else "unknown"
        else:
            status = "open" if closing["closed_at"] is None else "closed"
        return {
            **{key: value for key, value in row.items() if key != "closings_heard"},
            "closed_at": closing["closed_at"] if closing else None,
            "closed_rating": closing["rating"] if closing else None,
            "status": status,
        }

    def risk_register(
        self, limit: int, offset: int = 0, colour: str | None = None, status: str | None = None
    ) -> list[Row]:
        rows = [self._with_closing(r) for r in self.register.values() if colour is None or r["colour"] == colour]
        rows = [r for r in rows if status is None or r["status"] == status]
        rows.sort(key=lambda r: r["case_id"])
        rows.sort(key=lambda r: r["noted_at"], reverse=True)
        return [_read(r) for r in rows[offset : offset + limit]]

    def risk_register_counts(self) -> dict[str, dict[str, int]]:
        counts: dict[str, dict[str, int]] = {}
        for row in map(self._with_closing, self.register.values()):
            by_status = counts.setdefault(row["colour"], {})
            by_status[row["status"]] = by_status.get(row["status"], 0) + 1
        return counts

    def note_closing(self, case_id: str, closed_at: datetime | None, rating: str | None, fact_at: datetime) -> None:
        kept = self.closures.get(case_id)
        if kept is None or kept["fact_at"] <= fact_at:
            self.closures[case_id] = {"closed_at": closed_at, "rating": rating, "fact_at": fact_at}

    def add_person(self, person: dict[str, Any], id_key: str | None, contact_key: str | None, at: datetime) -> None:
        for kept in self.persons.values():
            if (id_key and kept["id_key"] == id_key) or (contact_key and kept["contact_key"] == contact_key):
                raise Conflict("duplicate key value violates unique constraint: person key")
        self.persons[person["person_id"]] = {
            "person_id": person["person_id"],
            "name": person["name"],
            "id_key": id_key,
            "contact_key": contact_key,
            "division_code": person["division_code"],
            "case_ids": list(dict.fromkeys(person["case_ids"])),
            "record_ids": list(dict.fromkeys(person["record_ids"])),
            "leader": None,
            "created_by": person["created_by"],
            "created_at": at,
            "updated_at": at,
        }

    def find_person(self, id_key: str | None, contact_key: str | None) -> UUID | None:
        matches = [
            p
            for p in self.persons.values()
            if (id_key is not None and p["id_key"] == id_key)
            or (contact_key is not None and p["contact_key"] == contact_key)
        ]
        return min(matches, key=lambda p: p["created_at"])["person_id"] if matches else None

    def link_person(self, person_id: UUID, case_ids: list[str], record_ids: list[str], at: datetime) -> None:
        person = self.persons.get(person_id)
        if person is None:
            return
        person["case_ids"] = list(dict.fromkeys([*person["case_ids"], *case_ids]))
        person["record_ids"] = list(dict.fromkeys([*person["record_ids"], *record_ids]))
        person["updated_at"] = at

    def add_person_event(self, person_id: UUID, event: dict[str, Any], at: datetime) -> None:
        if person_id not in self.persons:
            raise Conflict(f"violates foreign key constraint: person {person_id}")
        self.person_events.append(
            {
                "person_id": person_id,
                "event_id": event["event_id"],
                "kind": event["kind"],
                "case_id": event.get("case_id"),
                "at": event["at"],
                "detail": event["detail"],
                "size": event.get("size"),
                "criminal_risk": bool(event.get("criminal_risk")),
                "recorded_by": event["recorded_by"],
                "recorded_at": at,
            }
        )
        self.persons[person_id]["updated_at"] = at

    def set_leader(self, person_id: UUID, leader: dict[str, Any], at: datetime) -> bool:
        person = self.persons.get(person_id)
        if person is None:
            return False
        person["leader"] = copy.deepcopy(leader)
        person["updated_at"] = at
        return True

    def get_person(self, person_id: UUID) -> Row | None:
        person = self.persons.get(person_id)
        return None if person is None else self._shown(person)

    def list_persons(self, places: Sequence[str], *, without_leader: bool = False) -> list[Row]:
        placed = [
            p
            for p in self.persons.values()
            if p["division_code"].startswith(tuple(places)) and not (without_leader and p["leader"] is not None)
        ]
        ordered = sorted(placed, key=lambda p: str(p["person_id"]))
        ordered.sort(key=lambda p: p["updated_at"], reverse=True)
        return [self._shown(p) for p in ordered]

    def _shown(self, person: Row) -> Row:
        shown = copy.deepcopy({k: v for k, v in person.items() if k not in ("id_key", "contact_key")})
        events = [e for e in self.person_events if e["person_id"] == person["person_id"]]
        events.sort(key=lambda e: (e["at"], e["recorded_at"], str(e["event_id"])))
        shown["events"] = [copy.deepcopy({k: v for k, v in e.items() if k != "person_id"}) for e in events]
        return shown

    def note_case(self, assigned: CaseAssigned) -> None:
        kept = self.histories.setdefault(
            assigned.case_id,
            {"case_id": assigned.case_id, "source": None, "flags": [], "assigned_at": assigned.occurred_at},
        )
        kept["source"] = kept["source"] or assigned.source.value
        kept["flags"] = sorted({*kept["flags"], *(f.value for f in assigned.flags)})
        kept["assigned_at"] = min(kept["assigned_at"] or assigned.occurred_at, assigned.occurred_at)

    def note_overdue(self, overdue: CaseWentOverdue, at: datetime) -> None:
        self.overdue.setdefault(
            overdue.referral_id,
            {
                "case_id": overdue.case_id,
                "referral_id": overdue.referral_id,
                "unit": overdue.unit,
                "due_at": overdue.due_at,
            },
        )

    def case_histories(self, case_ids: list[str], record_ids: list[str]) -> list[Row]:
        led_by = {r["case_id"]: r["record_id"] for r in self.register.values() if r["record_id"] in record_ids}
        wanted = set(case_ids) | set(led_by)
        cases = {
            c: {**copy.deepcopy(self.histories[c]), "record_id": led_by.get(c), "overdue": []}
            for c in wanted
            if c in self.histories
        }
        for row in sorted(self.overdue.values(), key=lambda r: (r["due_at"], str(r["referral_id"]))):
            if row["case_id"] in wanted:
                case = cases.setdefault(
                    row["case_id"],
                    {
                        "case_id": row["case_id"],
                        "source": None,
                        "flags": [],
                        "assigned_at": None,
                        "record_id": led_by.get(row["case_id"]),
                        "overdue": [],
                    },
                )
                case["overdue"].append({k: row[k] for k in ("referral_id", "unit", "due_at")})
        return [cases[c] for c in sorted(cases)]

    # 高频线索预警: kept once per alert id, listed for the units addressed
    def record_alert(self, alert: StabilityAlertRaised) -> None:
        alerts: dict[UUID, Row] = self.__dict__.setdefault("alerts", {})
        alerts.setdefault(
            alert.alert_id,
            {
                **alert.model_dump(
                    include={"alert_id", "kind", "person_ref", "masked_name", "count", "threshold", "window_days"}
                ),
                "kind": alert.kind.value,
                "window_start": alert.window_start,
                "case_id": alert.case_id,
                "case_ids": list(alert.case_ids),
                "division_code": alert.division_code,
                "unit": alert.recipient,
                "raised_at": alert.occurred_at,
            },
        )

    def list_alerts(self, units: frozenset[str], limit: int) -> list[Row]:
        rows = [dict(r) for r in self.__dict__.get("alerts", {}).values() if r["unit"] in units]
        rows.sort(key=lambda r: str(r["alert_id"]))
        rows.sort(key=lambda r: r["raised_at"], reverse=True)
        return rows[:limit]


def case_referral_row(referral: Row) -> Row:
    """A referral as a record's page lists it (the store's CASE_REFERRAL_COLUMNS)."""
    return {column: referral[column] for column in CASE_REFERRAL_COLUMNS.split(", ")}


def _read(row: Row) -> Row:
    """A row as a query returns it: the reader's own copy, without the stored trace and finishing report."""
    return copy.deepcopy({key: value for key, value in row.items() if key not in _UNREAD})


_UNREAD = (
    "trace",
    "finished_by",
    "finished_from",
    "finished_paused_at",
    "finished_pause_reason",
    "finished_pause_note",
)


def _has_phone(referral: Row) -> bool:
    return any(party.get("phone") for party in referral["parties"])
