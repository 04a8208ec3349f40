"""`wuyuan calendar`: a bad year file is refused in Chinese naming its field; a year reads by holiday name."""

from pathlib import Path

from click.testing import CliRunner

from wuyuan.cli import main
from wuyuan.commands_calendar import field_in_chinese, year_lines


def test_a_bad_year_file_is_refused_before_anything_is_sent(tmp_path: Path) -> None:
    bad = tmp_path / "2027.toml"
    bad.write_text(
        'year = 2027\nsource = "测试用安排（非官方）"\nworking_weekends = [2027-01-29]\n'
        '[[holidays]]\nname = "元旦"\ndays = [2027-01-01]\n',
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, ["calendar", "load", str(bad)])
    assert result.exit_code != 0
    assert "节假日安排文件有误，未载入" in result.output
    assert "第1个调休上班日（working_weekends[0]）" in result.output


def test_a_field_is_named_as_staff_would_say_it() -> None:
    assert field_in_chinese("holidays[1].days[3]") == "第2个节假日的第4天"
    assert field_in_chinese("source") == "通知来源"


def test_a_loaded_year_prints_its_holidays_and_its_working_weekends() -> None:
    lines = year_lines(
        {
            "year": 2027,
            "origin": "loaded",
            "source": "测试用安排",
            "loaded_by": "yunwei.wang",
            "loaded_at": "2026-12-10T02:00:00+00:00",
            "holidays": [{"name": "元旦", "days": ["2027-01-01", "2027-01-02", "2027-01-03"]}],
            "working_weekends": ["2027-01-30"],
        }
    )
    assert lines == [
        "2027年节假日安排（已载入：测试用安排（yunwei.wang于2026-12-10 10:00载入））",
        "  元旦：1月1日至1月3日（3天）",
        "调休上班：1月30日（星期六）",
    ]
    assert "尚未载入" in year_lines({"year": 2031, "origin": "unknown"})[0]
