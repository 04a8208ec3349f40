"""Publishes the message contract as an AsyncAPI 3.0 document, JSON Schemas and examples, for agencies in any language.

The contract knows nothing of the broker's set-up: the queues, retry and dead-letter names and defaults come
in as `BrokerFacts`, which `wuyuan.contracts_export` reads from the platform (shared/messaging, the services):

python -m wuyuan.contracts_export docs/contracts          # write asyncapi.json, schemas/ and examples/
python -m wuyuan.contracts_export --check docs/contracts  # exit 1 if those files are out of date
"""

import argparse
import inspect
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shared.contracts import MESSAGE_TYPES, Envelope
from shared.contracts.examples import (
    CENTRE_SERVICES,
    CENTRE_UNIT,
    example_headers,
    invalid_examples,
    sends_to_centre_from_agency,
    valid_example,
)
from shared.contracts.messages import (
    DOCUMENTS_EXCHANGE,
    EVENTS_EXCHANGE,
    TO_RECIPIENT_AGENCY,
    Document,
    Event,
    MessageRejected,
    ReferralIssued,
    dead_letter_exchange,
)
from shared.contracts.vocabulary import Source

ASYNCAPI_VERSION = "3.0.0"
# The contract's own version; raise it with any change to a message's fields, its VERSION or its schema's rules.
CONTRACT_VERSION = "1.11.0"
DEFAULT_VHOST = "wuyuan"
AMQP_BINDING_VERSION = "0.3.0"
JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
ASYNCAPI_FILE = "asyncapi.json"
SCHEMA_DIR = "schemas"
VALID_DIR = "examples/valid"
INVALID_DIR = "examples/invalid"
GENERATED_DIRS = (SCHEMA_DIR, VALID_DIR, INVALID_DIR)
REGENERATE = "python -m wuyuan.contracts_export docs/contracts"
# Who sends each document of the centre's; a document not listed is said to come from any centre service.
CENTRE_SENDERS = {
    "CaseRegistered": "intake",
    "RepeatReportLinked": "intake",
    "HighFrequencyAlertRaised": "intake",
    "StabilityAlertRaised": "intake",
    "LeadContactsProvided": "intake",
    "RecordLinked": "intake",
    "ProvideLeadContacts": "coordinator",
    "ReferralIssued": "coordinator",
    "ReferralWithdrawn": "coordinator",
    "ReferralDeadlineChanged": "coordinator",
    "ReminderIssued": "supervision",
    "OverdueNoticeIssued": "supervision",
    "NoticeCirculated": "supervision",
    "CaseWentOverdue": "supervision",
    "FollowUpRated": "supervision",
    "SpotCheckFound": "supervision",
    "EscalateCase": "supervision",
}

# Routing keys of documents addressed by `recipient` name the service as a channel parameter.
SERVICE_PARAMETER = "{service}"
# Routing keys of case facts name the case's source, then its flags, as channel parameters (shared.messaging.routing).
SOURCE_PARAMETER = "{source}"
FLAGS_PARAMETER = "{flags}"


