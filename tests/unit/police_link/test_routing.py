"""The shipped triage table keeps the police station on every violent case, and hands its calls to the mediators."""

import pytest

from services.coordinator.routing import RoutingTable, agency_of, load_routing_table
from shared.contracts.vocabulary import Category, Flag, HandlingMode, Source
from shared.registry import DEFAULT_CONFIG_DIR, load_registry

VIOLENT = [Flag.VIOLENCE_RISK]
# Settled at the window: nobody is designated, whatever the flags.
AT_THE_WINDOW = {Category.CONSULTATION}


@pytest.fixture(scope="module")
def shipped() -> RoutingTable:
    return load_routing_table(DEFAULT_CONFIG_DIR / "routing.toml", set(load_registry().agencies))


def designated(shipped: RoutingTable, source: Source, category: Category, flags: list[Flag]) -> tuple[str, ...]:
    """The agencies designated, whatever their level ('police@county' is the police too: the county bureau)."""
    route = shipped.route(category, source, flags)
    return tuple(agency_of(entry) for entry in (*route.lead[:1], *route.co))


@pytest.mark.parametrize("source", list(Source), ids=str)
def test_the_police_are_designated_on_every_violent_case_whoever_leads(shipped: RoutingTable, source: Source) -> None:
    for category in set(Category) - AT_THE_WINDOW:
        for flags in (VIOLENT, [Flag.VIOLENCE_RISK, Flag.HIGH_RISK], [Flag.VIOLENCE_RISK, Flag.GROUP]):
            assert "police" in designated(shipped, source, category, flags), (source, category, flags)


@pytest.mark.parametrize(
    ("source", "category", "lead", "co"),
    [
        # 诉调对接 of a violent filing: the court still leads, the mediators and the station sit in.
        (Source.COURT_FILING, Category.LAND, ("court",), ("justice", "police")),
        (Source.PETITION, Category.WAGES, ("petition",), ("justice", "police")),
        (Source.STABILITY_LEAD, Category.LAND, ("plc",), ("police",)),
        (Source.WALK_IN, Category.DEBT, ("court", "justice"), ("police",)),
        (Source.HOTLINE, Category.WAGES, ("justice", "court"), ("petition", "police")),
    ],
)
def test_violence_brings_the_police_in_as_co_unit_where_another_agency_leads(
    shipped: RoutingTable, source: Source, category: Category, lead: tuple[str, ...], co: tuple[str, ...]
) -> None:
    route = shipped.route(category, source, VIOLENT)

    assert (route.mode, route.lead, route.co) == (HandlingMode.JOINT, lead, co)


def test_a_violent_police_call_keeps_the_station_leading_once_with_the_mediators_and_the_committee(
    shipped: RoutingTable,
) -> None:
    route = shipped.route(Category.NEIGHBOUR, Source.POLICE_CALL, [Flag.VIOLENCE_RISK, Flag.HIGH_RISK])

    assert (route.mode, route.lead, route.co) == (HandlingMode.JOINT, ("police",), ("justice", "plc"))


def test_a_calm_case_led_by_another_agency_does_not_bring_the_police_in(shipped: RoutingTable) -> None:
    route = shipped.route(Category.LAND, Source.COURT_FILING, [])

    assert (route.lead, route.co) == (("court",), ("justice",))


@pytest.mark.parametrize("classification_category", [c for c in Category if c not in AT_THE_WINDOW], ids=str)
def test_every_handed_call_goes_to_the_station_as_lead_with_the_township_mediators(
    shipped: RoutingTable, classification_category: Category
) -> None:
    route = shipped.route(classification_category, Source.POLICE_CALL, [])

    assert (route.mode, route.lead, route.co) == (HandlingMode.JOINT, ("police",), ("justice",))
