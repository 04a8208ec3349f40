"""`wuyuan account ...` and `wuyuan auth ...`: the embedded issuer's accounts and signing keys."""

import json
import re
import sys
from datetime import timedelta

import click

from shared import wording
from shared.contracts.json_values import json_default
from shared.registry import CENTRE
from wuyuan.cli_errors import CommandError, database_full, database_server, load_settings
from wuyuan.settings import PlatformSettings

# The same names the console gives the roles.
ROLE_NAMES = wording.ROLES


# identity takes a password of at most 1024 characters (services/identity/domain.py), four bytes each at most in
# UTF-8: a line read from standard input stops there, so that one that never ends (`< /dev/zero`) is refused unread.
PASSWORD_LINE_LIMIT = 4 * 1024 + 1


class _Typed(click.ClickException):
    """What was typed is refused (a username, name, role, unit or password the rules do not take): the exit status of
    a usage error, 2, as for every other command; an account that exists already, or does not, stays 1."""

    exit_code = 2


def _password(from_stdin: bool) -> tuple[str, bool]:
    """(password, made here): read from stdin, or made at random and shown once."""
    from wuyuan.accounts import new_password

    if not from_stdin:
        return new_password(), True
    line = sys.stdin.buffer.readline(PASSWORD_LINE_LIMIT)
    if len(line) == PASSWORD_LINE_LIMIT and not line.endswith(b"\n"):
        raise _Typed("未完成：--password-stdin：密码最多1024个字符")
    try:
        return line.decode("utf-8").rstrip("\n"), False
    except UnicodeDecodeError:
        raise _Typed(
            "未完成：--password-stdin：标准输入中的密码含有不是 UTF-8 编码的字节；"
            "请按 UTF-8 输入（终端的语言环境如 zh_CN.UTF-8）"
        ) from None


# The identity service's refusals (AccountError, English for the API and logs), as the operator reads them.
UNITS_OF_OFFICERS_AND_CENTRE_STAFF = (
    "--unit：只有部门办理人（officer）绑定单位；综合协调（coordinator）可绑定所在的综治中心"
    "（centre:乡镇区划代码），不绑定即为县综治中心；其他角色不填"
)


def _centre(unit: str) -> bool:
    return unit.strip().partition(":")[0] == CENTRE


# The account as it stands (taken, or missing), rather than what was typed: exit status 1.
_STATE_ERRORS = (
    (re.compile(r"^username: (.+) is taken$"), "账号 {0} 已存在"),
    (re.compile(r"^username: no account (.+)$"), "没有账号 {0}"),
)
_ACCOUNT_ERRORS = (
    (
        re.compile(r"^username: 2-64 characters"),
        "用户名须为2至64位：以小写英文字母开头，只用小写字母、数字、“.”、“_”或“-”",
    ),
    (re.compile(r"^name: one line"), "--name：姓名只能是一行文字，不能含有换行、转义等控制字符"),
    (re.compile(r"^name: "), "--name：姓名须为1至100个字"),
    (re.compile(r"^roles: "), "--role：至少指定一个角色"),
    (re.compile(r"^units: an officer acts for at least one unit$"), "--unit：部门办理人（officer）须指定所属单位"),
    (
        re.compile(r"^units: only officers are bound to units, and coordinators to centre units$"),
        UNITS_OF_OFFICERS_AND_CENTRE_STAFF,
    ),
    (re.compile(r"^units: (.+) is not a unit of a known agency"), "--unit：{0} 不是已登记机构的单位"),
    (re.compile(r"^units: (.+) is not at a division of county ([0-9]+)"), "--unit：{0} 不在本县（{1}）的区划内"),
    (re.compile(r"^units: (.+) is finer than "), "--unit：{0} 比该机构最下一级的单位还细，没有这样的单位"),
    (re.compile(r"^units: (.+) is not a centre of county ([0-9]+)"), "--unit：{0} 不是本县（{1}）设立的综治中心"),
    (re.compile(r"^password: at least ([0-9]+) characters$"), "密码至少{0}个字符"),
    (re.compile(r"^password: at most ([0-9]+) characters$"), "密码最多{0}个字符"),
    (re.compile(r"^password: no NUL character$"), "密码不能含有空字符（NUL）"),
)


