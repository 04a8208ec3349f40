"""The figures of people's mediation per organisation and mediator, over the assignments made in a period.

Each assignment counts once, under the organisation and mediator it has now, however far it has
got since: `assigned` all of them; `mediated`, `failed` and `referred_on` its reported result as the
county's one definition of 调解成功率 counts it (`shared.mediation_rate`, which the coordinator's overview
uses too): `mediated` (调解成功) an agreement, `failed` `mediation_failed` or `not_suitable_for_mediation`,
`referred_on` a `referred_to_*` result, which is in neither; `open` those not yet reported (a declined
referral counts as neither). `success_rate` = mediated ÷ (mediated + failed): cases still in mediation are
not counted as failures, nor are referred-on, withdrawn and handled results; None when nothing has ended.
`sessions` counts the sessions recorded on those assignments, each under the organisation and mediator that
held it: a mediator replaced keeps the sessions they held (a row that was assigned none now).
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

from shared.contracts.vocabulary import ResultCode
from shared.mediation_rate import MediationCount


@dataclass(frozen=True)
class AssignmentOutcome:
    """One assignment of the period, as the store reads it."""

    organisation: str
    mediator: str
    status: str  # the referral's: received, accepted, declined, reported
    result: ResultCode | None
    sessions: tuple[tuple[str, str, int], ...]  # (organisation, mediator, sessions held) on the referral


@dataclass
class Tally:
    assigned: int = 0
    results: MediationCount = field(default_factory=MediationCount)
    open: int = 0
    sessions: int = 0

    def add(self, outcome: AssignmentOutcome) -> None:
        self.assigned += 1
        if outcome.result is not None:
            self.results.add(outcome.result)
        elif outcome.status in ("received", "accepted"):
            self.open += 1

    def as_json(self) -> dict[str, object]:
        return {
            "assigned": self.assigned,
            "mediated": self.results.succeeded,
            "failed": self.results.failed,
            "referred_on": self.results.referred_on,
            "open": self.open,
            "success_rate": self.results.success_rate,
            "sessions": self.sessions,
        }


@dataclass
class MediationFigures:
    total: Tally = field(default_factory=Tally)
    organisations: dict[str, Tally] = field(default_factory=dict)
    mediators: dict[tuple[str, str], Tally] = field(default_factory=dict)

    @classmethod
    def of(cls, outcomes: Iterable[AssignmentOutcome]) -> "MediationFigures":
        figures = cls()
        for outcome in outcomes:
            figures.total.add(outcome)
            figures.organisations.setdefault(outcome.organisation, Tally()).add(outcome)
            figures.mediators.setdefault((outcome.organisation, outcome.mediator), Tally()).add(outcome)
            for organisation, mediator, held in outcome.sessions:
                figures.total.sessions += held
                figures.organisations.setdefault(organisation, Tally()).sessions += held
                figures.mediators.setdefault((organisation, mediator), Tally()).sessions += held
        return figures

    def as_json(self, names: dict[str, str]) -> dict[str, object]:
        """With `names` of organisations and mediators by code, where known."""
        return {
            "total": self.total.as_json(),
            "organisations": [
                {"organisation": code, "name": names.get(code), **tally.as_json()}
                for code, tally in sorted(self.organisations.items())
            ],
            "mediators": [
                {"organisation": org, "mediator": code, "name": names.get(code), **tally.as_json()}
                for (org, code), tally in sorted(self.mediators.items())
            ],
        }
