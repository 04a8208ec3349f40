"""The statutory terms of a petition under the 信访工作条例 (2022), as calendar days on the county's dates."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

LOCAL_ZONE = ZoneInfo("Asia/Shanghai")

# The articles, as the regulation published on 2022-01-24 (in force 2022-05-01) numbers them:
# - 第二十二条: the petition bureau registers a petition and deals with it within 15 days;
#   第二十三条第二、三款: the body that has it tells the petitioner in writing within 15 days of
#   receipt whether and how it is taken up (受理告知). Both are the 15 days of ACCEPTANCE_DAYS.
# - 第三十四条: a petition is handled within 60 days of acceptance; a complicated one may, with the
#   approval of the body's head, be extended once, by at most 30 days, and the petitioner told why.
# - 第三十五条: a petitioner who does not accept the 信访处理意见 may, within 30 days of receiving the written reply,
#   ask the next-higher body of the one that handled it for 复查; it gives its 复查意见 in writing within 30 days of
#   receiving the request.
# - 第三十六条: one who does not accept the 复查意见 may, within 30 days of receiving it, ask the next-higher body of
#   the reviewing body for 复核, answered in writing within 30 days of receiving the request; a petition on the same
#   facts and reasons is then not accepted again (不再受理).
# The brief this service was built from named 第三十条 and 第三十五条; in the 2022 text 第三十条 is
# about 检举控告 and 第三十五条 about 复查, so the numbers above are those of the text itself.
#
# Days are counted as Chinese law counts a period in days (民法典 第二百零一条): the day of receipt or
# of acceptance is not counted, so a petition received on 1 March must be decided by 16 March. The
# regulation says 日, not 工作日, so weekends and holidays count. 民法典 第二百零三条 moves a period
# ending on a holiday to the next working day; whether that applies to 信访 terms is not settled, so
# it is not applied here: a due date is never later than the strictest reading.

ACCEPTANCE_DAYS = 15  # 第二十二条, 第二十三条: 15日内 (书面)告知
HANDLING_DAYS = 60  # 第三十四条: 自受理之日起60日内办结
MAX_EXTENSION_DAYS = 30  # 第三十四条: 延长期限不得超过30日, once
REVIEW_REQUEST_DAYS = 30  # 第三十五条, 第三十六条: 自收到书面答复之日起30日内请求复查 (复核)
REVIEW_ANSWER_DAYS = 30  # 第三十五条, 第三十六条: 自收到复查 (复核) 请求之日起30日内提出意见


def local_day(moment: datetime) -> date:
    """The calendar day in the county: what receipt, acceptance and reply dates are."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("moment must be timezone-aware")
    return moment.astimezone(LOCAL_ZONE).date()


def acceptance_due(received_on: date) -> date:
    """The last day to tell the petitioner whether the petition is accepted."""
    return received_on + timedelta(days=ACCEPTANCE_DAYS)


def handling_due(accepted_on: date, extension_days: int = 0) -> date:
    """The last day to reply to an accepted petition, with its extension if one was granted."""
    if not 0 <= extension_days <= MAX_EXTENSION_DAYS:
        raise ValueError(f"an extension is 1 to {MAX_EXTENSION_DAYS} days, not {extension_days}")
    return accepted_on + timedelta(days=HANDLING_DAYS + extension_days)


def review_request_due(answer_received_on: date) -> date:
    """The last day to ask for 复查 (or 复核), counted from the day the petitioner received the written answer."""
    return answer_received_on + timedelta(days=REVIEW_REQUEST_DAYS)


def review_answer_due(requested_on: date) -> date:
    """The last day for the 复查意见 (or 复核意见), counted from the day the request was made.

    The regulation counts from the reviewing body's receipt of the request; the register knows the day it was made
    (a visit, a letter handed in), and counting from it is the strictest reading, as for the other terms."""
    return requested_on + timedelta(days=REVIEW_ANSWER_DAYS)