def info_description(facts: "BrokerFacts") -> str:
    """The rules a sender and a receiver follow, in short (docs/contracts/README.md has them at length)."""
    headers, retry_exchange = facts.dead_letter_headers, facts.retry_exchange
    retry_delay_ms, max_attempts = facts.retry_delay_ms, facts.max_attempts
    return f"""\
The messages the services of the wuyuan platform exchange over RabbitMQ (AMQP 0-9-1), and
every rule a sender and a receiver must follow. An agency in any language joins from this
document, `schemas/<Type>.json` and `examples/` alone; `README.md` beside it says the same at length.

## Where messages go
- **Documents** (referrals, reports, letters) go to one service: published on the durable topic
  exchange `{DOCUMENTS_EXCHANGE}` with routing key `<service>.<Type>`; they land in that service's
  durable inbox queue `wuyuan.<service>.inbox`, declared before the first document is sent.
  A document to an agency is routed by its `recipient` unit's agency (`court:430426` → `court_link`).
- **Events** are case facts from the coordinator: published on the durable topic exchange
  `{EVENTS_EXCHANGE}` with routing key `<Type>.<source>[.<flag>…]`: the channel the case first came by,
  then the case's flags in alphabetical order (`CaseClosed.walk_in`, `CaseResolved.police_call.violence_risk`,
  `CaseClosed.hotline.group.high_risk`); an event about no case has the key `<Type>` (`CalendarYearLoaded`).
  A subscriber binds its inbox by `<Type>.#` (every case's, and a key without a source), by
  `<Type>.<source>.#` (one source's cases alone) or by `<Type>.*.#.<flag>.#` (the cases with a flag alone).
- Every service has three queues (channels `<service>.inbox`, `.retry`, `.dead`). Services never
  declare topology: the operator provisions it (`wuyuan provision`), and a broker user may not configure.

## Identity
- Each service connects as its own broker user `<vhost>.<service>` (e.g. `wuyuan.court_link`) with a
  password the operator gives it (generated once, kept in the platform's secrets); TLS (`amqps`, 5671)
  where the operator enables it. A user may read only its own inbox and write only to `{DOCUMENTS_EXCHANGE}`
  (an agency: routing keys matching `{facts.agency_write_pattern}` only, its reports to the centre) and
  to its own dead-letter exchange `{dead_letter_exchange("<service>")}`.
- Set the AMQP `user_id` property to your own broker user: RabbitMQ refuses a message whose `user_id`
  is not the connection's user, so receivers trust it. The coordinator accepts a report only from the
  broker user of the agency of the unit its referral went to. An agency takes `ReferralIssued`,
  `ReferralDeadlineChanged` and `ReferralWithdrawn` only from `<vhost>.coordinator`; `ReminderIssued`,
  `OverdueNoticeIssued` and `NoticeCirculated` only from `<vhost>.supervision`; `RecordLinked` only from
  `<vhost>.intake`; and `MessageRejected`
  only from `<vhost>.<refused_by>`, where the body's `refused_by` is a centre service (coordinator,
  intake or supervision). Anything from another user, or with no `user_id`, is dead-lettered
  (`rejected: wrong_sender: …`), and so is a document whose `recipient` is not one of the agency's own
  units (`rejected: wrong_unit: …`).
- `sender` and `recipient` are unit codes `<agency>:<division code>`. A referral's `recipient` is the
  unit it is issued to; a report about it (accepted, declined, progress, clock, result) has that unit as
  `sender` and the centre unit `centre:<county division>` (e.g. `{CENTRE_UNIT}`) as `recipient`. The
  coordinator dead-letters a document addressed to any other unit (`rejected: wrong_recipient: …`).
- Only an agency that owns a source may feed records in (`RegisterDispute` to intake): its entry in the
  agency registry (config/agencies.toml) names it in `feeds`, and intake takes a feed only from that
  agency's broker user, from one of its units, with `report.source` equal to its `feeds`; anything
  else is refused (`wrong_sender`). `feeds` is one of the contract's `Source` codes, and the five
  sources belong to the five shipped agencies, so a new agency cannot feed records until the project
  adds a source of its own to the contract.

## Properties of every message
`content_type` `application/json`, `content_encoding` `utf-8`, `delivery_mode` 2 (persistent),
`message_id` = the body's `message_id`, `type` = the body's `type`, `user_id` as above; published
with publisher confirms and `mandatory`, so an unroutable message is returned, not dropped.

## Idempotency
`message_id` is the idempotency key. A receiver records each id in the same transaction as its effect
and acknowledges and skips an id it has seen. A sender that re-sends a message (a retry after a lost
confirm, a restart) **reuses its `message_id`**: a new id would be a second report.

## Acknowledging, retry and dead letters
- Acknowledge a message only after your own transaction has committed and the broker has confirmed
  every reply it caused.
- A message you cannot handle now (database down, case not known yet): reject it without requeue
  (`basic.reject`/`basic.nack`, `requeue=false`). The inbox's `x-dead-letter-exchange` `{retry_exchange}` takes
  it to `wuyuan.<service>.retry`, which holds it for `x-message-ttl` ({retry_delay_ms} ms by default,
  `WUYUAN_RETRY_DELAY_MS`) and dead-letters it back to the inbox. RabbitMQ counts each rejection in the
  `x-death` header (the entry whose `queue` is the inbox and `reason` `rejected`): on the
  {max_attempts}th attempt, `count` + 1 = {max_attempts}, give up.
- A message that can never be handled (not UTF-8 JSON, unknown `type`, schema violation, refused by a
  rule) and one out of attempts go to the service's own dead-letter exchange `{dead_letter_exchange("<service>")}`
  (direct, routing key `<service>`) and its queue `wuyuan.<service>.dead`: the body unchanged,
  the original properties, and the headers `{headers.reason}` (why, at most 1000 characters, ID and
  mobile numbers redacted), `{headers.queue}`, `{headers.at}` (UTC, ISO 8601) and
  `{headers.original_user}` (the refused message's `user_id`); publish it confirmed, then acknowledge the original.
  The centre tells the agency whose message it refused with a `MessageRejected` document.

## Schemas, and what only the receiver can judge
`schemas/<Type>.json` (JSON Schema 2020-12) state every rule of a body that JSON Schema can: fields,
codes and bounds, text that is not blank once its surrounding whitespace is stripped, and the rules
between fields (a result's `outcome` and `agreement`, a pause's `note`). They cannot state the check
character of a resident ID number, nor that its birth date is a real day from 1900-01-01 to the
receiver's today (Asia/Shanghai), that a division code names a real county or below,
that `occurred_at` is neither before 2000-01-01 (UTC) nor more than a day after the receiver's clock
(a message sent again keeps its first time and still reads), that a result's `agreement.signed_on` is
no later than the day of its `occurred_at` in Asia/Shanghai (refused `agreement_after_report`), or
anything that depends on state the receiver holds (the referral exists and went to that unit, who owns
a source, the order of reports: the coordinator does not require an acceptance before a result, and
keeps a report arriving after the unit's result or decline as late, changing nothing).
Validate what you send, and take the centre's answer as final: a message it refuses comes back as
`MessageRejected`, and must be corrected and sent again as a new message.

## Versions
Each message has a `schema_version`. A receiver accepts every version up to its model's version (the
schema's `maximum`) and refuses a newer one (dead letter, reason naming `schema_version`). A new field
arrives with a version bump and a default, so an older message still reads; send the newest version
you know.

## Trace context
Continue the W3C trace context: a reply carries, in the AMQP headers `traceparent` (and `tracestate`,
`baggage` when present), a span of the trace of the referral it answers, so the case is one trace.
Export your spans with OpenTelemetry over OTLP/HTTP to the platform's collector (the operator gives
`OTEL_EXPORTER_OTLP_ENDPOINT`, e.g. `http://otel-collector:4318`), with `service.name` your service's
name (`court_link`) and the span attribute `wuyuan.case_id` set to the case id (the `baggage` entry
`wuyuan.case_id` carries it).
"""


