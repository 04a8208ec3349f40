"""The risk a dispute-type police call carries: what the officer saw at the scene, as the centre's flags."""

from dataclasses import dataclass

from shared.contracts.vocabulary import Flag


@dataclass(frozen=True)
class RiskFacts:
    """What the officer found at the scene that says a dispute may turn violent, or criminal (民转刑)."""

    violence: bool = False  # 暴力: blows, pushing, damage done at the scene
    injury: bool = False  # 人身伤害: someone was hurt
    weapon_or_threat: bool = False  # 持械 or 扬言报复: a weapon shown or harm threatened
    repeat_calls: int = 0  # earlier calls from the same address about the same dispute (重复警情)
    civil_to_criminal_risk: bool = False  # 民转刑 risk, as the officer judges it

    @property
    def violence_or_injury(self) -> bool:
        return self.violence or self.injury

    @property
    def repeated(self) -> bool:
        return self.repeat_calls > 0


def risk_flags(facts: RiskFacts) -> list[Flag]:
    """`violence_risk` for any sign of violence (violence, injury, a weapon or threat, calls that keep coming
    back, or the officer's 民转刑 judgement), which colours the stability register yellow and keeps the police
    designated; `high_risk` (命案风险) only where the officer judges a 民转刑 risk, which colours it red and
    brings the political-legal committee in."""
    flags = []
    if facts.violence_or_injury or facts.weapon_or_threat or facts.repeated or facts.civil_to_criminal_risk:
        flags.append(Flag.VIOLENCE_RISK)
    if facts.civil_to_criminal_risk:
        flags.append(Flag.HIGH_RISK)
    return flags
