"""`wuyuan agency new CODE`: write a new Python agency's package, README, tests and registry entry."""

import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import IO, Any

import click

from wuyuan.os_words import os_error_words
from wuyuan.scaffold import REGISTRY_FILE, AgencySpec, Scaffold, ScaffoldRefused, check_spec, directories_of, render
from wuyuan.settings import REPO_ROOT, PlatformSettings

_UNIT_DIGITS = re.compile(r"[0-9]{1,2}", re.ASCII)
# What the integrator typed for each of AgencySpec's fields; the registry file is named by its path.
TYPED = {
    "code": "CODE",
    "name_zh": "--name-zh",
    "name_en": "--name-en",
    "unit_digits": "--unit-digits",
    "unit_name": "--unit-name",
    "feeds": "--feeds",
    "root": "--root",
}


class Refusal(click.ClickException):
    """Bad input: exit 2, like click's own usage errors, with the message in Chinese naming the field."""

    exit_code = 2

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(f"未生成任何文件。{self.message}", err=True)


@click.group("agency")
def agency_group() -> None:
    """机构：接入综治中心的各机构（agencies）。"""


@agency_group.command("new")
@click.argument("code")
@click.option("--name-zh", required=True, help="机构的中文名称，如 妇联")
@click.option("--name-en", required=True, help='机构的英文名称，如 "Women\'s federation"')
@click.option(
    "--unit-digits", default="6", show_default=True, help="其单位所在的区划层级：6（县）、9（乡镇）或 12（村）位代码"
)
@click.option(
    "--unit-name", default=None, help="单位名称的写法，{place} 代表地名，如 {place}妇联（默认 {place} 加中文名称）"
)
@click.option(
    "--feeds", default=None, help="该机构自己的记录进入平台时的案件来源（source，见 shared/contracts/vocabulary.py）"
)
@click.option(
    "--root",
    type=click.Path(file_okay=False, path_type=Path),
    default=REPO_ROOT,
    show_default="本仓库",
    help="写入哪个仓库目录",
)
def new_agency(
    code: str, name_zh: str, name_en: str, unit_digits: str, unit_name: str | None, feeds: str | None, root: Path
) -> None:
    """为新机构生成 Python 服务的代码、测试和登记项。

    生成 services/CODE_link/（含 README）、其测试，以及 config/agencies.toml
    中的登记项。CODE 为机构代码（2 至 16 位小写字母，如 women）。有任何一项不对时，什么都不写。
    """
    # ASCII digits only: str.isdigit() also passes '²' and '٦', which int() refuses or reads as another number.
    if not _UNIT_DIGITS.fullmatch(unit_digits):
        raise Refusal(f"--unit-digits：单位层级须为 6（县）、9（乡镇）或 12（村）位，收到 {unit_digits!r}")
    spec = AgencySpec(code, name_zh, name_en, int(unit_digits), unit_name, feeds)
    scaffold = _planned(spec, root)
    _write(root, scaffold)
    click.echo(_summary(scaffold, _county()))


def _planned(spec: AgencySpec, root: Path) -> Scaffold:
    try:
        check_spec(spec)  # before the code becomes part of a path
        registry_path = root / REGISTRY_FILE
        try:
            registry_text = registry_path.read_text(encoding="utf-8")
        except OSError as missing:
            raise ScaffoldRefused("root", f"找不到机构登记表 {registry_path}（{os_error_words(missing)}）") from None
        existing = [directory for directory in directories_of(spec) if (root / directory).exists()]
        return render(spec, registry_text, existing)
    except ScaffoldRefused as refused:
        raise Refusal(f"{TYPED.get(refused.field, refused.field)}：{refused.reason}") from None


def _write(root: Path, scaffold: Scaffold) -> None:
    """The files first, the registry entry last, so that an agency is never declared without its package."""
    made: list[Path] = []
    try:
        for directory in scaffold.directories:
            (root / directory).mkdir(parents=True, exist_ok=False)
            made.append(root / directory)
        for relative, text in scaffold.files.items():
            (root / relative).write_text(text, encoding="utf-8")
        _replace_text(root / REGISTRY_FILE, scaffold.registry_text)
    except OSError as failed:
        for created in made:
            shutil.rmtree(created, ignore_errors=True)
        where = f" {failed.filename}" if failed.filename else ""
        raise click.ClickException(f"写入{where}失败（{os_error_words(failed)}），已撤回新建的目录") from failed


def _replace_text(path: Path, text: str) -> None:
    """Write the whole file at once: a reader sees the registry before or after, never half of it."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        shutil.copymode(path, temporary)
        os.replace(temporary, path)
    except OSError:
        Path(temporary).unlink(missing_ok=True)
        raise


def _county() -> str | None:
    """The county this deployment serves (WUYUAN_COUNTY), whose unit the officers' step names; None when the
    settings cannot be read, which is no reason to refuse writing the agency."""
    try:
        return PlatformSettings().county
    except ValueError:
        return None


def _summary(scaffold: Scaffold, county: str | None) -> str:
    spec = scaffold.spec
    unit = spec.unit_for(county) if county is not None else f"{spec.code}:<区划代码>"
    lines = [f"已生成机构 {spec.name_zh}（{spec.code}）的 Python 服务 {spec.service}："]
    lines += [f"  新建 {relative}" for relative in scaffold.files]
    lines += [
        f"  追加 {REGISTRY_FILE}：[agencies.{spec.code}]",
        "下一步：",
        f"  1. 在 config/routing.toml 的分派规则中写入 {spec.code}（lead、co 或 co_reserve），否则不会有案件交办给它",
        f"  2. 要让乡镇、村级综治中心能召集它（吹哨报到），在 config/centres.toml 中"
        f'这些中心的 call_in 里加上 {spec.code}，例如 call_in = ["police", "justice", "{spec.code}"]'
        '（县级中心的 call_in = "*" 已包含它）',
        f"  3. 运行生成的测试：.venv/bin/pytest tests/unit/{spec.service} tests/service/{spec.service}",
        "  4. 开通（数据库、消息用户与队列）：.venv/bin/wuyuan provision",
        "  5. 重启平台：.venv/bin/wuyuan down && .venv/bin/wuyuan up -d",
        f"  6. 一致性检查：.venv/bin/wuyuan conformance {spec.code}",
        f"  7. 添加办理人员：.venv/bin/wuyuan account add <用户名> --name <姓名> --role officer --unit {unit}",
        "  8. 更新对外契约文档与部署清单：make contracts && make deploy（make test 检查二者是否最新）",
        f"说明见 services/{spec.service}/README.md",
    ]
    return "\n".join(lines)