@dataclass(frozen=True)
class QueueFacts:
    """A queue as provisioning declares it: arguments on one node, and on a cluster (quorum)."""

    name: str
    arguments: dict[str, Any]
    quorum_arguments: dict[str, Any]
    bindings: tuple[tuple[str, str], ...]  # (exchange, routing key)


@dataclass(frozen=True)
class ServiceTopology:
    """One service's queues and the contract's messages its inbox takes."""

    service: str
    models: tuple[type[Envelope], ...]
    inbox: QueueFacts
    retry: QueueFacts
    dead: QueueFacts


@dataclass(frozen=True)
class DeadLetterHeaders:
    """The headers a service writes on a dead letter."""

    reason: str
    queue: str
    at: str
    original_user: str


@dataclass(frozen=True)
class BrokerFacts:
    """What the contract says of the broker's set-up, from the platform that sets it up."""

    services: tuple[ServiceTopology, ...]
    retry_exchange: str
    retry_delay_ms: int  # the default; an operator may choose another
    max_attempts: int
    dead_letter_headers: DeadLetterHeaders
    agency_write_pattern: str  # the routing keys an agency's broker user may publish to documents with


def published_models() -> list[type[Envelope]]:
    """The contract's message models, in the order messages.py defines them.

    Only models of this package are published: a model defined elsewhere (a test double, a
    service's private message) registers itself too but is no part of the shared contract.
    """
    return [model for model in MESSAGE_TYPES.values() if model.__module__.startswith("shared.contracts.")]


def kind(model: type[Envelope]) -> str:
    if issubclass(model, Event):
        return Event.KIND
    if issubclass(model, Document):
        return Document.KIND
    raise TypeError(f"{model.TYPE} is neither a Document nor an Event, so it has no channel")


def _destination(model: type[Document]) -> str:
    return SERVICE_PARAMETER if model.DESTINATION == TO_RECIPIENT_AGENCY else model.DESTINATION


def is_case_fact(model: type[Envelope]) -> bool:
    """An event about one case (every event but CalendarYearLoaded, which is about a year)."""
    return issubclass(model, Event) and model.model_fields["case_id"].is_required()


def routing_key(model: type[Envelope]) -> str:
    """`<service>.<Type>` for a document (`{service}` when set by the recipient), `<Type>.{source}{flags}` for a
    case fact, `<Type>` for another event."""
    if issubclass(model, Document):
        return f"{_destination(model)}.{model.TYPE}"
    kind(model)  # refuses anything but an event
    return f"{model.TYPE}.{SOURCE_PARAMETER}{FLAGS_PARAMETER}" if is_case_fact(model) else model.TYPE


def inbox_queue(model: type[Document]) -> str:
    return f"wuyuan.{_destination(model)}.inbox"


