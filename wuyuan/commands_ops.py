"""`wuyuan dlq ...`: dead-letter commands for operators."""

import json
import re
from dataclasses import asdict
from typing import TYPE_CHECKING
from urllib.parse import quote, urlsplit

import click

from wuyuan.cli_errors import CommandError, load_settings, services_named
from wuyuan.os_words import os_error_words
from wuyuan.settings import OPERATOR, PlatformSettings

if TYPE_CHECKING:  # the broker's libraries load only for the commands that use them
    from wuyuan.dead_letters import DeadLetter

ACCESS_REFUSED = 403  # the AMQP reply code of a login the broker refused
# A receiver's business rule refused the message (shared/messaging/consumer.py: "rejected: <code>: <why>").
RULE_REFUSAL = re.compile(r"^rejected: [a-z_]+: ")
# What a terminal acts on rather than shows: C0 and C1 controls (ESC, BEL, CR, LF …), DEL, the line and paragraph
# separators, and the bidirectional overrides that reorder what follows them.
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def printable(text: str) -> str:
    """Text another party wrote, safe to print on an operator's terminal: each control character as its escape
    ('\\x1b', '\\n', '\\u202e'), so that it can neither drive the terminal nor begin a line of its own."""

    def escaped(found: re.Match[str]) -> str:
        char = found.group()
        if char in _NAMED:
            return _NAMED[char]
        return f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}"

    return _CONTROLS.sub(escaped, text)


def known_services(settings: PlatformSettings, services: tuple[str, ...]) -> tuple[str, ...]:
    """The services asked for (every one in the registry when none), or a usage error naming the unknown one."""
    return services_named(settings, services, "--service") or settings.services


def management_host(settings: PlatformSettings) -> str:
    """Where the management API is, without the credentials its URL carries."""
    parts = urlsplit(settings.rabbit_management_url)
    try:
        return f"{parts.hostname}:{parts.port}" if parts.port else str(parts.hostname)
    except ValueError:  # a port that is not a number
        return str(parts.hostname)


def management_failure(settings: PlatformSettings, error: Exception) -> CommandError:
    """The management API (`dlq list`) could not be used: unreachable, or it refused us."""
    text = str(error)
    where = f"WUYUAN_RABBIT_MANAGEMENT_URL（{management_host(settings)}）"
    if "names no host" in text:
        return CommandError("invalid_setting", "WUYUAN_RABBIT_MANAGEMENT_URL：地址中没有主机名")
    if "not reachable" in text or isinstance(error, OSError):  # requests' errors are OSErrors too
        return CommandError(
            "broker_unreachable",
            f"连不上 RabbitMQ 管理接口 {where}：RabbitMQ 是否在运行、管理插件是否已启用"
            "（rabbitmq-plugins enable rabbitmq_management）？",
        )
    status = re.search(r": (\d{3}) ", text)
    if status and status.group(1) == "401":
        return _not_authorised(settings, where, text)
    if status and status.group(1) == "404":
        return CommandError(
            "broker_refused",
            f"RabbitMQ 上没有平台的死信队列（{where}）：WUYUAN_VHOST 是否与平台一致、是否已 wuyuan provision？",
        )
    return CommandError("broker_refused", f"RabbitMQ 管理接口 {where} 拒绝了请求", detail=text)


def _not_authorised(settings: PlatformSettings, where: str, text: str) -> CommandError:
    """A 401 from the management API: RabbitMQ answers so for a wrong password, and as much for a vhost that does
    not exist or one the user has no right to; asked once more, it tells which."""
    from wuyuan.provision_amqp import BrokerSetupError, _call

    vhost = settings.vhost
    try:
        _call(settings, "GET", "whoami")
    except BrokerSetupError:
        return CommandError(
            "broker_refused", f"RabbitMQ 管理接口 {where} 拒绝登录：该地址中的用户名或密码不对", detail=text
        )
    try:
        _call(settings, "GET", f"vhosts/{quote(vhost, safe='')}")
    except BrokerSetupError as missing:
        if ": 404 " in str(missing):
            return CommandError(
                "broker_refused",
                f"RabbitMQ 管理接口 {where} 上没有虚拟主机 {vhost}："
                "WUYUAN_VHOST 是否与平台一致、是否已 wuyuan provision？",
                detail=text,
            )
    return CommandError(
        "broker_refused",
        f"RabbitMQ 管理接口 {where} 的用户无权访问虚拟主机 {vhost}：请用有该虚拟主机权限的用户（或管理员）",
        detail=text,
    )


def broker_failure(settings: PlatformSettings, error: Exception) -> CommandError:
    """The operator's AMQP connection (`dlq replay`) failed: some letters may have been replayed already."""
    from amqp.exceptions import AMQPError

    from wuyuan.provision_amqp import BrokerSetupError

    if isinstance(error, BrokerSetupError):
        return management_failure(settings, error)
    user = settings.broker_user(OPERATOR)
    host = urlsplit(settings.amqp_admin_uri).hostname
    after = "；已重放的不会重复，修好后用 wuyuan dlq list 查看剩下的"
    if isinstance(error, AMQPError) and error.reply_code == ACCESS_REFUSED:
        return CommandError(
            "broker_refused",
            f"RabbitMQ（{host}）拒绝运维用户 {user} 登录：其密码（WUYUAN_BROKER_PASSWORDS.{OPERATOR}，"
            "或状态目录中保存的）是否与 wuyuan provision 设置的一致？" + after,
        )
    if isinstance(error, PermissionError | FileNotFoundError | IsADirectoryError):  # the kept password
        return CommandError(
            "operator_password_unreadable",
            f"读不到运维用户 {user} 的密码（{settings.state_dir / 'secrets' / 'broker'}）：{os_error_words(error)}；"
            f"或用 WUYUAN_BROKER_PASSWORDS.{OPERATOR} 给出",
            detail=str(error),
        )
    if isinstance(error, OSError):
        return CommandError(
            "broker_unreachable",
            f"连不上 RabbitMQ（WUYUAN_AMQP_ADMIN_URI 的主机 {host}，以运维用户 {user}）" + after,
            detail=str(error),
        )
    return CommandError("broker_refused", f"RabbitMQ（{host}）中止了重放" + after, detail=str(error))


