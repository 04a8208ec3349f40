"""High-frequency clue alerts: who a report counts against, the window, the thresholds, once per window."""

from datetime import UTC, datetime, timedelta

import pytest

from services.intake.frequency import AlertRules, SeenReport, Watched, detect, person_ref, watched_parties
from shared.contracts.disputes import DisputeReport
from shared.contracts.vocabulary import AlertKind

SECRET = b"a deployment secret of 32 bytes!"
NOW = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
DAY = timedelta(days=1)
ZHANG = Watched("key-zhang", AlertKind.REPEATED_APPLICANT, "张*")
LI = Watched("key-li", AlertKind.SHARED_RESPONDENT, "李*")


def seen(n: int, days_ago: float, applicants: tuple[str, ...] = ("key-zhang",)) -> SeenReport:
    return SeenReport(f"report-{n}", f"430426-20261101-{n:05d}", NOW - days_ago * DAY, frozenset(applicants))


def report(*parties: dict[str, str]) -> DisputeReport:
    return DisputeReport.model_validate(
        {
            "source": "walk_in",
            "category": "wages",
            "division_code": "430426101",
            "summary": "拖欠工资",
            "parties": list(parties),
        }
    )


def test_the_third_report_by_one_applicant_within_thirty_days_raises_an_alert() -> None:
    assert detect(ZHANG, [seen(1, 20), seen(2, 5)], None, NOW) is None
    alert = detect(ZHANG, [seen(1, 20), seen(2, 5), seen(3, 0)], None, NOW)
    assert alert is not None
    assert (alert.kind, alert.count, alert.threshold) == (AlertKind.REPEATED_APPLICANT, 3, 3)
    assert alert.case_ids == ("430426-20261101-00001", "430426-20261101-00002", "430426-20261101-00003")
    assert alert.window_start == NOW - 30 * DAY


def test_reports_older_than_the_window_do_not_count() -> None:
    assert detect(ZHANG, [seen(1, 31), seen(2, 5), seen(3, 0)], None, NOW) is None


def test_a_window_and_threshold_from_the_settings() -> None:
    rules = AlertRules(window_days=7, applicant_threshold=2, respondent_threshold=5)
    assert detect(ZHANG, [seen(1, 8), seen(2, 0)], None, NOW, rules) is None
    assert detect(ZHANG, [seen(1, 6), seen(2, 0)], None, NOW, rules) is not None


def test_one_alert_per_party_and_window_then_again_after_it() -> None:
    reports = [seen(1, 2), seen(2, 1), seen(3, 0)]
    assert detect(ZHANG, reports, NOW - 10 * DAY, NOW) is None  # raised ten days ago: the alert stands
    assert detect(ZHANG, reports, NOW - 30 * DAY, NOW) is not None  # its window is over


def test_a_respondent_counts_distinct_applicants_not_reports() -> None:
    same_one_thrice = [seen(n, n, ("key-a",)) for n in range(3)]
    assert detect(LI, same_one_thrice, None, NOW) is None
    three_people = [seen(0, 0, ("key-a",)), seen(1, 1, ("key-b",)), seen(2, 2, ("key-c", "key-a"))]
    alert = detect(LI, three_people, None, NOW)
    assert alert is not None and alert.count == 3 and alert.kind is AlertKind.SHARED_RESPONDENT


@pytest.mark.parametrize(
    "values",
    [{"window_days": 0}, {"window_days": 400}, {"applicant_threshold": 1}, {"respondent_threshold": 1001}],
)
def test_rules_out_of_range_are_refused(values: dict[str, int]) -> None:
    with pytest.raises(ValueError, match=next(iter(values))):
        AlertRules(**values)


def test_only_parties_known_by_more_than_a_name_are_watched_and_names_are_masked() -> None:
    watched = watched_parties(
        report(
            {"role": "applicant", "name": "张三丰", "phone": "13800138000"},
            {"role": "applicant", "name": "王五"},  # a name alone: never matched by name
            {"role": "respondent", "name": "李四", "id_number": "430426198511114563"},
            {"role": "respondent", "kind": "organisation", "name": "祁东县某建筑公司"},
        ),
        SECRET,
    )
    assert [(w.kind, w.shown_name) for w in watched] == [
        (AlertKind.REPEATED_APPLICANT, "张**"),
        (AlertKind.SHARED_RESPONDENT, "李*"),
        (AlertKind.SHARED_RESPONDENT, "祁东县某建筑公司"),
    ]
    assert all("13800138000" not in w.key and "张" not in w.key for w in watched)


def test_the_person_reference_is_stable_and_not_the_party_key() -> None:
    ref = person_ref("key-zhang", SECRET)
    assert ref == person_ref("key-zhang", SECRET) != person_ref("key-li", SECRET)
    assert len(ref) == 32 and "key-zhang" not in ref
    assert person_ref("key-zhang", b"another deployment's secret, 32b") != ref
