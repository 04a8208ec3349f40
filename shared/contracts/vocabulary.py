"""The domain's closed vocabularies (sources, categories, roles, outcomes) as string enums."""

from enum import StrEnum


class Source(StrEnum):
    """Where a dispute first reached the platform: a centre channel or one of the five sources."""

    WALK_IN = "walk_in"  # 来访 at the centre's one window
    HOTLINE = "hotline"  # 12345 热线
    GRID = "grid"  # 网格员 report
    COURT_FILING = "court_filing"  # 诉源: civil filing diverted to pre-litigation mediation
    POLICE_CALL = "police_call"  # 案源: dispute-type police call
    MEDIATION_REQUEST = "mediation_request"  # 调源: people's mediation request
    PETITION = "petition"  # 访源: petition
    STABILITY_LEAD = "stability_lead"  # 稳源: stability-risk lead


# What the centre's own window registers (intake's HTTP API, the console's form). The five sources arrive
# only through their agencies' feeds, where RabbitMQ vouches for the sender.
WINDOW_SOURCES = (Source.WALK_IN, Source.HOTLINE, Source.GRID)


class Category(StrEnum):
    """Kind of dispute; the routing table maps each to the competent agencies."""

    NEIGHBOUR = "neighbour"  # 邻里纠纷
    FAMILY = "family"  # 婚姻家庭
    LAND = "land"  # 土地山林
    WAGES = "wages"  # 劳资欠薪
    DEBT = "debt"  # 民间借贷
    CONTRACT = "contract"  # 合同纠纷
    PROPERTY_MANAGEMENT = "property_management"  # 物业纠纷
    TRAFFIC = "traffic"  # 交通事故
    MEDICAL = "medical"  # 医疗纠纷
    CONSUMER = "consumer"  # 消费纠纷
    CONSULTATION = "consultation"  # 法律咨询, answered at the window
    OTHER = "other"


class Flag(StrEnum):
    """Risk and handling markers that change routing and supervision."""

    VIOLENCE_RISK = "violence_risk"  # 有暴力倾向 / 民转刑 risk
    HIGH_RISK = "high_risk"  # 命案风险
    GROUP = "group"  # 群体性纠纷
    PETITION_INVOLVED = "petition_involved"  # 涉访
    RESOLVED_AT_WINDOW = "resolved_at_window"  # 现场办: settled at the window


class PartyRole(StrEnum):
    APPLICANT = "applicant"
    RESPONDENT = "respondent"
    THIRD_PARTY = "third_party"


class PartyKind(StrEnum):
    PERSON = "person"
    ORGANISATION = "organisation"


class HandlingMode(StrEnum):
    """Triage outcome: 现场办 / 马上办 / 共同办."""

    ON_THE_SPOT = "on_the_spot"
    SINGLE_UNIT = "single_unit"
    JOINT = "joint"


class ReferralRole(StrEnum):
    LEAD = "lead"  # 牵头单位
    CO_UNIT = "co_unit"  # 配合单位


class Outcome(StrEnum):
    """Whether a unit's part resolved the dispute: the coarse reading of its `ResultCode`."""

    RESOLVED = "resolved"  # 化解
    UNRESOLVED = "unresolved"  # not resolved here: failed, unsuitable, or taken to a statutory procedure


class ResultCode(StrEnum):
    """What a unit's handling of its part came to, in the same words for every agency, so that
    mediation success, diversion to statutory procedures and failures can be counted per unit."""

    MEDIATED = "mediated"  # 调解成功: the parties signed a mediation agreement (调解协议)
    JUDICIALLY_CONFIRMED = "judicially_confirmed"  # 司法确认: a court confirmed the agreement
    WITHDRAWN = "withdrawn"  # 撤回: the applicant withdrew the claim (和解撤回、撤诉)
    HANDLED = "handled"  # 依职能办结: handled by the unit's own procedure (a police decision, a petition reply …)
    REFERRED_TO_ARBITRATION = "referred_to_arbitration"  # 导入仲裁 (劳动人事、农村土地承包 …)
    REFERRED_TO_ADMINISTRATIVE_RULING = "referred_to_administrative_ruling"  # 导入行政裁决
    REFERRED_TO_ADMINISTRATIVE_REVIEW = "referred_to_administrative_review"  # 导入行政复议
    REFERRED_TO_LITIGATION = "referred_to_litigation"  # 导入诉讼: filed with the court (立案)
    NOT_SUITABLE_FOR_MEDIATION = "not_suitable_for_mediation"  # 不宜调解
    MEDIATION_FAILED = "mediation_failed"  # 调解不成


class AgreementForm(StrEnum):
    """How the parties' mediation agreement was made (人民调解法 第二十八条)."""

    WRITTEN = "written"  # 书面协议 (调解协议书): signed by the parties and the mediator (第二十九条)
    # 口头协议: for a simple dispute the mediator records what was agreed; in force once agreed (第三十条)
    ORAL = "oral"


# The results that end the dispute (化解), that take it into a statutory procedure (导入法定途径),
# and those that need the centre to decide what follows.
RESOLVING_RESULTS = frozenset(
    {ResultCode.MEDIATED, ResultCode.JUDICIALLY_CONFIRMED, ResultCode.WITHDRAWN, ResultCode.HANDLED}
)
ONWARD_RESULTS = frozenset(
    {
        ResultCode.REFERRED_TO_ARBITRATION,
        ResultCode.REFERRED_TO_ADMINISTRATIVE_RULING,
        ResultCode.REFERRED_TO_ADMINISTRATIVE_REVIEW,
        ResultCode.REFERRED_TO_LITIGATION,
    }
)
FAILED_RESULTS = frozenset({ResultCode.NOT_SUITABLE_FOR_MEDIATION, ResultCode.MEDIATION_FAILED})
# A signed agreement is what these results are: the report must carry it.
AGREEMENT_RESULTS = frozenset({ResultCode.MEDIATED, ResultCode.JUDICIALLY_CONFIRMED})
# Reports from before result codes said only resolved or not; they read as these.
LEGACY_RESULTS = {Outcome.RESOLVED: ResultCode.HANDLED, Outcome.UNRESOLVED: ResultCode.MEDIATION_FAILED}


def outcome_of(result: ResultCode) -> Outcome:
    return Outcome.RESOLVED if result in RESOLVING_RESULTS else Outcome.UNRESOLVED


class LinkReason(StrEnum):
    """Why intake linked a report (an agency's record among them) to an existing case: the text travels in
    RepeatReportLinked.reason and RecordLinked.reason."""

    SAME_SOURCE_RECORD = "same source record"  # the same record fed again: the case it opened itself
    SAME_PARTIES = "same parties and category within 30 days"


class Rating(StrEnum):
    """The citizen's follow-up rating (群众评单)."""

    SATISFIED = "satisfied"
    BASICALLY_SATISFIED = "basically_satisfied"
    DISSATISFIED = "dissatisfied"


class ReopenCause(StrEnum):
    """Why a case the units had finished is handled again."""

    DISSATISFIED = "dissatisfied"  # the citizen's follow-up rating (群众评单)
    REPEAT_REPORT = "repeat_report"  # reported again after it was closed, or petitioned before its visit (矛盾反弹)
    SPOT_CHECK = "spot_check"  # a closed case drawn for a second follow-up (回访抽查) found the citizen dissatisfied


class AlertKind(StrEnum):
    """Why intake raised a high-frequency clue alert (高频线索预警)."""

    REPEATED_APPLICANT = "repeated_applicant"  # the same person reported again and again (同一人反复反映)
    SHARED_RESPONDENT = "shared_respondent"  # several people reported the same respondent (多人反映同一对象)
