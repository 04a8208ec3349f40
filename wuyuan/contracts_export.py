"""Exports the message contract to docs/contracts, with the broker's set-up read from the platform itself.

python -m wuyuan.contracts_export docs/contracts          # write asyncapi.json, schemas/ and examples/
python -m wuyuan.contracts_export --check docs/contracts  # exit 1 if those files are out of date

shared/contracts may import nothing but itself (tests/unit/test_layers.py), so the queues, their
arguments and the dead-letter headers come from here, where provisioning takes them from too.
"""

import sys

from shared.config import ServiceSettings
from shared.contracts.export import (
    BrokerFacts,
    DeadLetterHeaders,
    QueueFacts,
    ServiceTopology,
    main,
    published_models,
)
from shared.messaging.routing import (
    DEAD_AT_HEADER,
    DEAD_QUEUE_HEADER,
    DEAD_REASON_HEADER,
    ORIGINAL_USER_HEADER,
    RETRY_EXCHANGE,
)
from shared.messaging.topology import service_queues
from wuyuan.agencies import inbox_case_filters, inbox_models
from wuyuan.provision_amqp import AGENCY_TOPIC_WRITE
from wuyuan.settings import PlatformSettings


def default_of(settings: type[PlatformSettings] | type[ServiceSettings], field: str) -> int:
    default = settings.model_fields[field].default
    assert isinstance(default, int), f"{settings.__name__}.{field} has no integer default"
    return default


def service_topology(settings: PlatformSettings, service: str, retry_delay_ms: int) -> ServiceTopology | None:
    """The service's queues as wuyuan/provision_amqp.py declares them; None for a service with no inbox."""
    published = set(published_models())
    models = sorted((m for m in inbox_models(settings, service) if m in published), key=lambda m: m.TYPE)
    if not models:
        return None
    filters = inbox_case_filters(settings, service)
    classic = service_queues(service, list(models), retry_delay_ms, "classic", filters)
    quorum = service_queues(service, list(models), retry_delay_ms, "quorum", filters)
    inbox, retry, dead = (
        QueueFacts(one.name, one.arguments, cluster.arguments, one.bindings)
        for one, cluster in zip(classic, quorum, strict=True)
    )
    return ServiceTopology(service, tuple(models), inbox, retry, dead)


def broker_facts(settings: PlatformSettings | None = None) -> BrokerFacts:
    """The broker's set-up for the agencies in the registry (WUYUAN_CONFIG_DIR; the shipped one by default)."""
    settings = settings or PlatformSettings()
    retry_delay_ms = default_of(PlatformSettings, "retry_delay_ms")
    found = (service_topology(settings, service, retry_delay_ms) for service in settings.services)
    return BrokerFacts(
        services=tuple(topology for topology in found if topology is not None),
        retry_exchange=RETRY_EXCHANGE,
        retry_delay_ms=retry_delay_ms,
        max_attempts=default_of(ServiceSettings, "max_attempts"),
        dead_letter_headers=DeadLetterHeaders(
            reason=DEAD_REASON_HEADER, queue=DEAD_QUEUE_HEADER, at=DEAD_AT_HEADER, original_user=ORIGINAL_USER_HEADER
        ),
        agency_write_pattern=AGENCY_TOPIC_WRITE,
    )


if __name__ == "__main__":
    sys.exit(main(broker_facts()))
