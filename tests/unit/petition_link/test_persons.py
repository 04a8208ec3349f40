"""Persons are counted by keyed digests, never by their ID numbers; earlier petitions are found by any of their keys."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.petition_link.domain import persons
from services.petition_link.domain.persons import Mention, earlier_petitions
from tests.unit.petition_link.petitions import DENG, LIU, SECRET, WANG, petition

ID_NUMBER = "430426198507120012"
OTHER_SECRET = b"another deployment's secret, 32b"


def test_a_person_is_keyed_by_their_id_number_and_by_name_and_mobile_and_neither_is_in_clear() -> None:
    deng = persons.petitioner("邓小勇", ID_NUMBER, "13786543210", SECRET)

    assert deng.id_key is not None and deng.contact_key is not None
    assert deng.key == deng.id_key
    assert ID_NUMBER not in deng.id_key + deng.contact_key
    assert len(deng.id_key) == 64 and int(deng.id_key, 16) >= 0


def test_the_same_id_number_gives_the_same_key_whatever_the_name_or_mobile() -> None:
    first = persons.petitioner("邓小勇", ID_NUMBER, "13786543210", SECRET)
    again = persons.petitioner("邓晓勇", ID_NUMBER, None, SECRET)

    assert first.id_key == again.id_key
    assert first.keys & again.keys == {first.id_key}


def test_without_an_id_number_a_person_is_known_by_name_and_mobile_whatever_the_width_or_spacing() -> None:
    typed = persons.petitioner("刘 桂香", None, "13907341122", SECRET)
    pasted = persons.petitioner("刘  桂香", None, "13907341122", SECRET)

    assert typed.key == pasted.key == typed.contact_key
    assert typed.id_key is None


def test_another_person_with_the_same_mobile_is_another_key() -> None:
    mother = persons.petitioner("刘桂香", None, "13907341122", SECRET)
    son = persons.petitioner("刘强", None, "13907341122", SECRET)

    assert mother.key != son.key


def test_a_name_alone_identifies_nobody() -> None:
    assert persons.petitioner("王五", None, None, SECRET).keys == frozenset()


def test_keys_mean_nothing_without_the_deployments_secret() -> None:
    ours = persons.petitioner("邓小勇", ID_NUMBER, None, SECRET)
    theirs = persons.petitioner("邓小勇", ID_NUMBER, None, OTHER_SECRET)

    assert ours.id_key != theirs.id_key


def test_a_short_secret_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 32 bytes"):
        persons.petitioner("邓小勇", ID_NUMBER, None, b"too short")


@given(serial=st.integers(0, 999))
def test_no_two_id_numbers_share_a_key(serial: int) -> None:
    other = f"430426198507120{serial:03d}"
    assert (
        persons.petitioner("甲", other, None, SECRET).id_key == persons.petitioner("甲", ID_NUMBER, None, SECRET).id_key
    ) == (other == ID_NUMBER)


def test_a_registration_sent_again_has_the_same_fingerprint_and_any_change_another() -> None:
    sent = {"number": "XF-1", "petitioners": [{"name": "邓小勇", "id_number": ID_NUMBER}], "group_size": 1}

    assert persons.fingerprint(sent, SECRET) == persons.fingerprint(dict(reversed(list(sent.items()))), SECRET)
    assert persons.fingerprint(sent, SECRET) != persons.fingerprint({**sent, "group_size": 2}, SECRET)
    assert ID_NUMBER not in persons.fingerprint(sent, SECRET)


# --- earlier petitions ------------------------------------------------------------------------------


def mention(number: str, received_on: date, *people, matter: str | None = None) -> Mention:
    return Mention(number, matter or number, received_on, frozenset(k for p in people for k in p.keys))


def test_each_petitioner_is_told_their_earlier_petitions_and_those_on_the_same_matter() -> None:
    latest = petition("XF-9", petitioners=(DENG, LIU, WANG), group_size=3, repeat_of="XF-5", matter="XF-1")
    mentions = [
        mention("XF-1", date(2026, 3, 1), DENG),
        mention("XF-3", date(2026, 5, 1), DENG, LIU),  # another matter, both of them
        mention("XF-5", date(2026, 8, 1), DENG, matter="XF-1"),
    ]

    counts = earlier_petitions(latest, mentions, since=date(2025, 11, 2))

    assert [(c.name, c.identified, c.petitions, c.on_same_matter) for c in counts] == [
        ("邓小勇", True, 3, 2),
        ("刘桂香", True, 1, 0),
        ("王五", False, 0, 0),
    ]


def test_earlier_petitions_before_the_window_and_the_petition_itself_are_not_counted() -> None:
    latest = petition("XF-9")
    mentions = [mention("XF-0", date(2025, 11, 1), DENG), mention("XF-9", date(2026, 11, 2), DENG)]

    (count,) = earlier_petitions(latest, mentions, since=date(2025, 11, 2))

    assert count.petitions == 0


def test_a_person_once_with_id_card_and_once_without_is_found_by_name_and_mobile() -> None:
    without_card = persons.petitioner("邓小勇", None, "13786543210", SECRET)
    latest = petition("XF-9", petitioners=(DENG,))

    (count,) = earlier_petitions(latest, [mention("XF-1", date(2026, 3, 1), without_card)], since=date(2025, 1, 1))

    assert count.petitions == 1
