"""TrueType fonts made for a test (fontTools), so that the documents' embedded font is tested on any machine."""

from pathlib import Path

from fontTools.fontBuilder import FontBuilder
from fontTools.pens.ttGlyphPen import TTGlyphPen

UNITS_PER_EM = 1000


def _square() -> object:
    pen = TTGlyphPen(None)
    pen.moveTo((100, 0))
    pen.lineTo((100, 800))
    pen.lineTo((900, 800))
    pen.lineTo((900, 0))
    pen.closePath()
    return pen.glyph()


def truetype_font(path: Path, characters: str, family: str = "Wuyuan Test Song") -> Path:
    """A font at `path` with a glyph (a square) for each of `characters` and nothing else."""
    code_points = sorted({ord(char) for char in characters})
    names = [".notdef", *(f"uni{point:04X}" for point in code_points)]
    builder = FontBuilder(UNITS_PER_EM, isTTF=True)
    builder.setupGlyphOrder(names)
    builder.setupCharacterMap(dict(zip(code_points, names[1:], strict=True)))
    builder.setupGlyf({name: _square() for name in names})
    builder.setupHorizontalMetrics({name: (UNITS_PER_EM, 100) for name in names})
    builder.setupHorizontalHeader(ascent=880, descent=-120)
    builder.setupNameTable({"familyName": family, "styleName": "Regular"})
    builder.setupOS2(sTypoAscender=880, usWinAscent=880, usWinDescent=120)
    builder.setupPost()
    builder.save(str(path))
    return path
