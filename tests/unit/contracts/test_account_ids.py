"""Every message field that names the acting user takes any account a token may name, and nothing else."""

import json
from datetime import datetime, timedelta, timezone
from typing import Any
from uuid import UUID

import pytest
from pydantic import TypeAdapter, ValidationError

from shared.contracts import MESSAGE_TYPES
from shared.contracts.envelope import Envelope
from shared.contracts.examples import valid_example
from shared.contracts.identifiers import ACCOUNT_ID_MAX_LENGTH, ACCOUNT_ID_PATTERN, AccountId
from shared.contracts.messages import ReferralAccepted

ACCOUNT_ID: TypeAdapter[str] = TypeAdapter(AccountId)
CHINA = timezone(timedelta(hours=8))
# Who acted, as the messages name them. A new field ending in `_by` lands here and must be an account id too.
ACTING_USER_FIELDS = {"officer", "fed_by", "registered_by", "rated_by", "checked_by", "loaded_by"}
NOT_A_USER = {"refused_by"}  # a centre service's name (MessageRejected), checked against the services
# An OIDC provider's subject as long as the verifier takes: an e-mail address of 200 characters.
LONGEST = "zhou.min." + "x" * (ACCOUNT_ID_MAX_LENGTH - len("zhou.min.@qidong.gov.cn")) + "@qidong.gov.cn"


def _fields_naming_who_acted() -> list[tuple[type[Envelope], str]]:
    return [
        (model, name)
        for model in MESSAGE_TYPES.values()
        for name in model.model_fields
        if (name in ACTING_USER_FIELDS or name.endswith("_by")) and name not in NOT_A_USER
    ]


ACTED = _fields_naming_who_acted()


def _field_schema(model: type[Envelope], name: str) -> dict[str, Any]:
    schema: dict[str, Any] = model.model_json_schema()["properties"][name]
    return next((branch for branch in schema.get("anyOf", ()) if branch.get("type") != "null"), schema)


def test_the_fields_naming_who_acted_are_the_ones_known():
    assert {name for _, name in ACTED} == ACTING_USER_FIELDS
    assert {model.TYPE for model, name in ACTED if name == "officer"} == {
        "ReferralAccepted",
        "ReferralDeclined",
        "ProgressReported",
        "ResultReported",
        "ClockPaused",
        "ClockResumed",
    }


@pytest.mark.parametrize(("model", "name"), ACTED, ids=lambda x: getattr(x, "TYPE", x))
def test_every_field_naming_who_acted_is_published_as_an_account_id(model: type[Envelope], name: str):
    schema = _field_schema(model, name)

    assert (schema["maxLength"], schema["pattern"]) == (ACCOUNT_ID_MAX_LENGTH, ACCOUNT_ID_PATTERN)


@pytest.mark.parametrize(("model", "name"), ACTED, ids=lambda x: getattr(x, "TYPE", x))
@pytest.mark.parametrize("account", ["a" * 51, "w" * 64, LONGEST])
def test_an_account_longer_than_short_text_travels_in_every_field_naming_who_acted(
    model: type[Envelope], name: str, account: str
):
    sent = model.model_validate({**valid_example(model), name: account})

    body = json.dumps(sent.model_dump(mode="json"), ensure_ascii=False)
    received = MESSAGE_TYPES[model.TYPE].model_validate(json.loads(body))

    assert getattr(received, name) == account
    assert received == sent


@pytest.mark.parametrize(("model", "name"), ACTED, ids=lambda x: getattr(x, "TYPE", x))
def test_an_account_id_of_201_characters_is_refused_naming_its_field(model: type[Envelope], name: str):
    with pytest.raises(ValidationError) as refused:
        model.model_validate({**valid_example(model), name: "z" * (ACCOUNT_ID_MAX_LENGTH + 1)})

    assert [error["loc"] for error in refused.value.errors()] == [(name,)]


def test_a_report_built_for_an_officer_of_200_characters_is_read_back_by_the_coordinator():
    accepted = ReferralAccepted.build(
        message_id=UUID("00000000-0000-4000-8000-000000000051"),
        occurred_at=datetime(2026, 11, 22, 9, 30, tzinfo=CHINA),
        case_id="430426-20261122-00001",
        sender="police:430426101",
        recipient="centre:430426",
        referral_id=UUID("33333333-3333-4333-8333-333333333333"),
        officer=LONGEST,
    )

    received = ReferralAccepted.model_validate_json(accepted.model_dump_json())

    assert len(LONGEST) == ACCOUNT_ID_MAX_LENGTH
    assert received.officer == LONGEST


@pytest.mark.parametrize(
    "account",
    ["liu.yang", "citizen:rating-link", "周敏", "zhou min", "zhou\u2028min", "e1f0c3d2-7a4b-4c5d-9e8f-0a1b2c3d4e5f"],
)
def test_an_account_id_is_kept_as_it_is(account: str):
    assert ACCOUNT_ID.validate_python(account) == account


@pytest.mark.parametrize(("sent", "read"), [(" liu.yang ", "liu.yang"), ("\tliu.yang\r\n", "liu.yang")])
def test_whitespace_around_an_account_id_is_forgiven_as_around_any_text(sent: str, read: str):
    assert ACCOUNT_ID.validate_python(sent) == read


@pytest.mark.parametrize(
    "account",
    [
        "",
        "   ",
        "\u3000",
        "liu.yang\nadmin",
        "liu\tyang",
        "liu.yang\x00",
        "\x1b[31mliu.yang",
        "liu\x7fyang",
        "liu\x85yang",
    ],
)
def test_a_blank_account_id_or_one_with_a_control_character_is_refused(account: str):
    with pytest.raises(ValidationError):
        ACCOUNT_ID.validate_python(account)