def senders(model: type[Envelope], topology: tuple[ServiceTopology, ...]) -> list[str]:
    """The services that send this message: the coordinator its events, every agency its reports."""
    if issubclass(model, Event):
        return ["coordinator"]
    if sends_to_centre_from_agency(model):
        return [t.service for t in topology if ReferralIssued in t.models]
    return [CENTRE_SENDERS[model.TYPE]] if model.TYPE in CENTRE_SENDERS else sorted(CENTRE_SERVICES)


def _summary(model: type[Envelope]) -> str:
    """The first paragraph of the model's own docstring, as one line; a class's docstring is not inherited."""
    if not model.__doc__:
        return ""
    return " ".join(inspect.cleandoc(model.__doc__).split("\n\n")[0].split())


def _sentences(*parts: str) -> str:
    return " ".join(part for part in parts if part)


def message_schema(model: type[Envelope]) -> dict[str, Any]:
    """The JSON Schema a body of this type must satisfy."""
    schema = model.model_json_schema()
    # `type` has a default in the model, so pydantic marks it optional; consumers dispatch on
    # it, so on the wire it is required.
    required = set(schema.get("required", ())) | {"type"}
    schema["required"] = [name for name in schema["properties"] if name in required]
    # A receiver refuses a version newer than its model's (Envelope._not_newer_than_model).
    schema["properties"]["schema_version"]["maximum"] = model.VERSION
    return {
        "$schema": JSON_SCHEMA_DIALECT,
        **schema,
        "x-wuyuan-kind": kind(model),
        "x-wuyuan-routing-key": routing_key(model),
        "x-wuyuan-schema-version": model.VERSION,
    }


def _amqp(binding: dict[str, Any]) -> dict[str, Any]:
    return {"amqp": {**binding, "bindingVersion": AMQP_BINDING_VERSION}}


def _exchange(name: str, exchange_type: str, vhost: str) -> dict[str, Any]:
    return {"name": name, "type": exchange_type, "durable": True, "autoDelete": False, "vhost": vhost}


def _message_ref(model: type[Envelope]) -> dict[str, str]:
    return {"$ref": f"#/components/messages/{model.TYPE}"}


def _route_channel(model: type[Envelope], vhost: str) -> dict[str, Any]:
    """The channel a message is published on: its routing key on its exchange."""
    key = routing_key(model)
    if issubclass(model, Document):
        where = f"Routed on `{DOCUMENTS_EXCHANGE}` by `{key}` to `{inbox_queue(model)}`."
        exchange = _exchange(DOCUMENTS_EXCHANGE, "topic", vhost)
    else:
        where = f"On `{EVENTS_EXCHANGE}`, routing key `{key}`, to every subscriber's inbox."
        if is_case_fact(model):
            where += (
                f" A subscriber binds `{model.TYPE}.#` for every case, `{model.TYPE}.<source>.#` for one source's,"
                f" `{model.TYPE}.*.#.<flag>.#` for those with a flag."
            )
        exchange = _exchange(EVENTS_EXCHANGE, "topic", vhost)
    channel: dict[str, Any] = {
        "address": key,
        "title": f"{model.TYPE} on {exchange['name']}",
        "description": _sentences(_summary(model), where),
        "messages": {model.TYPE: _message_ref(model)},
        "bindings": _amqp({"is": "routingKey", "exchange": exchange}),
    }
    if issubclass(model, Document) and model.DESTINATION == TO_RECIPIENT_AGENCY:
        channel["parameters"] = {"service": {"$ref": "#/components/parameters/service"}}
    if is_case_fact(model):
        channel["parameters"] = {
            "source": {"$ref": "#/components/parameters/source"},
            "flags": {"$ref": "#/components/parameters/flags"},
        }
    return channel


def _queue_channel(spec: QueueFacts, models: tuple[type[Envelope], ...], vhost: str, what: str) -> dict[str, Any]:
    bound = "; ".join(f"`{exchange}` by `{key}`" for exchange, key in spec.bindings)
    return {
        "address": spec.name,
        "title": spec.name,
        "description": f"{what} Bound to {bound}.",
        "messages": {model.TYPE: _message_ref(model) for model in models},
        "bindings": _amqp(
            {
                "is": "queue",
                "queue": {"name": spec.name, "durable": True, "exclusive": False, "autoDelete": False, "vhost": vhost},
                "x-queue-arguments": spec.arguments,
                "x-queue-arguments-quorum": spec.quorum_arguments,
                "x-bindings": [{"exchange": exchange, "routingKey": key} for exchange, key in spec.bindings],
            }
        ),
    }


