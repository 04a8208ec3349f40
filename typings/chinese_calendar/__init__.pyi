# chinese_calendar (chinesecalendar): China's statutory holidays and adjusted working days.
import datetime

# Every statutory holiday the library knows, to its English name; its years are the ones covered.
holidays: dict[datetime.date, str]

# Raises NotImplementedError for a year the library has no calendar for.
def is_workday(date: datetime.date) -> bool: ...

# Every adjusted working day (调休上班) the library knows, to the holiday it was traded for.
workdays: dict[datetime.date, str]
