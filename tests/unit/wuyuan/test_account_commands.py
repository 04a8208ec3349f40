"""`wuyuan account add`: units by name in the confirmation, and every refusal in Chinese naming what to fix."""

import io
import shutil
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from click.testing import CliRunner

from shared.registry import DEFAULT_CONFIG_DIR
from wuyuan.cli import main

PASSWORD = "correct horse battery\n"


class FakeAccountStore:
    """The identity store as `add_account` uses it: accounts by username."""

    def __init__(self, taken: set[str]) -> None:
        self.taken = taken
        self.added: list[object] = []

    def add(self, account, password_hash, now) -> bool:
        if account.username in self.taken:
            return False
        self.added.append(account)
        return True


@pytest.fixture
def store(monkeypatch, tmp_path) -> FakeAccountStore:
    monkeypatch.setenv("WUYUAN_STATE_DIR", str(tmp_path / "state"))
    fake = FakeAccountStore(taken={"liu.yang"})

    @contextmanager
    def account_store(settings) -> Iterator[FakeAccountStore]:
        yield fake

    monkeypatch.setattr("wuyuan.accounts.account_store", account_store)
    return fake


def add(*arguments: str, password: str = PASSWORD):
    return CliRunner().invoke(main, ["account", "add", *arguments, "--password-stdin"], input=password)


def test_the_confirmation_names_the_units_as_staff_know_them(store):
    result = add(
        "zhou.min", "--name", "周敏", "--role", "officer", "--unit", "police:430426101", "--unit", "court:430426"
    )

    assert result.exit_code == 0, result.output
    assert result.output.strip() == "已创建账号 zhou.min（周敏，部门办理人，砖塘镇派出所、祁东县人民法院）"
    assert [sorted(account.units) for account in store.added] == [["court:430426", "police:430426101"]]


@pytest.mark.parametrize(
    ("units", "says"),
    [
        (["police-430426101"], "“police-430426101”不是单位代码；应为 机构代码:区划代码"),
        (["police:4304261"], "“police:4304261”不是单位代码"),
        (["police:000000"], "“police:000000”不是单位代码"),
        (["police:４３０４２６"], "不是单位代码"),  # full-width digits typed with a Chinese input method
        (["fire:430426101"], "“fire:430426101”中的机构 fire 未登记；已登记的机构：centre（综治中心）"),
        # The court's units stand at the county: a township court unit is no unit at all.
        (["court:430426101"], "“court:430426101”：法院的单位设到县级（6 位区划代码），没有更下一级的单位"),
        # Codes of the right shape at places the county does not have: a typo, or another county's.
        (["police:999999"], "“police:999999”中的区划 999999 不是本县（祁东县，430426）的区划"),
        (["police:430426999"], "“police:430426999”中的区划 430426999 不是本县（祁东县，430426）的区划"),
        (["police:430426101", "court:431121"], "“court:431121”中的区划 431121 不是本县（祁东县，430426）的区划"),
    ],
)
def test_a_unit_that_is_not_one_is_refused_in_chinese_naming_the_option(store, units, says):
    arguments = [item for unit in units for item in ("--unit", unit)]

    result = add("zhou.min", "--name", "周敏", "--role", "officer", *arguments)

    assert result.exit_code == 2  # what was typed, as for any option click refuses
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.output.startswith("错误：未完成：--unit：")
    assert says in result.output
    assert store.added == []


def test_an_officer_needs_a_unit_and_no_one_else_has_one(store):
    officer = add("zhou.min", "--name", "周敏", "--role", "officer")
    leader = add("li.hua", "--name", "李华", "--role", "leader", "--unit", "police:430426101")

    assert "--unit：部门办理人（officer）须指定所属单位" in officer.output
    assert "--unit：只有部门办理人（officer）绑定单位" in leader.output
    assert (officer.exit_code, leader.exit_code, store.added) == (2, 2, [])


def test_a_township_centres_coordinator_is_bound_to_the_centre_and_no_other_role_to_one(store):
    coordinator = add("jiang.hua", "--name", "蒋华", "--role", "coordinator", "--unit", "centre:430426102")
    supervisor = add("tan.li", "--name", "谭丽", "--role", "supervisor", "--unit", "centre:430426102")
    beyond = add("he.min", "--name", "何敏", "--role", "coordinator", "--unit", "court:430426")
    no_centre = add("xu.li", "--name", "许丽", "--role", "coordinator", "--unit", "centre:430426106")

    assert coordinator.exit_code == 0, coordinator.output
    assert [account.units for account in store.added] == [frozenset({"centre:430426102"})]
    for refused in (supervisor, beyond):
        assert refused.exit_code == 2 and "综合协调（coordinator）可绑定所在的综治中心" in refused.output
    # A township that set up no centre (config/centres.toml) has no staff to bind; the answer lists those that did.
    assert no_centre.exit_code == 2 and "“centre:430426106”不是本县设立的综治中心" in no_centre.output
    assert "centre:430426102（" in no_centre.output


def test_the_identity_services_refusals_read_in_chinese(store):
    taken = add("liu.yang", "--name", "刘洋", "--role", "coordinator")
    bad_name = add("Liu Yang", "--name", "刘洋", "--role", "coordinator")
    short = add("wang.fang", "--name", "王芳", "--role", "coordinator", password="short\n")

    assert "未完成：账号 liu.yang 已存在" in taken.output
    assert "未完成：用户名须为2至64位" in bad_name.output
    assert "未完成：密码至少12个字符" in short.output
    # What was typed is a usage error (2), as for every command; an account that exists already is not (1).
    assert (taken.exit_code, bad_name.exit_code, short.exit_code) == (1, 2, 2)
    for result in (taken, bad_name, short):
        assert "Traceback" not in result.output


