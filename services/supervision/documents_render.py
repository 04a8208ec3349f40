"""A document's text as printable HTML (Jinja2, A4 print CSS) and as PDF (reportlab, no network)."""

import io
from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from services.supervision.documents import DocumentText
from services.supervision.documents_font import PdfFont, reader_font

_TEMPLATES = Path(__file__).parent / "templates"


@cache
def _environment() -> Environment:
    return Environment(loader=FileSystemLoader(_TEMPLATES), autoescape=select_autoescape(["html"]))


def render_html(text: DocumentText) -> str:
    return _environment().get_template("document.html").render(doc=text)


def render_pdf(text: DocumentText, font: PdfFont | None = None) -> bytes:
    """The same text on A4, in `font` (the reader's CID font by default); `invariant` keeps the bytes the same each
    time it is rendered from the same facts in the same font."""
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

    story: list[Flowable] = [para(text.centre_name, centre), para(text.number, number), para(text.title, title)]
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
        leftMargin=2.2 * cm,
        rightMargin=2.2 * cm,
        topMargin=2.5 * cm,
        bottomMargin=2.5 * cm,
        title=f"{text.title} {text.number}",
        author=text.centre_name,
        invariant=1,
    )
    document.build(story)
    return buffer.getvalue()
