"""`wuyuan privacy ...`: personal data past its retention period, for operators."""

import click

from wuyuan.cli_errors import CommandError, load_settings


@click.group("privacy")
def privacy() -> None:
    """当事人个人信息：身份证号和手机号只保留到保存期限届满（personal data retention）。"""


@privacy.command("purge")
@click.option("--dry-run", is_flag=True, help="只列出将清除的内容，不做修改")
def privacy_purge(dry_run: bool) -> None:
    """清除办结超过保存期限（WUYUAN_PERSONAL_DATA_RETENTION_DAYS）的案件的身份证号和手机号。

    各服务每小时也自动清除一次；姓名、角色和案件记录本身保留。
    """
    from services.intake.personal_data import PersonalDataError
    from wuyuan.database_words import database_failure
    from wuyuan.labels import service_label
    from wuyuan.os_words import os_error_words
    from wuyuan.privacy import PurgeFailed, external_agencies, purge_personal_data

    settings = load_settings()
    verb = "将清除" if dry_run else "已清除"
    click.echo(
        f"保存期限：案件办结后 {settings.personal_data_retention_days} 天" + ("（试运行，不做修改）" if dry_run else "")
    )
    try:
        purged_by_service = purge_personal_data(settings, dry_run=dry_run)
    except PurgeFailed as failed:
        said = database_failure(failed.error, failed.database, failed.url)
        raise CommandError(
            "database_unreachable",
            f"{service_label(settings, failed.service)}（{failed.service}）的个人信息未能清除：{said.message}。"
            "每个服务的清除是一个事务：已清除的保持清除，修好后再运行一次即可",
            said.fields(),
            detail=said.detail,
        ) from None
    except PersonalDataError:
        raise CommandError(
            "invalid_setting", "WUYUAN_PERSONAL_DATA_KEY：应为32字节密钥的 base64（openssl rand -base64 32）"
        ) from None
    except OSError as error:  # the database passwords and keys kept in the state directory
        raise CommandError(
            "state_unreadable",
            f"读不到状态目录 {settings.state_dir} 中的密钥：{os_error_words(error)}",
            detail=str(error),
        ) from None
    for purged in purged_by_service:
        click.echo(f"{service_label(settings, purged.service)}：{verb} {len(purged.ids)} {purged.what}")
        for purged_id in purged.ids:
            click.echo(f"    {purged_id}")
    for service in external_agencies(settings):
        # Their databases are their own (docs/integrating-an-agency.md): the platform cannot purge them, only say so.
        click.echo(f"{service_label(settings, service)}：外部机构，由其自行按保存期限清除（本命令不处理）")
