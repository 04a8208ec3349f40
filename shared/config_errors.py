"""A configuration file's refusal, as the operator who edits the file reads it: in Chinese, naming the key."""

import re
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

# The place of a refusal about the whole file (not valid TOML), where no key can be named.
WHOLE_FILE = ""
# tomllib reads UTF-8 alone; a file saved as GBK (as Windows Notepad may) fails before any key is read.
NOT_UTF8 = "不是 UTF-8 编码的文本：请用 UTF-8 编码保存此文件"


class ConfigFileError(ValueError):
    """An entry of a configuration file (config/*.toml) refused.

    `field` is the key as the file spells it (`centres[2].division`, `levels.township.escalate_after_working_days`),
    which is what the operator edits; `problem` says in Chinese what is wrong and what is expected; `code` is a stable
    English word for scripts and structured logs. `file` is set by whoever read the file (the parse alone does not
    know it). `str()` is "field：problem", the key first so that it reads the same in every wrapper."""

    def __init__(self, field: str, problem: str, code: str, file: Path | str | None = None) -> None:
        super().__init__(field, problem, code)
        self.field = field
        self.problem = problem
        self.code = code
        self.file = str(file) if file is not None else None

    def __str__(self) -> str:
        return f"{self.field}：{self.problem}" if self.field else self.problem

    def log_fields(self) -> dict[str, str | None]:
        """For a start-up log line that `wuyuan up` and `wuyuan start` show the operator: the refusal in Chinese as the
        command line words it, and the code, file and key for whoever searches the logs."""
        return {"error": self.in_file(), "code": self.code, "file": self.file, "field": self.field}

    def in_file(self) -> str:
        """'配置文件 config/centres.toml 有误：centres[2].division：…', or str() when the file is unknown."""
        return f"配置文件 {self.file} 有误：{self}" if self.file else str(self)


Parsed = TypeVar("Parsed")


def load_config_file(
    path: Path | str, refusal: type[ConfigFileError], parse: Callable[[dict[str, Any]], Parsed]
) -> Parsed:
    """The TOML file at `path`, read by `parse`; a `refusal` naming the file when it is not UTF-8, not TOML, or
    `parse` refuses an entry of it (OSError when it cannot be opened: each caller words that as its command does)."""
    with Path(path).open("rb") as handle:
        try:
            data = tomllib.load(handle)
        except tomllib.TOMLDecodeError as bad:
            raise refusal(WHOLE_FILE, toml_error_text(bad), "invalid_toml", path) from None
        except UnicodeDecodeError:
            raise refusal(WHOLE_FILE, NOT_UTF8, "not_utf8", path) from None
    try:
        return parse(data)
    except refusal as refused:
        refused.file = str(path)
        raise


def quoted(value: object) -> str:
    """A value as the file would write it, in Chinese quotation marks: “fire”, “4304261”, “true”."""
    if isinstance(value, bool):
        value = "true" if value else "false"
    return f"“{value}”"


def toml_error_text(error: tomllib.TOMLDecodeError) -> str:
    """'不是有效的 TOML：第3行第9列有误（Invalid value）', the place tomllib found the fault; its own words stay in
    brackets, the one part no translation could keep true to every case."""
    text = str(error)
    found = re.fullmatch(r"(.*) \(at line (\d+), column (\d+)\)", text)
    if found:
        return f"不是有效的 TOML：第{found.group(2)}行第{found.group(3)}列有误（{found.group(1)}）"
    found = re.fullmatch(r"(.*) \(at end of document\)", text)
    if found:
        return f"不是有效的 TOML：文件在结尾处不完整（{found.group(1)}）"
    return f"不是有效的 TOML（{text}）"
