"""An HTTP client for a running platform: what staff, officers and the follow-up visitor do, service by service.

Every state-changing call carries an Idempotency-Key, one per call; such a call that got no
answer, a 503 or a 409 `in_progress` is sent again with the same key, so it changes things once.
"""

import sys
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlencode

import click
import requests

from shared.persistence.idempotency import KEY_HEADER, WRITE_METHODS
from shared.registry import load_registry
from shared.wording import CASE_STATUSES, label, load_places, unit_name
from wuyuan.os_words import os_error_words, read_limited
from wuyuan.settings import PlatformSettings

# A JSON object as the services' APIs take and give it.
JsonObject = dict[str, Any]


# Answers that mean "not there yet" while a case or referral travels between services: not known yet (404),
# or the service busy or its database coming back (503).
NOT_YET = (404, 503)
JUSTICE_SERVICE = "justice_link"
# The most a password or token file may hold (a token of an OpenID Connect provider is a few kilobytes): read no
# further, as the path may be a device or a pipe that never ends.
SECRET_FILE_LIMIT = 64 * 1024


# As many accounts as identity names in one answer.
PEOPLE_ASKED_AT_ONCE = 50


class PlatformError(RuntimeError):
    """A service answered with an error; the message carries its JSON body, `code` says what for scripts.

    A refusal also keeps the service and its JSON answer, which the command turns into Chinese (wuyuan/cli_errors.py).
    """

    def __init__(
        self,
        message: str,
        code: str = "service_refused",
        status: int | None = None,
        service: str | None = None,
        answer: JsonObject | None = None,
        detail: str | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.status = status
        self.service = service
        self.answer = answer
        # The request and the service's raw answer, in its own words: shown only under --json or --verbose.
        self.detail = detail


class SignInError(PlatformError):
    """The command cannot act as anyone: a sign-in setting missing or unreadable, or the credentials refused."""

    def __init__(self, code: str, message: str, detail: str | None = None) -> None:
        super().__init__(message, code, detail=detail)


class ServiceUnreachable(requests.ConnectionError):
    """A service did not answer at its address; the message names the service, the address and what to check."""

    def __init__(self, service: str, url: str, message: str, detail: str | None = None) -> None:
        super().__init__(message)
        self.service = service
        self.url = url
        self.detail = detail  # the network library's own words (--verbose)


# The user name a client holding only a bearer token acts under; the token names the person.
TOKEN_HOLDER = "(bearer token)"


@dataclass(frozen=True)
class Credentials:
    """Whom the `wuyuan` command acts as: the local platform's working accounts, one person, or a given token."""

    kind: Literal["working_accounts", "person", "token"]
    username: str | None = None
    secret: str | None = field(default=None, repr=False)  # the person's password, or the token


def sign_in_choice(settings: PlatformSettings, ask_password: Callable[[str], str | None] | None = None) -> Credentials:
    """A token (WUYUAN_CLI_TOKEN or _FILE), else a person (WUYUAN_CLI_USERNAME, the password from
    WUYUAN_CLI_PASSWORD_FILE or asked for), else the working accounts where they may be made; or SignInError."""
    if settings.cli_token is not None:
        return Credentials("token", secret=_bearer("WUYUAN_CLI_TOKEN", settings.cli_token.get_secret_value().strip()))
    if settings.cli_token_file is not None:
        token = _read_secret("WUYUAN_CLI_TOKEN_FILE", settings.cli_token_file)
        return Credentials("token", secret=_bearer("WUYUAN_CLI_TOKEN_FILE", token))
    username = settings.cli_username
    if username is not None:
        password: str | None
        if settings.cli_password_file is not None:
            password = _read_secret("WUYUAN_CLI_PASSWORD_FILE", settings.cli_password_file)
        else:
            password = (ask_password or _no_terminal)(username)
        if not password:
            raise SignInError(
                "password_missing",
                f"没有账号 {username} 的密码：请在终端中运行以输入密码（kubectl exec -it），"
                "或设置 WUYUAN_CLI_PASSWORD_FILE 指向存放密码的文件（如挂载的 Secret）",
            )
        return Credentials("person", username, password)
    if working_accounts_here(settings):
        return Credentials("working_accounts")
    sign_in = (
        "WUYUAN_CLI_USERNAME（本人账号，密码在终端输入或由 WUYUAN_CLI_PASSWORD_FILE 给出），"
        "或 WUYUAN_CLI_TOKEN / WUYUAN_CLI_TOKEN_FILE（统一身份认证平台签发的令牌）"
    )
    if not settings.addresses_configured:
        # Most often the platform is simply not started: say that first, and sign-in only as the other way.
        raise SignInError(
            "local_platform_not_running",
            f"本机没有运行中的本地平台（状态目录 {settings.state_dir}）：请先启动平台"
            "（make run，或 .venv/bin/wuyuan up -d），再运行此命令。"
            f"若要以本人身份连接其他平台或正式部署，请设置 {sign_in}",
        )
    raise SignInError(
        "sign_in_not_configured",
        f"未设置登录身份：请设置 {sign_in}。服务地址已配置（WUYUAN_SERVICE_URLS / WUYUAN_SERVICE_URL_TEMPLATE），"
        "不使用演示账号",
    )


def working_accounts_here(settings: PlatformSettings) -> bool:
    """The demo.* accounts are made and used only beside the platform `wuyuan up` runs from this state directory,
    or in development mode with no service address configured: anywhere else the identity database holds people's
    own accounts (a demo account with the operator role has no place there), and the state directory may not be
    writable. Configured addresses point at a deployment, so they always mean signing in as a person."""
    if settings.addresses_configured:
        return False
    if settings.dev_mode:
        return True
    from wuyuan import supervise

    try:
        return supervise.is_running(settings)
    except supervise.PasswordRefused as refused:
        from wuyuan.cli_errors import CommandError  # it reads this module's errors: imported when needed

        raise CommandError("local_platform_unreachable", str(refused)) from None


def terminal_password(username: str) -> str | None:
    """The password typed at a terminal (not echoed; the prompt on stderr, so --json output stays clean)."""
    if not sys.stdin.isatty():
        return None
    answer: str = click.prompt(f"账号 {username} 的密码", hide_input=True, err=True, default="", show_default=False)
    return answer


def _no_terminal(username: str) -> str | None:
    return None


def _bearer(setting: str, token: str) -> str:
    """The token as an Authorization header carries it: visible ASCII only (RFC 6750), or SignInError naming the
    setting, never quoting the token. Anything else is a mistake in copying it, and HTTP could not send it at all."""
    if not all("!" <= character <= "~" for character in token):
        raise SignInError(
            "invalid_setting",
            f"{setting} 所给的令牌含有空格、中文或其他不可见字符；令牌只由英文字母、数字和符号组成，请重新复制",
        )
    return token


def _read_secret(setting: str, path: Path) -> str:
    try:
        value = read_limited(path, SECRET_FILE_LIMIT).decode("utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        unreadable = f"读不到 {setting} 所指的文件 {path}：{os_error_words(exc)}"
        raise SignInError("credential_file_unreadable", unreadable) from None
    if not value:
        raise SignInError("credential_file_unreadable", f"{setting} 所指的文件 {path} 是空的")
    return value


@dataclass
class PlatformClient:
    """Signs in as the account each task needs: `accounts` maps usernames to passwords. With `person` set,
    every call is made as that one account (a real person's, or TOKEN_HOLDER with a given token)."""

    settings: PlatformSettings
    timeout: float = 15.0
    accounts: dict[str, str] = field(default_factory=dict)
    retries: int = 4  # further attempts of a call that got no answer or was told to retry later
    person: str | None = None

    def __post_init__(self) -> None:
        self.http = requests.Session()
        self.registry = load_registry(self.settings.config_dir)
        self.tokens: dict[str, str] = {}

    @classmethod
    def from_settings(
        cls,
        settings: PlatformSettings,
        timeout: float = 15.0,
        ask_password: Callable[[str], str | None] | None = terminal_password,
    ) -> "PlatformClient":
        """The client a staff command uses: signed in as `sign_in_choice` says. Only on the local platform (or in
        development mode) does it fall back to the working accounts, which it makes in the identity database."""
        chosen = sign_in_choice(settings, ask_password)
        if chosen.kind == "working_accounts":
            return cls.with_working_accounts(settings, timeout)
        assert chosen.secret is not None
        if chosen.kind == "token":
            client = cls(settings, timeout, person=TOKEN_HOLDER)
            client.tokens[TOKEN_HOLDER] = chosen.secret
            return client
        assert chosen.username is not None
        return cls(settings, timeout, {chosen.username: chosen.secret}, person=chosen.username)

    @classmethod
    def with_working_accounts(cls, settings: PlatformSettings, timeout: float = 15.0) -> "PlatformClient":
        """A client holding one account per role (made once, passwords kept in the state directory)."""
        from shared.persistence.errors import StoreUnavailable
        from wuyuan.accounts import ensure_accounts, working_accounts

        try:
            accounts = ensure_accounts(settings, working_accounts(settings))
        except StoreUnavailable as exc:
            from wuyuan.cli_errors import database_full  # it words this client's errors: imported only when needed

            full = database_full(exc, settings.pg_admin_url_of("identity"))
            if full is not None:  # the platform runs: its services hold every connection the server has
                raise SignInError(full.code, full.message, full.detail) from None
            from wuyuan.database_words import database_failure

            url = settings.admin_database_url("identity")
            said = database_failure(exc, settings.database_name("identity"), url)
            raise SignInError(
                "working_accounts_unavailable",
                f"无法在身份认证（identity）的数据库中建立演示账号：{said.message}；平台是否已经 wuyuan up？",
                said.detail,
            ) from None
        except OSError as exc:  # the state directory that keeps their passwords
            from wuyuan.os_words import os_error_words

            raise SignInError(
                "working_accounts_unavailable",
                f"无法在 {settings.state_dir / 'secrets' / 'accounts'} 保存演示账号的密码：{os_error_words(exc)}；"
                "不在本地平台上时，请以本人账号登录（WUYUAN_CLI_USERNAME）",
                str(exc),
            ) from None
        return cls(settings, timeout, accounts)

    def url(self, service: str, path: str) -> str:
        try:
            return f"{self.settings.service_url(service)}{path}"
        except ValueError as missing:
            raise PlatformError(str(missing), "service_address_missing") from None

    def user_for(self, service: str) -> str:
        """The account that uses a service's API: the person signed in, else the working account of its staff
        or of an agency's officer."""
        if self.person is not None:
            return self.person
        staff = {
            "intake": "demo.window",
            "coordinator": "demo.coordinator",
            "supervision": "demo.supervisor",
            "identity": "demo.operator",
        }
        if service in staff:
            return staff[service]
        return f"demo.{self.registry.by_service(service).code}"

    def unreachable(self, service: str, url: str, reason: Exception) -> ServiceUnreachable:
        """The error staff read: which service, at which address, and what to check there."""
        words = self.settings.service_name_zh(service) or service
        setting = self.settings.service_url_setting(service)
        if setting is None:
            hint = "平台是否已经启动？用 `wuyuan status` 查看"
        else:
            hint = f"请检查 {setting} 给出的地址，以及本机到该服务的网络"
        why = f"{self.timeout:g} 秒内没有回答" if isinstance(reason, requests.Timeout) else "连接失败"
        return ServiceUnreachable(service, url, f"连不上{words}（{service}，{url}）：{why}；{hint}", str(reason))

    def sign_in(self, username: str) -> str:
        if username not in self.accounts:
            raise SignInError("sign_in_not_configured", f"没有账号 {username} 的密码：无法以它登录")
        url = self.url("identity", "/api/v1/sessions")
        try:
            response = self.http.post(
                url, json={"username": username, "password": self.accounts[username]}, timeout=self.timeout
            )
        except (requests.ConnectionError, requests.Timeout) as exc:
            raise self.unreachable("identity", url, exc) from exc
        detail = f"POST identity/api/v1/sessions -> {response.status_code}: {response.text[:300]}"
        if response.status_code == 401:
            raise SignInError(
                "sign_in_refused", f"以账号 {username} 登录被拒绝：用户名或密码不对，或账号已停用、已锁定", detail
            )
        if response.status_code != 201:
            raise PlatformError(
                f"以账号 {username} 登录失败：{_sign_in_failure(response)}",
                "sign_in_failed",
                response.status_code,
                "identity",
                detail=detail,
            )
        token: str = response.json()["token"]
        self.tokens[username] = token
        return token

    def headers_for(self, username: str) -> dict[str, str]:
        token = self.tokens.get(username) or self.sign_in(username)
        return {"Authorization": f"Bearer {token}"}

    def call(
        self,
        method: str,
        service: str,
        path: str,
        body: JsonObject | None = None,
        expect: tuple[int, ...] = (200, 201, 202),
        as_user: str | None = None,
    ) -> JsonObject:
        # A person signed in acts as themselves whatever the task; the working accounts split tasks by role.
        user = self.person or as_user or self.user_for(service)
        # One key for the call, whichever attempt gets through: the service makes the change once.
        key = {KEY_HEADER: str(uuid.uuid4())} if method.upper() in WRITE_METHODS else {}
        url = self.url(service, path)
        response = self._send(method, service, url, body, user, key, expect)
        if response.status_code == 401 and user in self.accounts:  # the token expired: once more, fresh
            self.sign_in(user)
            response = self._send(method, service, url, body, user, key, expect)
        if response.status_code not in expect:
            raise self._refusal(method, service, path, user, response)
        answer: JsonObject = response.json()
        return answer

    def _refusal(self, method: str, service: str, path: str, user: str, response: requests.Response) -> PlatformError:
        status, text = response.status_code, response.text[:500]
        # Staff read the refusal in Chinese (here, or wuyuan/cli_errors.py from the status and the answer's
        # code); the request and the service's own answer are the detail, for --json and --verbose.
        detail = f"{method} {service}{path} -> {status}: {text}"
        words = self._words(service)
        if status == 401 and user == TOKEN_HOLDER:
            return SignInError(
                "sign_in_refused",
                f"{words}不接受所给的令牌：令牌无效或已过期，请重新取得后再设置"
                " WUYUAN_CLI_TOKEN / WUYUAN_CLI_TOKEN_FILE",
                detail,
            )
        if status == 403 and self.person is not None:
            who = "令牌所代表的账号" if user == TOKEN_HOLDER else f"账号 {user} "
            return PlatformError(
                f"{words}拒绝：{who}没有此操作所需的角色或单位", "forbidden", status, service, detail=detail
            )
        return PlatformError(detail, status=status, service=service, answer=_answer_of(response), detail=detail)

    def _words(self, service: str) -> str:
        """'综合协调组（coordinator）', or an agency's name with its service."""
        words = self.settings.service_name_zh(service)
        return f"{words}（{service}）" if words else service

    def _send(
        self,
        method: str,
        service: str,
        url: str,
        body: JsonObject | None,
        user: str,
        key: dict[str, str],
        expect: tuple[int, ...],
    ) -> requests.Response:
        """A change is sent again (with its key) while the service is out of reach or asks for a retry; a
        read is sent once, so that a command says at once that a service cannot be reached."""
        attempts = self.retries + 1 if key else 1
        for attempt in range(attempts):
            last = attempt == attempts - 1
            headers = {**self.headers_for(user), **key}
            try:
                response = self.http.request(method, url, json=body, headers=headers, timeout=self.timeout)
            except (requests.ConnectionError, requests.Timeout) as exc:
                if last:
                    raise self.unreachable(service, url, exc) from exc
                time.sleep(min(2.0**attempt * 0.5, 5.0))
                continue
            if last or response.status_code in expect or not _retry_later(response):
                return response
            time.sleep(_retry_after(response))
        raise AssertionError("unreachable: the last attempt returns or raises")

    # --- centre staff -----------------------------------------------------------------

    def register(self, report: JsonObject) -> JsonObject:
        return self.call("POST", "intake", "/api/v1/disputes", report)

    def case(self, case_id: str) -> JsonObject:
        return self.call("GET", "coordinator", f"/api/v1/cases/{case_id}")

    def people(self, accounts: Sequence[str]) -> dict[str, str]:
        """Staff names of these accounts (identity answers for the accounts asked about, 50 at a time), asked as
        whoever reads the cases; none when identity cannot be asked (a deployment's own OpenID Connect provider,
        an account without the role): a name is a courtesy, and a command shows the accounts as they are
        rather than fail for it."""
        names: dict[str, str] = {}
        for first in range(0, len(accounts), PEOPLE_ASKED_AT_ONCE):
            asked = accounts[first : first + PEOPLE_ASKED_AT_ONCE]
            path = "/api/v1/people?" + urlencode([("account", account) for account in asked])
            try:
                answer = self.call("GET", "identity", path, as_user=self.user_for("coordinator"))
            except (PlatformError, OSError, ValueError):  # refused, out of reach, or not JSON
                return names
            people = answer.get("people") if isinstance(answer, dict) else None
            if isinstance(people, dict):
                names.update(
                    {account: name for account, name in people.items() if account in asked and isinstance(name, str)}
                )
        return names

    def cases(self, query: Mapping[str, str]) -> JsonObject:
        """The case list, filtered by the coordinator's query parameters. A refused parameter is not raised:
        the 400's JSON ({"error": "invalid_input", "fields": [{field, message, type}]}) is returned to show."""
        path = f"/api/v1/cases?{urlencode(query)}" if query else "/api/v1/cases"
        return self.call("GET", "coordinator", path, expect=(200, 400))

    def assign(self, case_id: str, unit: str) -> JsonObject:
        return self.call("POST", "coordinator", f"/api/v1/cases/{case_id}/assign", {"unit": unit})

    def wait_for(
        self, case_id: str, predicate: Callable[[JsonObject], bool], timeout: float = 30.0, what: str = "condition"
    ) -> JsonObject:
        deadline = time.monotonic() + timeout
        last: JsonObject | None = None
        while time.monotonic() < deadline:
            try:
                last = self.case(case_id)
                if predicate(last):
                    return last
            except PlatformError as error:
                if error.status not in NOT_YET:
                    raise  # refused for good (a sign-in, a role): waiting would only hide why
            time.sleep(0.1)
        seen = label(CASE_STATUSES, last["status"]) if last else "（未查到）"
        raise TimeoutError(f"案件 {case_id}：{timeout:g} 秒内未达到“{what}”；最后看到的状态：{seen}")

    def wait_for_status(self, case_id: str, status: str, timeout: float = 30.0) -> JsonObject:
        return self.wait_for(case_id, lambda c: c["status"] == status, timeout, f"状态 {label(CASE_STATUSES, status)}")

    # --- agency officers ----------------------------------------------------------------

    def service_of(self, unit: str) -> str:
        return self.registry.service_for_unit(unit)

    def referral(self, unit: str, referral_id: str) -> JsonObject:
        return self.call("GET", self.service_of(unit), f"/api/v1/referrals/{referral_id}")

    def wait_for_referral(self, unit: str, referral_id: str, timeout: float = 30.0) -> JsonObject:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                return self.referral(unit, referral_id)
            except PlatformError as error:
                if error.status not in NOT_YET:
                    raise
                time.sleep(0.1)
        raise TimeoutError(f"交办单 {referral_id} 在 {timeout:g} 秒内没有到达{self.unit_words(unit)}")

    def unit_words(self, unit: str) -> str:
        """A unit as staff call it ('砖塘镇司法所'); its code when the county's places cannot be read."""
        try:
            return unit_name(unit, self.registry, load_places(self.settings.config_dir))
        except (OSError, ValueError, KeyError):
            return unit

    def act(self, unit: str, referral_id: str, action: str, body: JsonObject) -> JsonObject:
        return self.call("POST", self.service_of(unit), f"/api/v1/referrals/{referral_id}/{action}", body)

    def settle(
        self,
        unit: str,
        referral_id: str,
        summary: str,
        timeout: float = 30.0,
        *,
        result: str = "handled",
        agreement: JsonObject | None = None,
    ) -> JsonObject:
        """An officer of `unit` accepts the referral once it has arrived, and reports its result: by default
        resolved by the unit's own procedure (`handled`), which needs no agreement. A justice office's agreement is
        made under a mediator, so its officer first assigns the one the bureau proposes."""
        self.wait_for_referral(unit, referral_id, timeout)
        self.act(unit, referral_id, "accept", {})
        if agreement is not None and self.service_of(unit) == JUSTICE_SERVICE:
            self.assign_proposed_mediator(unit, referral_id)
        body: JsonObject = {"result": result, "summary": summary}
        if agreement is not None:
            body["agreement"] = agreement
        return self.act(unit, referral_id, "result", body)

    def assign_proposed_mediator(self, unit: str, referral_id: str) -> JsonObject:
        """An officer of the justice office `unit` assigns the organisation and mediator proposed for the referral
        (人民调解法 第二十九条: the mediator signs the agreement); a PlatformError when none fits."""
        path = f"/api/v1/referrals/{referral_id}/mediation"
        proposal = self.call("GET", JUSTICE_SERVICE, path).get("proposal")
        if not isinstance(proposal, dict):
            raise PlatformError(f"没有可建议指派的调解组织：交办单 {referral_id}（{self.unit_words(unit)}）")
        body = {"organisation": proposal["organisation"], "mediator": proposal["mediator"]}
        return self.call("POST", JUSTICE_SERVICE, path, body)

    def feed_record(self, service: str, record: JsonObject) -> JsonObject:
        return self.call("POST", service, "/api/v1/records", record)

    # --- follow-up visit ------------------------------------------------------------------

    def rate(self, case_id: str, rating: str, comment: str | None = None) -> JsonObject:
        body = {"rating": rating, **({"comment": comment} if comment else {})}
        return self.call("POST", "supervision", f"/api/v1/follow-ups/{case_id}/rating", body)

    def wait_for_follow_up(self, case_id: str, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pending = self.call("GET", "supervision", "/api/v1/follow-ups")["follow_ups"]
            if any(f["case_id"] == case_id for f in pending):
                return
            time.sleep(0.1)
        raise TimeoutError(f"案件 {case_id} 在 {timeout:g} 秒内没有开始回访")


def _sign_in_failure(response: requests.Response) -> str:
    """Why identity gave no token, from its status: the cases a person can act on, in Chinese."""
    status = response.status_code
    if status == 429:
        wait = (getattr(response, "headers", None) or {}).get("Retry-After")
        return f"登录尝试过多，请{f'在 {wait} 秒后' if wait else '稍后'}再试"
    if status == 503:
        return "身份认证（identity）暂时不可用，请稍后再试；`wuyuan status` 查看"
    if status >= 500:
        return f"身份认证（identity）内部出错（{status}）：请查看它的日志（wuyuan logs identity）"
    return f"身份认证（identity）的回答是 {status}"


def _answer_of(response: requests.Response) -> JsonObject | None:
    """A refusal's JSON object ({"error", "message", "fields"?}), or None when the body is not one."""
    try:
        answer = response.json()
    except ValueError:
        return None
    return answer if isinstance(answer, dict) else None


def _retry_later(response: requests.Response) -> bool:
    """A 503, or a 409 saying the same key's first request is still running."""
    if response.status_code == 503:
        return True
    if response.status_code != 409:
        return False
    try:
        answer = response.json()
    except ValueError:
        return False
    return isinstance(answer, dict) and answer.get("error") == "in_progress"


def _retry_after(response: requests.Response) -> float:
    try:
        return min(max(float(response.headers.get("Retry-After", "1")), 0.1), 10.0)
    except ValueError:
        return 1.0
