"""Every message type has a valid example its model accepts, and invalid ones refused for the reason they give."""

import json
from pathlib import Path
from typing import ClassVar, Literal

import pytest
from pydantic import Field, ValidationError

from services.coordinator.domain import rules
from shared.contracts.envelope import MESSAGE_TYPES, Envelope
from shared.contracts.examples import (
    CENTRE_UNIT,
    ExampleError,
    example_headers,
    invalid_examples,
    valid_example,
)
from shared.contracts.export import INVALID_DIR, VALID_DIR, asyncapi_document, published_models, render
from shared.contracts.messages import Document, ReferralIssued, ResultReported
from wuyuan.contracts_export import broker_facts

PUBLISHED = Path(__file__).resolve().parents[3] / "docs" / "contracts"
MODELS = published_models()


def _ids(model: type[Envelope]) -> str:
    return model.TYPE


def test_every_message_type_has_a_valid_and_an_invalid_examples_file():
    files = render(broker_facts())

    lacking = [
        model.TYPE
        for model in MODELS
        if f"{VALID_DIR}/{model.TYPE}.json" not in files or f"{INVALID_DIR}/{model.TYPE}.json" not in files
    ]
    assert not lacking, f"message types without examples: {lacking}"


@pytest.mark.parametrize("model", MODELS, ids=_ids)
def test_the_valid_example_is_accepted_by_its_model_as_the_current_version(model):
    body = valid_example(model)

    message = model.model_validate(body)

    assert message.type == model.TYPE
    assert message.schema_version == model.VERSION
    assert json.loads((PUBLISHED / VALID_DIR / f"{model.TYPE}.json").read_text(encoding="utf-8")) == body


@pytest.mark.parametrize("model", MODELS, ids=_ids)
def test_each_invalid_example_is_refused_naming_the_field_its_reason_names(model):
    examples = invalid_examples(model)

    assert {"newer-schema_version"} <= {bad.name for bad in examples}
    assert any(bad.name.startswith("missing-") for bad in examples)
    assert any(bad.name.startswith(("unknown-", "wrong-type")) for bad in examples)
    for bad in examples:
        assert bad.field in bad.reason
        with pytest.raises(ValidationError) as refused:
            model.model_validate(bad.payload)
        assert bad.field in {str(error["loc"][0]) for error in refused.value.errors() if error["loc"]}, bad.name


def test_every_asyncapi_message_example_is_the_published_valid_example():
    messages = asyncapi_document(broker_facts())["components"]["messages"]

    for model in MODELS:
        example = messages[model.TYPE]["examples"][0]
        assert example["payload"] == valid_example(model), model.TYPE
        assert example["headers"] == example_headers()  # the W3C traceparent a reply continues


def test_a_report_goes_from_the_agencys_unit_to_the_centre_unit():
    body = valid_example(ResultReported)

    assert body["sender"] == "court:430426"
    assert body["recipient"] == CENTRE_UNIT == "centre:430426"
    assert body["result"] == "mediated" and body["agreement"]["terms"]


def test_a_referral_goes_from_the_centre_to_the_agencys_unit():
    body = valid_example(ReferralIssued)

    assert (body["sender"], body["recipient"]) == (CENTRE_UNIT, "court:430426")


def test_examples_are_stable_so_the_published_files_do_not_churn():
    assert valid_example(ReferralIssued) == valid_example(ReferralIssued)
    assert valid_example(ReferralIssued)["message_id"] != valid_example(ResultReported)["message_id"]


@pytest.fixture
def gadget_noted():
    """A message only this test defines, with a field of a pattern no sample fits; unregistered afterwards,
    so that tests walking every registered type never meet it."""

    class GadgetNoted(Document):
        TYPE: ClassVar[str] = "ExamplesTestGadgetNoted"
        DESTINATION: ClassVar[str] = "coordinator"
        type: Literal["ExamplesTestGadgetNoted"] = "ExamplesTestGadgetNoted"
        gadget_code: str = Field(pattern=r"^G-[0-9]{4}$")

    try:
        yield GadgetNoted
    finally:
        MESSAGE_TYPES.pop(GadgetNoted.TYPE, None)


def test_a_type_no_example_can_be_built_for_is_named_with_the_field_that_lacks_a_sample(gadget_noted):
    with pytest.raises(ExampleError) as failed:
        valid_example(gadget_noted)

    assert "ExamplesTestGadgetNoted.gadget_code" in str(failed.value)
    assert "OVERRIDES" in str(failed.value)


@pytest.mark.parametrize("model", [model for model in MODELS if "agreement" in model.model_fields], ids=_ids)
def test_a_valid_example_with_an_agreement_is_one_the_coordinator_takes(model: type[Envelope]):
    """The coordinator refuses an agreement signed after the day its result was reported (`agreement_after_report`),
    a rule no schema can state: a valid example an integrator copies must pass it too."""
    message = model.model_validate(valid_example(model))
    agreement = getattr(message, "agreement", None)
    assert agreement is not None, f"{model.TYPE}'s valid example carries no agreement to check"

    rules.require_agreement_signed_by_the_report(agreement.signed_on, message.occurred_at, now=message.occurred_at)
