"""高频线索预警 on the board: a supervisor marks an alert handled, with a note, through supervision's API."""

from uuid import UUID

from werkzeug.wrappers import Request, Response

from services.console.dependencies import Apis
from services.console.handlers.common import Visitor, expect, posted_form
from services.console.pages import PageNotFound, redirect
from shared.auth.principal import Forbidden


def mark_handled(visitor: Visitor, alert_id: str, request: Request, apis: Apis) -> Response:
    visitor.require("/board")
    if "supervisor" not in visitor.roles:
        raise Forbidden("only the inspection group's supervisors handle alerts")
    try:
        alert = UUID(alert_id)
    except ValueError:
        raise PageNotFound() from None
    form = posted_form(request, visitor)
    note = (form.get("note") or [""])[0].strip()[:2000]
    answer = apis.call(
        "supervision",
        "POST",
        f"/api/v1/alerts/{alert}/handled",
        token=visitor.token,
        body={"note": note} if note else {},
    )
    if answer.status == 409:  # handled meanwhile by someone else: the board shows it gone
        return redirect("/board#alerts")
    expect(answer, service="supervision")
    return redirect("/board#alerts")
