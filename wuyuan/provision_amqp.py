"""Create the platform's vhost, one broker user per service with least privilege, and the topology."""

import logging
import re
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

import requests
from kombu import Connection, Exchange, Queue

from shared.contracts.messages import DOCUMENTS_EXCHANGE, EVENTS_EXCHANGE
from shared.messaging.routing import dead_letter_exchange, inbox_queue
from shared.messaging.topology import EXCHANGES, service_queues
from wuyuan.agencies import inbox_case_filters, inbox_models
from wuyuan.settings import FRONT_SERVICES, OPERATOR, PlatformSettings

log = logging.getLogger(__name__)

CENTRE_SERVICES = {"intake", "coordinator", "supervision"}
AGENCY_TOPIC_WRITE = "^(coordinator|intake)\\.|^supervision\\.LinkRecordNoted$"
# The console and identity answer HTTP alone: they queue no message (and take none, `has_inbox`). Their users
# exist because every service is given one (WUYUAN_AMQP_URI, the deployment's Secrets), but may do nothing.
SENDS_NOTHING = frozenset(FRONT_SERVICES)
NOTHING = "^$"  # RabbitMQ's pattern for no resource at all
# Dead letters carry personal data: a policy (not a queue argument, which an existing queue could not
# take) makes them expire after WUYUAN_DEAD_LETTER_TTL_DAYS.
DEAD_LETTER_POLICY = "wuyuan-dead-letters-expire"
LEGACY_DEAD_LETTER_EXCHANGE = "wuyuan.dead"  # shared by every service before each had its own
DEAD_QUEUES_PATTERN = r"^wuyuan\..*\.dead$"


class BrokerSetupError(RuntimeError):
    pass


class ManagementUnreachable(BrokerSetupError):
    """The management API gave no answer at all (not running, a wrong host or port, its plugin not enabled)."""


def _management(settings: PlatformSettings) -> tuple[str, tuple[str, str]]:
    parts = urlsplit(settings.rabbit_management_url)
    auth = (parts.username or "guest", parts.password or "guest")
    if parts.hostname is None:
        raise BrokerSetupError("WUYUAN_RABBIT_MANAGEMENT_URL names no host")
    netloc = parts.hostname + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc)).rstrip("/"), auth


def _call(
    settings: PlatformSettings, method: str, path: str, payload: dict[str, Any] | None = None
) -> requests.Response:
    base, auth = _management(settings)
    try:
        response = requests.request(method, f"{base}/api/{path}", json=payload, auth=auth, timeout=15)
    except requests.ConnectionError as exc:
        raise ManagementUnreachable(
            f"RabbitMQ management API not reachable at {base} ({exc.__class__.__name__});"
            " enable it with: rabbitmq-plugins enable rabbitmq_management"
        ) from None
    if response.status_code >= 400 and not (method == "DELETE" and response.status_code == 404):
        raise BrokerSetupError(f"{method} /api/{path}: {response.status_code} {response.text[:300]}")
    return response


def _permissions(settings: PlatformSettings, service: str) -> tuple[dict[str, str], dict[str, str]]:
    """(vhost permissions, topic permissions on the documents exchange) for a service's user.

    A service writes its dead letters to an exchange of its own, which no other user may write
    to: a dead letter's user_id is then its owner's, and replay trusts nothing else. A service that
    sends no message may write nowhere, and one with no inbox may read nothing.
    """
    sends, receives = service not in SENDS_NOTHING, has_inbox(settings, service)
    writes = [DOCUMENTS_EXCHANGE] if sends else []
    if receives:
        writes.append(dead_letter_exchange(service))
    if service == "coordinator":
        writes.append(EVENTS_EXCHANGE)
    write = "^(" + "|".join(re.escape(name) for name in writes) + ")$" if writes else NOTHING
    read = "^" + re.escape(inbox_queue(service)) + "$" if receives else NOTHING
    # Agencies may only address the centre (and note their own decisions for supervision, nothing else of
    # supervision's); the centre's groups may address anyone.
    topic_write = ".*" if service in CENTRE_SERVICES else AGENCY_TOPIC_WRITE if sends else NOTHING
    return (
        {"configure": NOTHING, "write": write, "read": read},
        {"exchange": DOCUMENTS_EXCHANGE, "write": topic_write, "read": ".*" if receives else NOTHING},
    )


