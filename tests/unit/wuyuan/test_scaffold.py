"""`wuyuan agency new`: the files and registry entry it renders, what it refuses, and what it writes."""

import ast
import re
import shutil
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from shared.contracts.vocabulary import Source
from shared.registry import DEFAULT_CONFIG_DIR, parse_registry
from tests.config_refusals import english_left
from wuyuan.cli import main
from wuyuan.scaffold import AgencySpec, ScaffoldRefused, render
from wuyuan.settings import REPO_ROOT

REGISTRY = """\
# The agencies joined to the centre.

[agencies.centre]
name_zh = "综治中心"
name_en = "Comprehensive governance centre"
service = "coordinator"
unit_digits = 6
unit_name = "{place}综治中心"

[agencies.court]
name_zh = "法院"
name_en = "People's court"
service = "court_link"
unit_digits = 6
unit_name = "{place}人民法院"
feeds = "court_filing"
"""
WOMEN = AgencySpec("women", "妇联", "Women's federation")
NEW_FILES = [
    "services/women_link/__init__.py",
    "services/women_link/service.py",
    "services/women_link/README.md",
    "tests/unit/women_link/test_women_agency.py",
    "tests/service/women_link/test_women_referrals.py",
]


def python_files(files: dict[str, str]) -> dict[str, str]:
    return {path: text for path, text in files.items() if path.endswith(".py")}


# --- rendering ----------------------------------------------------------------------------------


def test_the_women_federation_gets_a_package_tests_and_a_registry_entry_appended_after_the_others() -> None:
    scaffold = render(WOMEN, REGISTRY)

    assert list(scaffold.files) == NEW_FILES
    assert scaffold.registry_text == REGISTRY + "\n" + scaffold.registry_entry
    assert scaffold.registry_entry == (
        "[agencies.women]\n"
        'name_zh = "妇联"\n'
        'name_en = "Women\'s federation"\n'
        'service = "women_link"\n'
        "unit_digits = 6\n"
        'unit_name = "{place}妇联"\n'
    )


def test_the_appended_registry_parses_with_the_agency_as_a_python_service() -> None:
    registry = parse_registry(tomllib.loads(render(WOMEN, REGISTRY).registry_text))

    women = registry.get("women")
    assert (women.service, women.name_zh, women.name_en, women.feeds) == (
        "women_link",
        "妇联",
        "Women's federation",
        None,
    )
    assert (women.implementation.kind, women.implementation.module_of("women_link")) == (
        "python",
        "services.women_link.service",
    )
    assert women.unit_for("430426101203") == "women:430426"
    assert list(registry.agencies) == ["centre", "court", "women"]


def test_the_service_is_the_agency_base_named_after_the_agency() -> None:
    service = render(WOMEN, REGISTRY).files["services/women_link/service.py"]

    tree = ast.parse(service)
    [agency_class] = [node for node in tree.body if isinstance(node, ast.ClassDef)]
    assert agency_class.name == "WomenLink"
    assert [ast.unparse(base) for base in agency_class.bases] == ["AgencyService"]
    assert 'name = "women_link"' in service
    assert "SERVICE = WomenLink" in service


def test_the_readme_says_what_it_owns_consumes_and_emits_and_what_to_do_next() -> None:
    readme = render(WOMEN, REGISTRY).files["services/women_link/README.md"]

    for heading in ("## What it owns", "## Messages", "## Next steps"):
        assert heading in readme
    for message in ("ReferralIssued", "MessageRejected", "ReferralAccepted", "ResultReported"):
        assert message in readme
    assert "wuyuan conformance women" in readme
    assert "config/routing.toml" in readme
    # Township and village centres call in only the agencies their `call_in` names: the step says how.
    assert 'call_in = ["police", "justice", "women"]' in readme
    assert "config/centres.toml" in readme
    assert "feeds no source" in readme
    # Its own tables come after the agency base's, whose last migration the README names as it is now.
    latest = max(path.stem for path in (REPO_ROOT / "shared" / "agency" / "migrations").glob("a*.sql"))
    assert f"-- depends: {latest}" in readme


@pytest.mark.parametrize(
    ("digits", "unit", "neighbour"),
    [
        (6, "women:430426", "women:430424"),
        (9, "women:430426101", "women:430426102"),
        (12, "women:430426101203", "women:430426101205"),
    ],
)
def test_the_tests_place_their_referral_at_the_unit_of_the_agencys_level(
    digits: int, unit: str, neighbour: str
) -> None:
    files = render(AgencySpec("women", "妇联", "Women's federation", unit_digits=digits), REGISTRY).files

    service_tests = files["tests/service/women_link/test_women_referrals.py"]
    assert f'UNIT = "{unit}"' in service_tests
    assert f"assert agency.unit_digits == {digits}" in files["tests/unit/women_link/test_women_agency.py"]
    assert f'NEIGHBOURING_UNIT = "{neighbour}"' in service_tests


