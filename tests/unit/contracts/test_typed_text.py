"""Text typed into a request: something visible, no control character but line breaks and tabs, no bidirectional
override; a message or a stored row keeps what it carries."""

from datetime import UTC, datetime

import pytest
from pydantic import BaseModel, ValidationError

from shared.contracts.dates import STORED_ROW, request_context
from shared.contracts.disputes import LongText, PartyName, RecordId, ShortText

NOW = datetime(2026, 12, 7, 9, 30, tzinfo=UTC)


class Typed(BaseModel):
    summary: LongText | None = None
    name: PartyName | None = None
    title: ShortText | None = None
    record_id: RecordId | None = None


def refused(field: str, value: str) -> tuple[str, str]:
    with pytest.raises(ValidationError) as error:
        Typed.model_validate({field: value}, context=request_context(NOW))
    [only] = error.value.errors()
    return str(only["loc"][0]), str(only["type"])


@pytest.mark.parametrize(
    "summary",
    [
        "邻里纠纷\x1b[2J\x1b[31m已结案",  # an escape sequence: clears an operator's terminal and paints it red
        "噪音扰民\x07",  # rings the bell
        "甲方\u202e乙方",  # a right-to-left override: what follows reads reversed
        "甲方\x85乙方",
        "甲\x0c乙",
    ],
)
def test_a_summary_with_a_control_character_is_refused_naming_it(summary: str) -> None:
    assert refused("summary", summary) == ("summary", "text_control_character")


@pytest.mark.parametrize(
    ("field", "value"),
    [("summary", "\ufeff"), ("name", "\u200b\u200b"), ("title", "\u2060"), ("record_id", " \ufeff ")],
)
def test_text_of_invisible_characters_alone_is_refused_as_blank(field: str, value: str) -> None:
    assert refused(field, value) == (field, "string_too_short")


def test_line_breaks_tabs_and_a_visible_word_among_zero_width_ones_are_taken() -> None:
    taken = Typed.model_validate(
        {"summary": "第一行\r\n第二行\t完", "name": "\u200b王芳"}, context=request_context(NOW)
    )
    assert (taken.summary, taken.name) == ("第一行\r\n第二行\t完", "\u200b王芳")


@pytest.mark.parametrize("context", [None, STORED_ROW])
def test_a_message_or_a_stored_row_keeps_what_it_carries(context: dict[str, bool] | None) -> None:
    """Only requests are held to it: a later round's referral is built from a summary taken before."""
    kept = Typed.model_validate({"summary": "旧记录\x1b一条"}, context=context)
    assert kept.summary == "旧记录\x1b一条"
