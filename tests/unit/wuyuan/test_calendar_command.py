"""`wuyuan calendar`: a bad year file is refused in Chinese naming its field; a year reads by holiday name."""

from pathlib import Path

from click.testing import CliRunner

from wuyuan.cli import main
from wuyuan.commands_calendar import field_in_chinese, read_year_file, year_lines

EXAMPLE = Path(__file__).parents[3] / "config" / "calendar" / "example-2027.toml"


def load(path: Path) -> str:
    """What `wuyuan calendar load` says of a file it refuses before asking the platform anything."""
    result = CliRunner().invoke(main, ["calendar", "load", str(path)])
    assert result.exit_code != 0
    return result.output


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


def test_who_loaded_a_year_is_named_as_staff_read_people_where_identity_knows_them() -> None:
    loaded = {"year": 2027, "origin": "loaded", "source": "国务院办公厅通知", "loaded_by": "yunwei.wang"}
    loaded["loaded_at"] = "2026-12-10T02:00:00+00:00"

    assert year_lines(loaded, {"yunwei.wang": "王运维"})[0] == (
        "2027年节假日安排（已载入：国务院办公厅通知（王运维（yunwei.wang）于2026-12-10 10:00载入））"
    )


def test_a_missing_file_says_to_write_it_from_the_notice_starting_from_the_example(tmp_path: Path) -> None:
    said = load(tmp_path / "2027.toml")
    assert "文件：该文件不存在" in said
    assert "按国务院办公厅通知原文自行编写" in said and "config/calendar/example-2027.toml" in said
    assert "(file)" not in said and "（（" not in said


def test_the_example_is_refused_in_chinese_and_says_how_to_make_a_year_of_it() -> None:
    said = load(EXAMPLE)
    assert "示例标记（example）：这是示例文件" in said
    assert "删去 example = true 一行" in said
    assert read_year_file(EXAMPLE, allow_example=True).year == 2027  # only a test may read it as a year


def test_every_error_of_a_file_is_listed_each_by_its_field(tmp_path: Path) -> None:
    bad = tmp_path / "2028.toml"
    bad.write_text(
        'year = 2028\nsource = "测试用安排（非官方）"\nworking_weekends = [2028-01-05]\n'
        '[[holidays]]\nname = "圣诞节"\ndays = [2028-12-25]\n'
        '[[holidays]]\nname = "春节"\ndays = [2027-02-06]\n',
        encoding="utf-8",
    )
    said = load(bad)
    assert "共3处" in said
    assert "第1个节假日的名称（holidays[0].name）：节日名称应为" in said
    assert "第2个节假日的第1天（holidays[1].days[0]）：2027年2月6日（星期六）不在2028年内" in said
    assert "第1个调休上班日（working_weekends[0]）：1月5日（星期三）是工作日" in said


def test_holidays_that_are_not_a_list_of_tables_are_shown_the_shape_they_take(tmp_path: Path) -> None:
    bad = tmp_path / "2027.toml"
    bad.write_text('year = 2027\nsource = "测试用安排（非官方）"\nholidays = 3\n', encoding="utf-8")
    said = load(bad)
    assert "节假日（holidays）：应为若干个节假日表" in said
    assert "[[holidays]]" in said and 'name = "春节"' in said
    assert "应为列表，如 [2027-01-01" not in said


def test_a_spring_festival_with_a_day_swapped_is_refused_naming_the_festival(tmp_path: Path) -> None:
    bad = tmp_path / "2027.toml"
    bad.write_text(
        'year = 2027\nsource = "测试用安排（非官方）"\n[[holidays]]\nname = "春节"\n'
        "days = [2027-02-06, 2027-02-07, 2027-02-08, 2027-02-09, 2027-02-19, 2027-02-11, 2027-02-12]\n",
        encoding="utf-8",
    )
    said = load(bad)
    assert (
        "第1个节假日的第6天（holidays[0].days[5]）：春节的日期应按先后顺序列出：2月11日（星期四）列在了2月19日" in said
    )
    assert "春节的放假日应是连续的日子" in said and "2月9日（星期二）与2月11日（星期四）之间缺了日子" in said