def _fail(error: Exception) -> click.ClickException:
    text = str(error)
    for pattern, chinese in _STATE_ERRORS:
        found = pattern.match(text)
        if found:
            return click.ClickException(f"未完成：{chinese.format(*found.groups())}")
    for pattern, chinese in _ACCOUNT_ERRORS:
        found = pattern.match(text)
        if found:
            return _Typed(f"未完成：{chinese.format(*found.groups())}")
    return click.ClickException(f"未完成：{text}")


def _checked_units(settings: PlatformSettings, roles: tuple[str, ...], units: tuple[str, ...]) -> list[str]:
    """The units as given, or a refusal in Chinese naming --unit: before the identity database is touched."""
    from shared.contracts.identifiers import split_unit, validate_unit
    from wuyuan.labels import Names

    units = tuple(unit.strip() for unit in units)
    if "officer" in roles and not units:
        raise _Typed("未完成：--unit：部门办理人（officer）须指定所属单位，如 --unit police:430426101")
    if units and "officer" not in roles and ("coordinator" not in roles or not all(_centre(u) for u in units)):
        raise _Typed(f"未完成：{UNITS_OF_OFFICERS_AND_CENTRE_STAFF}")
    names = Names.of(settings)
    registry = names.registry
    known = "、".join(f"{agency.code}（{agency.name_zh}）" for agency in registry.agencies.values())
    for unit in units:
        try:
            validate_unit(unit)
        except ValueError:
            raise _Typed(
                f"未完成：--unit：“{unit}”不是单位代码；应为 机构代码:区划代码，区划为县、乡镇或村的6、9或12位代码，"
                "如 police:430426101"
            ) from None
        agency, division = split_unit(unit)
        if agency not in registry.agencies:
            raise _Typed(f"未完成：--unit：“{unit}”中的机构 {agency} 未登记；已登记的机构：{known}")
        # The centres are those config/centres.toml lists, at every level: a township centre's staff are bound to it.
        if agency == CENTRE:
            _require_centre(settings, unit, division)
            continue
        # An agency's units stand at one level (unit_digits); an officer may act for a level above (a county
        # bureau over its stations), never for a finer one, where the agency has no unit to send referrals to.
        if registry.below_its_level(unit) is not None:
            deepest = registry.agencies[agency].unit_digits
            level = {6: "县级", 9: "乡镇级", 12: "村级"}[deepest]
            name = registry.agencies[agency].name_zh
            raise _Typed(
                f"未完成：--unit：“{unit}”：{name}的单位设到{level}（{deepest} 位区划代码），"
                f"没有更下一级的单位；请用 {agency}:{division[:deepest]} 或更上一级"
            )
        # The code's shape says nothing of whether the place exists: an officer bound to a mistyped division
        # would see no case at all, and nobody would be told.
        if not names.places.in_county(division, settings.county):
            county = names.place(settings.county)
            county = settings.county if county == settings.county else f"{county}，{settings.county}"
            raise _Typed(
                f"未完成：--unit：“{unit}”中的区划 {division} 不是本县（{county}）的区划；"
                f"本县的区划见 {settings.config_dir / 'divisions.toml'}"
            )
    return list(units)


def _require_centre(settings: PlatformSettings, unit: str, division: str) -> None:
    from shared.centres import CentresError, county_centres
    from wuyuan.cli_errors import config_error_text
    from wuyuan.labels import Names

    try:
        centres = county_centres(settings.config_dir, settings.county)
    except (CentresError, OSError) as exc:  # the platform's file, not what was typed
        raise click.ClickException(
            f"未完成：--unit：读不到综治中心的设置（配置文件 {settings.config_dir / 'centres.toml'}）："
            f"{config_error_text(exc)}"
        ) from None
    if centres.get(division) is None:
        names = Names.of(settings)
        listed = "、".join(f"{centre.unit}（{names.unit(centre.unit)}）" for centre in centres.centres)
        raise _Typed(
            f"未完成：--unit：“{unit}”不是本县设立的综治中心；{settings.config_dir / 'centres.toml'} 设立的有：{listed}"
        )


