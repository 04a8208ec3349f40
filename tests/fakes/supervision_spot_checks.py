"""Spot checks in memory, over the fake store's own facts and follow-ups (mixed into FakeSupervisionStore)."""

from dataclasses import replace
from datetime import date, datetime
from typing import Any
from uuid import UUID

from services.supervision.spot_checks import ClosedCase, Draw, SpotCheck, Trigger
from shared.delivery.statements import Row
from shared.persistence.errors import NotFound


class FakeSpotCheckStore:
    facts: dict[UUID, Row]
    follow_ups: dict[tuple[str, int], dict[str, Any]]

    @property
    def draws(self) -> dict[UUID, Row]:
        # Made on first use, as the tables are there from the migration, so the mixin needs no __init__.
        draws: dict[UUID, Row] = self.__dict__.setdefault("_spot_check_draws", {})
        return draws

    @property
    def spot_checks(self) -> dict[tuple[str, int], Row]:
        checks: dict[tuple[str, int], Row] = self.__dict__.setdefault("_spot_checks", {})
        return checks

    def closed_cases(self, start: datetime, end: datetime) -> list[ClosedCase]:
        found = []
        for fact in self.facts.values():
            if fact["fact"] != "CaseClosed" or not start <= fact["occurred_at"] < end:
                continue
            rounds = [
                row["follow_up"]
                for (case_id, _), row in self.follow_ups.items()
                if case_id == fact["case_id"]
                and row["follow_up"].rating is not None
                and row["follow_up"].opened_at <= fact["occurred_at"]
            ]
            if not rounds:
                continue
            latest = max(rounds, key=lambda f: f.round)
            if (latest.case_id, latest.round) not in self.spot_checks:
                found.append(ClosedCase(latest.case_id, latest.round, latest.lead_unit, fact["occurred_at"]))
        return sorted(found, key=lambda c: (c.case_id, c.round))

    def add_draw(self, draw_id: UUID, draw: Draw, drawn_by: str, at: datetime) -> bool:
        if draw.trigger is Trigger.SCHEDULED and self.has_scheduled_draw(draw.period_start, draw.period_end):
            return False
        self.draws[draw_id] = {"draw": draw, "drawn_by": drawn_by, "drawn_at": at}
        for case in draw.drawn:
            self.spot_checks.setdefault(
                (case.case_id, case.round),
                {
                    "check": SpotCheck(case.case_id, case.round, case.lead_unit, case.closed_at),
                    "draw_id": draw_id,
                    "trigger": draw.trigger.value,
                    "drawn_at": at,
                    "comment": None,
                    "checked_by": None,
                },
            )
        return True

    def has_scheduled_draw(self, period_start: date, period_end: date) -> bool:
        return any(
            row["draw"].trigger is Trigger.SCHEDULED
            and (row["draw"].period_start, row["draw"].period_end) == (period_start, period_end)
            for row in self.draws.values()
        )

    def lock_spot_check(self, case_id: str) -> SpotCheck:
        rounds = [r for c, r in self.spot_checks if c == case_id]
        if not rounds:
            raise NotFound(f"case {case_id} was not drawn for a spot check")
        check: SpotCheck = self.spot_checks[(case_id, max(rounds))]["check"]
        return check

    def reopened_since(self, case_id: str, round: int) -> bool:
        return any(
            fact["case_id"] == case_id and fact["fact"] == "CaseReopened" and int(fact["detail"]["round"]) > round
            for fact in self.facts.values()
        )

    def save_finding(self, check: SpotCheck, comment: str | None, checked_by: str, reopened: bool) -> None:
        row = self.spot_checks.get((check.case_id, check.round))
        if row is not None:
            row.update(check=replace(row["check"], rating=check.rating, found_at=check.found_at))
            row.update(comment=comment, checked_by=checked_by, reopened=reopened)

    def list_spot_checks(
        self, start: datetime | None, end: datetime | None, pending_only: bool, limit: int
    ) -> list[Row]:
        rows = []
        for row in self.spot_checks.values():
            check: SpotCheck = row["check"]
            if start is not None and end is not None and not start <= check.closed_at < end:
                continue
            if pending_only and check.rating is not None:
                continue
            rows.append(
                {
                    "case_id": check.case_id,
                    "round": check.round,
                    "lead_unit": check.lead_unit,
                    "closed_at": check.closed_at,
                    "drawn_at": row["drawn_at"],
                    "rating": check.rating.value if check.rating else None,
                    "comment": row["comment"],
                    "checked_by": row["checked_by"],
                    "found_at": check.found_at,
                    "reopened": row.get("reopened", False),
                    "draw_id": row["draw_id"],
                    "trigger": row["trigger"],
                }
            )
        return sorted(rows, key=lambda r: (r["drawn_at"], r["case_id"], r["round"]))[:limit]

    def spot_check_figures(self, start: datetime, end: datetime) -> Row:
        closed = sum(1 for f in self.facts.values() if f["fact"] == "CaseClosed" and start <= f["occurred_at"] < end)
        rows = [row for row in self.spot_checks.values() if start <= row["check"].closed_at < end]
        checks = [row["check"] for row in rows]
        ratings: dict[str, int] = {}
        for check in checks:
            if check.rating is not None:
                ratings[check.rating.value] = ratings.get(check.rating.value, 0) + 1
        return {
            "closed": closed,
            "drawn": len(checks),
            "done": sum(ratings.values()),
            "reopened": sum(1 for row in rows if row.get("reopened")),
            "ratings": ratings,
        }
