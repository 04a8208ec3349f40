"""Staff read services by their group or agency name and times in Beijing time."""

from datetime import UTC, datetime

from wuyuan.labels import local_time, service_label
from wuyuan.settings import PlatformSettings


def test_services_are_named_as_staff_know_them(tmp_path):
    settings = PlatformSettings(state_dir=tmp_path)
    assert service_label(settings, "coordinator") == "综合协调组"
    assert service_label(settings, "police_link") == "公安局"
    assert service_label(settings, "womens_federation") == "womens_federation"  # unknown: its code


def test_times_are_shown_in_beijing_time_to_the_second():
    assert local_time("2026-12-04T14:10:03.123456+00:00") == "2026-12-04 22:10:03"
    assert local_time(datetime(2026, 12, 31, 16, 30, tzinfo=UTC)) == "2027-01-01 00:30:00"
    assert local_time(None) == ""
    assert local_time("2026-12-04T14:10:03") == "2026-12-04T14:10:03"  # no zone: shown as it is, not guessed