class _AccountCommand(click.Command):
    """An account command reaches the identity service's database: when it cannot be reached, say so plainly (under
    the command's --json too, which only its own context knows)."""

    def invoke(self, ctx: click.Context) -> object:
        from shared.persistence.errors import StoreUnavailable
        from wuyuan.database_words import database_failure

        try:
            return super().invoke(ctx)
        except StoreUnavailable as exc:
            settings = load_settings()
            full = database_full(exc, settings.pg_admin_url_of("identity"))
            if full is not None:  # the platform runs: its services hold every connection the server has
                full.as_json = bool(ctx.params.get("as_json"))
                raise full from None
            setting = "WUYUAN_PG_ADMIN_URLS.identity" if "identity" in settings.pg_admin_urls else "WUYUAN_PG_ADMIN_URL"
            said = database_failure(exc, settings.database_name("identity"), settings.admin_database_url("identity"))
            message = (
                f"连不上身份认证（identity）的数据库（{database_server(settings.pg_admin_url_of('identity'))}，"
                f"{setting}）：平台是否已经 wuyuan up 或 wuyuan provision？"
                "（WUYUAN_VHOST、WUYUAN_DB_PREFIX 等设置须与平台一致）"
            )
            if said.reason not in ("unreachable", "other"):  # reached, and told why not: that is what to fix
                message = f"用不了身份认证（identity）的数据库（{setting}）：{said.message}"
            unreachable = CommandError("database_unreachable", message, said.fields(), detail=said.detail)
            unreachable.as_json = bool(ctx.params.get("as_json"))  # only the command's own context knows
            raise unreachable from None


class _AccountCommands(click.Group):
    """`wuyuan account`: each of its commands says plainly when the identity database cannot be reached."""

    command_class = _AccountCommand


@click.group("account", cls=_AccountCommands)
def account() -> None:
    """账号：登录平台的人员、角色与所属单位（embedded issuer accounts）。"""


@account.command("add")
@click.argument("username")
@click.option("--name", required=True, help="显示名称，如 张三")
@click.option(
    "--role",
    "roles",
    multiple=True,
    required=True,
    type=click.Choice(sorted(ROLE_NAMES)),
    help="角色（可重复）：" + "，".join(f"{code} {name}" for code, name in ROLE_NAMES.items()),
)
@click.option(
    "--unit",
    "units",
    multiple=True,
    help="officer 所属单位，如 police:430426101；coordinator 所在的乡镇综治中心，如 centre:430426101（可重复）",
)
@click.option("--password-stdin", is_flag=True, help="从标准输入读取密码；否则随机生成并只显示一次")
def account_add(username: str, name: str, roles: tuple[str, ...], units: tuple[str, ...], password_stdin: bool) -> None:
    """新建账号。"""
    from services.identity.domain import AccountError
    from wuyuan.accounts import add_account
    from wuyuan.labels import Names

    settings = load_settings()
    checked = _checked_units(settings, roles, units)
    password, made = _password(password_stdin)
    try:
        add_account(settings, username, name, list(roles), checked, password)
    except AccountError as exc:
        raise _fail(exc) from None
    labels = "、".join(ROLE_NAMES[r] for r in roles)
    unit_names = Names.of(settings).units(checked)
    click.echo(f"已创建账号 {username}（{name}，{labels}{'，' + unit_names if unit_names else ''}）")
    if made:
        click.echo(f"初始密码（只显示这一次）：{password}")


@account.command("list")
@click.option("--json", "as_json", is_flag=True, help="机器可读的 JSON 输出（稳定的键和代码）")
def account_list(as_json: bool) -> None:
    """列出账号。"""
    from shared import clock
    from wuyuan.accounts import account_store
    from wuyuan.labels import Names, local_time, table

    settings = load_settings()
    with account_store(settings) as store:
        rows = store.accounts()
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2, default=json_default))
        return
    names = Names.of(settings)
    lines = []
    for row in rows:
        locked = row["locked_until"] is not None and row["locked_until"] > clock.now()
        state = "已停用" if row["disabled"] else f"锁定至 {local_time(row['locked_until'])}" if locked else "正常"
        roles = "、".join(ROLE_NAMES.get(r, r) for r in row["roles"])
        lines.append([row["username"], row["display_name"], roles, state, names.units(row["units"]) or "—"])
    for line in table(["账号", "姓名", "角色", "状态", "所属单位"], lines):
        click.echo(line)


