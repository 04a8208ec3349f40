"""The names of the files staff download: Chinese for the reader, an ASCII fallback, sent per RFC 6266."""

import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import quote

REPORT_TITLE = "五源共治报表"
RATING_QR_TITLE = "评价二维码"
# Longest name kept, in characters, extension included: well under the 255 bytes file systems take in UTF-8.
MAX_NAME = 80
# Characters no file name may carry on Windows, macOS or Linux, and the quote and backslash that would end or
# escape the header's quoted fallback: each becomes "_".
_FORBIDDEN = re.compile(r'[\\/:*?"<>|]')
# The fallback keeps what every client takes unquoted and unescaped.
_NOT_PLAIN = re.compile(r"[^A-Za-z0-9._-]+")


def _visible(text: str) -> str:
    """The text without control, format or line-separator characters (CR, LF, NUL, U+2028, bidi overrides …), which
    could split the header or make the name read differently from what it is; other spaces become plain spaces."""
    kept = []
    for char in unicodedata.normalize("NFC", text):
        category = unicodedata.category(char)
        if category[0] == "C" or category in ("Zl", "Zp"):
            continue
        kept.append(" " if category == "Zs" else char)
    return "".join(kept)


def _shortened(name: str, limit: int) -> str:
    stem, dot, suffix = name.rpartition(".")
    if not dot or len(suffix) > 8:  # no extension to keep
        return name[:limit]
    return stem[: max(1, limit - len(suffix) - 1)] + "." + suffix


def safe_name(name: str, default: str = "download") -> str:
    """A name a file can be saved under anywhere: no path, no separator, no quote, no control character, not hidden
    (no leading dot), at most MAX_NAME characters; `default` when nothing of it is left."""
    cleaned = _FORBIDDEN.sub("_", _visible(name)).strip(" .")
    return _shortened(cleaned, MAX_NAME) if cleaned.strip("_ ") else default


def ascii_name(name: str, default: str = "download") -> str:
    """The fallback for clients that read only `filename=`: letters, digits, dot, hyphen and underscore."""
    cleaned = _NOT_PLAIN.sub("_", _visible(name)).strip("._")
    return _shortened(cleaned, MAX_NAME) if cleaned.strip("_-") else default


@dataclass(frozen=True)
class DownloadName:
    """A file's name as the reader sees it (`name`, Chinese), and the ASCII one older clients fall back to."""

    name: str
    fallback: str

    def disposition(self, *, inline: bool = False) -> str:
        """The Content-Disposition header: `attachment` (saved), or `inline` (shown first, as a PDF to print), with
        `filename=` in plain ASCII and `filename*=` the name in UTF-8, percent-encoded (RFC 6266, RFC 8187)."""
        name = safe_name(self.name)
        fallback = ascii_name(self.fallback, default=ascii_name(name))
        kind = "inline" if inline else "attachment"
        return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def report_file(start: str, end: str, suffix: str, scope: str = "") -> DownloadName:
    """五源共治报表_2026-11-01至2026-11-30.csv; with the scope's name (a township, a unit) when it is not the
    county's: 五源共治报表_砖塘镇_2026-11-01至2026-11-30.csv."""
    scoped = f"{scope}_" if scope else ""
    return DownloadName(f"{REPORT_TITLE}_{scoped}{start}至{end}.{suffix}", f"wuyuan-report-{start}-{end}.{suffix}")


def document_file(kind: str, title: str, number: str) -> DownloadName:
    """A letter's or a 通报's PDF named by its kind and 文号 (督办函_临澧综治〔2026〕督办第3号.pdf); the fallback by
    its kind's code and the number's figures (wuyuan-overdue-2026-3.pdf)."""
    figures = "-".join(re.findall(r"[0-9]+", number))
    fallback = f"wuyuan-{kind}-{figures}.pdf" if figures else f"wuyuan-{kind}.pdf"
    return DownloadName(f"{title}_{number}.pdf" if number else f"{title}.pdf", fallback)


def rating_qr_file(case_id: str) -> DownloadName:
    """评价二维码_430426-20261204-00001.svg: the QR code a supervisor saves or prints for the citizen's rating."""
    return DownloadName(f"{RATING_QR_TITLE}_{case_id}.svg", f"rating-qr-{case_id}.svg")
