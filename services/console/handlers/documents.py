"""督办文书: the 提醒函, 督办函 and 通报 supervision issued, listed with filters, printed and downloaded as PDF."""

import re
from collections.abc import Mapping
from uuid import UUID

from werkzeug.wrappers import Response

from services.console.dependencies import Apis
from services.console.handlers.common import Names, Visitor, expect, page_context
from services.console.pages import PageNotFound, render
from shared.auth.principal import Role
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


def documents_page(visitor: Visitor, args: Mapping[str, str], apis: Apis, platform: Platform) -> Response:
    """Supervision answers only what this visitor may read (an officer: his own units' documents)."""
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
    return render(
        "documents.html",
        **page_context(visitor, PATH, names, platform.now()),
        documents=found.get("documents", []),
        chosen=chosen,
        ignored=ignored,
        kinds=KINDS,
        units=units,
        issued_by=issued_by,
    )


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
    visitor.require(PATH)
    answer = apis.fetch("supervision", f"/api/v1/documents/{_document_id(document_id)}/pdf", token=visitor.token)
    pdf = expect(answer, service="supervision")
    response = Response(pdf, status=200, mimetype="application/pdf")
    response.headers["Content-Disposition"] = answer.disposition or "inline"
    response.headers["Cache-Control"] = "no-store"
    return response


def case_documents(visitor: Visitor, case_id: str, apis: Apis) -> list[dict[str, object]]:
    """A case's letters with their numbers, for the case page; none if this visitor may not read them."""
    answer = apis.call("supervision", "GET", "/api/v1/documents", token=visitor.token, params={"case_id": case_id})
    return list(answer.body.get("documents", [])) if answer.ok and isinstance(answer.body, dict) else []
