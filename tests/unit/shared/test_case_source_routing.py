"""Case facts name their case's source in the routing key, so a service can take one source's cases alone."""

from datetime import UTC, datetime
from uuid import UUID

import pytest

from shared.contracts.messages import CalendarYearLoaded, CaseRegistered, CaseResolved, ReferralClosed
from shared.contracts.vocabulary import ResultCode
from shared.messaging.consumer import InboxHandler
from shared.messaging.routing import EVENTS_EXCHANGE, address, event_binding_keys, event_routing_key
from shared.messaging.topology import case_source_filters, service_queues
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


def test_a_case_fact_is_published_under_its_type_and_its_case_source():
    assert event_routing_key("CaseResolved", "police_call") == "CaseResolved.police_call"
    assert event_routing_key("CalendarYearLoaded", None) == "CalendarYearLoaded"  # about no case
    assert address(resolved_message(), load_registry(), "walk_in") == (EVENTS_EXCHANGE, "CaseResolved.walk_in")


def test_a_source_that_is_none_of_the_five_and_the_centre_channels_is_refused_before_it_reaches_a_key():
    for wrong in ("police", "police_call.#", "*", ""):
        with pytest.raises(ValueError):
            event_routing_key("CaseResolved", wrong)


def test_a_subscription_takes_every_case_or_only_the_named_sources():
    assert event_binding_keys("CaseResolved") == ["CaseResolved.#"]  # also a key without a source
    assert event_binding_keys("CaseResolved", {"police_call", "court_filing"}) == [
        "CaseResolved.court_filing",
        "CaseResolved.police_call",
    ]


class PoliceLike:
    """A service as police_link declares it: two facts for its own calls' cases, and every case's closing."""

    on_resolved = InboxHandler.decorator(CaseResolved, case_sources=("police_call",))(lambda self, message: None)
    on_closed = InboxHandler.decorator(ReferralClosed)(lambda self, message: None)


def test_the_inbox_is_bound_to_the_named_sources_facts_alone():
    filters = case_source_filters(PoliceLike)
    assert filters == {"CaseResolved": frozenset({"police_call"})}
    inbox = service_queues("police_link", [CaseResolved, ReferralClosed], 5000, "classic", filters)[0]
    assert set(inbox.bindings) == {(EVENTS_EXCHANGE, "CaseResolved.police_call"), (EVENTS_EXCHANGE, "ReferralClosed.#")}


def test_only_a_case_fact_can_be_taken_by_source():
    with pytest.raises(TypeError, match="CaseRegistered is not a case fact"):
        InboxHandler(CaseRegistered, case_sources=("police_call",))
    with pytest.raises(TypeError, match="CalendarYearLoaded is not a case fact"):
        InboxHandler(CalendarYearLoaded, case_sources=("police_call",))
    with pytest.raises(ValueError):
        InboxHandler(CaseResolved, case_sources=("police",))