def _change(username: str, **change: object) -> None:
    from services.identity import handlers
    from services.identity.domain import AccountError
    from shared import clock
    from wuyuan.accounts import account_store

    try:
        with account_store(load_settings()) as store:
            handlers.change_account(store, username, clock.now(), **change)  # type: ignore[arg-type]
    except AccountError as exc:
        raise _fail(exc) from None


@account.command("disable")
@click.argument("username")
def account_disable(username: str) -> None:
    """停用账号（已签发的令牌约30秒内在各服务失效）。"""
    _change(username, disabled=True)
    click.echo(f"已停用 {username}")


@account.command("enable")
@click.argument("username")
def account_enable(username: str) -> None:
    """重新启用账号。"""
    _change(username, disabled=False, unlock=True)
    click.echo(f"已启用 {username}")


@account.command("unlock")
@click.argument("username")
def account_unlock(username: str) -> None:
    """解除因多次密码错误造成的锁定。"""
    _change(username, unlock=True)
    click.echo(f"已解锁 {username}")


@account.command("password")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="从标准输入读取新密码；否则随机生成并只显示一次")
def account_password(username: str, password_stdin: bool) -> None:
    """重设密码。"""
    from services.identity import handlers
    from services.identity.dependencies import Passwords
    from services.identity.domain import AccountError
    from shared import clock
    from wuyuan.accounts import account_store

    password, made = _password(password_stdin)
    try:
        with account_store(load_settings()) as store:
            handlers.set_password(store, Passwords(offload=False), username, password, clock.now())
    except AccountError as exc:
        raise _fail(exc) from None
    click.echo(f"已重设 {username} 的密码" + (f"：{password}（只显示这一次）" if made else ""))


@click.group("auth")
def auth() -> None:
    """令牌签名密钥（the embedded issuer's signing keys）。"""


@auth.command("rotate-key")
@click.option(
    "--token-lifetime-minutes",
    default=480,
    show_default=True,
    # identity's own bounds: a shorter lifetime here would delete keys that still sign valid tokens, ending every
    # session at once
    type=click.IntRange(5, 1440),
    help="令牌有效期（分钟），须与 identity 服务的设置 WUYUAN_IDENTITY_TOKEN_LIFETIME_MINUTES 相同",
)
def auth_rotate_key(token_lifetime_minutes: int) -> None:
    """换用新的签名密钥；旧密钥在其签发的令牌全部过期后删除。无需停机。"""
    from wuyuan.accounts import rotate_signing_key

    kid, retired = rotate_signing_key(load_settings(), timedelta(minutes=token_lifetime_minutes))
    click.echo(f"新密钥 {kid} 已发布，一分钟后开始签名" + (f"；已删除过期密钥 {'、'.join(retired)}" if retired else ""))


@auth.command("keys")
def auth_keys() -> None:
    """列出签名密钥：正在签名的一把，以及已发布、稍后开始签名的新密钥。"""
    from datetime import UTC, datetime

    from shared.auth.signing import KEY_SIGNS_AFTER_SECONDS
    from shared.workdays import CHINA_TZ
    from wuyuan.accounts import signing_keys

    store = signing_keys(load_settings())
    keys = store.all()
    if not keys:
        click.echo("尚无签名密钥：identity 服务首次启动时生成")
        return
    # The newest key signs only once it has been published a minute (shared/auth/signing.py): until then the one
    # before it still does, and the new one is said to start signing then.
    active = store.active()
    for key in keys:
        if key.kid == active.kid:
            click.echo(f"{key.kid}  （签名中）")
        elif key.created > active.created:
            starts = datetime.fromtimestamp(key.created + KEY_SIGNS_AFTER_SECONDS, UTC).astimezone(CHINA_TZ)
            click.echo(f"{key.kid}  （已发布，{starts:%Y-%m-%d %H:%M:%S} 起签名）")
        else:
            click.echo(key.kid)
