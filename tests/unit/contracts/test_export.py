"""The published contract in docs/contracts/ is current, and tells an agency where each message goes."""

import copy
import json
import re
from pathlib import Path
from typing import Any

from shared.contracts import export
from shared.contracts.export import (
    ASYNCAPI_FILE,
    REGENERATE,
    BrokerFacts,
    message_schema,
    published_models,
)
from shared.contracts.messages import (
    DOCUMENTS_EXCHANGE,
    EVENTS_EXCHANGE,
    CaseClosed,
    CaseRegistered,
    ReferralIssued,
    RegisterDispute,
)
from shared.messaging.routing import DEAD_REASON_HEADER
from wuyuan.contracts_export import broker_facts

PUBLISHED = Path(__file__).resolve().parents[3] / "docs" / "contracts"
# The broker's set-up as the platform declares it; the contract is rendered from it.
FACTS: BrokerFacts = broker_facts()
DOCUMENT = export.asyncapi_document(FACTS)


def asyncapi_document() -> dict[str, Any]:
    return copy.deepcopy(DOCUMENT)


def render() -> dict[str, str]:
    return export.render(FACTS)


def differences(output_dir: Path) -> list[str]:
    return export.differences(output_dir, FACTS)


def write(output_dir: Path) -> list[Path]:
    return export.write(output_dir, FACTS)


def main(argv: list[str]) -> int:
    return export.main(FACTS, argv)


def test_the_published_contract_matches_the_models():
    problems = differences(PUBLISHED)

    assert not problems, (
        f"docs/contracts/ no longer matches shared/contracts ({'; '.join(problems)}). "
        f"Regenerate it with `{REGENERATE}` and commit the result."
    )


def test_every_message_type_has_a_schema_named_after_it():
    assert {f"schemas/{model.TYPE}.json" for model in published_models()} <= set(render())


def test_a_referral_is_published_on_the_documents_exchange_by_the_recipient_agencys_service():
    channel = asyncapi_document()["channels"]["document.ReferralIssued"]

    assert channel["address"] == "{service}.ReferralIssued"
    assert channel["bindings"]["amqp"]["is"] == "routingKey"
    assert channel["bindings"]["amqp"]["exchange"] == {
        "name": DOCUMENTS_EXCHANGE,
        "type": "topic",
        "durable": True,
        "autoDelete": False,
        "vhost": "wuyuan",
    }
    assert "wuyuan.{service}.inbox" in channel["description"]
    assert channel["parameters"] == {"service": {"$ref": "#/components/parameters/service"}}


def test_feeds_go_to_intake_and_results_to_the_coordinator():
    channels = asyncapi_document()["channels"]

    assert channels["document.RegisterDispute"]["address"] == "intake.RegisterDispute"
    assert channels["document.ResultReported"]["address"] == "coordinator.ResultReported"
    assert "ResultReported" in channels["coordinator.inbox"]["messages"]


def test_case_facts_are_published_on_the_events_exchange_by_type_and_case_source():
    document = asyncapi_document()
    channel = document["channels"]["event.CaseClosed"]

    assert channel["address"] == "CaseClosed.{source}{flags}"
    source = document["components"]["parameters"]["source"]
    assert "police_call" in source["enum"] and "walk_in" in source["enum"]
    assert document["channels"]["event.CalendarYearLoaded"]["address"] == "CalendarYearLoaded"  # about no case
    assert channel["bindings"]["amqp"]["exchange"]["name"] == EVENTS_EXCHANGE
    assert channel["messages"] == {"CaseClosed": {"$ref": "#/components/messages/CaseClosed"}}
    # Only the coordinator may write to its events exchange, so its user is the one user_id.
    assert document["operations"]["coordinator.sendCaseClosed"]["bindings"]["amqp"]["userId"] == "wuyuan.coordinator"
    assert not [name for name in document["operations"] if name.endswith(".sendCaseClosed")][1:]


def test_police_link_takes_the_facts_of_its_own_calls_cases_alone_and_supervision_every_case():
    queues = {t.service: t.inbox.bindings for t in FACTS.services}
    assert (EVENTS_EXCHANGE, "CaseResolved.police_call.#") in queues["police_link"]
    assert (EVENTS_EXCHANGE, "ReferralClosed.police_call.#") in queues["police_link"]
    assert not [
        key for exchange, key in queues["police_link"] if key.startswith(("CaseResolved.#", "ReferralClosed.#"))
    ]
    assert (EVENTS_EXCHANGE, "CaseResolved.#") in queues["supervision"]


def test_stability_takes_the_closing_and_reopening_of_its_leads_and_risky_cases_alone():
    queues = {t.service: t.inbox.bindings for t in FACTS.services}
    closing = sorted(key for _, key in queues["stability"] if key.startswith("CaseClosed."))
    assert closing == [
        "CaseClosed.*.#.group.#",
        "CaseClosed.*.#.high_risk.#",
        "CaseClosed.*.#.violence_risk.#",
        "CaseClosed.stability_lead.#",
    ]
    assert (EVENTS_EXCHANGE, "CaseAssigned.#") in queues["stability"]


