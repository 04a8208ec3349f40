"""The documents' PDF font: Adobe's CID font that readers supply, or a TrueType font the county names, embedded."""

import re
import zlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFError, TTFont

# Adobe's CID font for Simplified Chinese (Adobe-GB1): the PDF names it and the reader supplies the glyphs, so the
# service needs no font file and the PDF stays small; a reader without Chinese fonts shows nothing in its place.
READER_FONT = "STSong-Light"
# Characters every letter and 通报 prints whatever its facts: a font without them is not a Chinese font.
PRINTED_ALWAYS = "综治中心督办函提醒通报检查督导组年月日第号抄送县乡镇村单位期限工作案件"
_INDEXED = re.compile(r"^(?P<path>.+)#(?P<index>\d{1,2})$")


class DocumentFontError(ValueError):
    """The setting (WUYUAN_DOCUMENT_FONT) names no font the PDFs can embed."""


@dataclass(frozen=True)
class PdfFont:
    """The font a document's PDF is set in; characters the embedded font lacks are set in the reader's font."""

    name: str
    covered: frozenset[int] | None = None  # None: the reader's CID font, which covers every Chinese character

    def covers(self, char: str) -> bool:
        """Whether this font draws `char` itself."""
        return self.covered is None or ord(char) in self.covered

    def markup(self, value: str) -> str:
        """`value` as a reportlab paragraph's text: escaped, and any run the embedded font cannot draw (a rare
        character in a party's name, say) set in the reader's font, rather than printed as blank boxes."""
        if self.covered is None:
            return escape(value)
        runs = [
            escape(char) if ord(char) in self.covered else f'<font face="{READER_FONT}">{escape(char)}</font>'
            for char in value
        ]
        return "".join(runs).replace(f'</font><font face="{READER_FONT}">', "")


@cache
def reader_font() -> PdfFont:
    pdfmetrics.registerFont(UnicodeCIDFont(READER_FONT))
    return PdfFont(READER_FONT)


@cache
def pdf_font(setting: str | None) -> PdfFont:
    """The font WUYUAN_DOCUMENT_FONT names (`path`, or `path#n` for the n-th font of a .ttc collection), loaded and
    checked once; the reader's CID font when it names none. Raises DocumentFontError saying what is wrong."""
    fallback = reader_font()  # registered either way: it sets what the embedded font lacks
    if not setting or not setting.strip():
        return fallback
    path, index = _path_and_index(setting.strip())
    if not path.is_file():
        raise DocumentFontError(f"no font file at {path}")
    # Registered under a name of its own file and index: reportlab keeps one font per name for the process.
    name = f"wuyuan-font-{zlib.crc32(f'{path.resolve()}#{index}'.encode()):08x}"
    try:
        font = TTFont(name, str(path), subfontIndex=index)
    except TTFError as exc:
        if _has_postscript_outlines(path):
            raise DocumentFontError(
                f"{path} is an OpenType font with PostScript outlines, which a PDF cannot embed here:"
                " name a .ttf or .ttc font"
            ) from None
        raise DocumentFontError(f"{path} holds no TrueType font the PDFs can embed ({exc})") from None
    except (OSError, IndexError, KeyError, ValueError) as exc:  # unreadable, or no font at that index
        raise DocumentFontError(f"cannot read a font from {setting}: {exc}") from None
    covered = frozenset(font.face.charToGlyph)
    missing = "".join(sorted({char for char in PRINTED_ALWAYS if ord(char) not in covered}))
    if missing:
        raise DocumentFontError(
            f"{path} has no glyphs for characters every document prints ({missing}): name a Chinese font"
        )
    pdfmetrics.registerFont(font)
    return PdfFont(name, covered)


def _has_postscript_outlines(path: Path) -> bool:
    with path.open("rb") as font:
        return font.read(4) == b"OTTO"  # the OpenType signature of CFF outlines (most .otf files)


def _path_and_index(setting: str) -> tuple[Path, int]:
    indexed = _INDEXED.match(setting)
    if indexed and not Path(setting).exists():
        return Path(indexed["path"]), int(indexed["index"])
    return Path(setting), 0
