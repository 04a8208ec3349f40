"""The bureau's figures: batches and persons, collective visits, repeats, separations, and the terms kept or missed."""

from dataclasses import replace
from datetime import date
from uuid import UUID

from services.petition_link.domain import persons
from services.petition_link.domain.decisions import decide, extend, register, reply
from services.petition_link.domain.figures import Acceptance, Count, Handling, Repeats, count
from services.petition_link.domain.model import PetitionForm
from shared.contracts.vocabulary import ResultCode
from tests.unit.petition_link.petitions import DENG, LIU, SECRET, WANG, petition

RECEIVED = date(2026, 11, 2)
TODAY = date(2027, 2, 1)
SIX_WORKERS = tuple(persons.petitioner(f"务工人员{i}", None, f"1378654321{i}", SECRET) for i in range(5))


def test_a_collective_visit_of_six_counts_one_batch_and_six_persons() -> None:
    visit = petition("XF-1", form=PetitionForm.VISIT, petitioners=(DENG, *SIX_WORKERS[:4]), group_size=6)

    figures = count([visit], RECEIVED)

    assert (figures.batches, figures.persons, figures.petitioners) == (1, 6, 5)
    assert figures.collective_visits == Count(batches=1, persons=6)
    assert figures.by_form == {"letter": 0, "visit": 1, "online": 0}


def test_four_visiting_together_or_a_letter_signed_by_six_is_no_collective_visit() -> None:
    four = petition("XF-1", form=PetitionForm.VISIT, petitioners=(DENG,), group_size=4)
    letter = petition("XF-2", form=PetitionForm.LETTER, petitioners=(LIU,), group_size=6)

    figures = count([four, letter], RECEIVED)

    assert figures.collective_visits == Count(0, 0)
    assert (figures.batches, figures.persons) == (2, 10)


def test_repeats_count_linked_petitions_their_persons_and_the_people_who_came_more_than_once() -> None:
    first = petition("XF-1", petitioners=(DENG,))
    again = petition("XF-2", date(2026, 11, 20), petitioners=(DENG, LIU), group_size=2, repeat_of="XF-1", matter="XF-1")
    unlinked = petition("XF-3", date(2026, 11, 25), petitioners=(LIU,), matter="XF-3")  # Liu again, on another matter

    figures = count([first, again, unlinked], RECEIVED)

    assert figures.repeats == Repeats(batches=1, persons=2, petitioners=2, on_final_matter=0)
    assert (figures.batches, figures.persons, figures.petitioners) == (3, 4, 2)


def test_a_person_named_twice_in_one_petition_has_not_come_twice() -> None:
    figures = count([petition("XF-1", petitioners=(DENG, DENG), group_size=2)], RECEIVED)

    assert (figures.petitioners, figures.repeats.petitioners) == (1, 0)


def test_a_person_once_with_id_card_and_once_with_name_and_mobile_only_is_one_person_who_came_twice() -> None:
    without_id_card = persons.petitioner("邓小勇", None, "13786543210", SECRET)
    first = petition("XF-1", petitioners=(DENG,))
    again = petition("XF-2", date(2026, 11, 20), petitioners=(without_id_card,), repeat_of="XF-1", matter="XF-1")

    figures = count([first, again], RECEIVED)

    assert (figures.petitioners, figures.repeats.petitioners) == (1, 1)


def test_two_id_numbers_are_two_people_even_with_one_name_and_mobile_between_them() -> None:
    # A father and son of one name sharing the family's mobile: the ID numbers tell them apart, and a visit
    # with the mobile alone cannot say which of them came, so it is counted as neither.
    father = persons.petitioner("邓小勇", "430426195503120016", "13786543210", SECRET)
    son = persons.petitioner("邓小勇", "430426198507120012", "13786543210", SECRET)
    one_of_them = persons.petitioner("邓小勇", None, "13786543210", SECRET)
    petitions = [
        petition("XF-1", petitioners=(father,)),
        petition("XF-2", petitioners=(son,)),
        petition("XF-3", petitioners=(one_of_them,)),
    ]

    figures = count(petitions, RECEIVED)

    assert (figures.petitioners, figures.repeats.petitioners) == (3, 0)


def test_people_without_id_number_or_mobile_count_as_persons_but_not_as_people() -> None:
    figures = count([petition("XF-1", petitioners=(WANG, WANG), group_size=2)], RECEIVED)

    assert (figures.persons, figures.petitioners, figures.unidentified_petitioners) == (2, 0, 2)


def test_litigation_related_petitions_are_counted_apart_and_stay_out_of_acceptance_and_handling() -> None:
    separated = register(petition("XF-1", group_size=3, litigation_reason="不服二审判决。"), RECEIVED)
    ordinary = register(petition("XF-2"), RECEIVED)

    figures = count([separated, ordinary], TODAY)

    assert figures.litigation_related == Count(batches=1, persons=3)
    assert figures.acceptance == Acceptance(accepted=0, not_accepted=0, awaiting=1, decided_late=0, overdue=1)
    assert figures.results == {"referred_to_litigation": 1}
    assert (figures.batches, figures.persons) == (2, 4)


def test_decisions_and_replies_are_counted_against_their_terms_as_of_the_day() -> None:
    def accepted(number: str, on: date = date(2026, 11, 10)):
        return decide(register(petition(number), RECEIVED), True, "受理", on)

    petitions = [
        reply(accepted("XF-1"), ResultCode.MEDIATED, "调解成功", None, date(2027, 1, 9)),  # on the 60th day
        reply(accepted("XF-2"), ResultCode.HANDLED, "已答复", None, date(2027, 1, 10)),  # a day late
        extend(accepted("XF-3"), 30, "复杂", date(2027, 1, 5)),  # open, due 8 February
        accepted("XF-4"),  # open, was due 9 January
        accepted("XF-5", date(2026, 11, 20)),  # decided a day late; due 19 January: overdue too
        decide(register(petition("XF-6"), RECEIVED), False, "不属于本机关职权", date(2026, 11, 5)),
        accepted("XF-7"),  # open, was due 9 January
    ]

    figures = count(petitions, TODAY)

    assert figures.acceptance == Acceptance(accepted=6, not_accepted=1, awaiting=0, decided_late=1, overdue=0)
    assert figures.handling == Handling(open=4, replied_on_time=1, replied_late=1, extended=1, overdue=3)
    assert figures.overdue == 3
    assert figures.results == {"handled": 1, "mediated": 1}


def test_petitions_fed_to_mediation_are_counted() -> None:
    fed = replace(petition("XF-1"), fed_message_id=UUID(int=1))

    assert count([fed, petition("XF-2")], RECEIVED).to_mediation == 1


def test_no_petitions_count_nothing() -> None:
    figures = count([], TODAY)

    assert (figures.batches, figures.persons, figures.overdue, figures.results) == (0, 0, 0, {})
