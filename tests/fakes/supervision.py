"""Supervision's store in memory: watches, follow-up visits, early closures and case facts, as the tables hold them."""

from dataclasses import replace
from datetime import datetime
from typing import Any
from uuid import UUID

from services.supervision.domain import (
    PROGRESS_FACTS,
    RATED_AT_THE_CENTRE,
    FollowUp,
    KeptFact,
    LetterKind,
    Watch,
    WatchState,
    is_placed_within,
    is_within,
    letters_sent,
    reminder_due_at,
    watch_state,
)
from shared.contracts.messages import Event, LinkRecordNoted, ReferralSummary
from shared.contracts.vocabulary import Rating, ReferralRole, ResultCode
from shared.delivery.statements import Row
from shared.persistence.errors import NotFound
from tests.fakes.calendar import FakeCalendarStore
from tests.fakes.coordinator import as_json
from tests.fakes.supervision_alerts import FakeAlertStore
from tests.fakes.supervision_documents import FakeDocumentStore
from tests.fakes.supervision_escalations import FakeEscalationStore
from tests.fakes.supervision_reports import FakeReportStore
from tests.fakes.supervision_spot_checks import FakeSpotCheckStore

_ENVELOPE = {"message_id", "type", "schema_version", "case_id", "sender", "recipient", "occurred_at"}


