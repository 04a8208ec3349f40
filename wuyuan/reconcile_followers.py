"""After a service that follows others' messages (supervision, stability, intake, and every agency for its letters,
notices and refusals) is restored to an earlier point: every other service sends it again, under their first ids, the
messages it may have lost.

A restored service no longer holds what it did with the messages it took after its backup: supervision the
deadline watches and follow-up visits of cases assigned or resolved since, stability the risk histories, intake
the closures. The messages themselves are still in their senders' outboxes (sent rows are kept
WUYUAN_OUTBOX_RETENTION_DAYS, 7 by default). So each sender marks again as unsent the rows of the types the
restored service takes, addressed to it or published as case facts, from a day before the backup on (a message
may have waited in its queue before it was taken); each relay publishes them again, oldest first. Every
receiver's inbox holds each message id it took for good, so whoever had a message already skips it, and only the
restored service does again what it lost. The operator's tool marks the rows in each sender's database, as a
backup reads them; the messages themselves travel as any other.

Two things messages cannot give back, and the report says so: a sent row whose ID or mobile numbers were scrubbed
from it (it would no longer pass the receiver's schema, so it is left alone), and what the restored service did
of its own accord since the backup (supervision's notices and spot checks, stability's registrations; the ratings
supervision took come back with the cases' closures and reopenings, and the letters the units hold the restore reads:
it marks them sent, restore_letters_held, and archives again those its archive lost, restore_letters_archived).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg

from shared.config import ServiceSettings
from shared.contracts.messages import (
    OverdueNoticeIssued,
    ReferralDeadlineChanged,
    ReferralIssued,
    ReferralWithdrawn,
    RegisterDispute,
    ReminderIssued,
)
from shared.messaging.routing import DOCUMENTS_EXCHANGE, EVENTS_EXCHANGE, SENT_AGAIN_HEADER, binding_pattern
from wuyuan.agencies import has_database, inbox_case_filters, inbox_models, is_external
from wuyuan.backup import BackupError, said_of
from wuyuan.cli_errors import service_words
from wuyuan.settings import PlatformSettings

# The centre's services restored and reconciled this way. An agency is too, after the coordinator has sent its
# referrals again (wuyuan reconcile AGENCY): the letters, notices, refusals and case facts it takes come from here.
# The coordinator's own decisions (case numbers taken in, referral ids) would be made afresh, not re-sent.
FOLLOWERS = ("supervision", "stability", "intake")
# Before the backup's time, as far back as a message may have waited in the restored service's queue.
QUEUED_BEFORE = timedelta(days=1)
# Sent again, these would be done again rather than skipped: a fed record opens a case under a new number.
# They are counted, not sent.
NEVER_AGAIN = frozenset({RegisterDispute.TYPE})
# What the coordinator's own reconcile of an agency re-sends from the documents it keeps (referral_documents):
# not from the outbox as well. Letters, notices and refusals to the agency do go again from here.
REFERRAL_DOCUMENTS = frozenset({ReferralIssued.TYPE, ReferralDeadlineChanged.TYPE, ReferralWithdrawn.TYPE})
# Letters an agency files under their referral: one about a referral it does not hold waits for it, then ends in its
# dead letters. To a restored agency they go again only about the referrals it holds, or gets back, from the
# coordinator's reconcile.
FILED_UNDER_REFERRAL = frozenset({ReminderIssued.TYPE, OverdueNoticeIssued.TYPE})
# What the outbox scrub writes in place of an ID or mobile number (migration s0003).
SCRUBBED = "[redacted]"

_SELECTED = """
FROM outbox
WHERE published_at IS NOT NULL AND message_type = ANY(%(types)s)
  AND (exchange = %(events)s OR (exchange = %(documents)s AND starts_with(routing_key, %(addressed)s)))
  AND (%(from)s::timestamptz IS NULL OR created_at >= %(from)s)
  AND (exchange <> %(events)s OR NOT message_type = ANY(%(filtered)s) OR ('.' || routing_key) ~ ANY(%(bound)s))
  AND (%(held)s::text[] IS NULL OR NOT message_type = ANY(%(filed)s)
       OR coalesce(body ->> 'referral_id' = ANY(%(held)s::text[]), false))