@pytest.mark.parametrize(("digits", "reading"), [(6, "祁东县妇联"), (9, "砖塘镇妇联"), (12, "砖塘镇新塘村妇联")])
def test_the_unit_test_expects_the_unit_read_as_staff_read_it(digits: int, reading: str) -> None:
    files = render(AgencySpec("women", "妇联", "Women's federation", unit_digits=digits), REGISTRY).files

    assert f'assert reading == "{reading}"' in files["tests/unit/women_link/test_women_agency.py"]


def test_an_agency_that_feeds_a_source_declares_it_and_tests_its_records_reach_intake() -> None:
    spec = AgencySpec("housing", "住建局", "Housing bureau", 9, "{place}住建所", "mediation_request")
    scaffold = render(spec, REGISTRY)

    assert scaffold.registry_entry.endswith('unit_name = "{place}住建所"\nfeeds = "mediation_request"\n')
    agency = parse_registry(tomllib.loads(scaffold.registry_text)).get("housing")
    assert (agency.feeds, agency.unit_digits) == (Source.MEDIATION_REQUEST, 9)
    service_tests = scaffold.files["tests/service/housing_link/test_housing_referrals.py"]
    assert 'assert register.report.source.value == "mediation_request"' in service_tests
    assert "feeds no source" not in scaffold.files["services/housing_link/README.md"]


@pytest.mark.parametrize("digits", [6, 9, 12])
@pytest.mark.parametrize("feeds", [None, "mediation_request"])
def test_every_variant_renders_python_that_parses_with_no_placeholder_left(digits: int, feeds: str | None) -> None:
    spec = AgencySpec(
        "labour", "人力资源和社会保障局", "Human resources and social security bureau", digits, None, feeds
    )

    files = render(spec, REGISTRY).files

    for path, text in python_files(files).items():
        ast.parse(text, filename=path)
    for path, text in files.items():
        assert "$" not in text, path
        assert text.endswith("\n") and not text.endswith("\n\n"), path


def test_a_registry_without_a_final_newline_still_gets_its_entry_as_a_table_of_its_own() -> None:
    scaffold = render(WOMEN, REGISTRY.rstrip("\n"))

    assert "women" in parse_registry(tomllib.loads(scaffold.registry_text)).agencies
    assert 'feeds = "court_filing"\n\n[agencies.women]' in scaffold.registry_text


def test_the_repositorys_own_registry_takes_the_entry() -> None:
    registry_text = (REPO_ROOT / "config" / "agencies.toml").read_text(encoding="utf-8")

    # A code no integrator would choose, so that the test holds whichever agencies the repository has joined.
    scaffold = render(AgencySpec("sampleagency", "样例机构", "Sample agency"), registry_text)

    assert "sampleagency" in parse_registry(tomllib.loads(scaffold.registry_text)).agencies


# --- refusals ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "field"),
    [
        (AgencySpec("Women", "妇联", "Women's federation"), "code"),
        (AgencySpec("w", "妇联", "Women's federation"), "code"),
        (AgencySpec("1women", "妇联", "Women's federation"), "code"),
        (AgencySpec("women_fed", "妇联", "Women's federation"), "code"),
        (AgencySpec("../women", "妇联", "Women's federation"), "code"),
        (AgencySpec("w" * 17, "妇联", "Women's federation"), "code"),
        (AgencySpec("women2", "妇联", "Women's federation"), "code"),  # a digit: no message could name its units
        (AgencySpec("women", "", "Women's federation"), "name_zh"),
        (AgencySpec("women", '妇"联', "Women's federation"), "name_zh"),
        (AgencySpec("women", "妇联", "Women's\nfederation"), "name_en"),
        (AgencySpec("women", "妇联", "W" * 61), "name_en"),
        (AgencySpec("women", "妇联", "Women's federation", unit_digits=7), "unit_digits"),
        (AgencySpec("women", "妇联", "Women's federation", unit_name="妇联"), "unit_name"),
        (AgencySpec("women", "妇联", "Women's federation", unit_name="{county}妇联"), "unit_name"),
        (AgencySpec("women", "妇联", "Women's federation", unit_name="{place}妇联{"), "unit_name"),
        (AgencySpec("women", "妇联", "Women's federation", feeds="family_visit"), "feeds"),
        (AgencySpec("court", "法院", "People's court"), "code"),
        (AgencySpec("centre", "中心", "Centre"), "code"),
    ],
)
def test_a_bad_spec_is_refused_naming_its_field(spec: AgencySpec, field: str) -> None:
    with pytest.raises(ScaffoldRefused) as refused:
        render(spec, REGISTRY)

    assert refused.value.field == field
    assert str(refused.value).startswith(f"{field}：")


