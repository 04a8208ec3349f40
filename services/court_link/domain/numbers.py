"""A filing number (案号) in its official form, which is also the key one filing is known by whatever its form.

最高人民法院《关于人民法院案件案号的若干规定》 writes a number as "（2026）湘0426民初123号": the year in
full-width brackets, then the court's and the docket's marks and the sequence, in ASCII digits. Officers
and the court's own system type it with ASCII brackets as often, and now and then with full-width digits
from a Chinese input method; every such form names the same filing. New filings, records and returns are
kept in the official form; rows kept before are found by it, in whatever form they were kept (the store's
SQL function `filing_number_key`, migration 0004, is the same mapping).
"""

# ASCII brackets to full-width, full-width digits to ASCII; nothing else changes.
HALF_WIDTH_BRACKETS = "()"
FULL_WIDTH_BRACKETS = "（）"
FULL_WIDTH_DIGITS = "０１２３４５６７８９"
ASCII_DIGITS = "0123456789"
_OFFICIAL = str.maketrans(HALF_WIDTH_BRACKETS + FULL_WIDTH_DIGITS, FULL_WIDTH_BRACKETS + ASCII_DIGITS)


def official(number: str) -> str:
    """The number as the court writes it: "(2026)湘0426民初123号" → "（2026）湘0426民初123号". Two numbers are
    one filing's exactly when their official forms are equal; the official form of one is itself. Surrounding
    spaces are the requests' to strip."""
    return number.translate(_OFFICIAL)