def _queue_text(facts: BrokerFacts) -> dict[str, str]:
    return {
        "inbox": (
            "The service's inbox: every document to it and every event it subscribes to. A message rejected "
            "without requeue goes, by `x-dead-letter-exchange`, to the retry queue."
        ),
        "retry": (
            "Holds a rejected message for `x-message-ttl` ms, then dead-letters it back to the inbox (by the "
            f"default exchange). After {facts.max_attempts} attempts, counted from `x-death`, the consumer "
            "dead-letters it instead."
        ),
        "dead": (
            "Dead letters: messages the service can never handle, with the reason in "
            f"`{facts.dead_letter_headers.reason}`; operators list and replay them. They expire by the operator's "
            "policy."
        ),
    }


def _service_channels(topology: ServiceTopology, facts: BrokerFacts, vhost: str) -> dict[str, Any]:
    service, text = topology.service, _queue_text(facts)
    channels = {
        f"{service}.{role}": _queue_channel(spec, topology.models, vhost, text[role])
        for role, spec in (("inbox", topology.inbox), ("retry", topology.retry), ("dead", topology.dead))
    }
    channels[f"{service}.deadLetterExchange"] = {
        "address": service,
        "title": f"{dead_letter_exchange(service)} by {service}",
        "description": (
            f"{service}'s own dead-letter exchange (direct): only its broker user may write here, so a dead "
            f"letter's `user_id` is its owner's. Routes to `wuyuan.{service}.dead`."
        ),
        "messages": {model.TYPE: _message_ref(model) for model in topology.models},
        "bindings": _amqp({"is": "routingKey", "exchange": _exchange(dead_letter_exchange(service), "direct", vhost)}),
    }
    channels[f"{service}.retryExchange"] = {
        "address": service,
        "title": f"{facts.retry_exchange} by {service}",
        "description": (
            f"The shared retry exchange (direct): the broker dead-letters a message the service rejected "
            f"here, with routing key `{service}`, which routes it to `wuyuan.{service}.retry`. Nobody publishes here."
        ),
        "messages": {model.TYPE: _message_ref(model) for model in topology.models},
        "bindings": _amqp({"is": "routingKey", "exchange": _exchange(facts.retry_exchange, "direct", vhost)}),
    }
    return channels


def _route_channel_id(model: type[Envelope]) -> str:
    return f"{kind(model)}.{model.TYPE}"


# Who may send a message beyond what the broker's permissions say, as its receiver enforces it.
SEND_CONDITIONS = {
    "RegisterDispute": (
        " Only while the agency registry (config/agencies.toml) gives this agency a source in `feeds`: intake "
        "takes it only with `report.source` equal to that `feeds` and `sender` one of the agency's units, and "
        "refuses anything else (`wrong_sender`). An agency without `feeds` cannot feed records in."
    ),
    "LinkRecordNoted": (
        " Only the agency `link` names (one of the four links the contract lists): supervision takes it only from "
        "that agency's broker user, with `unit` and `sender` its units."
    ),
}


def _send_operation(model: type[Envelope], service: str, vhost: str) -> dict[str, Any]:
    """How one service publishes one message type: its routing key, and its own broker user as `user_id`."""
    channel = _route_channel_id(model)
    return {
        "action": "send",
        "channel": {"$ref": f"#/channels/{channel}"},
        "title": f"{service} sends {model.TYPE}",
        "summary": f"Publish to `{_route_exchange(model)}` with routing key `{routing_key(model)}`.",
        "description": (
            f"`user_id` `{vhost}.{service}` (the connection's own user); persistent, mandatory, confirmed; the "
            "`message_id` and `type` properties as in the body; a message sent again keeps its `message_id`."
            + SEND_CONDITIONS.get(model.TYPE, "")
        ),
        "bindings": _amqp({"deliveryMode": 2, "mandatory": True, "userId": f"{vhost}.{service}"}),
        "messages": [{"$ref": f"#/channels/{channel}/messages/{model.TYPE}"}],
    }


def _route_exchange(model: type[Envelope]) -> str:
    return EVENTS_EXCHANGE if issubclass(model, Event) else DOCUMENTS_EXCHANGE


def _trusted_sender(model: type[Envelope], vhost: str) -> str:
    """Whose broker user a receiver takes this message from, as the consumers check it."""
    if model is MessageRejected:
        return f"`{vhost}.<refused_by>`, the centre service the body names"
    if issubclass(model, Event):
        return f"`{vhost}.coordinator`"
    if model.TYPE in CENTRE_SENDERS:
        return f"`{vhost}.{CENTRE_SENDERS[model.TYPE]}`"
    if sends_to_centre_from_agency(model):
        return "the broker user of the agency whose unit is the `sender`"
    return "a centre service's broker user"


