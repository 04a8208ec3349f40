"""The documents' PDFs in the reader's CID font, or in a TrueType font the county names, embedded and checked."""

import io
from pathlib import Path

import pypdf
import pytest
from pydantic import ValidationError

from services.supervision import documents as d
from services.supervision.documents_font import PRINTED_ALWAYS, READER_FONT, DocumentFontError, pdf_font
from services.supervision.documents_render import page_number, render_pdf
from services.supervision.documents_settings import DocumentSettings
from tests.fonts import truetype_font
from tests.unit.supervision.test_documents import overdue_facts

RARE = "堃"  # a character of a name that a county's font may lack


def letter() -> d.DocumentText:
    return d.letter_text(overdue_facts(unit_name=f"砖塘镇派出所（联系人王{RARE}）"))


def every_character(text: d.DocumentText) -> str:
    parts = [text.centre_name, text.number, text.title, text.addressee, text.issuer, text.issued_on]
    parts += [*text.paragraphs, *text.after_table, text.copy_to or "", text.issued_by or ""]
    parts += [value for row in [text.table_header or [], *text.table] for value in row]
    return "".join(parts) + page_number(1)


@pytest.fixture
def county_font(tmp_path: Path) -> Path:
    """A TrueType font with every character of the letter but the rare one."""
    return truetype_font(tmp_path / "county-song.ttf", (every_character(letter()) + PRINTED_ALWAYS).replace(RARE, ""))


def fonts_of(pdf: bytes) -> dict[str, bool]:
    """Each font the PDF's pages set text in: its base name, and whether the PDF carries its glyphs. reportlab's
    page font (Helvetica, one of the fourteen every reader has, with no descriptor) sets nothing and is left out."""
    fonts: dict[str, bool] = {}
    for page in pypdf.PdfReader(io.BytesIO(pdf)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            if "/FontDescriptor" not in font and "/DescendantFonts" not in font:
                continue
            descriptor = font.get("/FontDescriptor") or font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            descriptor = descriptor.get_object()
            fonts[str(font["/BaseFont"])] = any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))
    return fonts


def text_of(pdf: bytes) -> str:
    return "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages).replace("\n", "")


def test_by_default_the_pdf_names_the_readers_chinese_font_and_carries_no_glyphs():
    fonts = fonts_of(render_pdf(letter()))
    assert fonts == {f"/{READER_FONT}": False}


def test_a_county_font_is_embedded_and_the_text_reads_back(county_font):
    pdf = render_pdf(letter(), pdf_font(str(county_font)))
    fonts = fonts_of(pdf)
    embedded = [name for name, carried in fonts.items() if carried]
    assert len(embedded) == 1 and embedded[0].endswith("+Wuyuan-Test-Song"), fonts
    text = text_of(pdf)
    for phrase in ("督办函", "砖塘镇派出所", "已超期4个工作日", "检查督导组"):
        assert phrase in text, phrase


def test_a_character_the_county_font_lacks_is_set_in_the_readers_font_not_dropped(county_font):
    pdf = render_pdf(letter(), pdf_font(str(county_font)))
    assert f"王{RARE}" in text_of(pdf)
    assert f"/{READER_FONT}" in fonts_of(pdf)


def test_a_letter_the_county_font_covers_uses_it_alone(tmp_path):
    font = truetype_font(tmp_path / "full.ttf", every_character(letter()) + PRINTED_ALWAYS)
    fonts = fonts_of(render_pdf(letter(), pdf_font(str(font))))
    assert list(fonts.values()) == [True], fonts


def test_the_county_font_travels_in_the_pdf_and_sets_its_latin_text_too(county_font):
    pdf = render_pdf(letter(), pdf_font(str(county_font)))
    page = pypdf.PdfReader(io.BytesIO(pdf)).pages[0]
    fonts = [font.get_object() for font in page["/Resources"]["/Font"].values()]
    county = [font for font in fonts if str(font["/BaseFont"]).endswith("+Wuyuan-Test-Song")]
    assert county and "/FontFile2" in county[0]["/FontDescriptor"].get_object()  # the TrueType glyphs themselves
    # Digits and letters (the 文号, the case number) are in the county font too: no font the PDF does not carry
    # but the reader's CID font for the one rare character.
    assert {str(font["/BaseFont"]) for font in fonts if font not in county} == {f"/{READER_FONT}"}
    assert "祁东综治〔2026〕督办第3号" in text_of(pdf)


def test_the_pdf_in_the_county_font_is_the_same_each_time(county_font):
    font = pdf_font(str(county_font))
    assert render_pdf(letter(), font) == render_pdf(letter(), font)


def test_a_font_collection_is_read_at_the_index_given(tmp_path):
    from fontTools.ttLib import TTCollection, TTFont

    latin = truetype_font(tmp_path / "latin.ttf", "ABC", family="Latin Only")
    chinese = truetype_font(tmp_path / "song.ttf", PRINTED_ALWAYS + every_character(letter()))
    collection = TTCollection()
    collection.fonts = [TTFont(str(latin)), TTFont(str(chinese))]
    collection.save(str(tmp_path / "both.ttc"))

    assert pdf_font(f"{tmp_path / 'both.ttc'}#1").covered is not None
    with pytest.raises(DocumentFontError, match="no glyphs for characters every document prints"):
        pdf_font(str(tmp_path / "both.ttc"))  # the first font, Latin only
    with pytest.raises(DocumentFontError, match="bad subfontIndex 7"):
        pdf_font(f"{tmp_path / 'both.ttc'}#7")


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "no font file at"),
        (b"not a font at all", "holds no TrueType font the PDFs can embed"),
        (b"OTTO" + bytes(200), "PostScript outlines, which a PDF cannot embed here: name a .ttf or .ttc"),
    ],
)
def test_a_setting_that_names_no_usable_font_stops_the_service_naming_the_variable(
    monkeypatch, tmp_path, content, expected
):
    path = tmp_path / "font.ttf"
    if content is not None:
        path.write_bytes(content)
    monkeypatch.setenv("WUYUAN_DOCUMENT_FONT", str(path))
    with pytest.raises(ValidationError, match="document_font") as refused:
        DocumentSettings()
    assert expected in str(refused.value)


def test_a_latin_font_is_refused_naming_the_characters_it_lacks(monkeypatch, tmp_path):
    monkeypatch.setenv("WUYUAN_DOCUMENT_FONT", str(truetype_font(tmp_path / "latin.ttf", "ABCDEF 0123")))
    with pytest.raises(ValidationError, match="document_font") as refused:
        DocumentSettings()
    assert "督" in str(refused.value) and "name a Chinese font" in str(refused.value)


def test_no_setting_or_a_blank_one_keeps_the_readers_font(monkeypatch):
    monkeypatch.setenv("WUYUAN_DOCUMENT_FONT", " ")
    assert pdf_font(DocumentSettings().document_font).name == READER_FONT
    monkeypatch.delenv("WUYUAN_DOCUMENT_FONT")
    assert pdf_font(DocumentSettings().document_font).name == READER_FONT
