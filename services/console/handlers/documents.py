"""督办文书: the 提醒函, 督办函 and 通报 supervision issued, listed with filters, printed and downloaded as PDF; a
supervisor issues a 通报 on demand."""

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode
from uuid import UUID

from werkzeug.wrappers import Request, Response

from services.console.dependencies import Apis
from services.console.handlers.common import (
    Names,
    Visitor,
    expect,
    first_value,
    page_context,
    period_errors,
    posted_form,
    today_in_beijing,
)
from services.console.pages import PageNotFound, redirect, render
from shared.auth.principal import Role
from shared.downloads import document_file
from shared.platform import Platform
from shared.wording import issuer_text

PATH = "/documents"
KINDS = {"reminder": "提醒函", "overdue": "督办函", "notice": "通报"}
FILTER_NAMES = {"unit": "单位", "kind": "文书", "month": "月份"}
# Who reads every unit's documents at supervision (services/supervision/documents_handlers._READERS).
READERS = frozenset({Role.SUPERVISOR, Role.LEADER, Role.COORDINATOR})
_MONTH = re.compile(r"^[0-9]{4}-(0[1-9]|1[0-2])$")
# The archived document carries its own print CSS inline; nothing else may load or run in it.
PRINT_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)


def documents_page(
    visitor: Visitor,
    args: Mapping[str, str],
    apis: Apis,
    platform: Platform,
    *,
    errors: dict[str, str] | None = None,
    form: Mapping[str, list[str]] | None = None,
    status: int = 200,
) -> Response:
    """Supervision answers only what this visitor may read (an officer: his own units' documents); a supervisor
    also has the form that issues a 通报 now, and after a refused one its errors beside its inputs."""
    visitor.require(PATH)
    names = Names.of(platform)
    units = _units_to_choose(visitor, names)
    asked = {name: args.get(name, "") for name in FILTER_NAMES}
    valid = {
        "unit": asked["unit"] in dict(units),
        "kind": asked["kind"] in KINDS,
        "month": _MONTH.match(asked["month"]) is not None,
    }
    chosen = {name: value if valid[name] else "" for name, value in asked.items()}
    # A filter that names nothing this page offers (a month 2026-13, another unit's code) is said, not dropped quietly.
    ignored = [FILTER_NAMES[name] for name, value in asked.items() if value and not valid[name]]
    params = {name: value for name, value in chosen.items() if value} | {"limit": "200"}
    found = expect(
        apis.call("supervision", "GET", "/api/v1/documents", token=visitor.token, params=params), service="supervision"
    )
    documents = found.get("documents", [])
    values = form or {}
    today = today_in_beijing(platform)
    starting = {"notice_from": today.replace(day=1).isoformat(), "notice_to": today.isoformat()}
    return render(
        "documents.html",
        status=status,
        **page_context(visitor, PATH, names, platform.now()),
        documents=documents,
        chosen=chosen,
        ignored=ignored,
        kinds=KINDS,
        units=units,
        issued_by=issued_by,
        issued=issued_notice(args.get("issued"), documents),
        may_issue=Role.SUPERVISOR in visitor.principal.roles,
        today=today.isoformat(),  # the latest day a 通报's period may end
        errors=errors or {},
        value=lambda name: (values.get(name) or [starting.get(name, "")])[0],
    )


def issued_notice(document_id: str | None, documents: list[Any]) -> str:
    """What the 通报 just issued is, said above the list: its 文号 when the list shows it."""
    if not document_id:
        return ""
    number = next(
        (str(d.get("number")) for d in documents if isinstance(d, dict) and str(d.get("id")) == document_id), ""
    )
    return f"已发出通报 {number}，已存档并发送给被通报和参加排名的单位。" if number else "已发出通报。"


def issue_notice(visitor: Visitor, request: Request, apis: Apis, platform: Platform) -> Response:
    """A 通报 on demand over a period of Beijing dates that ends today at the latest; supervision numbers it,
    archives it with the supervisor as its 签发人, and sends it to every unit it names or ranks."""
    visitor.require_supervisor(PATH)
    form = posted_form(request, visitor)
    body = {field: value for field in ("from", "to") if (value := first_value(form, f"notice_{field}"))}
    answer = apis.call("supervision", "POST", "/api/v1/notices", token=visitor.token, body=body)
    if answer.status == 400:
        errors = period_errors(answer, "notice")
        return documents_page(visitor, request.args, apis, platform, errors=errors, form=form, status=400)
    notice = expect(answer, service="supervision")
    return redirect(f"{PATH}?{urlencode({'kind': 'notice', 'issued': str(notice.get('id') or '')})}")


def _units_to_choose(visitor: Visitor, names: Names) -> list[tuple[str, str]]:
    """The units a visitor may filter by: an officer's own units and those under them (supervision answers an
    officer with nothing else); every unit for the centre's readers."""
    everything = names.unit_choices()
    if visitor.principal.roles & READERS:
        return everything
    own = visitor.principal.units
    return [(code, text) for code, text in everything if any(code.startswith(unit) for unit in own)]


def issued_by(document: Mapping[str, object]) -> str:
    """签发人 as staff read it, as the document itself prints it: the supervisor's name with the account
    (周敏（zhou.min）), the account alone for a 通报 archived without a name, 系统自动生成, or 未记录 (a 通报 issued
    on demand before supervision recorded its issuer)."""
    account, name = document.get("issued_by"), document.get("issued_by_name")
    return issuer_text(str(account), str(name) if name else None) if account else "未记录"


def _document_id(value: str) -> str:
    try:
        return str(UUID(value))
    except ValueError:
        raise PageNotFound() from None


def print_view(visitor: Visitor, document_id: str, apis: Apis) -> Response:
    """The document exactly as archived, fetched with the visitor's own token and served by the console."""
    visitor.require(PATH)
    answer = apis.fetch("supervision", f"/api/v1/documents/{_document_id(document_id)}/html", token=visitor.token)
    html = expect(answer, service="supervision")
    response = Response(html, status=200, mimetype="text/html")
    response.headers["Content-Security-Policy"] = PRINT_POLICY
    response.headers["Cache-Control"] = "no-store"
    return response


def pdf_download(visitor: Visitor, document_id: str, apis: Apis) -> Response:
    """The PDF as supervision renders it, shown inline to print; saved, it is named by the document's kind and 文号
    (督办函_临澧综治〔2026〕督办第3号.pdf), which the console reads from the document itself."""
    visitor.require(PATH)
    path = f"/api/v1/documents/{_document_id(document_id)}"
    document = expect(apis.call("supervision", "GET", path, token=visitor.token), service="supervision")
    pdf = expect(apis.fetch("supervision", f"{path}/pdf", token=visitor.token), service="supervision")
    kind, number = str(document.get("kind", "")), str(document.get("number", ""))
    file = document_file(kind or "document", KINDS.get(kind, "督办文书"), number)
    response = Response(pdf, status=200, mimetype="application/pdf")
    response.headers["Content-Disposition"] = file.disposition(inline=True)
    response.headers["Cache-Control"] = "no-store"
    return response


def case_documents(visitor: Visitor, case_id: str, apis: Apis) -> list[dict[str, object]]:
    """A case's letters with their numbers, for the case page; none if this visitor may not read them."""
    answer = apis.call("supervision", "GET", "/api/v1/documents", token=visitor.token, params={"case_id": case_id})
    return list(answer.body.get("documents", [])) if answer.ok and isinstance(answer.body, dict) else []