def _recipient_check(model: type[Envelope]) -> str:
    if issubclass(model, Document) and model.DESTINATION == TO_RECIPIENT_AGENCY:
        return ", that `recipient` is one of the service's own units (else `wrong_unit`)"
    if issubclass(model, Document) and model.DESTINATION == "coordinator":
        return ", that `recipient` is the centre unit `centre:<county division>` (else `wrong_recipient`)"
    return ""


def _bound_keys(topology: ServiceTopology, model: type[Envelope]) -> list[str]:
    """The routing keys the service's inbox is bound by for this type, as provisioning binds them."""
    exchange = _route_exchange(model)
    document_key = f"{topology.service}.{model.TYPE}"

    def takes(key: str) -> bool:
        return key == document_key if issubclass(model, Document) else key.split(".", 1)[0] == model.TYPE

    return [key for bound_to, key in topology.inbox.bindings if bound_to == exchange and takes(key)]


def _service_operations(topology: ServiceTopology, facts: BrokerFacts, vhost: str) -> dict[str, Any]:
    service, headers = topology.service, facts.dead_letter_headers
    operations: dict[str, Any] = {}
    for model in topology.models:
        keys = " and ".join(f"`{key}`" for key in _bound_keys(topology, model))
        operations[f"{service}.receive{model.TYPE}"] = {
            "action": "receive",
            "channel": {"$ref": f"#/channels/{service}.inbox"},
            "title": f"{service} receives {model.TYPE}",
            "summary": f"Consume from `wuyuan.{service}.inbox`, bound to `{_route_exchange(model)}` by {keys}.",
            "description": (
                f"Check `user_id` (the sender: {_trusted_sender(model, vhost)}){_recipient_check(model)}, validate "
                "the body, skip a seen `message_id`, and acknowledge only after the transaction commits and the "
                "replies are confirmed; reject without requeue to retry, dead-letter what can never be handled."
            ),
            "bindings": _amqp({"ack": True}),
            "messages": [{"$ref": f"#/channels/{service}.inbox/messages/{model.TYPE}"}],
        }
    operations[f"{service}.deadLetter"] = {
        "action": "send",
        "channel": {"$ref": f"#/channels/{service}.deadLetterExchange"},
        "title": f"{service} dead-letters a message",
        "summary": f"Publish to `{dead_letter_exchange(service)}` with routing key `{service}`.",
        "description": (
            f"The body and properties unchanged, `user_id` `{vhost}.{service}`, with the headers "
            f"`{headers.reason}`, `{headers.queue}`, `{headers.at}` and `{headers.original_user}`; "
            "confirmed before the original is acknowledged."
        ),
        "bindings": _amqp({"deliveryMode": 2, "mandatory": True, "userId": f"{vhost}.{service}"}),
        "messages": [
            {"$ref": f"#/channels/{service}.deadLetterExchange/messages/{model.TYPE}"} for model in topology.models
        ],
    }
    return operations


def _message(model: type[Envelope]) -> dict[str, Any]:
    description = inspect.cleandoc(model.__doc__) if model.__doc__ else ""
    return {
        "name": model.TYPE,
        "title": model.TYPE,
        **({"summary": _summary(model)} if description else {}),
        **({"description": description} if description else {}),
        "contentType": "application/json",
        "headers": {"$ref": "#/components/schemas/headers"},
        "payload": {"$ref": f"{SCHEMA_DIR}/{model.TYPE}.json"},
        "correlationId": {"$ref": "#/components/correlationIds/messageId"},
        "bindings": _amqp(
            {
                "contentEncoding": "utf-8",
                "messageType": model.TYPE,
                # AMQP properties the binding has no field for.
                "x-delivery-mode": 2,
                "x-message-id": "the body's `message_id`, kept when the message is sent again",
                "x-user-id": "the sending service's own broker user, `<vhost>.<service>`",
            }
        ),
        "examples": [
            {
                "name": "valid",
                "summary": (
                    f"A valid {model.TYPE} (version {model.VERSION}); invalid ones: examples/invalid/{model.TYPE}.json"
                ),
                "headers": example_headers(),
                "payload": valid_example(model),
            }
        ],
        "x-wuyuan-kind": kind(model),
        "x-wuyuan-schema-version": model.VERSION,
    }