class FakeSupervisionStore(FakeDocumentStore, FakeReportStore, FakeEscalationStore, FakeSpotCheckStore, FakeAlertStore):
    def __init__(self) -> None:
        super().__init__()  # the document archive (两函一通报)
        self.watches: dict[UUID, Watch] = {}
        self.calendar = FakeCalendarStore()
        self.watch_rows: dict[UUID, dict[str, Any]] = {}  # round and trace, beside each watch
        self.closures: dict[UUID, datetime] = {}
        self.follow_ups: dict[tuple[str, int], dict[str, Any]] = {}
        self.facts: dict[UUID, Row] = {}
        self.link_facts: dict[UUID, Row] = {}
        self.referral_results: dict[UUID, Row] = {}  # the report's: a unit's own result (FakeReportStore)
        # What a restore read of the agencies' letters (wuyuan/restore_letters_held.py; never the service itself).
        self.letters_held_read: set[str] = set()
        self.held_letters: dict[UUID, dict[LetterKind, datetime]] = {}

    def serialise_case(self, case_id: str) -> None:
        pass  # one worker at a time in memory

    def add_watch(self, case_id: str, referral: ReferralSummary, trace: dict[str, str]) -> None:
        if referral.referral_id in self.watches:
            return
        resolved = [
            f["occurred_at"]
            for f in self.facts.values()
            if f["case_id"] == case_id and f["fact"] == "CaseResolved" and f["detail"]["round"] >= referral.round
        ]
        opened = [
            f["follow_up"].opened_at for (c, r), f in self.follow_ups.items() if c == case_id and r >= referral.round
        ]
        closed_at = self.closures.get(referral.referral_id) or min(resolved, default=None) or min(opened, default=None)
        self.watches[referral.referral_id] = Watch(
            referral_id=referral.referral_id,
            case_id=case_id,
            unit=referral.unit,
            role=referral.role,
            issued_at=referral.issued_at,
            due_at=referral.due_at,
            closed_at=closed_at,
        )
        self.watch_rows[referral.referral_id] = {"round": referral.round, "trace": as_json(trace)}

    def close_watch(self, case_id: str, referral_id: UUID, at: datetime) -> None:
        watch = self.watches.get(referral_id)
        if watch is None:
            self.closures.setdefault(referral_id, at)
        elif watch.closed_at is None or at < watch.closed_at:
            self.watches[referral_id] = replace(watch, closed_at=at)

    def close_watches_of_case(self, case_id: str, round: int, at: datetime) -> None:
        for referral_id, watch in list(self.watches.items()):
            in_round = self.watch_rows[referral_id]["round"] <= round
            if watch.case_id == case_id and in_round and watch.closed_at is None:
                self.watches[referral_id] = replace(watch, closed_at=at)

    def lock_watch(self, referral_id: UUID) -> Watch:
        watch = self.watches.get(referral_id)
        if watch is None:
            raise NotFound(f"no watch of referral {referral_id} yet")
        return watch

    def save_deadline(self, watch: Watch) -> None:
        stored = self.watches.get(watch.referral_id)
        if stored is not None:
            self.watches[watch.referral_id] = replace(
                stored, due_at=watch.due_at, paused_at=watch.paused_at, clock_revision=watch.clock_revision
            )

    def lock_watches_due(self, now: datetime, limit: int) -> list[tuple[Watch, dict[str, str]]]:
        due = [
            w
            for w in self.watches.values()
            if w.closed_at is None
            and w.paused_at is None
            and w.overdue_sent_at is None
            and ((w.reminder_sent_at is None and reminder_due_at(w) <= now) or w.due_at < now)
        ]
        return [(w, self.watch_rows[w.referral_id]["trace"]) for w in sorted(due, key=reminder_due_at)[:limit]]

    def save_letters(self, watch: Watch) -> None:
        stored = self.watches.get(watch.referral_id)
        if stored is not None:
            self.watches[watch.referral_id] = replace(
                stored, reminder_sent_at=watch.reminder_sent_at, overdue_sent_at=watch.overdue_sent_at
            )

    def letters_held(self, referral_id: UUID, service: str) -> dict[LetterKind, datetime] | None:
        if service not in self.letters_held_read:
            return None
        return dict(self.held_letters.get(referral_id, {}))

    def open_follow_up(self, follow_up: FollowUp, trace: dict[str, str]) -> None:
        key = (follow_up.case_id, follow_up.round)
        if key not in self.follow_ups:
            ended = self._round_ended_by(follow_up)
            visitor = None
            if ended is None:
                opened = follow_up
            elif ended["fact"] == "CaseReopened" and ended["detail"].get("cause") == "repeat_report":
                opened = replace(follow_up, called_off_at=ended["occurred_at"])
            elif ended["fact"] == "CaseClosed" or ended["detail"].get("cause", "dissatisfied") == "dissatisfied":
                opened = replace(follow_up, rating=Rating(ended["detail"]["rating"]), rated_at=ended["occurred_at"])
                visitor = RATED_AT_THE_CENTRE
            else:
                opened = follow_up
            self.follow_ups[key] = {"follow_up": opened, "trace": as_json(trace), "comment": None, "visitor": visitor}

    def _round_ended_by(self, follow_up: FollowUp) -> dict[str, Any] | None:
        """The first of the case's closures since the visit opened and of its next round's reopenings, if any were
        handled before the visit was opened (the store's open_follow_up)."""
        enders = [
            (f["occurred_at"], f["fact"] == "CaseReopened", message_id, f)
            for message_id, f in self.facts.items()
            if f["case_id"] == follow_up.case_id
            and (
                (f["fact"] == "CaseClosed" and f["occurred_at"] >= follow_up.opened_at)
                or (f["fact"] == "CaseReopened" and f["detail"].get("round") == follow_up.round + 1)
            )
        ]
        return min(enders, key=lambda ender: ender[:3], default=(None,) * 4)[3]

    def lock_latest_follow_up(self, case_id: str) -> tuple[FollowUp, dict[str, str]]:
        rounds = [r for c, r in self.follow_ups if c == case_id]
        if not rounds:
            raise NotFound(f"no follow-up is open for case {case_id}; a case is rated after it is resolved")
        row = self.follow_ups[(case_id, max(rounds))]
        return row["follow_up"], row["trace"]

    def round_result(self, case_id: str, round: int) -> ResultCode | None:
        row = self.follow_ups.get((case_id, round))
        return row["follow_up"].result if row else None

    def save_rating(self, follow_up: FollowUp, comment: str | None, visitor: str) -> None:
        row = self.follow_ups.get((follow_up.case_id, follow_up.round))
        if row is not None:
            stored = row["follow_up"]
            row.update(
                follow_up=replace(stored, rating=follow_up.rating, rated_at=follow_up.rated_at),
                comment=comment,
                visitor=visitor,
            )

    def _may_take(self, row: dict[str, Any], at: datetime, settling: bool = False) -> bool:
        """Whether a visit takes what a case fact dated `at` says of it (the store's settle and call-off): none yet, or
        only what a later-dated case fact said."""
        visit: FollowUp = row["follow_up"]
        if visit.rating is None:
            return visit.called_off_at is None or visit.called_off_at > at or (settling and visit.called_off_at == at)
        return row["visitor"] == RATED_AT_THE_CENTRE and visit.rated_at is not None and visit.rated_at > at

    def settle_follow_up(self, case_id: str, round: int | None, rating: Rating, at: datetime, visitor: str) -> bool:
        if round is None:
            opened_by_then = [
                r for (c, r), row in self.follow_ups.items() if c == case_id and row["follow_up"].opened_at <= at
            ]
            round = max(opened_by_then, default=None)
        row = self.follow_ups.get((case_id, round)) if round is not None else None
        if row is None or row["follow_up"].opened_at > at or not self._may_take(row, at, settling=True):
            return False
        row.update(follow_up=replace(row["follow_up"], rating=rating, rated_at=at, called_off_at=None), visitor=visitor)
        return True

    def call_off_follow_up(self, case_id: str, round: int, at: datetime) -> bool:
        row = self.follow_ups.get((case_id, round))
        if row is None or not self._may_take(row, at):
            return False
        row.update(follow_up=replace(row["follow_up"], called_off_at=at, rating=None, rated_at=None), visitor=None)
        return True

    def list_follow_ups(self, pending_only: bool, limit: int) -> list[Row]:
        rows = sorted(self.follow_ups.values(), key=lambda row: row["follow_up"].opened_at)
        visits = []
        for row in rows:
            f: FollowUp = row["follow_up"]
            if pending_only and (f.rating is not None or f.called_off_at is not None):
                continue
            visits.append(
                {
                    "case_id": f.case_id,
                    "round": f.round,
                    "lead_unit": f.lead_unit,
                    "opened_at": f.opened_at,
                    "rating": f.rating.value if f.rating else None,
                    "comment": row["comment"],
                    "rated_at": f.rated_at,
                    "called_off_at": f.called_off_at,
                }
            )
        return visits[:limit]

    def watches_of(self, case_id: str) -> list[Row]:
        watches = sorted((w for w in self.watches.values() if w.case_id == case_id), key=lambda w: w.issued_at)
        return [
            {
                "referral_id": w.referral_id,
                "unit": w.unit,
                "role": w.role.value,
                "round": self.watch_rows[w.referral_id]["round"],
                "issued_at": w.issued_at,
                "due_at": w.due_at,
                "closed_at": w.closed_at,
                "reminder_sent_at": w.reminder_sent_at,
                "overdue_sent_at": w.overdue_sent_at,
                "paused_at": w.paused_at,
            }
            for w in watches
        ]

    def record_link_fact(self, message: LinkRecordNoted) -> None:
        self.link_facts.setdefault(
            message.message_id,
            {
                "link": message.link,
                "record_id": message.record_id,
                "kind": message.kind,
                "unit": message.unit,
                "at": message.at,
                "case_id": message.case_id,
                "detail": dict(message.detail),
            },
        )

    def holds_facts_before(self, moment: datetime) -> bool:
        return (
            any(f["occurred_at"] < moment for f in self.facts.values())
            or any(f["at"] < moment for f in self.link_facts.values())
            or any(w.issued_at < moment for w in self.watches.values())
        )

    def count_link_facts(self, start: datetime, end: datetime) -> list[Row]:
        counts: dict[tuple[str, str], int] = {}
        for fact in self.link_facts.values():
            if start <= fact["at"] < end:
                key = (fact["link"], fact["kind"])
                counts[key] = counts.get(key, 0) + 1
        return [{"link": link, "kind": kind, "count": n} for (link, kind), n in sorted(counts.items())]

    def case_progress(self, case_id: str) -> tuple[list[KeptFact], list[Watch]]:
        facts = sorted(
            (f for f in self.facts.values() if f["case_id"] == case_id and f["fact"] in PROGRESS_FACTS),
            key=lambda f: f["occurred_at"],
        )
        kept = [KeptFact(f["fact"], f["occurred_at"], f["detail"].get("category")) for f in facts]
        leads = sorted(
            (w for w in self.watches.values() if w.case_id == case_id and w.role is ReferralRole.LEAD),
            key=lambda w: w.issued_at,
        )
        return kept, leads

    def record_fact(self, message: Event) -> None:
        self.facts.setdefault(
            message.message_id,
            {
                "case_id": message.case_id,
                "fact": message.type,
                "occurred_at": message.occurred_at,
                "detail": message.model_dump(mode="json", exclude=_ENVELOPE),
            },
        )

    def count_open_by_unit(self, now: datetime, unit: str | None, place: str | None = None) -> list[Row]:
        counts: dict[str, dict[str, Any]] = {}
        for watch in self._open_within(unit, place):
            row = counts.setdefault(watch.unit, {"unit": watch.unit, "open": 0, "near": 0, "overdue": 0})
            row["open"] += 1
            state = watch_state(watch, now)
            if state is not WatchState.ON_TIME:
                row[state.value] += 1
        return sorted(counts.values(), key=lambda row: (-row["overdue"], -row["near"], row["unit"]))

    def open_watches(
        self, now: datetime, unit: str | None, state: WatchState | None, limit: int, place: str | None = None
    ) -> list[Watch]:
        found = [w for w in self._open_within(unit, place) if state is None or watch_state(w, now) is state]
        return sorted(found, key=lambda w: (w.due_at, w.referral_id))[:limit]

    def list_letters(
        self, unit: str | None, case_id: str | None, kind: LetterKind | None, limit: int, place: str | None = None
    ) -> list[Row]:
        letters = [
            {
                "kind": letter.kind.value,
                "case_id": w.case_id,
                "referral_id": w.referral_id,
                "unit": w.unit,
                "issued_at": letter.issued_at,
                "due_at": w.due_at,
            }
            for w in self.watches.values()
            if self._within(w, unit, place) and (case_id is None or w.case_id == case_id)
            for letter in letters_sent(w)
            if kind is None or letter.kind == kind
        ]
        letters.sort(key=lambda row: (row["referral_id"], row["kind"]))
        letters.sort(key=lambda row: row["issued_at"], reverse=True)  # stable: newest first, ties as above
        return letters[:limit]

    def _open_within(self, unit: str | None, place: str | None = None) -> list[Watch]:
        return [w for w in self.watches.values() if w.is_open and self._within(w, unit, place)]

    @staticmethod
    def _within(watch: Watch, unit: str | None, place: str | None) -> bool:
        return (unit is None or is_within(watch.unit, unit)) and (place is None or is_placed_within(watch.unit, place))
