"""A document's text as printable HTML (Jinja2, A4 print CSS) and as PDF (reportlab, no font file, no network)."""

import io
from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape

from jinja2 import Environment, FileSystemLoader, select_autoescape
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from services.supervision.documents import DocumentText

# Adobe's CID font for Simplified Chinese (Adobe-GB1): PDF readers supply the glyphs, so the service
# needs no font file and the PDF stays small.
PDF_FONT = "STSong-Light"
_TEMPLATES = Path(__file__).parent / "templates"


@cache
def _environment() -> Environment:
    return Environment(loader=FileSystemLoader(_TEMPLATES), autoescape=select_autoescape(["html"]))


def render_html(text: DocumentText) -> str:
    return _environment().get_template("document.html").render(doc=text)


@cache
def _font() -> str:
    pdfmetrics.registerFont(UnicodeCIDFont(PDF_FONT))
    return PDF_FONT


def render_pdf(text: DocumentText) -> bytes:
    """The same text on A4; `invariant` keeps the bytes the same each time it is rendered from the same facts."""
    font = _font()
    body = ParagraphStyle("body", fontName=font, fontSize=14, leading=24, firstLineIndent=28, wordWrap="CJK")
    plain = ParagraphStyle("plain", parent=body, firstLineIndent=0)
    centre = ParagraphStyle("centre", parent=plain, alignment=TA_CENTER, fontSize=20, leading=30, textColor=colors.red)
    title = ParagraphStyle("title", parent=plain, alignment=TA_CENTER, fontSize=20, leading=32)
    number = ParagraphStyle("number", parent=plain, alignment=TA_CENTER)
    right = ParagraphStyle("right", parent=plain, alignment=TA_RIGHT)
    cell = ParagraphStyle("cell", parent=plain, fontSize=10, leading=14, alignment=TA_CENTER)

    def para(value: str, style: ParagraphStyle) -> Paragraph:
        return Paragraph(escape(value), style)

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
