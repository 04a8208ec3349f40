"""A citizen link as a QR code to print (SVG), the same everywhere one is printed: a four-module quiet zone."""

import io

import segno


def qr_svg(url: str, title: str, scale: int = 6) -> str:
    """`url` as an SVG QR code titled `title`, error correction M (a printed code still reads when a little worn)."""
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="svg", scale=scale, border=4, title=title)
    return buffer.getvalue().decode()
