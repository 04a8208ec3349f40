"""办理进度查询: the progress link the window prints on the receipt, and what the citizen's phone is told by it."""

from datetime import datetime, time, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict
from werkzeug.wrappers import Response

from services.supervision import domain
from services.supervision.dependencies import RatingLinks
from services.supervision.handlers import Work
from shared.auth.principal import Forbidden
from shared.contracts.identifiers import case_registered_on
from shared.http import json_response
from shared.platform import Platform
from shared.qr_codes import qr_svg
from shared.refusal import Refused
from shared.telemetry.case_scope import name_the_case
from shared.workdays import CHINA_TZ, runs_into_unknown_year


class ProgressLinkQuery(BaseModel):
    """How the progress link is answered: JSON, or `svg`, the QR code the receipt prints."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    format: Literal["json", "svg"] = "json"


def progress_link(case_id: str, links: RatingLinks, platform: Platform) -> dict[str, object]:
    """The link the window prints on a case's receipt today. Nothing is read: the case may not have reached
    supervision yet (triage follows registration), and its page then says it waits for a unit."""
    link = domain.progress_link_for(case_id, platform.now().astimezone(CHINA_TZ).date(), links.secret)
    # Open through its last China day: it stops at the midnight that ends it.
    expires_at = datetime.combine(link.expires_on + timedelta(days=1), time(), CHINA_TZ)
    return {"case_id": case_id, "url": links.progress_url(link.token()), "expires_at": expires_at.isoformat()}


def progress_link_qr_svg(case_id: str, links: RatingLinks, platform: Platform) -> str:
    """The link as a QR code (SVG), for the receipt."""
    return qr_svg(str(progress_link(case_id, links, platform)["url"]), f"办理进度 {case_id}", scale=4)


def progress_link_response(case_id: str, query: ProgressLinkQuery, links: RatingLinks, platform: Platform) -> Response:
    """The link as JSON, or as the QR code's SVG with `format=svg`."""
    if query.format == "svg":
        return Response(progress_link_qr_svg(case_id, links, platform), status=200, mimetype="image/svg+xml")
    return json_response(200, progress_link(case_id, links, platform))


def show_progress(token: str, uow: Work, links: RatingLinks, platform: Platform) -> dict[str, object]:
    """What the citizen's phone is told: the case's number, category, the day the centre received it, where it
    stands, its lead unit (a code), the lead's deadline while a unit handles it, and when it closed. Nothing about
    the people in it, its summary, the co-units or the officers."""
    link = _checked_link(token, links, platform)
    with uow:
        facts, leads = uow.store.case_progress(link.case_id)
    progress = domain.progress_of(facts, leads)
    lead = progress.lead
    # A stopped clock's deadline will move when it starts again: no day is shown rather than one that will not hold.
    clock = lead if progress.status is domain.ProgressStatus.HANDLING and lead and not lead.paused else None
    received_on = case_registered_on(link.case_id)
    return {
        "case_id": link.case_id,
        "category": progress.category,
        "received_on": received_on.isoformat() if received_on else None,
        "status": progress.status.value,
        "lead_unit": lead.unit if lead else None,
        "due_at": clock.due_at.isoformat() if clock else None,
        "due_provisional": runs_into_unknown_year(clock.issued_at, clock.due_at) if clock else False,
        "closed_at": progress.closed_at.isoformat() if progress.closed_at else None,
    }


def _checked_link(token: str, links: RatingLinks, platform: Platform) -> domain.ProgressLink:
    """The link, checked against its code before the database is asked anything: a forged one is 403, whatever case
    it names; one of ours past its day is 409 `progress_link_expired`."""
    try:
        link = domain.parse_progress_link(token)
        domain.check_progress_link(link, links.secret, platform.now().astimezone(CHINA_TZ).date())
    except Refused as refused:
        if refused.code != domain.ProgressLinkRefusal.EXPIRED:
            raise Forbidden("not a valid progress link") from None
        name_the_case(link.case_id)  # its code held: the window did issue it
        raise
    # Only a link whose code holds names its case on the span (and so on the access line): a forged one names none.
    name_the_case(link.case_id)
    return link
