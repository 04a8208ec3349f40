"""A model's rule across fields refuses the field it is about, wherever the model sits."""

from typing import Self

import pytest
from pydantic import BaseModel, ValidationError, model_validator

from shared.contracts.field_rules import field_error
from shared.messaging.consumer import describe_validation_error


class Gathering(BaseModel):
    kind: str
    size: int | None = None

    @model_validator(mode="after")
    def _group_has_its_size(self) -> Self:
        if self.kind == "group" and self.size is None:
            raise field_error("size", "a group needs its size (人数)", self.size, "missing")
        if self.kind != "group" and self.size is not None:
            raise field_error("size", "only a group has a size {not a placeholder}", self.size)
        return self


class Register(BaseModel):
    gatherings: list[Gathering]


def refused(model: type[BaseModel], data: object) -> ValidationError:
    with pytest.raises(ValidationError) as refusal:
        model.model_validate(data)
    return refusal.value


def test_the_rule_s_error_is_placed_at_its_field_with_its_own_words_and_type():
    [error] = refused(Gathering, {"kind": "group"}).errors()

    assert (error["loc"], error["type"], error["msg"]) == (("size",), "missing", "a group needs its size (人数)")


def test_in_a_nested_model_the_error_is_placed_at_the_field_s_whole_path():
    [error] = refused(
        Register, {"gatherings": [{"kind": "group", "size": 30}, {"kind": "petition", "size": 3}]}
    ).errors()

    assert error["loc"] == ("gatherings", 1, "size")


def test_braces_in_the_message_are_kept_as_written():
    [error] = refused(Gathering, {"kind": "petition", "size": 3}).errors()

    assert (error["type"], error["msg"]) == ("value_error", "only a group has a size {not a placeholder}")


def test_a_dead_letter_names_the_field_rather_than_the_message():
    described = describe_validation_error(refused(Gathering, {"kind": "group"}))

    assert described == "schema violation: size: a group needs its size (人数)"
