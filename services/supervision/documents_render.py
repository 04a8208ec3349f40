"""A document's text as printable HTML (Jinja2, A4 print CSS) and as PDF (reportlab, no network)."""

import io
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.lib.utils import TimeStamp
from reportlab.platypus import Flowable, HRFlowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from services.supervision.documents import DocumentText
from services.supervision.documents_font import READER_FONT, PdfFont, reader_font
from shared.contracts.dates import CHINA_TZ

_TEMPLATES = Path(__file__).parent / "templates"
_LEFT_MARGIN = _RIGHT_MARGIN = 2.2 * cm
# GB/T 9704-2012 7.5: the page number sits one character (4号, 14 pt) in from the text's right edge on an odd page
# and from its left edge on an even one, so that printed back to back every number is on the outer edge of the sheet.
PAGE_NUMBER_SIZE = 14


@cache
def _environment() -> Environment:
    return Environment(loader=FileSystemLoader(_TEMPLATES), autoescape=select_autoescape(["html"]))


def render_html(text: DocumentText) -> str:
    return _environment().get_template("document.html").render(doc=text)


def render_pdf(text: DocumentText, font: PdfFont | None = None) -> bytes:
    """The same text on A4, in `font` (the reader's CID font by default): the 版头 over a red rule, and 「— 1 —」 at
    the foot of every page where GB/T 9704 puts it (odd pages right, even pages left). `invariant` keeps the bytes
    the same each time it is rendered from the same facts in the same font, and the PDF is dated when the document
    was issued."""
    font = font or reader_font()
    body = ParagraphStyle("body", fontName=font.name, fontSize=14, leading=24, firstLineIndent=28, wordWrap="CJK")
    plain = ParagraphStyle("plain", parent=body, firstLineIndent=0)
    centre = ParagraphStyle("centre", parent=plain, alignment=TA_CENTER, fontSize=20, leading=30, textColor=colors.red)
    title = ParagraphStyle("title", parent=plain, alignment=TA_CENTER, fontSize=20, leading=32)
    number = ParagraphStyle("number", parent=plain, alignment=TA_CENTER)
    right = ParagraphStyle("right", parent=plain, alignment=TA_RIGHT)
    cell = ParagraphStyle("cell", parent=plain, fontSize=10, leading=14, alignment=TA_CENTER)

    def para(value: str, style: ParagraphStyle) -> Paragraph:
        return Paragraph(font.markup(value), style)

    story: list[Flowable] = [
        para(text.centre_name, centre),
        HRFlowable(width="100%", thickness=2, color=colors.red, spaceBefore=2, spaceAfter=6),
        para(text.number, number),
        para(text.title, title),
    ]
    story += [Spacer(1, 0.3 * cm), para(text.addressee, plain)]
    story += [para(paragraph, body) for paragraph in text.paragraphs]
    if text.table_header:
        rows = [[para(value, cell) for value in row] for row in [text.table_header, *text.table]]
        table = Table(rows, repeatRows=1)
        table.setStyle(
            TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black), ("VALIGN", (0, 0), (-1, -1), "MIDDLE")])
        )
        story += [Spacer(1, 0.2 * cm), table, Spacer(1, 0.2 * cm)]
    story += [para(paragraph, body) for paragraph in text.after_table]
    story += [Spacer(1, 1 * cm), para(f"{text.centre_name}{text.issuer}", right), para(text.issued_on, right)]
    if text.copy_to:
        story += [Spacer(1, 1 * cm), para(f"抄送：{text.copy_to}", plain)]
    if text.issued_by:
        story += [Spacer(1, 0.5 * cm), para(text.issued_by, plain)]
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=_LEFT_MARGIN,
        rightMargin=_RIGHT_MARGIN,
        topMargin=2.5 * cm,
        bottomMargin=2.5 * cm,
        title=f"{text.title} {text.number}",
        author=text.centre_name,
        invariant=1,
        # Each page starts in the document's own font, so the PDF names no font it does not carry (Helvetica).
        initialFontName=font.name,
    )
    page_foot = _page_foot(font, text.issued_at)
    document.build(story, onFirstPage=page_foot, onLaterPages=page_foot)
    return buffer.getvalue()


def page_number(page: int) -> str:
    """The page number as official documents print it: 「— 1 —」."""
    return f"— {page} —"


def page_number_x(page: int) -> tuple[float, str]:
    """Where a page's number is drawn across the page, and which of its ends is there: (x, "right") on odd pages."""
    if page % 2:
        return A4[0] - _RIGHT_MARGIN - PAGE_NUMBER_SIZE, "right"
    return _LEFT_MARGIN + PAGE_NUMBER_SIZE, "left"


def _page_foot(font: PdfFont, issued_at: datetime | None) -> Any:
    """reportlab's page callback: the page number under the text, on the page's outer side; and on the first page
    the document's own date of issue for the PDF's CreationDate and ModDate in place of `invariant`'s 2000-01-01."""
    number_font = font.name if all(font.covers(char) for char in page_number(0)) else READER_FONT

    def draw(canvas: Any, document: SimpleDocTemplate) -> None:
        if issued_at is not None:
            canvas._doc._timeStamp = _issue_stamp(issued_at)
        page = canvas.getPageNumber()
        x, anchor = page_number_x(page)
        y = document.bottomMargin - 1.2 * cm
        canvas.saveState()
        canvas.setFont(number_font, PAGE_NUMBER_SIZE)
        if anchor == "right":
            canvas.drawRightString(x, y, page_number(page))
        else:
            canvas.drawString(x, y, page_number(page))
        canvas.restoreState()

    return draw


def _issue_stamp(issued_at: datetime) -> TimeStamp:
    """reportlab's time stamp (what the info dictionary's dates are written from) for the moment of issue, in Beijing
    time with its offset: D:20261204090000+08'00'."""
    local = issued_at.astimezone(CHINA_TZ)
    offset = local.utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset is not None else 0
    stamp = TimeStamp(invariant=True)
    stamp.t = local.timestamp()
    stamp.lt = local.timetuple()
    stamp.YMDhms = tuple(local.timetuple())[:6]
    stamp.dhh, stamp.dmm = divmod(minutes, 60)
    stamp.tzname = "CST"
    return stamp