"""

# A sent row is locked only by its deletion (pruning, or the coordinator's own reconcile taking it to send it
# again): such a row is skipped rather than waited for.
SEND_AGAIN = f"""
UPDATE outbox SET published_at = NULL, attempts = 0, next_attempt_at = NULL, last_error = NULL,
  headers = headers || jsonb_build_object(%(header)s::text, %(at)s::text)
WHERE id IN (SELECT id {_SELECTED} AND strpos(body::text, %(scrubbed)s) = 0 FOR UPDATE SKIP LOCKED)
"""

SCRUBBED_ROWS = f"SELECT count(*) {_SELECTED} AND strpos(body::text, %(scrubbed)s) > 0"
LEFT_OUT = _SELECTED.replace("%(types)s", "%(never_again)s")
NEVER_AGAIN_ROWS = f"SELECT count(*) {LEFT_OUT}"

# Read before the rows are marked: how far back the sender's outbox still reaches.
OLDEST_KEPT = "SELECT min(created_at) FROM outbox"


@dataclass
class SenderReport:
    service: str
    sent_again: int = 0
    scrubbed: int = 0  # rows left alone: their ID or mobile numbers were scrubbed once sent
    never_again: int = 0  # rows of the window of a type never sent again (NEVER_AGAIN), for staff to check
    oldest_kept: str | None = None  # the oldest row the sender still keeps
    unreachable: str | None = None  # why its rows could not be marked (its database, or an agency run elsewhere)
    detail: str | None = None  # what its database said then, in the driver's words (passwords taken out)


@dataclass
class FollowerReconcile:
    service: str
    since: str | None
    sent_from: str | None
    senders: list[SenderReport] = field(default_factory=list)
    # Set when the window reaches back past what senders keep: rows sent before it may be pruned already.
    pruned_before: str | None = None

    def as_dict(self) -> dict[str, object]:
        return {
            "service": self.service,
            "since": self.since,
            "sent_from": self.sent_from,
            "pruned_before": self.pruned_before,
            "senders": [sender.__dict__ for sender in self.senders],
        }


def retention_days() -> float:
    """How long senders keep sent rows: their WUYUAN_OUTBOX_RETENTION_DAYS where this process is given it too,
    else its default."""
    default = float(ServiceSettings.model_fields["outbox_retention_days"].default)
    try:
        given = float(os.environ.get("WUYUAN_OUTBOX_RETENTION_DAYS", default))
    except ValueError:
        return default
    return min(max(given, 0.0), 3650.0) if given == given else default  # the setting's own bounds; NaN is none


def inbox_types(settings: PlatformSettings, service: str) -> list[str]:
    """Every message type the service's inbox takes."""
    return sorted({str(model.model_fields["type"].default) for model in inbox_models(settings, service)})


def taken_types(settings: PlatformSettings, service: str) -> list[str]:
    """The message types sent again to the service: those its inbox takes, less those that must not go again.

    An agency's referral documents come back from the coordinator's own reconcile (`wuyuan reconcile AGENCY`, which
    also brings back a lead's mobile numbers and lists what officers must redo): stability is an agency too. And a
    record an agency fed to intake (`RegisterDispute`) would be registered again as a new case: the cases it
    opened are at the coordinator, restoring intake lists them, and the report counts the records left.
    """
    taken = set(inbox_types(settings, service))
    if service in settings.registry.agency_services():
        taken -= REFERRAL_DOCUMENTS
    return sorted(taken - NEVER_AGAIN)


def databases_configured(settings: PlatformSettings) -> bool:
    """Whether this host reaches the platform's databases: the local platform's, or a deployment's where their
    admin URLs are given. Against a deployment reached at configured addresses, the default admin URL is this
    machine's own server, whose rows (a developer's platform) are not the deployment's to mark."""
    given = bool(settings.pg_admin_urls) or "pg_admin_url" in settings.model_fields_set
    return given or not settings.addresses_configured


def follows_others(settings: PlatformSettings, service: str) -> bool:
    """Whether the service takes messages that others keep in their outboxes: the centre's followers and every
    agency (its letters, notices and refusals; the police also a source's case facts)."""
    return service in FOLLOWERS or service in settings.registry.agency_services()