def headers_schema(headers: DeadLetterHeaders) -> dict[str, Any]:
    """The AMQP headers a message may carry: trace context, RabbitMQ's `x-death`, a dead letter's own."""
    return {
        "type": "object",
        "description": "AMQP application headers. The envelope (ids, units, version) is in the body.",
        "properties": {
            "traceparent": {
                "type": "string",
                "pattern": "^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$",
                "description": "W3C Trace Context: the span this message continues; a reply continues its referral's",
            },
            "tracestate": {"type": "string", "description": "W3C Trace Context vendor state, passed on unchanged"},
            "baggage": {"type": "string", "description": "W3C Baggage; `wuyuan.case_id` names the case"},
            "x-death": {
                "type": "array",
                "description": (
                    "Written by RabbitMQ on each dead-lettering (never by a client): one entry per queue and "
                    "reason, with `count`. The attempt number is the inbox's `rejected` entry's `count` + 1."
                ),
                "items": {
                    "type": "object",
                    "properties": {
                        "queue": {"type": "string"},
                        "reason": {"type": "string", "enum": ["rejected", "expired", "maxlen", "delivery_limit"]},
                        "count": {"type": "integer", "minimum": 1},
                        "exchange": {"type": "string"},
                        "routing-keys": {"type": "array", "items": {"type": "string"}},
                        "time": {"description": "an AMQP timestamp"},
                    },
                },
            },
            headers.reason: {
                "type": "string",
                "maxLength": 1000,
                "description": "On a dead letter only: why it could not be handled (ID and mobile numbers redacted)",
            },
            headers.queue: {"type": "string", "description": "On a dead letter only: the queue it was read from"},
            headers.at: {"type": "string", "format": "date-time", "description": "On a dead letter only: when (UTC)"},
            headers.original_user: {
                "type": "string",
                "description": "On a dead letter only: the refused message's `user_id`, which replay restores",
            },
        },
    }


SERVICE_PARAMETER_OBJECT = {
    "description": (
        "The service of the agency of the document's `recipient` unit, as the agency registry "
        "(config/agencies.toml) maps it: `court:430426` is served by `court_link`."
    ),
    "examples": ["court_link", "police_link"],
}
SOURCE_PARAMETER_OBJECT = {
    "description": (
        "The channel the fact's case first came by (`source` of its CaseAssigned): a service that needs one "
        "source's cases alone binds `<Type>.<source>.#` (police_link takes CaseResolved and ReferralClosed of "
        "`police_call`)."
    ),
    "enum": [source.value for source in Source],
    "examples": ["police_call", "walk_in"],
}
FLAGS_PARAMETER_OBJECT = {
    "description": (
        "The case's flags, each after a dot, in alphabetical order (`.group.high_risk`); empty for a case with none. "
        "A service that needs the cases with a flag alone binds `<Type>.*.#.<flag>.#` (stability takes CaseClosed "
        "and CaseReopened of the cases flagged `high_risk`, `violence_risk` or `group`, and of its own leads')."
    ),
    "examples": ["", ".high_risk", ".group.violence_risk"],
}


def asyncapi_document(facts: BrokerFacts, vhost: str = DEFAULT_VHOST) -> dict[str, Any]:
    """The AsyncAPI 3.0 description of every exchange, queue and operation; payloads refer to `schemas/<Type>.json`."""
    models = published_models()
    topology = facts.services
    channels: dict[str, Any] = {_route_channel_id(model): _route_channel(model, vhost) for model in models}
    operations: dict[str, Any] = {
        f"{service}.send{model.TYPE}": _send_operation(model, service, vhost)
        for model in models
        for service in senders(model, topology)
    }
    for service in topology:
        channels.update(_service_channels(service, facts, vhost))
        operations.update(_service_operations(service, facts, vhost))
    server = {
        "protocol": "amqp",
        "protocolVersion": "0-9-1",
        "pathname": f"/{vhost}",
        "security": [{"$ref": "#/components/securitySchemes/brokerUser"}],
    }
    return {
        "asyncapi": ASYNCAPI_VERSION,
        "id": "urn:wuyuan:contracts",
        "info": {
            "title": "wuyuan message contract",
            "version": CONTRACT_VERSION,
            "description": info_description(facts),
            "license": {"name": "Apache-2.0", "url": "https://www.apache.org/licenses/LICENSE-2.0"},
        },
        "defaultContentType": "application/json",
        "servers": {
            "rabbitmq": {
                **server,
                "host": "{host}:5672",
                "title": "RabbitMQ",
                "description": f"RabbitMQ, virtual host `{vhost}`; each service logs in as its own user.",
                "variables": {"host": {"default": "localhost", "description": "the broker's host, from the operator"}},
            },
            "rabbitmqTls": {
                **server,
                "host": "{host}:5671",
                "protocol": "amqps",
                "title": "RabbitMQ over TLS",
                "description": f"The same broker and virtual host `{vhost}` over TLS, where the operator enables it.",
                "variables": {"host": {"default": "localhost", "description": "the broker's host, from the operator"}},
            },
        },
        "channels": channels,
        "operations": operations,
        "components": {
            "messages": {model.TYPE: _message(model) for model in models},
            "schemas": {"headers": headers_schema(facts.dead_letter_headers)},
            "parameters": {
                "service": SERVICE_PARAMETER_OBJECT,
                "source": SOURCE_PARAMETER_OBJECT,
                "flags": FLAGS_PARAMETER_OBJECT,
            },
            "correlationIds": {
                "messageId": {
                    "description": "`message_id`, the idempotency key: a receiver handles each at most once",
                    "location": "$message.payload#/message_id",
                }
            },
            "securitySchemes": {
                "brokerUser": {
                    "type": "userPassword",
                    "description": (
                        f"The service's own broker user `{vhost}.<service>`, with the password the operator gives it. "
                        "The AMQP `user_id` of every message must be this user."
                    ),
                }
            },
        },
    }


