"""The report's named periods as dates: a day, its Monday-to-Sunday week, its calendar month (China local dates)."""

from datetime import date, timedelta

PERIOD_KINDS = ("day", "week", "month")  # 日小结, 周调度, 月总结


def period_dates(kind: str, day: date) -> tuple[date, date]:
    """The first and last day, both included, of the period of `kind` that holds `day`; ValueError for another kind."""
    if kind == "day":
        return day, day
    if kind == "week":
        monday = day - timedelta(days=day.weekday())
        return monday, monday + timedelta(days=6)
    if kind == "month":
        first = day.replace(day=1)
        following = (first + timedelta(days=32)).replace(day=1)
        return first, following - timedelta(days=1)
    raise ValueError(f"period must be one of {', '.join(PERIOD_KINDS)}, got {kind!r}")
