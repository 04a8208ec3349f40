"""Publishes the message contract as JSON Schemas and an AsyncAPI 2.6 document, for agencies in any language.

python -m shared.contracts.export docs/contracts          # write asyncapi.json and schemas/
python -m shared.contracts.export --check docs/contracts  # exit 1 if those files are out of date
"""

import argparse
import inspect
import json
import sys
from pathlib import Path
from typing import Any

from shared.contracts import MESSAGE_TYPES, Envelope
from shared.contracts.messages import (
    DOCUMENTS_EXCHANGE,
    EVENTS_EXCHANGE,
    TO_RECIPIENT_AGENCY,
    Document,
    Event,
    dead_letter_exchange,
)

ASYNCAPI_VERSION = "2.6.0"
# The contract's own version; raise it with any change to a message's fields or VERSION.
CONTRACT_VERSION = "1.0.0"
DEFAULT_VHOST = "wuyuan"
AMQP_BINDING_VERSION = "0.2.0"
JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
ASYNCAPI_FILE = "asyncapi.json"
SCHEMA_DIR = "schemas"
REGENERATE = "python -m shared.contracts.export docs/contracts"

# Routing keys of documents addressed by `recipient` name the service as a channel parameter.
SERVICE_PARAMETER = "{service}"

INFO_DESCRIPTION = f"""\
The messages the services of the wuyuan platform exchange over RabbitMQ (AMQP 0-9-1).

**Documents** (referrals, results, letters) go to one service. They are published on the
durable topic exchange `{DOCUMENTS_EXCHANGE}` with routing key `<service>.<Type>` and land
in that service's durable inbox queue `wuyuan.<service>.inbox`, which exists before the first
document is sent, so a service that is down receives its documents when it comes back.

**Events** are case facts from the coordinator. They are published on the durable topic
exchange `{EVENTS_EXCHANGE}` with routing key `<Type>`; every subscriber binds a durable
queue of its own.

Every body is the JSON of one message model (see `schemas/<Type>.json`). Its envelope
fields are `message_id` (the idempotency key: a consumer that has seen it acknowledges and
skips the message), `type`, `schema_version`, `case_id`, `sender` and `recipient` unit codes
(`<agency>:<division code>`) and the timezone-aware `occurred_at`.

Messages are persistent (delivery mode 2), published with confirms and as mandatory, so
an unroutable message is returned rather than dropped. A consumer acknowledges only after
its transaction commits; a message it can never process goes, with the reason, to the
service's own dead-letter exchange `{dead_letter_exchange("<service>")}` (only that service's broker user may
write to it) and from there to its queue `wuyuan.<service>.dead`.

The W3C trace context (`traceparent`, `tracestate`) travels in the AMQP headers. The AMQP
`user_id` property is the sending service's own broker user; RabbitMQ refuses a message whose
`user_id` is not the publishing connection's user, so a consumer can trust it to identify the
sender (the coordinator accepts a result only from the unit its referral went to).

Each channel lists both sides: `publish` is how a service sends the message, `subscribe` how
the receiving service consumes it.
"""


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


def routing_key(model: type[Envelope]) -> str:
    """`<service>.<Type>` for a document, `<Type>` for an event; `{service}` when set by the recipient."""
    if issubclass(model, Document):
        return f"{_destination(model)}.{model.TYPE}"
    kind(model)  # refuses anything but an event
    return model.TYPE


def inbox_queue(model: type[Document]) -> str:
    return f"wuyuan.{_destination(model)}.inbox"


def _summary(model: type[Envelope]) -> str:
    """The first line of the model's own docstring; a class's docstring is not inherited."""
    return inspect.cleandoc(model.__doc__).splitlines()[0] if model.__doc__ else ""


def _sentences(*parts: str) -> str:
    return " ".join(part for part in parts if part)


def message_schema(model: type[Envelope]) -> dict[str, Any]:
    """The JSON Schema a body of this type must satisfy."""
    schema = model.model_json_schema()
    # `type` has a default in the model, so pydantic marks it optional; consumers dispatch on
    # it, so on the wire it is required.
    required = set(schema.get("required", ())) | {"type"}
    schema["required"] = [name for name in schema["properties"] if name in required]
    return {
        "$schema": JSON_SCHEMA_DIALECT,
        **schema,
        "x-wuyuan-kind": kind(model),
        "x-wuyuan-routing-key": routing_key(model),
        "x-wuyuan-schema-version": model.VERSION,
    }


