"""Which refused messages their sender is told of, and the `MessageRejected` that tells it: pure rules.

A message a centre service refuses for good (dead-letters) is notified to the agency whose broker
user published it: RabbitMQ vouches for that user (the AMQP `user_id`), so the notice goes to the
agency that really sent it, whatever the message claims. No notice for a message from an unknown or
unauthenticated user, from a centre service, or for a refused `MessageRejected` (no loop), and none
from an agency's own service (it answers only the centre, which reads its dead letters itself).
"""

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID, uuid5

from shared.contracts.identifiers import CASE_ID_PATTERN, split_unit, validate_unit
from shared.contracts.messages import MAX_MESSAGE_BYTES, MessageRejected
from shared.contracts.strict_json import loads_strict
from shared.platform import Platform
from shared.registry import CENTRE, Agency
from shared.telemetry.processors import redact

# Notice ids are derived from this and the refused message, so a redelivered refusal is one notice.
NOTICE_NAMESPACE = UUID("0b9e3c2e-5f57-4f0e-9a55-7d1f5c1a2b15")
MAX_DETAIL = 500
_CASE_ID = re.compile(CASE_ID_PATTERN)
_SERVICE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


@dataclass(frozen=True)
class Refusal:
    """A message a service refused for good, with what could be read of it (the body itself is not kept)."""

    refused_by: str
    sent_by: str | None  # the AMQP user_id, which RabbitMQ checked
    reason: str  # a code: schema, unknown_type, wrong_sender, referral_closed …
    detail: str
    message_id: UUID | None = None
    message_type: str | None = None
    case_id: str | None = None
    referral_id: UUID | None = None
    sender: str | None = None  # the unit the message claims to come from
    body_digest: str = ""  # keys a refusal whose message id could not be read


def read_refusal(
    refused_by: str,
    sent_by: str | None,
    reason: str,
    detail: str,
    body: bytes | str | None,
    amqp_message_id: object = None,
) -> Refusal:
    """What a refused body says of itself, each field only if it reads as that field: a malformed body
    gives none, and nothing else of it is kept."""
    raw = body.encode("utf-8", "replace") if isinstance(body, str) else (body or b"")
    fields: dict[str, Any] = {}
    try:
        # A body too large to read (refused unread) gives nothing either: reading it is what its refusal spares.
        data = loads_strict(raw) if len(raw) <= MAX_MESSAGE_BYTES else None
    except ValueError:
        data = None
    if isinstance(data, dict):
        case_id = data.get("case_id")
        message_type = data.get("type")
        fields = {
            "message_id": _uuid(data.get("message_id")),
            "message_type": message_type if isinstance(message_type, str) and len(message_type) <= 100 else None,
            "case_id": case_id if isinstance(case_id, str) and _CASE_ID.match(case_id) else None,
            "referral_id": _uuid(data.get("referral_id")),
            "sender": _unit(data.get("sender")),
        }
    if fields.get("message_id") is None:
        fields["message_id"] = _uuid(amqp_message_id)
    return Refusal(
        refused_by=refused_by,
        sent_by=sent_by,
        reason=reason if re.fullmatch(r"[a-z][a-z0-9_]{0,49}", reason) else "refused",
        detail=detail,
        body_digest=hashlib.sha256(raw).hexdigest(),
        **fields,
    )


def sending_agency(platform: Platform, sent_by: str | None) -> Agency | None:
    """The agency (not the centre) whose service's broker user `sent_by` is, if it is one of this platform's."""
    service = platform.service_of_broker_user(sent_by)
    if service is None:
        return None
    try:
        agency = platform.registry.by_service(service)
    except KeyError:
        return None
    return None if agency.code == CENTRE else agency


def agency_services(platform: Platform) -> frozenset[str]:
    return frozenset(a.service for a in platform.registry.agencies.values() if a.code != CENTRE)


def notice_for(refusal: Refusal, platform: Platform, now: datetime) -> MessageRejected | None:
    """The notice the sending agency receives, or None when nobody is to be told (see the module)."""
    if refusal.message_type == MessageRejected.TYPE or not _SERVICE.match(refusal.refused_by):
        return None
    if refusal.refused_by in agency_services(platform):
        return None
    agency = sending_agency(platform, refusal.sent_by)
    if agency is None:
        return None
    # The unit it claims, if that unit is the agency's own; else the agency's unit for the county.
    claimed = refusal.sender
    recipient = claimed if claimed and split_unit(claimed)[0] == agency.code else agency.unit_for(platform.county)
    return MessageRejected.build(
        message_id=notice_id(refusal),
        occurred_at=now,
        case_id=refusal.case_id,
        sender=platform.centre_unit,
        recipient=recipient,
        rejected_message_id=refusal.message_id,
        rejected_type=refusal.message_type,
        reason=refusal.reason,
        detail=notice_detail(refusal.detail),
        referral_id=refusal.referral_id,
        refused_by=refusal.refused_by,
    )


def notice_id(refusal: Refusal) -> UUID:
    """The same for every delivery of one refused message: its id and its body's digest (the digest alone if it has no
    id). Another message refused under the same id (a sender that reused it) is told apart, and told of."""
    key = f"{refusal.message_id}/{refusal.body_digest}" if refusal.message_id else f"body:{refusal.body_digest}"
    return uuid5(NOTICE_NAMESPACE, f"{refusal.refused_by}/{key}")


def notice_detail(text: str) -> str:
    """The refusal's reason as the agency reads it: no ID or mobile number, bounded, never empty."""
    cleaned = redact(" ".join(text.split()))[:MAX_DETAIL].strip()
    return cleaned or "refused"


def _uuid(value: object) -> UUID | None:
    if isinstance(value, UUID):
        return value
    if not isinstance(value, str) or len(value) > 64:
        return None
    try:
        return UUID(value)
    except ValueError:
        return None


def _unit(value: object) -> str | None:
    if not isinstance(value, str) or len(value) > 64:
        return None
    try:
        return validate_unit(value)
    except ValueError:
        return None
