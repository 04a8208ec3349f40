"""A handler's failure is named in its dead letter and log line without the values a model refused."""

from pydantic import BaseModel, ValidationError

from shared.messaging.consumer import failure_text


class Party(BaseModel):
    phone: int


def test_a_model_the_handler_built_is_described_by_field_without_its_values():
    try:
        Party.model_validate({"phone": "13800138000x"})
    except ValidationError as refused:
        text = failure_text(refused)

    assert text.startswith("ValidationError: schema violation: phone: ")
    assert "13800138000" not in text


def test_any_other_error_is_named_with_its_own_text():
    assert failure_text(KeyError("case")) == "KeyError: 'case'"