def _dump(document: Any) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def invalid_examples_file(model: type[Envelope]) -> dict[str, Any]:
    return {
        "type": model.TYPE,
        "schema": f"../../{SCHEMA_DIR}/{model.TYPE}.json",
        "description": "Bodies a receiver refuses: each breaks one rule, named in `field` and `reason`.",
        "examples": [
            {"name": bad.name, "field": bad.field, "reason": bad.reason, "payload": bad.payload}
            for bad in invalid_examples(model)
        ],
    }


def render(facts: BrokerFacts) -> dict[str, str]:
    """Every exported file, by its path relative to the output directory."""
    files = {ASYNCAPI_FILE: _dump(asyncapi_document(facts))}
    for model in published_models():
        files[f"{SCHEMA_DIR}/{model.TYPE}.json"] = _dump(message_schema(model))
        files[f"{VALID_DIR}/{model.TYPE}.json"] = _dump(valid_example(model))
        files[f"{INVALID_DIR}/{model.TYPE}.json"] = _dump(invalid_examples_file(model))
    return files


def _found(output_dir: Path) -> set[str]:
    paths = [output_dir / ASYNCAPI_FILE]
    for directory in GENERATED_DIRS:
        paths += sorted((output_dir / directory).glob("*.json"))
    return {path.relative_to(output_dir).as_posix() for path in paths if path.is_file()}


def differences(output_dir: Path, facts: BrokerFacts) -> list[str]:
    """Files under output_dir that are missing, changed or left over from removed messages."""
    expected = render(facts)
    found = _found(output_dir)
    problems = [f"missing: {name}" for name in expected if name not in found]
    problems += [
        f"out of date: {name}"
        for name, text in expected.items()
        if name in found and (output_dir / name).read_text(encoding="utf-8") != text
    ]
    problems += [f"no longer exported: {name}" for name in sorted(found - expected.keys())]
    return problems


def write(output_dir: Path, facts: BrokerFacts) -> list[Path]:
    """Write every file, and remove those of messages that no longer exist."""
    expected = render(facts)
    for directory in GENERATED_DIRS:
        (output_dir / directory).mkdir(parents=True, exist_ok=True)
    for stale in _found(output_dir) - expected.keys():
        (output_dir / stale).unlink()
    written = []
    for name, text in expected.items():
        path = output_dir / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def main(facts: BrokerFacts, argv: list[str] | None = None) -> int:
    """The command line of `python -m wuyuan.contracts_export`, which reads the facts from the platform."""
    parser = argparse.ArgumentParser(prog="python -m wuyuan.contracts_export", description=__doc__.splitlines()[0])
    parser.add_argument("output_dir", type=Path, help="directory for asyncapi.json, schemas/ and examples/")
    parser.add_argument("--check", action="store_true", help="compare instead of writing; exit 1 on a difference")
    args = parser.parse_args(argv)
    if args.check:
        problems = differences(args.output_dir, facts)
        for problem in problems:
            print(problem, file=sys.stderr)
        if problems:
            print(f"regenerate with: python -m wuyuan.contracts_export {args.output_dir}", file=sys.stderr)
        return 1 if problems else 0
    written = write(args.output_dir, facts)
    print(f"wrote {len(written)} files to {args.output_dir}")
    return 0


if __name__ == "__main__":
    # The queues come from the platform, which this package may not import (tests/unit/test_layers.py).
    sys.exit(f"export the contract with `{REGENERATE}`: it reads the broker's set-up from the platform")
