"""The bureau's figures over a period, as an officer asks for them: batches, persons, repeats, separations, terms."""

from datetime import datetime

import pytest

from shared.auth.principal import Forbidden, Principal, Role
from shared.http import BadInput
from tests.service.petition_link.conftest import BEIJING
from tests.service.petition_link.test_petition_register import SUED_ALREADY, WAGES_VISIT, register


def test_a_months_figures_count_batches_persons_repeats_separations_and_terms(bureau, http, clock):
    register(bureau, http)  # a collective visit of six, 2 November
    register(bureau, http, SUED_ALREADY)  # litigation-related, separated at once
    clock.at = datetime(2026, 11, 20, 9, 0, tzinfo=BEIJING)
    register(
        bureau,
        http,
        {
            **WAGES_VISIT,
            "number": "XF430426-2026-0400",
            "received_on": "2026-11-20",
            "form": "letter",
            "petitioners": [{"name": "邓小勇", "id_number": "430426198507120012"}],
            "group_size": 1,
            "repeat_of": WAGES_VISIT["number"],
        },
    )
    bureau.decide_acceptance(http.post({"accepted": True, "reason": "予以受理。"}), "XF430426-2026-0400")

    figures = http.body(bureau.petition_figures(http.get({"from": "2026-11-01", "to": "2026-11-30"})))

    assert (figures["from"], figures["to"], figures["as_of"]) == ("2026-11-01", "2026-11-30", "2026-11-20")
    assert (figures["batches"], figures["persons"], figures["petitioners"]) == (3, 8, 3)
    assert figures["by_form"] == {"letter": 2, "visit": 1, "online": 0}
    assert figures["collective_visits"] == {"batches": 1, "persons": 6}
    assert figures["repeats"] == {"batches": 1, "persons": 1, "petitioners": 1, "on_final_matter": 0}
    assert figures["litigation_related"] == {"batches": 1, "persons": 1}
    assert figures["acceptance"] == {"accepted": 1, "not_accepted": 0, "awaiting": 1, "decided_late": 0, "overdue": 1}
    assert figures["handling"] == {"open": 1, "replied_on_time": 0, "replied_late": 0, "extended": 0, "overdue": 0}
    assert (figures["results"], figures["to_mediation"], figures["overdue"]) == ({"referred_to_litigation": 1}, 0, 1)


def test_a_period_counts_the_petitions_received_in_it_only(bureau, http):
    register(bureau, http)

    october = http.body(bureau.petition_figures(http.get({"from": "2026-10-01", "to": "2026-11-01"})))
    that_day = http.body(bureau.petition_figures(http.get({"from": "2026-11-02", "to": "2026-11-02"})))

    assert (october["batches"], that_day["batches"]) == (0, 1)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"from": "2026-11-30", "to": "2026-11-01"}, "to"),
        ({"to": "2026-11-30"}, "from"),
        ({"from": "2026-11-01"}, "to"),
        ({"from": "2026-11-01", "to": "November"}, "to"),
        ({"from": "2026-11-01", "to": "2026-11-30", "unit": "petition:430426"}, "unit"),
    ],
)
def test_a_period_that_is_no_period_is_refused_naming_the_parameter(bureau, http, query, field):
    with pytest.raises(BadInput) as refused:
        bureau.petition_figures(http.get(query))

    assert [f["field"] for f in refused.value.fields] == [field]


def test_the_figures_are_the_bureaus_officers_own(bureau, http):
    bureau.caller = Principal("wang.fang", "王芳", frozenset({Role.COORDINATOR}))

    with pytest.raises(Forbidden):
        bureau.petition_figures(http.get({"from": "2026-11-01", "to": "2026-11-30"}))
