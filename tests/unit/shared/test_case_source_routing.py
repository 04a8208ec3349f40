"""Case facts name their case's source and flags in the routing key, so a service can take one source's cases
alone, or the cases with a flag."""

import re
from datetime import UTC, datetime
from uuid import UUID

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.contracts.messages import CalendarYearLoaded, CaseRegistered, CaseResolved, ReferralClosed
from shared.contracts.vocabulary import ResultCode
from shared.messaging.consumer import InboxHandler
from shared.messaging.routing import (
    EVENTS_EXCHANGE,
    CaseFilter,
    address,
    binding_pattern,
    event_binding_keys,
    event_routing_key,
)
from shared.messaging.topology import case_filters, service_queues
from shared.registry import load_registry

CENTRE = "centre:430426"


def resolved_message() -> CaseResolved:
    return CaseResolved.build(
        message_id=UUID(int=1),
        occurred_at=datetime(2026, 12, 4, 10, tzinfo=UTC),
        case_id="430426-20261204-00001",
        sender=CENTRE,
        recipient=CENTRE,
        lead_unit="police:430426101",
        round=1,
        result=ResultCode.MEDIATED,
    )


def test_a_case_fact_is_published_under_its_type_its_case_source_and_its_flags_in_alphabetical_order():
    assert event_routing_key("CaseResolved", "police_call") == "CaseResolved.police_call"
    assert (
        event_routing_key("CaseClosed", "walk_in", ["high_risk", "group", "high_risk"])
        == "CaseClosed.walk_in.group.high_risk"
    )
    assert event_routing_key("CalendarYearLoaded", None) == "CalendarYearLoaded"  # about no case
    assert address(resolved_message(), load_registry(), "walk_in") == (EVENTS_EXCHANGE, "CaseResolved.walk_in")
    assert address(resolved_message(), load_registry(), "walk_in", ["violence_risk"]) == (
        EVENTS_EXCHANGE,
        "CaseResolved.walk_in.violence_risk",
    )


def test_a_flag_that_is_not_one_of_the_platform_s_or_flags_without_a_case_are_refused():
    with pytest.raises(ValueError):
        event_routing_key("CaseClosed", "walk_in", ["urgent"])
    with pytest.raises(ValueError):
        event_routing_key("CaseClosed", "walk_in", ["group.#"])
    with pytest.raises(ValueError, match="a fact about no case has none"):
        event_routing_key("CalendarYearLoaded", None, ["group"])


def test_a_source_that_is_none_of_the_five_and_the_centre_channels_is_refused_before_it_reaches_a_key():
    for wrong in ("police", "police_call.#", "*", ""):
        with pytest.raises(ValueError):
            event_routing_key("CaseResolved", wrong)


def test_a_subscription_takes_every_case_or_only_the_named_sources_and_flags():
    assert event_binding_keys("CaseResolved") == ["CaseResolved.#"]  # also a key without a source
    assert event_binding_keys("CaseResolved", {"police_call", "court_filing"}) == [
        "CaseResolved.court_filing.#",
        "CaseResolved.police_call.#",
    ]
    assert event_binding_keys("CaseClosed", {"stability_lead"}, {"high_risk"}) == [
        "CaseClosed.stability_lead.#",
        "CaseClosed.*.#.high_risk.#",
    ]


def topic_matches(binding: list[str], key: list[str]) -> bool:
    """RabbitMQ's topic matching, word by word: `*` one word, `#` zero or more."""
    if not binding:
        return not key
    first, rest = binding[0], binding[1:]
    if first == "#":
        return any(topic_matches(rest, key[skip:]) for skip in range(len(key) + 1))
    return bool(key) and first in ("*", key[0]) and topic_matches(rest, key[1:])


def test_a_filter_takes_the_facts_of_its_sources_and_of_its_flags_cases_and_no_others():
    taken = CaseFilter(frozenset({"stability_lead"}), frozenset({"high_risk", "group"})).binding_keys("CaseClosed")

    def reaches(key: str) -> bool:
        return any(re.match(binding_pattern(binding), "." + key) for binding in taken)

    assert reaches("CaseClosed.stability_lead")
    assert reaches("CaseClosed.stability_lead.petition_involved")
    assert reaches("CaseClosed.walk_in.high_risk")
    assert reaches("CaseClosed.hotline.group.violence_risk")
    assert not reaches("CaseClosed.walk_in")
    assert not reaches("CaseClosed.walk_in.violence_risk")
    assert not reaches("CaseClosed")
    assert not reaches("CaseReopened.walk_in.high_risk")


WORDS = st.sampled_from(["CaseClosed", "walk_in", "police_call", "group", "high_risk", "x"])


@given(
    binding=st.lists(st.one_of(WORDS, st.sampled_from(["*", "#"])), min_size=1, max_size=5),
    key=st.lists(WORDS, max_size=5),
)
def test_a_binding_s_pattern_matches_the_keys_rabbitmq_would_route_by_it(binding: list[str], key: list[str]):
    """The pattern `wuyuan reconcile` selects a restored service's facts by, against RabbitMQ's own rule."""
    pattern = binding_pattern(".".join(binding))
    assert bool(re.match(pattern, "." + ".".join(key) if key else "")) == topic_matches(binding, key)


class PoliceLike:
    """A service as police_link declares it: two facts for its own calls' cases, and every case's closing."""

    on_resolved = InboxHandler.decorator(CaseResolved, case_sources=("police_call",))(lambda self, message: None)
    on_closed = InboxHandler.decorator(ReferralClosed)(lambda self, message: None)


def test_the_inbox_is_bound_to_the_named_sources_facts_alone():
    filters = case_filters(PoliceLike)
    assert filters == {"CaseResolved": CaseFilter(frozenset({"police_call"}))}
    inbox = service_queues("police_link", [CaseResolved, ReferralClosed], 5000, "classic", filters)[0]
    assert set(inbox.bindings) == {
        (EVENTS_EXCHANGE, "CaseResolved.police_call.#"),
        (EVENTS_EXCHANGE, "ReferralClosed.#"),
    }


def test_only_a_case_fact_can_be_taken_by_source():
    with pytest.raises(TypeError, match="CaseRegistered is not a case fact"):
        InboxHandler(CaseRegistered, case_sources=("police_call",))
    with pytest.raises(TypeError, match="CalendarYearLoaded is not a case fact"):
        InboxHandler(CalendarYearLoaded, case_sources=("police_call",))
    with pytest.raises(TypeError, match="CalendarYearLoaded is not a case fact"):
        InboxHandler(CalendarYearLoaded, case_flags=("group",))
    with pytest.raises(ValueError):
        InboxHandler(CaseResolved, case_flags=("risky",))
    with pytest.raises(ValueError):
        InboxHandler(CaseResolved, case_sources=("police",))
