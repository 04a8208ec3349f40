"""调解成功率: the one definition every figure of a mediation success rate uses, so that the county publishes one.

A mediation succeeded (调解成功) when it ended in an agreement (`mediated`, `judicially_confirmed`); it failed when
the unit reported `mediation_failed` or `not_suitable_for_mediation`. The rate is succeeded ÷ (succeeded + failed).
A result that referred the dispute on to a statutory procedure (`referred_to_*`: litigation, arbitration, an
administrative ruling or review) is in neither: it says where the dispute went, not that a mediation was
tried and failed (a wage claim sent straight to arbitration was never mediated), so each figure shows it on
its own (`referred_on`). `withdrawn` and `handled` say nothing of a mediation and are in no count. The coordinator's
overview and the justice bureau's mediation figures both count with `MediationCount`.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from shared.contracts.vocabulary import AGREEMENT_RESULTS, FAILED_RESULTS, ONWARD_RESULTS, ResultCode

MEDIATION_SUCCESSES = AGREEMENT_RESULTS
MEDIATION_FAILURES = FAILED_RESULTS
REFERRED_ON = ONWARD_RESULTS


def rate(part: int, whole: int) -> float | None:
    """A share to four decimal places (0.7381 for 73.8 %), or None when there is nothing to take a share of."""
    return round(part / whole, 4) if whole else None


@dataclass
class MediationCount:
    """Results counted by the rule above; add them one at a time or take a set with `of`."""

    succeeded: int = 0
    failed: int = 0
    referred_on: int = 0

    @classmethod
    def of(cls, results: Iterable[ResultCode | None]) -> "MediationCount":
        count = cls()
        for result in results:
            count.add(result)
        return count

    def add(self, result: ResultCode | None, times: int = 1) -> None:
        if result in MEDIATION_SUCCESSES:
            self.succeeded += times
        elif result in MEDIATION_FAILURES:
            self.failed += times
        elif result in REFERRED_ON:
            self.referred_on += times

    @property
    def attempted(self) -> int:
        """The mediations that ended, with or without an agreement: the rate's denominator."""
        return self.succeeded + self.failed

    @property
    def success_rate(self) -> float | None:
        return rate(self.succeeded, self.attempted)
