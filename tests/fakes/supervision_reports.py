"""The report's read model in memory, over the fake supervision store's own dicts (mixed into FakeSupervisionStore)."""

from collections import Counter
from datetime import date
from typing import Any
from uuid import UUID

from services.supervision.domain import UnitResult, Watch
from services.supervision.reports import DEFINITIONS_VERSION, sums_of, working_days
from services.supervision.reports_counters import (
    CaseFact,
    Contribution,
    Counters,
    LinkFact,
    Part,
    RatedVisit,
    case_contribution,
    change,
    link_counters,
)
from shared.delivery.statements import Row


class FakeReportStore:
    watches: dict[UUID, Watch]
    follow_ups: dict[tuple[str, int], dict[str, Any]]
    facts: dict[UUID, Row]
    link_facts: dict[UUID, Row]
    referral_results: dict[UUID, Row]

    # The tables of migration 0012, made on first use, as the tables are there from the migration.
    def _model(self) -> tuple[Counters, dict[str, Contribution], set[UUID], dict[str, Any]]:
        if "report_counters" not in vars(self):
            self.report_counters: Counters = Counter()
            self.report_cases: dict[str, Contribution] = {}
            self.counted_links: set[UUID] = set()
            self.report_rebuild: dict[str, Any] = {"definitions": "", "next_case": "", "done": False}
            self.report_stale: set[str] = set()
        return self.report_counters, self.report_cases, self.counted_links, self.report_rebuild

    def record_referral_result(self, part: UnitResult) -> None:
        self.referral_results.setdefault(
            part.referral_id, {"reason": part.reason, "result": part.result.value if part.result else None}
        )

    def mark_report_stale(self, case_id: str) -> None:
        self._model()
        self.report_stale.add(case_id)

    def recount_stale(self, limit: int) -> int:
        _, _, counted, _ = self._model()
        cases = sorted(self.report_stale)[:limit]
        for case_id in cases:
            self._recount(case_id)
            self.report_stale.discard(case_id)
        links = sorted(m for m in self.link_facts if m not in counted)[:limit]
        for message_id in links:
            self._count_link(message_id)
        return len(cases) + len(links)

    def _recount(self, case_id: str) -> None:
        counters, cases, _, _ = self._model()
        facts = sorted(
            ((message_id, f) for message_id, f in self.facts.items() if f["case_id"] == case_id),
            key=lambda item: (item[1]["occurred_at"], str(item[0])),
        )
        parts = sorted(
            (w for w in self.watches.values() if w.case_id == case_id), key=lambda w: (w.issued_at, w.referral_id)
        )
        visits = [
            row["follow_up"]
            for (case, _), row in sorted(self.follow_ups.items())
            if case == case_id and row["follow_up"].rating is not None and row["follow_up"].rated_at is not None
        ]
        new = case_contribution(
            [CaseFact(f["case_id"], f["fact"], f["occurred_at"], f["detail"]) for _, f in facts],
            [self._part(w) for w in parts],
            [RatedVisit(v.case_id, v.rating.value, v.rated_at) for v in visits],
            working_days,
        )
        counters.update(change(new, cases.get(case_id, Contribution((), Counter(), Counter()))))
        cases[case_id] = new

    def _count_link(self, message_id: UUID) -> None:
        counters, _, counted, _ = self._model()
        row = self.link_facts.get(message_id)
        if row is not None and message_id not in counted:
            counted.add(message_id)
            counters.update(link_counters(LinkFact(row["link"], row["kind"], row["unit"], row["at"])))

    def report_sums(self, scope: str, first: date, last: date) -> dict[tuple[str, str, str], int]:
        counters, _, _, _ = self._model()
        return sums_of(counters, scope, first, last)

    def report_model_complete(self) -> bool:
        _, _, _, state = self._model()
        return bool(state["done"] and state["definitions"] == DEFINITIONS_VERSION)

    def rebuild_report_step(self, batch: int) -> bool:
        _, _, counted, state = self._model()
        if state["done"] and state["definitions"] == DEFINITIONS_VERSION:
            return False
        after = state["next_case"] if state["definitions"] == DEFINITIONS_VERSION else ""
        every = {f["case_id"] for f in self.facts.values()} | {w.case_id for w in self.watches.values()}
        every |= {case for case, _ in self.follow_ups}
        cases = sorted(c for c in every if c > after)[:batch]
        for case_id in cases:
            self._recount(case_id)
        done = False
        if cases:
            after = cases[-1]
        else:
            links = [m for m in self.link_facts if m not in counted][:batch]
            for message_id in links:
                self._count_link(message_id)
            done = not links
        state.update(definitions=DEFINITIONS_VERSION, next_case=after, done=done)
        return not done

    def _part(self, watch: Watch) -> Part:
        ended = self.referral_results.get(watch.referral_id, {})
        return Part(
            referral_id=str(watch.referral_id),
            case_id=watch.case_id,
            unit=watch.unit,
            role=watch.role.value,
            due_at=watch.due_at,
            closed_at=watch.closed_at,
            paused_at=watch.paused_at,
            reason=ended.get("reason"),
            result=ended.get("result"),
            issued_at=watch.issued_at,
        )