def reconcile_follower(
    settings: PlatformSettings, service: str, since: datetime | None, held_referrals: Sequence[str] | None = None
) -> FollowerReconcile:
    """Have every other service send `service` again what it may have lost since `since` (everything still kept
    when None). For a restored agency, `held_referrals` are the referrals it holds again once the coordinator's
    reconcile has run (those it re-sent, or found the agency must still hold): a letter filed under another (one
    issued and finished since the backup, `finished_not_resent`, which the agency never gets back) would find no
    referral there and end in its dead letters, so it does not go."""
    if not follows_others(settings, service):
        raise BackupError("not_a_follower", f"{service_words(service, settings)}不按此方式对账")
    if not databases_configured(settings):
        raise BackupError(
            "databases_not_configured",
            "未给出各服务数据库的管理地址（WUYUAN_PG_ADMIN_URL 或 WUYUAN_PG_ADMIN_URLS）：其他服务发给它的消息未重发。"
            "请在能连接各服务数据库的地方运行本命令（如 Kubernetes 的 wuyuan-ops）",
        )
    if since is not None and not 1900 <= since.year <= 2100:
        raise BackupError("since_out_of_range", "恢复时间点须在 1900 年至 2100 年之间")
    sent_from = since - QUEUED_BEFORE if since is not None else None
    report = FollowerReconcile(
        service, since.isoformat() if since else None, sent_from.isoformat() if sent_from else None
    )
    kept_from = datetime.now(UTC) - timedelta(days=retention_days())
    if sent_from is None or sent_from < kept_from:
        report.pruned_before = kept_from.isoformat()
    parameters: dict[str, Any] = {
        "types": taken_types(settings, service),
        "events": EVENTS_EXCHANGE,
        "documents": DOCUMENTS_EXCHANGE,
        "addressed": f"{service}.",
        "from": sent_from,
        "scrubbed": SCRUBBED,
        # Said on each message sent again, so that a receiver can tell it from one that came late (SENT_AGAIN_HEADER).
        "header": SENT_AGAIN_HEADER,
        "at": datetime.now(UTC).isoformat(),
        "never_again": sorted(set(inbox_types(settings, service)) & NEVER_AGAIN),
        # A case fact the service takes for some cases only (the police: its own calls') goes again for those.
        **_case_filters(settings, service),
        "held": None if held_referrals is None else [str(referral) for referral in held_referrals],
        "filed": sorted(FILED_UNDER_REFERRAL),
    }
    for sender in senders(settings, service):
        report.senders.append(_send_again(settings, sender, parameters))
    return report


def _case_filters(settings: PlatformSettings, service: str) -> dict[str, list[str]]:
    """The fact types the service takes for some cases only (by their source or flags), and the patterns of the routing
    keys (`<Type>.<source>[.<flag>…]`) of those it takes, as its inbox's bindings match them."""
    filters = inbox_case_filters(settings, service)
    return {
        "filtered": sorted(filters),
        "bound": sorted(binding_pattern(key) for kind, only in filters.items() for key in only.binding_keys(kind)),
    }


def senders(settings: PlatformSettings, restored: str) -> Sequence[str]:
    """Every service that may have sent the restored one something: an agency hears from the centre's services
    alone (agencies send only to the centre), a centre service from everyone."""
    agencies = settings.registry.agency_services()
    others = [s for s in settings.services if s != restored and s not in ("identity", "console")]
    return [s for s in others if s not in agencies] if restored in agencies else others


def _send_again(settings: PlatformSettings, sender: str, parameters: dict[str, Any]) -> SenderReport:
    found = SenderReport(sender)
    if is_external(settings, sender) or not has_database(settings, sender):
        found.unreachable = "外部机构：其发件箱不由本平台管理，请该机构自行重发"
        return found
    try:
        with psycopg.connect(settings.admin_database_url(sender), connect_timeout=10) as conn:
            if conn.execute("SELECT to_regclass('outbox')").fetchone() == (None,):
                return found  # sends nothing
            oldest = conn.execute(OLDEST_KEPT).fetchone()
            found.oldest_kept = oldest[0].isoformat() if oldest and oldest[0] else None
            found.sent_again = conn.execute(SEND_AGAIN, parameters).rowcount
            scrubbed = conn.execute(SCRUBBED_ROWS, parameters).fetchone()
            found.scrubbed = int(scrubbed[0]) if scrubbed else 0
            left_out = conn.execute(NEVER_AGAIN_ROWS, parameters).fetchone()
            found.never_again = int(left_out[0]) if left_out else 0
    except psycopg.Error as exc:
        said = said_of(settings, sender, exc)
        found.unreachable, found.detail = said.message, said.detail
    return found
