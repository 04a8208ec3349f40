"""A link's decision on one of its own records, queued for supervision in the decision's own transaction."""

from datetime import datetime
from typing import Any, cast

from shared.contracts.messages import LinkName, LinkRecordKind, LinkRecordNoted
from shared.persistence.unit_of_work import UnitOfWork
from shared.platform import Platform


def note_record(
    uow: UnitOfWork[Any],
    platform: Platform,
    kind: LinkRecordKind,
    record_id: str,
    unit: str,
    at: datetime,
    *,
    case_id: str | None = None,
    **detail: str | int | bool | None,
) -> LinkRecordNoted:
    """Inside `with uow`: queue the fact (outbox), so it goes out if and only if the decision commits.

    The link is the agency the running service speaks for; `detail` is codes and counts only."""
    link = cast(LinkName, platform.registry.by_service(platform.service).code)
    message = LinkRecordNoted.build(
        message_id=platform.new_id(),
        occurred_at=at,
        case_id=case_id,
        sender=unit,
        recipient=platform.centre_unit,
        link=link,
        record_id=record_id,
        kind=kind,
        unit=unit,
        at=at,
        detail=detail,
    )
    uow.send(message)
    return message
