"""What PostgreSQL, its driver or pg_dump said when a command failed, as operators read it: in Chinese, naming the
database and its server; the driver's own (English) words are kept for --json and --verbose, passwords taken out."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from wuyuan.cli_errors import TOO_MANY_CONNECTIONS, database_server

# SQLSTATEs, and the driver's or client's sentences where libpq gives none (a connection that never opened).
_AUTHENTICATION = frozenset({"28P01", "28000"})
_NO_DATABASE = "3D000"
_PERMISSION = frozenset({"42501"})
_DISK_FULL = frozenset({"53100"})
_SENTENCES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("server_full", re.compile(r"too many clients already|remaining connection slots are reserved", re.I)),
    (
        "authentication_failed",
        re.compile(
            r"password authentication failed|no password supplied|no pg_hba\.conf entry|"
            r"FATAL:\s+role \S+ does not exist",
            re.I,
        ),
    ),
    ("database_missing", re.compile(r"database \S+ does not exist", re.I)),
    ("permission_denied", re.compile(r"permission denied|must be owner|must be superuser", re.I)),
    ("disk_full", re.compile(r"no space left on device|could not extend file|disk full|could not write", re.I)),
    (
        "unreachable",
        re.compile(
            r"connection refused|could not connect|could not translate host name|timeout expired|"
            r"server closed the connection|no route to host|network is unreachable|connection to server .* failed",
            re.I,
        ),
    ),
)


@dataclass(frozen=True)
class DatabaseFailure:
    """One failure, classified: `reason` a stable code for scripts; `message` for staff; `detail` the driver's words."""

    reason: str
    message: str
    detail: str
    database: str
    server: str

    def fields(self) -> dict[str, str]:
        """What a command's --json error carries beside its code and message."""
        return {"reason": self.reason, "database": self.database, "server": self.server}


def without_passwords(text: str, *urls: str) -> str:
    """`text` with every password the URLs hold, and any in a connection string it quotes, replaced by ***."""
    for url in urls:
        try:
            password = urlsplit(url).password
        except ValueError:
            password = None
        for secret in {password, unquote(password or "")} - {None, ""}:
            text = text.replace(str(secret), "***")
    text = re.sub(r"(postgres(?:ql)?://[^:/@\s]*:)[^@\s]*@", r"\1***@", text)
    return re.sub(r"(password\s*=\s*)('[^']*'|\S+)", r"\1***", text, flags=re.I)


def failure_reason(error: BaseException | str) -> str:
    """The kind of failure: by SQLSTATE where the server gave one (the error or what it wraps), else by its words."""
    cause: BaseException | None = error if isinstance(error, BaseException) else None
    while cause is not None:
        state = getattr(cause, "sqlstate", None)
        if state == TOO_MANY_CONNECTIONS:
            return "server_full"
        if state in _AUTHENTICATION:
            return "authentication_failed"
        if state == _NO_DATABASE:
            return "database_missing"
        if state in _PERMISSION:
            return "permission_denied"
        if state in _DISK_FULL:
            return "disk_full"
        cause = cause.__cause__ or cause.__context__
    text = _chain_text(error)
    for reason, pattern in _SENTENCES:
        if pattern.search(text):
            return reason
    return "other"


def _chain_text(error: BaseException | str) -> str:
    if isinstance(error, str):
        return error
    texts: list[str] = []
    cause: BaseException | None = error
    while cause is not None and len(texts) < 5:
        text = str(cause)
        if not any(text in said for said in texts):  # a wrapping error often repeats what it wraps
            texts.append(text)
        cause = cause.__cause__ or cause.__context__
    return " ".join(texts)


def database_failure(error: BaseException | str, database: str, url: str, tool: str | None = None) -> DatabaseFailure:
    """`error` (psycopg's, a store's wrapping one, or pg_dump/pg_restore's standard error) on `database` at `url`."""
    server = database_server(url)
    try:
        user = urlsplit(url).username or "（默认用户）"
    except ValueError:
        user = "（默认用户）"
    reason = failure_reason(error)
    at = f"数据库 {database}（服务器 {server}）"
    messages = {
        "server_full": f"数据库服务器 {server} 的连接已满（已达 max_connections），连不上 {database}：请稍后重试，"
        "或停掉占着连接的程序",
        "authentication_failed": f"数据库服务器 {server} 拒绝用户 {user} 登录 {database}：密码不对、该用户不存在，"
        "或服务器的 pg_hba.conf 不允许从这里登录",
        "database_missing": f"数据库服务器 {server} 上没有数据库 {database}：请确认平台已经 wuyuan provision、"
        "WUYUAN_DB_PREFIX 与平台一致",
        "permission_denied": f"用户 {user} 在{at}上没有所需的权限：请由数据库管理员授权，或改用有权限的用户",
        "disk_full": f"磁盘空间不足：{at}或本机（备份目录）所在的磁盘已满，请腾出空间后重试",
        "unreachable": f"连不上数据库服务器 {server}（数据库 {database}）：请确认 PostgreSQL 在运行、地址和端口无误",
        "other": (
            f"{tool}未能完成（{at}）；加 --verbose 可看其原话" if tool else f"{at}报错；加 --verbose 可看数据库的原话"
        ),
    }
    detail = without_passwords(" ".join(_chain_text(error).split()), url)
    return DatabaseFailure(reason, messages[reason], detail, database, server)
