"""A query's unit, place and centre filters checked against the county: a code that names nothing the platform has is
refused, naming the field, rather than matching nothing, so that an operator's typo does not read as "no cases"."""

from dataclasses import dataclass

from shared.centres import Centres, county_centres
from shared.contracts.identifiers import split_unit
from shared.http import BadInput, FieldError
from shared.platform import Platform
from shared.registry import CENTRE, AgencyRegistry
from shared.wording import NOT_IN_COUNTY, Places, load_places

# Why a filter is refused, as its field error's `type` (worded in Chinese by shared/wording.py).
UNKNOWN_AGENCY = "unknown_agency"  # the unit's agency is not in config/agencies.toml
UNKNOWN_UNIT = "unknown_unit"  # a registered agency, at a division that is not the county's
UNKNOWN_PLACE = NOT_IN_COUNTY  # the code intake refuses a dispute's place with, for the same reason
NO_CENTRE = "no_centre"  # a division of the county where config/centres.toml sets up no centre (a centre filter, or a
# centre's unit, `centre:<division>`)


@dataclass(frozen=True)
class Unknown:
    """Why a filter's code names nothing: a stable `code` and an English `message`."""

    code: str
    message: str


def unknown_unit(
    unit: str, county: str, registry: AgencyRegistry, places: Places, centres: Centres | None = None
) -> Unknown | None:
    """Why no referral can ever be addressed to the unit, or None when one can. A unit exists when its agency is
    registered and its division is one of the county's places (`Places.in_county`: the county, a listed township, or
    a village of one, listed or not), at any level: triage designates the county's unit (`police@county`), the place's
    at the agency's own level, staff assign or call in a unit at its agency's level or above by hand, and a unit below
    it may hold cases assigned to it by hand before the coordinator refused that (AgencyRegistry.below_its_level).
    A centre's unit (`centre:<division>`) exists only where config/centres.toml sets a centre up (`centres`, needed to
    judge one): elsewhere it is `no_centre`, as the centre filter says it."""
    agency, division = split_unit(unit)
    if agency not in registry.agencies:
        known = ", ".join(sorted(registry.agencies))
        return Unknown(UNKNOWN_AGENCY, f"no agency {agency!r} is registered (agencies.toml); known: {known}")
    if not places.in_county(division, county):
        return Unknown(UNKNOWN_UNIT, f"{unit} is not a unit of county {county}: {division} is not one of its places")
    if agency == CENTRE and centres is not None:
        return _no_centre(division, centres)
    return None


def unknown_place(division: str, county: str, places: Places) -> Unknown | None:
    """Why no case can be placed at the division, or None: intake registers a dispute only at the county's places."""
    outside = places.outside(division, county)
    return None if outside is None else Unknown(UNKNOWN_PLACE, outside)


def unknown_centre(division: str, county: str, places: Places, centres: Centres) -> Unknown | None:
    """Why no case can be held by a centre at the division, or None: a place outside the county is `not_in_county`,
    as a place filter; a place of the county where no centre is set up is `no_centre`, naming the centre that holds
    its cases (the nearest above, Centres.holding) and those set up within it, since the filter matches the holding
    centre and a division with none would always answer an empty list."""
    outside = places.outside(division, county)
    if outside is not None:
        return Unknown(UNKNOWN_PLACE, outside)
    return _no_centre(division, centres)


def _no_centre(division: str, centres: Centres) -> Unknown | None:
    """`no_centre` for a division of the county where no centre is set up, naming the centre that holds its cases and
    those set up within it; None where one is."""
    if centres.get(division) is not None:
        return None
    holding = centres.holding(division)
    within = [c.division for c in centres.within(division)]
    message = (
        f"no centre is set up at {division} (centres.toml); its cases are held by the centre at {holding.division}"
    )
    if within:
        message += f"; centres within it: {', '.join(within)}"
    return Unknown(NO_CENTRE, message)


def require_known(
    platform: Platform,
    unit: str | None = None,
    place: str | None = None,
    centre: str | None = None,
    centres: Centres | None = None,
) -> None:
    """BadInput naming `unit`, `place` and `centre`, each that names no unit, place or centre of the platform's county
    (`centres`, the county's as config/centres.toml sets them up unless given; they judge a centre's unit too)."""
    places = load_places(platform.config_dir)
    if centres is None and (centre is not None or (unit is not None and split_unit(unit)[0] == CENTRE)):
        centres = county_centres(platform.config_dir, platform.county)
    found = {
        "unit": unknown_unit(unit, platform.county, platform.registry, places, centres) if unit is not None else None,
        "place": unknown_place(place, platform.county, places) if place is not None else None,
        "centre": (
            unknown_centre(centre, platform.county, places, centres)
            if centre is not None and centres is not None
            else None
        ),
    }
    wrong: list[FieldError] = [
        {"field": field, "message": unknown.message, "type": unknown.code}
        for field, unknown in found.items()
        if unknown is not None
    ]
    if wrong:
        raise BadInput(wrong)
