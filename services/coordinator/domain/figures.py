"""The figures a county leader reads: cases by source and status, deadlines the units kept, units' results
and cases' results, mediation, citizens' ratings.

What counts (the PostgreSQL store computes the same in SQL; the contract suite holds both to it):
- every case once, under its current status and the source it came in by;
- every referral of every round once, under the unit it was issued to: `open` while issued or
  accepted, `overdue` when open past its `due_at`, `finished` once the unit reported its result
  (whatever it was), `on_time` when that result was recorded at or before `due_at`, and under its
  result code in `results` once finished. A paused clock stands still: such a referral is judged
  at the moment it was paused (`Referral.clock_at`). A declined referral is none of these: its
  part went to another unit, which is counted instead;
- every case whose current round is settled once, under that round's result (`case_results`); a
  reopened case counts again only when its new round is settled, and a case settled at the window
  has no unit's result to count;
- mediation over finished referrals, by the one rule of `shared.mediation_rate` (the justice bureau's
  figures use it too): `succeeded` those that ended in an agreement, confirmed by a court or not,
  `attempted` those and the failed or unsuitable ones, `referred_on` the `referred_to_*` results, which
  are in neither;
- each case's latest rating once (a dissatisfied case rated again counts by its new rating).
"""

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from services.coordinator.domain.model import Case, CaseStatus, Referral
from shared.contracts.vocabulary import Rating, ResultCode, Source
from shared.mediation_rate import MediationCount, rate

# Ratings that count as satisfied (满意 and 基本满意) in the satisfaction rate.
SATISFIED = frozenset({Rating.SATISFIED, Rating.BASICALLY_SATISFIED})


@dataclass(frozen=True)
class UnitFigures:
    """One unit's referrals, all rounds of all cases."""

    unit: str
    open: int = 0
    overdue: int = 0
    finished: int = 0
    on_time: int = 0
    results: Mapping[ResultCode, int] = field(default_factory=dict)  # finished referrals by code; no zeros

    @property
    def counted(self) -> bool:
        """Whether the unit has anything to show: a unit that only ever declined has not."""
        return bool(self.open or self.finished)


@dataclass(frozen=True)
class Figures:
    cases: Mapping[tuple[Source, CaseStatus], int] = field(default_factory=dict)
    ratings: Mapping[Rating, int] = field(default_factory=dict)
    units: tuple[UnitFigures, ...] = ()  # in unit order, only the counted ones
    case_results: Mapping[ResultCode, int] = field(default_factory=dict)  # settled rounds' results; no zeros

    @property
    def results(self) -> dict[ResultCode, int]:
        """Every unit's finished referrals by result code."""
        total: Counter[ResultCode] = Counter()
        for unit in self.units:
            total.update(unit.results)
        return dict(total)

    @property
    def mediation(self) -> MediationCount:
        """Every unit's finished referrals counted by the shared rule of 调解成功率 (`shared.mediation_rate`)."""
        count = MediationCount()
        for code, n in self.results.items():
            count.add(code, n)
        return count

    @property
    def mediation_attempted(self) -> int:
        return self.mediation.attempted

    @property
    def mediation_succeeded(self) -> int:
        return self.mediation.succeeded

    @property
    def mediation_success_rate(self) -> float | None:
        return self.mediation.success_rate

    @property
    def on_time_rate(self) -> float | None:
        return rate(sum(u.on_time for u in self.units), sum(u.finished for u in self.units))

    @property
    def satisfaction_rate(self) -> float | None:
        return rate(sum(n for r, n in self.ratings.items() if r in SATISFIED), sum(self.ratings.values()))


def tally(cases: Iterable[Case], now: datetime) -> Figures:
    """The figures of these cases, `overdue` judged at `now`."""
    by_source_status: Counter[tuple[Source, CaseStatus]] = Counter()
    ratings: Counter[Rating] = Counter()
    case_results: Counter[ResultCode] = Counter()
    referrals: dict[str, list[Referral]] = {}
    for case in cases:
        by_source_status[case.facts.source, case.status] += 1
        if case.rating is not None:
            ratings[case.rating] += 1
        if case.result is not None:
            case_results[case.result] += 1
        for referral in case.referrals:
            referrals.setdefault(referral.unit, []).append(referral)
    units = (
        UnitFigures(
            unit=unit,
            open=sum(r.is_open for r in held),
            overdue=sum(r.overdue(now) for r in held),
            finished=sum(r.finished for r in held),
            on_time=sum(r.on_time for r in held),
            results=dict(Counter(r.result for r in held if r.finished and r.result is not None)),
        )
        for unit, held in sorted(referrals.items())
    )
    return Figures(dict(by_source_status), dict(ratings), tuple(u for u in units if u.counted), dict(case_results))
