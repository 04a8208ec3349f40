"""The names staff's downloads are saved under: Chinese, consistent, and safe whatever text goes into them."""

import re
import unicodedata

from hypothesis import given
from hypothesis import strategies as st
from werkzeug.http import parse_options_header

from shared.downloads import DownloadName, document_file, rating_qr_file, report_file


def saved_as(header: str) -> tuple[str, str, str]:
    """What a browser makes of the header: inline or attachment, the UTF-8 name, and the ASCII fallback."""
    kind, params = parse_options_header(header)
    [fallback] = re.findall(r'filename="([^"]*)"', header)
    return kind, params["filename"], fallback


def test_a_report_is_saved_under_its_chinese_title_and_period_with_an_ascii_fallback():
    header = report_file("2026-11-01", "2026-11-30", "csv").disposition()

    assert saved_as(header) == (
        "attachment",
        "五源共治报表_2026-11-01至2026-11-30.csv",
        "wuyuan-report-2026-11-01-2026-11-30.csv",
    )
    assert "filename*=UTF-8''%E4%BA%94%E6%BA%90" in header  # percent-encoded UTF-8, as RFC 8187 has it


def test_a_township_or_unit_report_names_its_scope():
    header = report_file("2026-11-01", "2026-11-30", "json", "砖塘镇派出所").disposition()

    assert saved_as(header)[1] == "五源共治报表_砖塘镇派出所_2026-11-01至2026-11-30.json"


def test_a_letter_is_named_by_its_kind_and_number_and_shown_inline_to_print():
    header = document_file("overdue", "督办函", "临澧综治〔2026〕督办第3号").disposition(inline=True)

    assert saved_as(header) == ("inline", "督办函_临澧综治〔2026〕督办第3号.pdf", "wuyuan-overdue-2026-3.pdf")


def test_a_rating_qr_code_is_named_for_its_case():
    header = rating_qr_file("430426-20261204-00001").disposition(inline=True)

    assert saved_as(header)[1:] == ("评价二维码_430426-20261204-00001.svg", "rating-qr-430426-20261204-00001.svg")


def test_quotes_line_breaks_and_paths_cannot_reach_the_header_or_the_saved_name():
    header = DownloadName('通报"\r\nSet-Cookie: a=1/../../etc\\passwd', '../x"; filename=evil.exe\r\n').disposition()

    kind, name, fallback = saved_as(header)
    assert "\r" not in header and "\n" not in header and "Set-Cookie:" not in header.split(";")[0]
    assert header.count('"') == 2  # the fallback's own quotes only
    assert kind == "attachment"
    assert not set('/\\"') & set(name + fallback)
    assert fallback == "x_filename_evil.exe"


def test_a_name_of_nothing_but_separators_is_still_a_file_name():
    assert saved_as(DownloadName("../..", "///").disposition())[1:] == ("download", "download")


def test_a_long_name_is_shortened_keeping_its_extension():
    name = saved_as(DownloadName("通报" * 100 + ".pdf", "notice.pdf").disposition())[1]

    assert name.endswith(".pdf") and len(name) <= 80


@given(st.text(), st.text())
def test_any_text_makes_one_header_line_a_browser_reads_back_as_a_plain_file_name(name, fallback):
    header = DownloadName(name, fallback).disposition()

    assert header.isprintable() and header.isascii()
    assert header.count('"') == 2
    _, saved, plain = saved_as(header)
    assert saved and plain and plain.isascii()
    assert not set('/\\"<>:|?*') & set(saved + plain)
    assert not any(unicodedata.category(char)[0] == "C" for char in saved)
    assert not saved.startswith(".") and not plain.startswith(".")
