"""The published contract in docs/contracts/ is current, and tells an agency where each message goes."""

import json
import re
from pathlib import Path

from shared.contracts import MESSAGE_TYPES
from shared.contracts.export import (
    ASYNCAPI_FILE,
    REGENERATE,
    asyncapi_document,
    differences,
    main,
    message_schema,
    render,
    write,
)
from shared.contracts.messages import (
    DOCUMENTS_EXCHANGE,
    EVENTS_EXCHANGE,
    CaseClosed,
    CaseRegistered,
    ReferralIssued,
    RegisterDispute,
)

PUBLISHED = Path(__file__).resolve().parents[3] / "docs" / "contracts"


def test_the_published_contract_matches_the_models():
    problems = differences(PUBLISHED)

    assert not problems, (
        f"docs/contracts/ no longer matches shared/contracts ({'; '.join(problems)}). "
        f"Regenerate it with `{REGENERATE}` and commit the result."
    )


def test_every_message_type_has_a_schema_named_after_it():
    assert {f"schemas/{name}.json" for name in MESSAGE_TYPES} <= set(render())


def test_a_referral_goes_to_the_recipient_agencys_inbox():
    channel = asyncapi_document()["channels"]["{service}.ReferralIssued"]

    assert channel["bindings"]["amqp"]["exchange"] == {
        "name": DOCUMENTS_EXCHANGE,
        "type": "topic",
        "durable": True,
        "autoDelete": False,
        "vhost": "wuyuan",
    }
    assert "wuyuan.{service}.inbox" in channel["subscribe"]["summary"]
    assert channel["parameters"] == {"service": {"$ref": "#/components/parameters/service"}}


def test_feeds_go_to_intake_and_results_to_the_coordinator():
    channels = asyncapi_document()["channels"]

    assert "wuyuan.intake.inbox" in channels["intake.RegisterDispute"]["subscribe"]["summary"]
    assert "wuyuan.coordinator.inbox" in channels["coordinator.ResultReported"]["subscribe"]["summary"]


def test_case_facts_are_published_on_the_events_exchange_by_type():
    channel = asyncapi_document()["channels"]["CaseClosed"]

    assert channel["bindings"]["amqp"]["exchange"]["name"] == EVENTS_EXCHANGE
    assert channel["publish"]["message"] == {"$ref": "#/components/messages/CaseClosed"}


def test_documents_are_sent_persistent_and_mandatory():
    publish = asyncapi_document()["channels"]["coordinator.CaseRegistered"]["publish"]

    assert publish["bindings"]["amqp"]["deliveryMode"] == 2
    assert publish["bindings"]["amqp"]["mandatory"] is True


def test_messages_point_at_their_schema_files_and_carry_the_trace_header():
    document = asyncapi_document()
    message = document["components"]["messages"]["ReferralIssued"]

    assert message["payload"] == {"$ref": "schemas/ReferralIssued.json"}
    trait = document["components"]["messageTraits"]["envelope"]
    assert "traceparent" in trait["headers"]["properties"]
    assert trait["correlationId"]["location"] == "$message.payload#/message_id"
    assert "user_id" in document["info"]["description"]


def test_type_is_required_on_the_wire_even_though_the_model_fills_it():
    schema = message_schema(CaseClosed)

    assert schema["properties"]["type"]["const"] == "CaseClosed"
    envelope = {"message_id", "type", "schema_version", "case_id", "sender", "recipient", "occurred_at"}
    assert envelope <= set(schema["required"])


def test_the_schema_states_the_unit_code_format_the_validators_enforce():
    sender = message_schema(ReferralIssued)["properties"]["sender"]

    assert re.fullmatch(sender["pattern"].strip("^$"), "court:430426")
    assert not re.fullmatch(sender["pattern"].strip("^$"), "court")


def test_a_schema_says_which_routing_key_carries_it():
    assert message_schema(RegisterDispute)["x-wuyuan-routing-key"] == "intake.RegisterDispute"
    assert message_schema(CaseRegistered)["x-wuyuan-kind"] == "document"


def test_the_command_writes_the_contract_and_then_finds_it_current(tmp_path, capsys):
    assert main([str(tmp_path)]) == 0
    assert json.loads((tmp_path / ASYNCAPI_FILE).read_text(encoding="utf-8"))["asyncapi"] == "2.6.0"

    assert main(["--check", str(tmp_path)]) == 0


def test_check_names_an_edited_file_and_how_to_regenerate(tmp_path, capsys):
    write(tmp_path)
    (tmp_path / "schemas" / "CaseClosed.json").write_text("{}\n", encoding="utf-8")

    assert main(["--check", str(tmp_path)]) == 1

    complaint = capsys.readouterr().err
    assert "out of date: schemas/CaseClosed.json" in complaint
    assert "python -m shared.contracts.export" in complaint


def test_writing_removes_the_schema_of_a_message_that_no_longer_exists(tmp_path):
    write(tmp_path)
    (tmp_path / "schemas" / "CaseTeleported.json").write_text("{}\n", encoding="utf-8")
    assert differences(tmp_path) == ["no longer exported: schemas/CaseTeleported.json"]

    write(tmp_path)

    assert not (tmp_path / "schemas" / "CaseTeleported.json").exists()
    assert differences(tmp_path) == []
