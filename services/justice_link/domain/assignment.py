"""Mediation organisations and mediators, and which of them a referral goes to (指派调解组织和调解员).

The rule, in order:
1. **Specialty.** Only active organisations whose specialties include the case's category, and
   that have at least one active mediator.
2. **Place.** Of those, the ones covering the case's division code, the most specific first: a
   village's committee (12 digits) before the township's (9), before a county-wide industry
   organisation (6). 小事不出村、大事不出乡镇.
3. **Load.** Among equally specific organisations, the one with the fewest open assignments (a
   committee before a personal studio when that ties too); then
   within it the active mediator whose specialties include the category (any active mediator of the
   organisation if none does) with the fewest open assignments. Ties go to the lower code, so the
   proposal is the same every time it is asked.
An assignment is open while its referral is neither declined nor reported.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from shared.contracts.vocabulary import Category


class OrganisationKind(StrEnum):
    VILLAGE_COMMITTEE = "village_committee"  # 村（居）人民调解委员会
    TOWNSHIP_COMMITTEE = "township_committee"  # 乡镇（街道）人民调解委员会
    INDUSTRY = "industry"  # 行业性专业性人民调解组织 (医调委、交调委、劳动争议、物业 …)
    STUDIO = "studio"  # 个人调解工作室 (named after its mediator)


_KIND_ORDER = list(OrganisationKind)


@dataclass(frozen=True)
class Organisation:
    code: str
    name: str
    kind: OrganisationKind
    unit: str  # the justice office it belongs to, justice:<division>
    covers: tuple[str, ...]  # division codes of the places it serves; a code covers every place under it
    specialties: frozenset[Category]
    active: bool = True

    def covering(self, division_code: str) -> int:
        """How specific its cover of `division_code` is: the length of the longest code covering it, 0 if none."""
        return max((len(code) for code in self.covers if division_code.startswith(code)), default=0)


@dataclass(frozen=True)
class Mediator:
    code: str
    name: str
    organisation: str
    specialties: frozenset[Category]
    active: bool = True


@dataclass(frozen=True)
class Proposal:
    organisation: Organisation
    mediator: Mediator
    specificity: int  # digits of the place code that matched: 12 village, 9 township, 6 county

    def as_json(self) -> dict[str, object]:
        return {
            "organisation": self.organisation.code,
            "organisation_name": self.organisation.name,
            "mediator": self.mediator.code,
            "mediator_name": self.mediator.name,
            "place_digits": self.specificity,
        }


def propose(
    category: Category,
    division_code: str,
    organisations: Iterable[Organisation],
    mediators: Iterable[Mediator],
    open_load: Mapping[str, int],
) -> Proposal | None:
    """The organisation and mediator the rule above picks; None when no organisation fits.

    `open_load` maps mediator codes to their open assignments (a missing code has none)."""
    active = [m for m in mediators if m.active]
    staff: dict[str, list[Mediator]] = {}
    for mediator in active:
        staff.setdefault(mediator.organisation, []).append(mediator)
    candidates = [
        (org, org.covering(division_code))
        for org in organisations
        if org.active and category in org.specialties and staff.get(org.code)
    ]
    candidates = [(org, digits) for org, digits in candidates if digits > 0]
    if not candidates:
        return None

    def org_load(org: Organisation) -> int:
        return sum(open_load.get(m.code, 0) for m in staff[org.code])

    org, digits = min(candidates, key=lambda c: (-c[1], org_load(c[0]), _KIND_ORDER.index(c[0].kind), c[0].code))
    specialists = [m for m in staff[org.code] if category in m.specialties] or staff[org.code]
    mediator = min(specialists, key=lambda m: (open_load.get(m.code, 0), m.code))
    return Proposal(org, mediator, digits)
