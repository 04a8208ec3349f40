"""High-frequency clue alerts from intake: the third report by one person, or about one respondent, tells
supervision and stability once, with keys, counts and masked names only."""

from dataclasses import replace

import pytest
from nameko.testing.services import worker_factory

from services.intake.frequency import DEFAULT_RULES, AlertRules
from services.intake.service import Intake
from shared.auth.principal import Principal, Role
from shared.contracts.messages import HighFrequencyAlertRaised, StabilityAlertRaised
from shared.contracts.vocabulary import AlertKind
from tests.fakes.intake import FakeIntakeStore
from tests.fakes.unit_of_work import FakeUnitOfWork

SECRET = b"a deployment secret of 32 bytes!"
ZHANG_SAN_ID = "430426199005201239"
ZHANG_SAN_PHONE = "13800138000"
CLERK = Principal("wang.fang", "王芳", frozenset({Role.INTAKE_STAFF}))
RESPONDENTS = ["李四", "王五", "赵六", "钱七"]


@pytest.fixture
def uow() -> FakeUnitOfWork[FakeIntakeStore]:
    return FakeUnitOfWork(FakeIntakeStore())


def intake_with(uow, platform, rules: AlertRules = DEFAULT_RULES) -> Intake:
    return worker_factory(
        Intake,
        uow=uow,
        platform=replace(platform, service="intake"),
        party_key_secret=SECRET,
        caller=CLERK,
        alert_rules=rules,
    )


def report(applicant: dict, respondent: dict, category: str = "wages") -> dict:
    return {
        "source": "walk_in",
        "category": category,
        "division_code": "430426101",
        "summary": "拖欠工资，多次讨要未果。",
        "parties": [{"role": "applicant", **applicant}, {"role": "respondent", **respondent}],
    }


ZHANG = {"name": "张三", "id_number": ZHANG_SAN_ID, "phone": ZHANG_SAN_PHONE}


def test_the_third_report_by_one_person_alerts_supervision_and_stability_once(uow, platform, http):
    intake = intake_with(uow, platform)
    cases = []
    for n, respondent in enumerate(RESPONDENTS):  # different respondents: four cases, none a repeat of another
        body = http.body(intake.register_dispute(http.post(report(ZHANG, {"name": respondent}))))
        cases.append(body["case_id"])
        assert uow.sent_of(HighFrequencyAlertRaised) == [] or n >= 2

    [alert] = uow.sent_of(HighFrequencyAlertRaised)  # the fourth report raised nothing more
    [copy] = uow.sent_of(StabilityAlertRaised)
    assert alert.kind is AlertKind.REPEATED_APPLICANT
    assert (alert.count, alert.threshold, alert.window_days) == (3, 3, 30)
    assert alert.case_ids == cases[:3] and alert.case_id == cases[2]
    assert alert.masked_name == "张*" and alert.division_code == "430426101"
    assert copy.alert_id == alert.alert_id and copy.person_ref == alert.person_ref
    assert copy.recipient == "plc:430426" and alert.recipient == "centre:430426"
    wire = alert.model_dump_json() + copy.model_dump_json()
    assert ZHANG_SAN_ID not in wire and ZHANG_SAN_PHONE not in wire and "张三" not in wire


def test_three_people_naming_one_respondent_raise_an_alert_about_the_respondent(uow, platform, http):
    intake = intake_with(uow, platform)
    company = {"name": "祁东县某建筑公司", "kind": "organisation"}
    for n, name in enumerate(["张三", "王五", "赵六"]):
        intake.register_dispute(http.post(report({"name": name, "phone": f"1380013800{n}"}, company)))

    [alert] = uow.sent_of(HighFrequencyAlertRaised)
    assert (alert.kind, alert.count, alert.masked_name) == (AlertKind.SHARED_RESPONDENT, 3, "祁东县某建筑公司")


def test_people_known_only_by_name_are_never_counted(uow, platform, http):
    intake = intake_with(uow, platform)
    for respondent in RESPONDENTS:
        intake.register_dispute(http.post(report({"name": "张三"}, {"name": respondent})))
    assert uow.sent_of(HighFrequencyAlertRaised) == []


def test_a_lower_threshold_from_the_settings_alerts_sooner(uow, platform, http):
    intake = intake_with(uow, platform, AlertRules(window_days=30, applicant_threshold=2))
    for respondent in RESPONDENTS[:2]:
        intake.register_dispute(http.post(report(ZHANG, {"name": respondent})))
    assert [a.count for a in uow.sent_of(HighFrequencyAlertRaised)] == [2]
