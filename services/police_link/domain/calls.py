"""A dispute-type police call (矛盾纠纷类警情): its classification, and whether the police hand it to mediation
(警调对接) or keep it in their own procedure; and what of its mediation the police are told.

Handed over: a call the officer judges suitable for mediation, in which no crime is suspected. A
minor 违反治安管理行为 that grew out of a civil dispute may still be mediated (治安管理处罚法 第九条:
a signed agreement means no penalty); a suspected crime never is (刑事 procedure). Everything else
stays with the police, with the reasons it was kept and the procedure it goes into.
"""

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from uuid import UUID

from services.police_link.domain.risk import RiskFacts, risk_flags
from shared.contracts.disputes import PartyNotice
from shared.contracts.vocabulary import AGREEMENT_RESULTS, Category, Flag, ResultCode
from shared.workdays import CHINA_TZ


class Classification(StrEnum):
    """警情类别 of the dispute calls (纠纷类警情), as the station classifies them."""

    NEIGHBOUR = "neighbour"  # 邻里纠纷
    FAMILY = "family"  # 家庭纠纷
    ROMANCE = "romance"  # 婚恋纠纷
    ECONOMIC = "economic"  # 经济纠纷
    LAND = "land"  # 土地纠纷
    LABOUR = "labour"  # 劳资纠纷
    TRAFFIC = "traffic"  # 交通纠纷
    OTHER = "other"  # 其他纠纷


# The centre's categories a classification may become; the first when the officer names none.
# 经济纠纷 covers loans, contracts, purchases and property fees alike, so it is `other` unless the
# officer says which. A 法律咨询 is no police call: that category would settle it at the window,
# where nobody is designated.
_ANY = tuple(c for c in Category if c not in (Category.OTHER, Category.CONSULTATION))
CATEGORIES: dict[Classification, tuple[Category, ...]] = {
    Classification.NEIGHBOUR: (Category.NEIGHBOUR,),
    Classification.FAMILY: (Category.FAMILY,),
    # 婚恋 (courtship, betrothal gifts 彩礼, break-ups) is counted with 婚姻家庭 at the centre.
    Classification.ROMANCE: (Category.FAMILY,),
    Classification.ECONOMIC: (
        Category.OTHER,
        Category.DEBT,
        Category.CONTRACT,
        Category.CONSUMER,
        Category.PROPERTY_MANAGEMENT,
    ),
    Classification.LAND: (Category.LAND,),
    Classification.LABOUR: (Category.WAGES,),
    Classification.TRAFFIC: (Category.TRAFFIC,),
    Classification.OTHER: (Category.OTHER, *_ANY),
}


def category_for(classification: Classification, named: Category | None) -> Category:
    """The centre's category of a call: the one the classification maps to, or the one the officer named
    if the classification allows it; ValueError saying which it allows otherwise."""
    allowed = CATEGORIES[classification]
    if named is None:
        return allowed[0]
    if named not in allowed:
        choices = ", ".join(c.value for c in allowed)
        raise ValueError(f"a {classification.value} call is one of: {choices}")
    return named


class Offence(StrEnum):
    """What the officer found the conduct at the scene to be, in law."""

    NONE = "none"  # a civil dispute only
    PUBLIC_ORDER = "public_order"  # 违反治安管理行为
    CRIMINAL = "criminal"  # 涉嫌犯罪


class Decision(StrEnum):
    MEDIATION = "mediation"  # 警调对接: fed to the centre, the station leading and the mediators sitting in
    POLICE = "police"  # kept by the police alone, in their own procedure; not fed


class KeptBecause(StrEnum):
    CRIME_SUSPECTED = "crime_suspected"  # 涉嫌犯罪: no mediation of a crime
    NOT_SUITABLE = "not_suitable_for_mediation"  # the officer's judgement: a party refuses, the facts need a ruling …


class Procedure(StrEnum):
    """How the police go on with a call they keep."""

    CRIMINAL = "criminal"  # 刑事案件: 立案侦查
    PUBLIC_ORDER = "public_order"  # 治安案件: 治安管理处罚法
    POLICE_HANDLING = "police_handling"  # 依职能处置: no offence, but no mediation either (advice, 告知诉讼途径 …)


_PROCEDURES = {
    Offence.CRIMINAL: Procedure.CRIMINAL,
    Offence.PUBLIC_ORDER: Procedure.PUBLIC_ORDER,
    Offence.NONE: Procedure.POLICE_HANDLING,
}


@dataclass(frozen=True)
class SceneFacts:
    """The scene as the officer found it, and the officer's judgements."""

    risk: RiskFacts
    suitable_for_mediation: bool
    offence: Offence = Offence.NONE


@dataclass(frozen=True)
class CallDecision:
    decision: Decision
    procedure: Procedure | None  # None for a call handed to mediation
    reasons: tuple[KeptBecause, ...]  # why the police kept it; empty when handed over

    @property
    def handed_over(self) -> bool:
        return self.decision is Decision.MEDIATION


def decide(scene: SceneFacts) -> CallDecision:
    """Hand the call to mediation when the officer judges it suitable and no crime is suspected; else keep it.

    Violence and the 民转刑 risk do not keep a call from mediation: they are why it should be mediated
    quickly, and they raise flags that keep the police in the case (`risk_flags`).
    """
    reasons = []
    if scene.offence is Offence.CRIMINAL:
        reasons.append(KeptBecause.CRIME_SUSPECTED)
    if not scene.suitable_for_mediation:
        reasons.append(KeptBecause.NOT_SUITABLE)
    if not reasons:
        return CallDecision(Decision.MEDIATION, None, ())
    return CallDecision(Decision.POLICE, _PROCEDURES[scene.offence], tuple(reasons))


def flags_of(scene: SceneFacts) -> list[Flag]:
    return risk_flags(scene.risk)


@dataclass(frozen=True)
class RecordedCall:
    """A call as the station keeps it: the dispute (parties by name and role only), the scene, the decision."""

    call_number: str
    unit: str
    received_at: datetime
    classification: Classification
    category: Category
    division_code: str
    summary: str
    parties: tuple[PartyNotice, ...]
    scene: SceneFacts
    flags: tuple[Flag, ...]
    decided: CallDecision
    message_id: UUID | None  # the RegisterDispute that fed a handed call to the centre
    recorded_by: str
    recorded_at: datetime

    @property
    def received_on(self) -> date:
        return local_day(self.received_at)


def local_day(moment: datetime) -> date:
    """The county's calendar day of `moment`: a call received at 23:30 in Beijing counts on that day."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"moment must be timezone-aware, got naive {moment.isoformat()}")
    return moment.astimezone(CHINA_TZ).date()


# --- what the police are told of a handed call's mediation --------------------------------------

# The people's mediators (司法所) who sit in on a handed call: their own result is worth showing the
# police before the case ends, above all a 调解不成.
MEDIATING_AGENCY = "justice"


def reported_by_mediators(unit: str) -> bool:
    return unit.partition(":")[0] == MEDIATING_AGENCY


def mediated(result: ResultCode | None) -> bool | None:
    """调解成功: the parties signed an agreement (or a court confirmed it); None while there is no result."""
    return None if result is None else result in AGREEMENT_RESULTS
