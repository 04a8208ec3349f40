"""A petition (信访事项) as the bureau registers it: batch and persons, the decision, the term, the reply."""

from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum
from uuid import UUID

from services.petition_link.domain.records import GROUP_PETITION_PERSONS
from shared.contracts.disputes import Agreement
from shared.contracts.vocabulary import Category, PartyKind, ResultCode


class PetitionForm(StrEnum):
    """How the petition came in (第十七条 names letters, visits and the network among the forms)."""

    LETTER = "letter"  # 来信
    VISIT = "visit"  # 来访 (走访)
    ONLINE = "online"  # 网上信访


class PetitionStatus(StrEnum):
    REGISTERED = "registered"  # 已登记: whether to accept it is decided within 15 days
    ACCEPTED = "accepted"  # 已受理: to be handled within 60 days, or 60 + the extension
    NOT_ACCEPTED = "not_accepted"  # 不予受理, with the reason the petitioner is told
    SEPARATED = "separated"  # 诉访分离: litigation-related, taken into the court's procedure
    REPLIED = "replied"  # 已答复 (办结): the result told to the petitioner


FINISHED = frozenset({PetitionStatus.NOT_ACCEPTED, PetitionStatus.SEPARATED, PetitionStatus.REPLIED})


class PetitionOrder(StrEnum):
    """The orders the register lists petitions in."""

    DUE = "due"  # what is due first: open petitions by the day their term ends, then the finished, latest received
    RECEIVED = "received"  # the latest received first


@dataclass(frozen=True)
class Petitioner:
    """One person who petitions (信访人). The ID number itself is never kept: only keyed digests, which
    count the same person again without revealing who they are (see persons.py)."""

    name: str
    phone: str | None  # to reach them; dropped once the petition has been finished for the retention period
    id_key: str | None  # keyed digest of the ID number, when one was given
    contact_key: str | None  # keyed digest of name and mobile, when a mobile was given

    @property
    def key(self) -> str | None:
        """Who the person is for counting: by ID number when known, else by name and mobile, else unknown."""
        return self.id_key or self.contact_key

    @property
    def keys(self) -> frozenset[str]:
        """Every key the person may have been registered under, to find their earlier petitions."""
        return frozenset(k for k in (self.id_key, self.contact_key) if k)


@dataclass(frozen=True)
class OtherSide:
    """Whom the petition is about (the other side of the dispute), needed for mediation; may be an organisation."""

    kind: PartyKind
    name: str
    phone: str | None = None


@dataclass(frozen=True)
class Decision:
    """受理 or 不予受理, with the reason the petitioner is told, on the day it was decided."""

    accepted: bool
    reason: str
    decided_on: date


@dataclass(frozen=True)
class Extension:
    """The one extension of the handling term (第三十四条), with the reason the petitioner is told."""

    days: int
    reason: str
    granted_on: date


@dataclass(frozen=True)
class Reply:
    """What the petitioner was told the petition came to (信访处理意见书 / 答复)."""

    result: ResultCode
    summary: str
    replied_on: date
    agreement: Agreement | None = None


class ReviewStage(StrEnum):
    """The two reviews a petitioner may ask of the bodies above the one that handled the petition."""

    REVIEW = "review"  # 复查 (第三十五条), of the 信访处理意见, by the next-higher body of the one that handled it
    RE_REVIEW = "re_review"  # 复核 (第三十六条), of the 复查意见, by the next-higher body of the reviewing body


class ReviewResult(StrEnum):
    """What a 复查意见 or 复核意见 does to the opinion it reviews."""

    UPHELD = "upheld"  # 维持
    CHANGED = "changed"  # 变更
    REVOKED = "revoked"  # 撤销


@dataclass(frozen=True)
class ReviewOpinion:
    """The reviewing body's written opinion (复查意见 / 复核意见), as the bureau learns of it."""

    result: ReviewResult
    summary: str
    given_on: date


@dataclass(frozen=True)
class Review:
    """A request for 复查 or 复核 as the county bureau records it: the body asked (its name: it is above the county,
    outside the platform's units), the day the petitioner received the answer they dispute, the day they asked."""

    body: str
    answer_received_on: date
    requested_on: date
    opinion: ReviewOpinion | None = None


@dataclass(frozen=True)
class Petition:
    number: str  # the bureau's own number; also the record id when it is fed to the centre
    unit: str  # the bureau's unit for the petition's place
    received_on: date
    form: PetitionForm
    petitioners: tuple[Petitioner, ...]
    group_size: int  # 人次: everyone who came, of whom `petitioners` are the named ones
    category: Category
    division_code: str
    summary: str
    litigation_reason: str | None  # 涉法涉诉: why it belongs to a court's procedure
    repeat_of: str | None  # the earlier petition of the same person on the same matter
    matter: str  # the first petition of its repeat chain: petitions on the same matter share it
    respondents: tuple[OtherSide, ...]
    fingerprint: str  # keyed digest of the registration as sent, to tell a resend from a clash
    registered_by: str
    registered_at: datetime
    status: PetitionStatus = PetitionStatus.REGISTERED
    decision: Decision | None = None
    extension: Extension | None = None
    reply: Reply | None = None
    fed_message_id: UUID | None = None  # the RegisterDispute that took it to the centre (访调对接)
    review: Review | None = None  # 复查, once replied to
    re_review: Review | None = None  # 复核, once the 复查意见 is given

    @property
    def litigation_related(self) -> bool:
        return self.litigation_reason is not None

    @property
    def repeat(self) -> bool:
        return self.repeat_of is not None

    @property
    def collective_visit(self) -> bool:
        """集体访: five or more people coming together (one batch, `group_size` persons)."""
        return self.form is PetitionForm.VISIT and self.group_size >= GROUP_PETITION_PERSONS

    @property
    def accepted_on(self) -> date | None:
        if self.decision is None or not self.decision.accepted:
            return None
        return self.decision.decided_on

    def review_of(self, stage: ReviewStage) -> Review | None:
        return self.review if stage is ReviewStage.REVIEW else self.re_review

    def with_review(self, stage: ReviewStage, review: Review) -> "Petition":
        if stage is ReviewStage.REVIEW:
            return replace(self, review=review)
        return replace(self, re_review=review)