def test_a_service_another_agency_already_uses_is_refused() -> None:
    taken = REGISTRY + '\n[agencies.fulian]\nname_zh = "妇联"\nname_en = "W"\nservice = "women_link"\nunit_digits = 6\n'

    with pytest.raises(ScaffoldRefused, match=r"women_link 已由 agencies\.fulian 使用"):
        render(WOMEN, taken)


def test_a_source_another_agency_feeds_is_refused_naming_the_agency() -> None:
    with pytest.raises(ScaffoldRefused, match=r"来源 court_filing 已由 法院（agencies\.court）提供") as refused:
        render(AgencySpec("women", "妇联", "Women's federation", feeds="court_filing"), REGISTRY)

    assert refused.value.field == "feeds"


@pytest.mark.parametrize("channel", ["walk_in", "hotline", "grid"])
def test_the_windows_own_channels_are_no_agencys_source(channel: str) -> None:
    """Records fed as walk_in would count as the centre's own registrations."""
    with pytest.raises(ScaffoldRefused, match=f"{channel} 是综治中心窗口自己的登记渠道") as refused:
        render(AgencySpec("housing", "住建局", "Housing bureau", feeds=channel), REGISTRY)

    assert refused.value.field == "feeds" and "court_filing、police_call" in str(refused.value)


def test_an_existing_directory_is_never_overwritten() -> None:
    with pytest.raises(ScaffoldRefused, match="tests/unit/women_link 已存在") as refused:
        render(WOMEN, REGISTRY, existing=["tests/unit/women_link"])

    assert refused.value.field == "code"


@pytest.mark.parametrize(
    "registry_text",
    [REGISTRY + "[agencies.broken\n", REGISTRY + '\n[agencies.bad]\nname_zh = "x"\n', "# nothing yet\n"],
    ids=["not TOML", "an entry missing fields", "no agencies"],
)
def test_a_registry_that_is_already_wrong_is_refused_before_anything_is_added(registry_text: str) -> None:
    with pytest.raises(ScaffoldRefused) as refused:
        render(WOMEN, registry_text)

    assert refused.value.field == "config/agencies.toml"


# --- the command --------------------------------------------------------------------------------


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "agencies.toml").write_text(REGISTRY, encoding="utf-8")
    return tmp_path


def new(tree: Path, *arguments: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["agency", "new", *arguments, "--root", str(tree)])
    return result.exit_code, result.output


def written(tree: Path) -> list[str]:
    return sorted(str(path.relative_to(tree)) for path in tree.rglob("*") if path.is_file())


def test_the_command_writes_the_files_and_the_entry_and_says_what_to_do_next(tree: Path) -> None:
    code, output = new(tree, "women", "--name-zh", "妇联", "--name-en", "Women's federation")

    assert code == 0, output
    assert written(tree) == sorted(["config/agencies.toml", *NEW_FILES])
    assert (tree / "config" / "agencies.toml").read_text(encoding="utf-8") == render(WOMEN, REGISTRY).registry_text
    assert "已生成机构 妇联（women）的 Python 服务 women_link" in output
    for step in ("config/routing.toml", "wuyuan provision", "wuyuan up", "wuyuan conformance women"):
        assert step in output
    assert "config/centres.toml" in output
    assert 'call_in = ["police", "justice", "women"]' in output


def test_the_officers_step_names_the_unit_of_the_county_this_deployment_serves(tree: Path, tmp_path: Path) -> None:
    deployment = tmp_path / "deployment-config"
    shutil.copytree(DEFAULT_CONFIG_DIR, deployment)
    (deployment / "divisions.toml").write_text('[divisions]\n"511702" = "通川区"\n', encoding="utf-8")
    result = CliRunner().invoke(
        main,
        ["agency", "new", "women", "--name-zh", "妇联", "--name-en", "Women's federation", "--root", str(tree)],
        env={"WUYUAN_COUNTY": "511702", "WUYUAN_CONFIG_DIR": str(deployment)},
    )

    assert result.exit_code == 0, result.output
    assert "--role officer --unit women:511702" in result.output
    assert "women:430426" not in result.output


