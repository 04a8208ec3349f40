"""A period of China local dates as the supervision APIs take it: `from` and `to`, both included, at most a year."""

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from shared.contracts.dates import CalendarDate
from shared.http import BadInput
from shared.workdays import CHINA_TZ

MAX_PERIOD_DAYS = 366


class DateRange(BaseModel):
    """China local dates, both included, at most `MAX_PERIOD_DAYS` days (a query or a body: the same checks),
    each within the years `shared.contracts.dates` accepts."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    from_: CalendarDate = Field(alias="from")
    to: CalendarDate

    @field_validator("to")
    @classmethod
    def _a_period(cls, to: date, info: ValidationInfo) -> date:
        start = info.data.get("from_")
        if start is not None and to < start:
            raise ValueError("is before from")
        if start is not None and (to - start).days >= MAX_PERIOD_DAYS:
            raise ValueError(f"a period of at most {MAX_PERIOD_DAYS} days")
        return to


def refuse_unfinished(period: DateRange, now: datetime) -> None:
    """What supervision issues over a period (a 通报, a spot-check draw) judges what happened in it: a period that
    ends after today (Beijing time) has not happened yet, and is a 400 naming `to` before anything is kept."""
    today = now.astimezone(CHINA_TZ).date()
    if period.to > today:
        raise BadInput([{"field": "to", "message": f"is after today ({today.isoformat()})", "type": "date_future"}])
