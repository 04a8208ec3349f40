"""A period of China local dates as the supervision APIs take it: `from` and `to`, both included, at most a year."""

from datetime import date

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from shared.contracts.dates import CalendarDate, NotAfterToday

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


class FinishedPeriod(DateRange):
    """A period that has happened: what supervision issues over one (a 通报, a spot-check draw) judges what happened
    in it, so a request's period that ends after today (Beijing time) is refused naming `to`, before anything is kept.
    A period built in code (the timers' previous one) has happened by construction."""

    to: NotAfterToday