def test_the_command_takes_the_level_the_unit_name_and_the_source(tree: Path) -> None:
    code, output = new(
        tree, "housing", "--name-zh", "住建局", "--name-en", "Housing bureau", "--unit-digits", "9",
        "--unit-name", "{place}住建所", "--feeds", "petition",
    )  # fmt: skip

    assert code == 0, output
    agency = parse_registry(tomllib.loads((tree / "config" / "agencies.toml").read_text(encoding="utf-8")))
    housing = agency.get("housing")
    assert (housing.unit_digits, housing.unit_name, housing.feeds) == (9, "{place}住建所", Source.PETITION)


@pytest.mark.parametrize(
    ("arguments", "typed"),
    [
        (["Women", "--name-zh", "妇联", "--name-en", "W"], "CODE"),
        (["court", "--name-zh", "法院", "--name-en", "Court"], "CODE"),
        (["women", "--name-zh", "妇联", "--name-en", "W", "--unit-digits", "7"], "--unit-digits"),
        (["women", "--name-zh", "妇联", "--name-en", "W", "--unit-digits", "six"], "--unit-digits"),
        (["women", "--name-zh", "妇联", "--name-en", "W", "--unit-digits", "²"], "--unit-digits"),  # isdigit()
        (["women", "--name-zh", "妇联", "--name-en", "W", "--unit-digits", "٦"], "--unit-digits"),  # int() reads 6
        (["women", "--name-zh", "妇联", "--name-en", "W", "--unit-digits", "9" * 5000], "--unit-digits"),
        (["women", "--name-zh", "妇联", "--name-en", "W", "--unit-name", "妇联"], "--unit-name"),
        (["women", "--name-zh", "妇联", "--name-en", "W", "--feeds", "visits"], "--feeds"),
        (["women", "--name-zh", " 妇联", "--name-en", "W"], "--name-zh"),
        (["women", "--name-zh", "妇联", "--name-en", "W" * 61], "--name-en"),
    ],
)
def test_the_command_refuses_with_exit_2_naming_the_field_and_writes_nothing(
    tree: Path, arguments: list[str], typed: str
) -> None:
    """Named as the integrator typed it (the option, the CODE argument), never by the scaffold's field names."""
    code, output = new(tree, *arguments)

    assert code == 2
    assert f"未生成任何文件。{typed}：" in output
    assert not re.search(r"\b(unit_digits|unit_name|name_zh|name_en|code)：", output)
    assert "未生成任何文件" in output
    assert written(tree) == ["config/agencies.toml"]
    assert (tree / "config" / "agencies.toml").read_text(encoding="utf-8") == REGISTRY


def test_the_command_refuses_an_agency_whose_directory_exists_and_leaves_it_alone(tree: Path) -> None:
    (tree / "services" / "women_link").mkdir(parents=True)
    (tree / "services" / "women_link" / "notes.md").write_text("ours", encoding="utf-8")

    code, output = new(tree, "women", "--name-zh", "妇联", "--name-en", "Women's federation")

    assert code == 2
    assert "services/women_link 已存在" in output
    assert written(tree) == ["config/agencies.toml", "services/women_link/notes.md"]
    assert (tree / "config" / "agencies.toml").read_text(encoding="utf-8") == REGISTRY


def test_the_command_refuses_a_root_without_a_registry(tmp_path: Path) -> None:
    code, output = new(tmp_path, "women", "--name-zh", "妇联", "--name-en", "W")

    assert code == 2
    assert f"--root：找不到机构登记表 {tmp_path / 'config' / 'agencies.toml'}（路径不存在）" in output
    assert written(tmp_path) == []


@pytest.mark.parametrize(
    ("registry", "says"),
    [
        (REGISTRY.replace("unit_digits = 6", "unit_digits = 8", 1), "unit_digits：应为 该机构的单位设在哪一级"),
        (REGISTRY + "\n[agencies.women\n", "现有的登记表有误，请先改正：不是有效的 TOML：第"),
    ],
)
def test_a_broken_registry_is_refused_naming_its_key_in_chinese(registry: str, says: str) -> None:
    """`wuyuan agency new` reads the registry before appending to it: what is wrong there is said as the operator
    reads it, the key named as the file spells it."""
    with pytest.raises(ScaffoldRefused) as refused:
        render(WOMEN, registry)

    assert refused.value.field == "config/agencies.toml"
    assert says in str(refused.value)
    assert not english_left(re.sub(r"（[^）]*）", "", str(refused.value)))
