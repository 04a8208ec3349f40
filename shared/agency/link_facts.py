"""A link's decision on one of its own records, queued for supervision in the decision's own transaction."""

from datetime import datetime
from typing import Any, cast
from uuid import UUID, uuid5

from shared.contracts.messages import LinkName, LinkRecordKind, LinkRecordNoted
from shared.persistence.unit_of_work import UnitOfWork
from shared.platform import Platform

# A decision a record takes once (registered, diverted, an agreement, a call handed over …) is one message whenever it
# is noted: its id is made from the link, the decision and the record, so noting it again (a record fed again after
# the link's database was restored to a point before it) is a message supervision has taken, and counts once.
ONCE_NAMESPACE = UUID("5d0b6f0e-2a4c-4c1e-9a3f-6b8e1f7d2c40")


def once_id(link: str, kind: LinkRecordKind, record: str) -> UUID:
    """The message id of the decision `kind` on `record` (a key that names the record in one form only)."""
    return uuid5(ONCE_NAMESPACE, f"{link}/{kind}/{record}")


def note_record(
    uow: UnitOfWork[Any],
    platform: Platform,
    kind: LinkRecordKind,
    record_id: str,
    unit: str,
    at: datetime,
    *,
    case_id: str | None = None,
    once_as: str | None = None,
    **detail: str | int | bool | None,
) -> LinkRecordNoted:
    """Inside `with uow`: queue the fact (outbox), so it goes out if and only if the decision commits.

    The link is the agency the running service speaks for; `detail` is codes and counts only. `once_as` names
    a decision the record takes once, by a key of the record in one form (`once_id`): the fact is then the same
    message each time it is noted. Without it (a mediation session, a mediator assigned again) every note counts."""
    link = cast(LinkName, platform.registry.by_service(platform.service).code)
    message = LinkRecordNoted.build(
        message_id=platform.new_id() if once_as is None else once_id(link, kind, once_as),
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
