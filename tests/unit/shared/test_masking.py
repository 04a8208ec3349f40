"""ID and mobile numbers typed into free text are masked wherever they stand, and nothing else is touched."""

import string

from hypothesis import given
from hypothesis import strategies as st

from shared.contracts.identifiers import resident_id_check_char
from shared.contracts.masking import mask_free_text


@st.composite
def resident_ids(draw: st.DrawFn) -> str:
    region = draw(st.from_regex(r"[1-8]\d{5}", fullmatch=True))
    birth = draw(st.dates()).strftime("%Y%m%d")
    first_17 = region + birth[-8:].rjust(8, "0") + draw(st.from_regex(r"\d{3}", fullmatch=True))
    return first_17 + resident_id_check_char(first_17)


mobiles = st.from_regex(r"1[3-9]\d{9}", fullmatch=True)
# Free text as staff type it: Chinese, punctuation, letters, spaces; never a digit right beside
# the number (then it would be part of a longer number, which is not an ID or a mobile).
filler = st.text(
    alphabet=st.sampled_from("张三李四家装修占用公共楼道，多次协商未果。电话身份证号：() ,;-+" + string.ascii_letters),
    max_size=40,
)


@given(before=filler, number=st.one_of(resident_ids(), mobiles), after=filler)
def test_any_id_or_mobile_in_free_text_comes_out_masked(before: str, number: str, after: str) -> None:
    masked = mask_free_text(f"{before}{number}{after}")

    assert number not in masked
    if len(number) == 18:
        assert f"{number[:6]}********{number[-4:]}" in masked
    else:
        assert f"{number[:3]}****{number[-4:]}" in masked


@given(st.text(alphabet=st.characters(blacklist_categories=("Nd",)), max_size=200))
def test_text_without_digits_is_left_as_it_is(text: str) -> None:
    assert mask_free_text(text) == text


def test_mobiles_written_with_a_country_code_or_in_groups_are_masked_too() -> None:
    text = "张三电话 +86 138-0013-8000，李四 0086 139 0013 9000，身份证 43042619900520123x。"
    assert mask_free_text(text) == "张三电话 138****8000，李四 139****9000，身份证 430426********123x。"


def test_case_numbers_record_ids_and_amounts_stay_as_they_are() -> None:
    text = "案号 430426-20261122-00001，警情 JQ4304262026112100017，欠款 1234567890123 元"
    assert mask_free_text(text) == text


def test_numbers_typed_in_full_width_or_grouped_by_dots_or_spaced_hyphens_are_masked_too() -> None:
    typed = ["１３８００１３８０００", "138.0013.8000", "1３800138000", "电话：138 - 0013 - 8000"]
    typed.append("身份证１１０１０５１９４９１２３１００２Ｘ")
    masked = ["１３８****８０００", "138****8000", "1３8****8000", "电话：138****8000"]
    masked.append("身份证１１０１０５********００２Ｘ")
    assert mask_free_text("；".join(typed)) == "；".join(masked)


def test_dates_and_times_with_dots_or_hyphens_stay_as_they_are() -> None:
    text = "2026.12.04 13:45 调解，2026-12-04，第138-0013号卷宗"
    assert mask_free_text(text) == text


def test_ids_grouped_and_mobiles_spaced_as_pasted_are_masked_too() -> None:
    ids = "身份证 430426 19850312 0023，另 430426-1985-0312-0023"
    mobiles = "电话\u00a0138\u00a01234\u00a05678、138\u20091234\u20095678"
    assert mask_free_text(ids) == "身份证 430426********0023，另 430426********0023"
    assert mask_free_text(mobiles) == "电话\u00a0138****5678、138****5678"


def test_case_numbers_in_a_row_stay_as_they_are() -> None:
    text = "关联案件 430426-20261123-00001、430426-20261123-00002"
    assert mask_free_text(text) == text
