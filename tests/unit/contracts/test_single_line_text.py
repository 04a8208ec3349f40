"""Names, numbers and 文号 are one line of plain text."""

import re

import pytest
from pydantic import TypeAdapter, ValidationError

from shared.contracts.disputes import Party, RecordId, ShortText, as_one_line, parties_as_one_line
from shared.contracts.identifiers import SINGLE_LINE_PATTERN

SHORT_TEXT: TypeAdapter[str] = TypeAdapter(ShortText)
RECORD_ID: TypeAdapter[str] = TypeAdapter(RecordId)

FORGED = {
    "an escape sequence": "\x1b[31m张三\x1b[0m",
    "a bell": "张三\x07",
    "a line break inside": "张三\n李四",
    "a C1 control": "张\x85三",
    "a right-to-left override": "张三\u202e0008",
    "a bidirectional isolate": "\u2066张三\u2069",
}


@pytest.mark.parametrize("text", FORGED.values(), ids=FORGED.keys())
def test_text_that_forges_lines_or_reorders_what_follows_is_refused_as_a_control_character(text):
    with pytest.raises(ValidationError) as refused:
        SHORT_TEXT.validate_python(text)

    assert refused.value.errors()[0]["type"] == "control_character"
    with pytest.raises(ValidationError):
        RECORD_ID.validate_python(text)


@pytest.mark.parametrize(
    "text", ["张三", " 祁东县 司法局 ", "张三\n", "O'Brien-李", "祁信[2026]101号", "第一人民调解委员会"]
)
def test_ordinary_names_and_numbers_are_taken_and_trimmed(text):
    assert SHORT_TEXT.validate_python(text) == text.strip()


@pytest.mark.parametrize("text", ["张三", "  张三\t\n ", *FORGED.values(), "", " \n "])
def test_the_published_pattern_takes_exactly_what_the_model_takes(text):
    """A receiver in another language checks the raw value against the JSON Schema's pattern."""
    try:
        SHORT_TEXT.validate_python(text)
        taken = True
    except ValidationError:
        taken = False

    assert bool(re.match(SINGLE_LINE_PATTERN, text)) is taken
    assert SHORT_TEXT.json_schema()["pattern"] == SINGLE_LINE_PATTERN


@pytest.mark.parametrize(
    "number",
    ["JQ430426202611220042", "(2026)湘0426民诉前调1234号", "祁信[2026]101", "XF-2026-0042", "430426202611220047"],
)
def test_agencies_own_numbers_are_taken_whatever_they_look_like(number):
    """A number of county code, date and sequence can pass for a resident ID's shape and check digit: an agency's
    own numbering is not judged, only that it is one line."""
    assert RECORD_ID.validate_python(number) == number


def test_a_partys_name_is_one_line():
    with pytest.raises(ValidationError) as refused:
        Party.model_validate({"role": "applicant", "name": "张三\r\n伪造的一行"})

    assert [(e["loc"], e["type"]) for e in refused.value.errors()] == [(("name",), "control_character")]


def test_a_name_stored_before_it_had_to_be_one_line_is_made_one_for_a_message_built_from_it_again():
    """A referral of a later round is built from the case's registration, kept as it was first taken."""
    stored = [{"role": "applicant", "name": "张\t三\n"}, {"role": "respondent", "name": "\u202e李四"}]

    parties = parties_as_one_line(stored)

    assert [p["name"] for p in parties] == ["张 三", "李四"]
    assert [Party.model_validate(p).name for p in parties] == ["张 三", "李四"]
    assert RECORD_ID.validate_python(as_one_line("JQ4304\x1b[31m26")) == "JQ4304 [31m26"