def _exchange_binding(exchange: str, vhost: str) -> dict[str, Any]:
    return {
        "amqp": {
            "is": "routingKey",
            "exchange": {
                "name": exchange,
                "type": "topic",
                "durable": True,
                "autoDelete": False,
                "vhost": vhost,
            },
            "bindingVersion": AMQP_BINDING_VERSION,
        }
    }


def _publish_binding() -> dict[str, Any]:
    return {"amqp": {"deliveryMode": 2, "mandatory": True, "bindingVersion": AMQP_BINDING_VERSION}}


def _consume_binding() -> dict[str, Any]:
    return {"amqp": {"ack": True, "bindingVersion": AMQP_BINDING_VERSION}}


def _document_channel(model: type[Document], vhost: str) -> dict[str, Any]:
    key, queue = routing_key(model), inbox_queue(model)
    message = {"$ref": f"#/components/messages/{model.TYPE}"}
    channel: dict[str, Any] = {
        "description": _sentences(_summary(model), f"Routed on `{DOCUMENTS_EXCHANGE}` by `{key}` to `{queue}`."),
        "bindings": _exchange_binding(DOCUMENTS_EXCHANGE, vhost),
        "publish": {
            "operationId": f"send{model.TYPE}",
            "summary": f"Publish to `{DOCUMENTS_EXCHANGE}` with routing key `{key}`.",
            "bindings": _publish_binding(),
            "message": message,
        },
        "subscribe": {
            "operationId": f"receive{model.TYPE}",
            "summary": f"Consume from the inbox queue `{queue}`, bound to `{DOCUMENTS_EXCHANGE}` by `{key}`.",
            "bindings": _consume_binding(),
            "message": message,
        },
    }
    if model.DESTINATION == TO_RECIPIENT_AGENCY:
        channel["parameters"] = {"service": {"$ref": "#/components/parameters/service"}}
    return channel


def _event_channel(model: type[Event], vhost: str) -> dict[str, Any]:
    message = {"$ref": f"#/components/messages/{model.TYPE}"}
    return {
        "description": _sentences(_summary(model), f"A case fact, published on `{EVENTS_EXCHANGE}` by `{model.TYPE}`."),
        "bindings": _exchange_binding(EVENTS_EXCHANGE, vhost),
        "publish": {
            "operationId": f"publish{model.TYPE}",
            "summary": f"The coordinator publishes to `{EVENTS_EXCHANGE}` with routing key `{model.TYPE}`.",
            "bindings": _publish_binding(),
            "message": message,
        },
        "subscribe": {
            "operationId": f"on{model.TYPE}",
            "summary": (
                f"A subscriber binds a durable queue of its own to `{EVENTS_EXCHANGE}` by `{model.TYPE}` "
                f"(nameko names it `evt-coordinator-{model.TYPE}--<service>.<method>`)."
            ),
            "bindings": _consume_binding(),
            "message": message,
        },
    }


def _message(model: type[Envelope]) -> dict[str, Any]:
    return {
        "name": model.TYPE,
        "title": model.TYPE,
        **({"summary": _summary(model)} if model.__doc__ else {}),
        "contentType": "application/json",
        "payload": {"$ref": f"{SCHEMA_DIR}/{model.TYPE}.json"},
        "traits": [{"$ref": "#/components/messageTraits/envelope"}],
        "x-wuyuan-kind": kind(model),
        "x-wuyuan-schema-version": model.VERSION,
    }


ENVELOPE_TRAIT = {
    "headers": {
        "type": "object",
        "description": "AMQP application headers. The body's envelope fields are in each payload schema.",
        "properties": {
            "traceparent": {
                "type": "string",
                "pattern": "^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$",
                "description": "W3C Trace Context: joins the message to its case's trace",
            },
            "tracestate": {"type": "string", "description": "W3C Trace Context vendor state"},
        },
    },
    "correlationId": {
        "description": "`message_id`, the idempotency key: a consumer processes each at most once",
        "location": "$message.payload#/message_id",
    },
}