@click.group("dlq")
def dlq() -> None:
    """死信：服务始终无法处理的消息，及其原因（dead letters）。"""


@dlq.command("list")
@click.option("--json", "as_json", is_flag=True, help="机器可读的 JSON 输出（稳定的键和代码）")
@click.option("--service", "services", multiple=True, help="只看这些服务的（可重复；默认全部服务）")
def dlq_list(as_json: bool, services: tuple[str, ...]) -> None:
    """列出死信：所属服务、消息类型、消息编号、时间、原因，以及可否重放。

    只查看、不取走：死信仍留在各自的死信队列中。"""
    from wuyuan.dead_letters import list_dead_letters, reason_in_chinese
    from wuyuan.labels import local_time, service_label
    from wuyuan.provision_amqp import BrokerSetupError

    settings = load_settings()
    try:
        letters = list_dead_letters(settings, known_services(settings, services))
    except (BrokerSetupError, OSError) as error:
        raise management_failure(settings, error) from None
    if as_json:
        click.echo(json.dumps([asdict(letter) for letter in letters], ensure_ascii=False, indent=2))
        return
    if not letters:
        click.echo("没有死信")
        return
    for letter in letters:
        # The type, id, time and reason come with the message, from whoever sent it: shown escaped, never acted on.
        click.echo(
            f"{service_label(settings, letter.service)}（{letter.service}）  {printable(letter.message_type or '?')}"
            f"  {printable(letter.message_id or '-')}  {printable(local_time(letter.dead_at))}"
        )
        worded = reason_in_chinese(letter.reason)
        click.echo(f"    原因：{worded}" if worded else f"    原因（服务原话）：{printable(letter.reason)}")
        if worded:
            click.echo(f"    服务原话：{printable(letter.reason)}")
        click.echo(f"    {what_to_do(letter)}")


def what_to_do(letter: "DeadLetter") -> str:
    """Whether replay can help. A refusal by a business rule (`rejected: <code>: …`) is the receiver's answer to the
    message as it is: replayed unchanged it is refused again, so its sender must correct it and send it anew; replay
    stays possible for when the receiver's state has changed since (e.g. a record corrected by hand). So is a body
    against the contract from an agency (`dead_letters.only_the_sender_can_correct`)."""
    if letter.refused:
        return f"不予重放：{printable(letter.refused)}"
    if RULE_REFUSAL.match(letter.reason):
        return (
            "须由发送方更正后重新发送：这是接收方按业务规则的拒收，原样重放只会再次拒收、回到死信"
            "（接收方的数据已改正、规则不再拒收时，仍可 wuyuan dlq replay）"
        )
    if letter.sender_corrects:
        return (
            "须由发送方更正后重新发送：消息本身不符合约定，只有发送方能改正其内容，原样重放只会再次拒收、回到死信"
            "（接收方尚未升级到发送方所用的约定版本时，升级后仍可 wuyuan dlq replay）"
        )
    return "可重放：排除原因后 wuyuan dlq replay"


@dlq.command("replay")
@click.option("--service", "services", multiple=True, help="只重放这些服务的（可重复；默认全部服务）")
@click.option("--message-id", default=None, help="只重放该消息编号的死信")
def dlq_replay(services: tuple[str, ...], message_id: str | None) -> None:
    """把死信送回其原来的收件队列重新处理；请先排除出错的原因。

    只重放由所属服务自己签名（user_id）写入的死信；其余的留在死信队列中。
    """
    from amqp.exceptions import AMQPError
    from kombu.exceptions import KombuError

    from wuyuan.dead_letters import replay_dead_letters
    from wuyuan.labels import service_label
    from wuyuan.provision_amqp import BrokerSetupError

    settings = load_settings()
    chosen = known_services(settings, services)
    try:
        report = replay_dead_letters(settings, chosen, message_id)
    except (AMQPError, KombuError, BrokerSetupError, OSError) as error:
        raise broker_failure(settings, error) from None
    if message_id is not None and not report.replayed and not report.refused:
        # As typed, or pasted from a forged letter: escaped like every id `dlq list` shows.
        raise CommandError(
            "no_such_dead_letter", f"死信队列中没有编号为 {printable(message_id)} 的死信；用 wuyuan dlq list 查看"
        )
    click.echo(f"已重放 {len(report.replayed)} 条死信")
    for refused in report.refused:
        label = service_label(settings, refused.service)
        click.echo(
            f"不予重放 {label}（{refused.service}）{printable(refused.message_id or '-')}：{printable(refused.why)}"
        )