def test_units_at_the_countys_own_divisions_are_kept_at_every_level_an_agency_has(store):
    result = add(
        "zhou.min",
        "--name",
        "周敏",
        "--role",
        "officer",
        "--unit",
        "centre:430426",  # the centre itself
        "--unit",
        "police:430426",  # the county's bureau, above its stations
        "--unit",
        "justice:430426102",  # a township's 司法所
    )

    assert result.exit_code == 0, result.output
    assert [sorted(account.units) for account in store.added] == [
        ["centre:430426", "justice:430426102", "police:430426"]
    ]


def test_a_unit_at_no_division_of_the_county_says_where_the_countys_divisions_are_listed(store):
    result = add("ding.li", "--name", "丁力", "--role", "officer", "--unit", "police:999999")

    assert result.exit_code == 2
    assert result.output.rstrip().endswith("本县的区划见 " + str(DEFAULT_CONFIG_DIR / "divisions.toml"))
    assert store.added == []


def test_without_a_list_of_the_countys_divisions_a_unit_must_still_lie_within_the_county(store, monkeypatch, tmp_path):
    config = tmp_path / "config"
    shutil.copytree(DEFAULT_CONFIG_DIR, config)
    (config / "divisions.toml").unlink()
    monkeypatch.setenv("WUYUAN_CONFIG_DIR", str(config))

    elsewhere = add("ding.li", "--name", "丁力", "--role", "officer", "--unit", "police:999999")
    unlisted = add("zhou.min", "--name", "周敏", "--role", "officer", "--unit", "police:430426999")

    assert "“police:999999”中的区划 999999 不是本县（430426）的区划" in elsewhere.output
    assert unlisted.exit_code == 0, unlisted.output
    assert [sorted(account.units) for account in store.added] == [["police:430426999"]]


@pytest.mark.parametrize("minutes", ["-5", "0", "99999999999999999999"])
def test_a_token_lifetime_identity_would_not_take_is_refused_before_any_key_is_made_or_deleted(monkeypatch, minutes):
    def must_not_rotate(*args, **kwargs):
        raise AssertionError("a key was made or deleted")

    monkeypatch.setattr("wuyuan.accounts.rotate_signing_key", must_not_rotate)

    result = CliRunner().invoke(main, ["auth", "rotate-key", "--token-lifetime-minutes", minutes])

    assert result.exit_code == 2 and "Traceback" not in result.output, result.output
    assert "错误：--token-lifetime-minutes：" in result.output and "超出允许的范围（5至1440）" in result.output


def test_a_password_on_standard_input_that_is_not_utf8_is_refused_naming_the_option(store):
    result = CliRunner().invoke(
        main,
        ["account", "add", "zhou.min", "--name", "周敏", "--role", "leader", "--password-stdin"],
        input=b"correct horse \xff battery\n",
    )

    assert result.exit_code == 2 and isinstance(result.exception, SystemExit), result.output
    assert "错误：未完成：--password-stdin：标准输入中的密码含有不是 UTF-8 编码的字节" in result.output
    assert "Traceback" not in result.output and store.added == []


class EndlessInput(io.RawIOBase):
    """Standard input that never ends and holds no line break (`< /dev/zero`, `yes | tr -d '\\n'`): what is read of
    it is counted, and reading far past any password fails the test rather than filling the memory."""

    def __init__(self) -> None:
        self.served = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def]
        if self.served > 1024 * 1024:
            raise AssertionError("read on far past any password")
        buffer[:] = b"a" * len(buffer)
        self.served += len(buffer)
        return len(buffer)


def test_a_password_line_that_never_ends_is_refused_after_reading_no_more_than_a_password(store):
    endless = EndlessInput()

    result = CliRunner().invoke(
        main,
        ["account", "add", "zhou.min", "--name", "周敏", "--role", "leader", "--password-stdin"],
        input=io.BufferedReader(endless),
    )

    assert result.exit_code == 2 and isinstance(result.exception, SystemExit), result.output
    assert "错误：未完成：--password-stdin：密码最多1024个字符" in result.output
    assert endless.served < 64 * 1024 and store.added == []


def test_auth_keys_names_the_key_that_signs_until_a_new_one_has_been_published_a_minute(monkeypatch, tmp_path):
    """A rotated key is published at once and signs a minute later: meanwhile the key before it still signs."""
    from shared.auth.signing import SigningKeys
    from wuyuan.settings import PlatformSettings

    monkeypatch.setenv("WUYUAN_STATE_DIR", str(tmp_path / "state"))
    keys = SigningKeys(PlatformSettings().signing_key_dir)
    first = keys.create()
    older = "20261201T010000.000000Z-0ld0ld00"  # made days ago, 2026-12-01 09:00 Beijing time
    (keys.directory / f"{first.kid}.pem").rename(keys.directory / f"{older}.pem")
    rotated = keys.create()

    result = CliRunner().invoke(main, ["auth", "keys"])

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == f"{older}  （签名中）"
    assert lines[1].startswith(f"{rotated.kid}  （已发布，") and lines[1].endswith(" 起签名）")
