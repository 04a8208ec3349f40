"""Where a dispute goes when people's mediation did not settle it (调解不成的分流引导), by its category.

The county's words (山丹县综治中心): 对调解不成功的，及时引导当事人通过仲裁、行政裁决、行政复议等途径解决;
对处理结果不服的推送人民法院并引导当事人依法提起诉讼. Each route names the law it rests on; litigation
is always open last (人民调解法 第二十六条: 调解不成的, 应当终止调解, 并告知当事人可以依法通过仲裁、行政、
司法等途径维护自己的权利; 第三十二条: 就调解协议的履行或内容发生争议的, 一方当事人可以向人民法院提起诉讼).
"""

from dataclasses import dataclass

from shared.contracts.vocabulary import FAILED_RESULTS, ONWARD_RESULTS, Category, ResultCode

COUNTY_GUIDANCE = (
    "对调解不成功的，及时引导当事人通过仲裁、行政裁决、行政复议等途径解决；"
    "对处理结果不服的推送人民法院并引导当事人依法提起诉讼。"
)


@dataclass(frozen=True)
class Route:
    code: str
    name: str
    basis: str

    def as_json(self) -> dict[str, str]:
        return {"code": self.code, "name": self.name, "basis": self.basis}


LABOUR_ARBITRATION = Route(
    "labour_arbitration",
    "劳动争议仲裁（向劳动人事争议仲裁委员会申请）",
    "劳动争议调解仲裁法 第五条：不愿调解、调解不成或者达成调解协议后不履行的，可以向劳动争议仲裁委员会申请仲裁",
)
LAND_ARBITRATION = Route(
    "land_contract_arbitration",
    "农村土地承包仲裁（向农村土地承包仲裁委员会申请）",
    "农村土地承包经营纠纷调解仲裁法 第四条：当事人和解、调解不成或者不愿和解、调解的，"
    "可以向农村土地承包仲裁委员会申请仲裁，也可以直接向人民法院起诉",
)
LAND_RULING = Route(
    "land_ownership_ruling",
    "土地权属争议行政裁决（向县、乡人民政府申请处理）",
    "土地管理法 第十四条：土地所有权和使用权争议，由当事人协商解决；协商不成的，由人民政府处理",
)
ADMINISTRATIVE_REVIEW = Route(
    "administrative_review",
    "行政复议（对行政机关处理决定不服的）",
    "行政复议法；对人民政府土地权属处理决定不服的，可以依法申请行政复议或提起行政诉讼（土地管理法 第十四条）",
)
CONSUMER_COMPLAINT = Route(
    "consumer_complaint",
    "向市场监督管理部门投诉，或依约定申请仲裁",
    "消费者权益保护法 第三十九条",
)
LITIGATION = Route(
    "litigation",
    "向人民法院提起诉讼",
    "人民调解法 第二十六条：调解不成的，应当终止调解，并依据有关法律、法规的规定，"
    "告知当事人可以依法通过仲裁、行政、司法等途径维护自己的权利",
)

# The routes before litigation, by category; every category ends with litigation.
_BEFORE_LITIGATION: dict[Category, tuple[Route, ...]] = {
    Category.WAGES: (LABOUR_ARBITRATION,),
    Category.LAND: (LAND_ARBITRATION, LAND_RULING, ADMINISTRATIVE_REVIEW),
    Category.CONSUMER: (CONSUMER_COMPLAINT,),
}

GUIDED_RESULTS = FAILED_RESULTS | ONWARD_RESULTS


@dataclass(frozen=True)
class Guidance:
    routes: tuple[Route, ...]
    taken: ResultCode | None  # the route the office already reported taking (referred_to_*), if any
    text: str = COUNTY_GUIDANCE

    def as_json(self) -> dict[str, object]:
        return {
            "text": self.text,
            "routes": [r.as_json() for r in self.routes],
            "taken": self.taken.value if self.taken else None,
        }


def guidance_for(result: ResultCode | None, category: Category) -> Guidance | None:
    """The routes onward for a referral whose mediation did not settle it; None for any other result."""
    if result is None or result not in GUIDED_RESULTS:
        return None
    routes = (*_BEFORE_LITIGATION.get(category, ()), LITIGATION)
    return Guidance(routes, result if result in ONWARD_RESULTS else None)
