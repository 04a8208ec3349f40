"""立案审查's question for the centre: divert a filing to pre-litigation mediation (诉前调解), or file it (立案).

Shandan's criteria, as its centre publishes them: a case goes to the centre when "法律关系相对明确、
事实相对清楚且当事人同意调解". All three must hold; a filing that fails any is filed, and every
criterion it fails is named, so that the figures can say why filings were not diverted.

Administrative filings (行政案件) are not mediated, except where 行政诉讼法 第六十条 allows it:
行政赔偿, 行政补偿, and cases about an agency's discretion under a law or regulation (自由裁量权).
Those are screened like any civil filing; every other administrative filing is filed.
"""

from dataclasses import dataclass
from enum import StrEnum


class CaseType(StrEnum):
    """The court's kind of filing, as its 立案 statistics count them (民商事及行政)."""

    CIVIL = "civil"  # 民事
    COMMERCIAL = "commercial"  # 商事
    ADMINISTRATIVE = "administrative"  # 行政


class AdministrativeMatter(StrEnum):
    """What an administrative filing is about, as far as 行政诉讼法 第六十条 lets a court mediate it."""

    COMPENSATION = "compensation"  # 行政赔偿
    INDEMNITY = "indemnity"  # 行政补偿
    DISCRETION = "discretion"  # 行政机关行使法律、法规规定的自由裁量权
    OTHER = "other"  # any other: 人民法院审理行政案件，不适用调解


MEDIABLE_ADMINISTRATIVE = frozenset(
    {AdministrativeMatter.COMPENSATION, AdministrativeMatter.INDEMNITY, AdministrativeMatter.DISCRETION}
)


class FilingDecision(StrEnum):
    DIVERTED = "diverted"  # 分流: 诉前调解 at the centre
    FILED = "filed"  # 立案: the court hears it


class NotDiverted(StrEnum):
    """Why a filing was filed instead of diverted; a filing names every criterion it fails."""

    NOT_MEDIABLE_BY_LAW = "not_mediable_by_law"  # 行政案件, outside 行政诉讼法 第六十条
    LEGAL_RELATION_UNCLEAR = "legal_relation_unclear"  # 法律关系不明确
    FACTS_UNCLEAR = "facts_unclear"  # 事实不清楚
    NO_CONSENT = "no_consent"  # 当事人不同意调解


@dataclass(frozen=True)
class ScreeningFacts:
    """What the court found at 立案审查."""

    legal_relation_clear: bool  # 法律关系相对明确
    facts_clear: bool  # 事实相对清楚
    parties_consent: bool  # 当事人同意调解


@dataclass(frozen=True)
class Screening:
    decision: FilingDecision
    reasons: tuple[NotDiverted, ...]  # empty exactly when diverted, otherwise in NotDiverted's order

    @property
    def diverted(self) -> bool:
        return self.decision is FilingDecision.DIVERTED


def screen(
    case_type: CaseType, facts: ScreeningFacts, administrative_matter: AdministrativeMatter | None = None
) -> Screening:
    """Divert only when the law allows mediation and all three of Shandan's criteria hold."""
    reasons: list[NotDiverted] = []
    # An administrative filing whose matter is not known is not taken to be mediable.
    if case_type is CaseType.ADMINISTRATIVE and administrative_matter not in MEDIABLE_ADMINISTRATIVE:
        reasons.append(NotDiverted.NOT_MEDIABLE_BY_LAW)
    if not facts.legal_relation_clear:
        reasons.append(NotDiverted.LEGAL_RELATION_UNCLEAR)
    if not facts.facts_clear:
        reasons.append(NotDiverted.FACTS_UNCLEAR)
    if not facts.parties_consent:
        reasons.append(NotDiverted.NO_CONSENT)
    return Screening(FilingDecision.FILED if reasons else FilingDecision.DIVERTED, tuple(reasons))