SERVICE_PARAMETER_OBJECT = {
    "description": (
        "The service of the agency of the document's `recipient` unit, as the agency registry "
        "(config/agencies.toml) maps it: `court:430426` is served by `court_link`."
    ),
    "schema": {"type": "string", "pattern": "^[a-z][a-z0-9_]*$", "examples": ["court_link", "police_link"]},
}


def asyncapi_document(vhost: str = DEFAULT_VHOST) -> dict[str, Any]:
    """The AsyncAPI 2.6 description of every channel; message payloads refer to `schemas/<Type>.json`."""
    channels: dict[str, Any] = {}
    for model in published_models():
        if issubclass(model, Document):
            channels[routing_key(model)] = _document_channel(model, vhost)
        elif issubclass(model, Event):
            channels[routing_key(model)] = _event_channel(model, vhost)
    return {
        "asyncapi": ASYNCAPI_VERSION,
        "id": "urn:wuyuan:contracts",
        "info": {
            "title": "wuyuan message contract",
            "version": CONTRACT_VERSION,
            "description": INFO_DESCRIPTION,
            "license": {"name": "Apache-2.0", "url": "https://www.apache.org/licenses/LICENSE-2.0"},
        },
        "servers": {
            "rabbitmq": {
                "url": "{host}:{port}",
                "protocol": "amqp",
                "protocolVersion": "0-9-1",
                "description": f"RabbitMQ, virtual host `{vhost}`; each service logs in as its own user.",
                "variables": {"host": {"default": "localhost"}, "port": {"default": "5672"}},
            }
        },
        "defaultContentType": "application/json",
        "channels": channels,
        "components": {
            "messages": {model.TYPE: _message(model) for model in published_models()},
            "messageTraits": {"envelope": ENVELOPE_TRAIT},
            "parameters": {"service": SERVICE_PARAMETER_OBJECT},
        },
    }


def _dump(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def render() -> dict[str, str]:
    """Every exported file, by its path relative to the output directory."""
    files = {ASYNCAPI_FILE: _dump(asyncapi_document())}
    for model in published_models():
        files[f"{SCHEMA_DIR}/{model.TYPE}.json"] = _dump(message_schema(model))
    return files


def differences(output_dir: Path) -> list[str]:
    """Files under output_dir that are missing, changed or left over from removed messages."""
    expected = render()
    found = {
        path.relative_to(output_dir).as_posix()
        for path in [output_dir / ASYNCAPI_FILE, *sorted((output_dir / SCHEMA_DIR).glob("*.json"))]
        if path.is_file()
    }
    problems = [f"missing: {name}" for name in expected if name not in found]
    problems += [
        f"out of date: {name}"
        for name, text in expected.items()
        if name in found and (output_dir / name).read_text(encoding="utf-8") != text
    ]
    problems += [f"no longer exported: {name}" for name in sorted(found - expected.keys())]
    return problems


def write(output_dir: Path) -> list[Path]:
    """Write every file, and remove schemas of messages that no longer exist."""
    expected = render()
    (output_dir / SCHEMA_DIR).mkdir(parents=True, exist_ok=True)
    for stale in (output_dir / SCHEMA_DIR).glob("*.json"):
        if f"{SCHEMA_DIR}/{stale.name}" not in expected:
            stale.unlink()
    written = []
    for name, text in expected.items():
        path = output_dir / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m shared.contracts.export", description=__doc__.splitlines()[0])
    parser.add_argument("output_dir", type=Path, help="directory for asyncapi.json and schemas/")
    parser.add_argument("--check", action="store_true", help="compare instead of writing; exit 1 on a difference")
    args = parser.parse_args(argv)
    if args.check:
        problems = differences(args.output_dir)
        for problem in problems:
            print(problem, file=sys.stderr)
        if problems:
            print(f"regenerate with: python -m shared.contracts.export {args.output_dir}", file=sys.stderr)
        return 1 if problems else 0
    written = write(args.output_dir)
    print(f"wrote {len(written)} files to {args.output_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