def ensure_broker(settings: PlatformSettings, services: Sequence[str] | None = None) -> None:
    services = settings.services if services is None else services
    vhost = quote(settings.vhost, safe="")
    _call(settings, "PUT", f"vhosts/{vhost}", {})
    for service in services:
        user = settings.broker_user(service)
        # Each user's own password, re-asserted on every run: a rotated secret takes effect here.
        password = settings.broker_password(service)
        _call(settings, "PUT", f"users/{quote(user, safe='')}", {"password": password, "tags": ""})
        permissions, topic = _permissions(settings, service)
        _call(settings, "PUT", f"permissions/{vhost}/{quote(user, safe='')}", permissions)
        _call(settings, "PUT", f"topic-permissions/{vhost}/{quote(user, safe='')}", topic)
    # The operator replays dead letters under their original sender, so it may set user_id.
    operator = settings.broker_user(OPERATOR)
    _call(
        settings,
        "PUT",
        f"users/{quote(operator, safe='')}",
        {"password": settings.broker_password(OPERATOR), "tags": "impersonator"},
    )
    _call(
        settings,
        "PUT",
        f"permissions/{vhost}/{quote(operator, safe='')}",
        {"configure": "^$", "write": "^(amq\\.default)$", "read": DEAD_QUEUES_PATTERN},
    )
    _call(
        settings,
        "PUT",
        f"policies/{vhost}/{DEAD_LETTER_POLICY}",
        {
            "pattern": DEAD_QUEUES_PATTERN,
            "apply-to": "queues",
            "priority": 0,
            "definition": {"message-ttl": round(settings.dead_letter_ttl_days * 86_400_000)},
        },
    )
    declare_topology(settings, services)
    # Before each service had a dead-letter exchange of its own, all shared this one, which any service
    # could write to any dead queue through. Deleting it takes its bindings with it; letters stay queued.
    _call(settings, "DELETE", f"exchanges/{vhost}/{quote(LEGACY_DEAD_LETTER_EXCHANGE, safe='')}")


def admin_connection(settings: PlatformSettings) -> Connection:
    parts = urlsplit(settings.amqp_admin_uri)
    return Connection(urlunsplit(parts._replace(path=f"/{settings.vhost}")), connect_timeout=10)


def has_inbox(settings: PlatformSettings, service: str) -> bool:
    """Whether the service receives messages, and so has inbox, retry and dead-letter queues: the console and
    identity handle none (an external agency always receives the agency documents)."""
    return bool(inbox_models(settings, service))


def declare_topology(settings: PlatformSettings, services: Iterable[str] | None = None) -> None:
    """Idempotent: exchanges, each service's inbox/retry/dead queues and bindings, before any message flows.

    A service that handles no message gets no queue and no dead-letter exchange: nothing would be routed to
    them, and nothing consumes them. Ones an earlier provisioning declared for it are removed while empty."""
    services = list(settings.services if services is None else services)
    receiving = [service for service in services if has_inbox(settings, service)]
    with admin_connection(settings) as conn:
        channel = conn.channel()
        kinds = {**EXCHANGES, **{dead_letter_exchange(service): "direct" for service in receiving}}
        exchanges = {name: Exchange(name, type=kind, durable=True) for name, kind in kinds.items()}
        for exchange in exchanges.values():
            exchange(channel).declare()
        for service in receiving:
            models = inbox_models(settings, service)
            filters = inbox_case_filters(settings, service)
            for spec in service_queues(service, models, settings.retry_delay_ms, settings.queue_type, filters):
                queue = Queue(spec.name, durable=True, queue_arguments=spec.arguments, channel=channel)
                queue.declare()
                for exchange_name, routing_key in spec.bindings:
                    queue.bind_to(exchange=exchange_name, routing_key=routing_key)
    for service in services:
        if service not in receiving:
            _remove_unused_queues(settings, service)


def _remove_unused_queues(settings: PlatformSettings, service: str) -> None:
    """The queues and dead-letter exchange an earlier provisioning declared for a service that receives nothing;
    a queue holding a message (which nothing should have routed there) is left for an operator to look at."""
    vhost = quote(settings.vhost, safe="")
    for spec in service_queues(service, [], settings.retry_delay_ms, settings.queue_type):
        try:
            _call(settings, "DELETE", f"queues/{vhost}/{quote(spec.name, safe='')}?if-empty=true")
        except BrokerSetupError:
            log.warning("left %s in place: it holds messages", spec.name)
    _call(settings, "DELETE", f"exchanges/{vhost}/{quote(dead_letter_exchange(service), safe='')}")


def delete_broker(settings: PlatformSettings, services: Iterable[str] | None = None) -> None:
    """Remove the vhost and its users (test clean-up)."""
    services = settings.services if services is None else services
    _call(settings, "DELETE", f"vhosts/{quote(settings.vhost, safe='')}")
    for name in (*services, OPERATOR):
        _call(settings, "DELETE", f"users/{quote(settings.broker_user(name), safe='')}")