def test_messages_are_sent_persistent_mandatory_and_typed():
    document = asyncapi_document()
    send = document["operations"]["intake.sendCaseRegistered"]

    assert send["action"] == "send"
    assert send["bindings"]["amqp"]["deliveryMode"] == 2
    assert send["bindings"]["amqp"]["mandatory"] is True
    assert send["bindings"]["amqp"]["userId"] == "wuyuan.intake"
    message = document["components"]["messages"]["CaseRegistered"]
    assert message["bindings"]["amqp"]["messageType"] == "CaseRegistered"
    assert message["contentType"] == "application/json"


def test_each_agency_service_sends_its_reports_as_its_own_broker_user():
    operations = asyncapi_document()["operations"]

    for agency in ("court_link", "police_link", "justice_link", "petition_link", "stability"):
        send = operations[f"{agency}.sendReferralAccepted"]
        assert send["bindings"]["amqp"]["userId"] == f"wuyuan.{agency}"
        assert send["channel"] == {"$ref": "#/channels/document.ReferralAccepted"}
    assert "coordinator.sendReferralAccepted" not in operations


def test_every_message_type_has_a_sender_and_a_receiver():
    operations = asyncapi_document()["operations"]

    for model in published_models():
        assert any(name.endswith(f".send{model.TYPE}") for name in operations), model.TYPE
    received = {name.partition(".receive")[2] for name in operations if ".receive" in name}
    # A type no service takes yet would be a message nobody reads; list it here only while a receiver is built.
    assert {model.TYPE for model in published_models()} - received <= {"MessageRejected"}


def test_messages_point_at_their_schema_files_and_carry_the_trace_and_dead_letter_headers():
    document = asyncapi_document()
    message = document["components"]["messages"]["ReferralIssued"]

    assert message["payload"] == {"$ref": "schemas/ReferralIssued.json"}
    headers = document["components"]["schemas"]["headers"]["properties"]
    assert {"traceparent", "tracestate", "x-death", DEAD_REASON_HEADER} <= set(headers)
    correlation = document["components"]["correlationIds"]["messageId"]
    assert correlation["location"] == "$message.payload#/message_id"


def test_the_rules_an_integrator_follows_are_stated_in_the_document():
    description = asyncapi_document()["info"]["description"]

    for rule in (
        "`<vhost>.<service>`",  # broker user naming
        "`user_id`",
        "centre:430426",  # the recipient of a report
        "reuses its `message_id`",
        "x-death",
        "wuyuan.dead.<service>",
        DEAD_REASON_HEADER,
        "refuses a newer one",
        "traceparent",
        "OTEL_EXPORTER_OTLP_ENDPOINT",
        "service.name",
        "wuyuan.case_id",
        "only after your own transaction has committed",
    ):
        assert rule in description, rule


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
    assert json.loads((tmp_path / ASYNCAPI_FILE).read_text(encoding="utf-8"))["asyncapi"] == "3.0.0"

    assert main(["--check", str(tmp_path)]) == 0


def test_check_names_an_edited_file_and_how_to_regenerate(tmp_path, capsys):
    write(tmp_path)
    (tmp_path / "schemas" / "CaseClosed.json").write_text("{}\n", encoding="utf-8")

    assert main(["--check", str(tmp_path)]) == 1

    complaint = capsys.readouterr().err
    assert "out of date: schemas/CaseClosed.json" in complaint
    assert "python -m wuyuan.contracts_export" in complaint


def test_writing_removes_the_schema_of_a_message_that_no_longer_exists(tmp_path):
    write(tmp_path)
    (tmp_path / "schemas" / "CaseTeleported.json").write_text("{}\n", encoding="utf-8")
    assert differences(tmp_path) == ["no longer exported: schemas/CaseTeleported.json"]

    write(tmp_path)

    assert not (tmp_path / "schemas" / "CaseTeleported.json").exists()
    assert differences(tmp_path) == []


def test_check_names_a_missing_example_and_writing_removes_a_stale_one(tmp_path, capsys):
    write(tmp_path)
    (tmp_path / "examples" / "invalid" / "CaseClosed.json").unlink()
    (tmp_path / "examples" / "valid" / "CaseTeleported.json").write_text("{}\n", encoding="utf-8")

    assert main(["--check", str(tmp_path)]) == 1
    complaint = capsys.readouterr().err
    assert "missing: examples/invalid/CaseClosed.json" in complaint
    assert "no longer exported: examples/valid/CaseTeleported.json" in complaint

    write(tmp_path)
    assert differences(tmp_path) == []


def test_a_receiver_refuses_a_version_newer_than_the_schema_states():
    schema = message_schema(ReferralIssued)

    assert schema["properties"]["schema_version"]["maximum"] == ReferralIssued.VERSION


def test_every_service_with_an_inbox_has_its_three_queues_with_their_arguments_and_bindings():
    from wuyuan.settings import PlatformSettings

    channels = asyncapi_document()["channels"]
    retry_delay = PlatformSettings.model_fields["retry_delay_ms"].default

    for topology in FACTS.services:
        service = topology.service
        inbox = channels[f"{service}.inbox"]["bindings"]["amqp"]
        assert inbox["is"] == "queue"
        assert inbox["queue"]["name"] == f"wuyuan.{service}.inbox"
        assert inbox["queue"]["durable"] is True
        assert inbox["x-queue-arguments"] == {
            "x-dead-letter-exchange": "wuyuan.retry",
            "x-dead-letter-routing-key": service,
        }
        assert inbox["x-queue-arguments-quorum"]["x-queue-type"] == "quorum"
        assert {(b["exchange"], b["routingKey"]) for b in inbox["x-bindings"]} == set(topology.inbox.bindings)
        assert set(channels[f"{service}.inbox"]["messages"]) == {model.TYPE for model in topology.models}
        retry = channels[f"{service}.retry"]["bindings"]["amqp"]
        assert retry["x-queue-arguments"] == {
            "x-message-ttl": retry_delay,
            "x-dead-letter-exchange": "",
            "x-dead-letter-routing-key": f"wuyuan.{service}.inbox",
        }
        dead = channels[f"{service}.dead"]["bindings"]["amqp"]
        assert dead["x-bindings"] == [{"exchange": f"wuyuan.dead.{service}", "routingKey": service}]
        assert channels[f"{service}.deadLetterExchange"]["bindings"]["amqp"]["exchange"]["type"] == "direct"


def test_the_document_states_the_platforms_defaults_for_retries():
    description = asyncapi_document()["info"]["description"]

    assert FACTS.retry_delay_ms == 2000 and "2000 ms by default" in description
    assert FACTS.max_attempts == 5 and "5th attempt" in description


def test_the_topology_covers_the_agencies_and_the_centre():
    services = {topology.service: topology for topology in FACTS.services}

    assert {"intake", "coordinator", "supervision", "court_link", "stability"} <= set(services)
    assert ReferralIssued in services["court_link"].models
    operations = asyncapi_document()["operations"]
    assert operations["court_link.receiveReferralIssued"]["channel"] == {"$ref": "#/channels/court_link.inbox"}
    assert operations["coordinator.deadLetter"]["bindings"]["amqp"]["userId"] == "wuyuan.coordinator"


def test_each_receive_operation_names_the_keys_its_inbox_is_bound_by():
    operations = asyncapi_document()["operations"]

    assert "`CaseResolved.#`" in operations["supervision.receiveCaseResolved"]["summary"]
    assert "`CaseResolved.police_call.#`" in operations["police_link.receiveCaseResolved"]["summary"]
    assert "`court_link.ReferralIssued`" in operations["court_link.receiveReferralIssued"]["summary"]
    for topology in FACTS.services:
        for model in topology.models:
            summary = operations[f"{topology.service}.receive{model.TYPE}"]["summary"]
            bound = [key for _, key in topology.inbox.bindings if f"`{key}`" in summary]
            assert bound, (topology.service, model.TYPE, summary)


def test_the_document_says_whom_an_agency_trusts_for_each_document_and_who_may_feed_records():
    document = asyncapi_document()
    description = document["info"]["description"]

    for rule in (
        "`ReferralDeadlineChanged` and `ReferralWithdrawn` only from `<vhost>.coordinator`",
        "only from `<vhost>.<refused_by>`",
        "wrong_unit",
        "`<Type>.<source>[.<flag>…]`",
        "`<Type>.*.#.<flag>.#`",
        "`feeds`",
        "`MessageRejected`, and must be corrected",
    ):
        assert rule in description, rule
    operations = document["operations"]
    assert "`wuyuan.<refused_by>`" in operations["court_link.receiveMessageRejected"]["description"]
    assert "`wuyuan.coordinator`" in operations["court_link.receiveReferralWithdrawn"]["description"]
    assert "`feeds`" in operations["court_link.sendRegisterDispute"]["description"]


def test_the_document_says_the_coordinator_takes_only_what_is_addressed_to_the_centre():
    document = asyncapi_document()

    assert "wrong_recipient" in document["info"]["description"]
    for report in ("ReferralAccepted", "ProgressReported", "ResultReported", "ClockPaused", "CaseRegistered"):
        receive = document["operations"][f"coordinator.receive{report}"]["description"]
        assert "the centre unit" in receive and "wrong_recipient" in receive, report
