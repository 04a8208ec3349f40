"""`wuyuan privacy ...`: personal data past its retention period, for operators."""

import click

from wuyuan.settings import PlatformSettings


@click.group("privacy")
def privacy() -> None:
    """当事人个人信息：身份证号和手机号只保留到保存期限届满（personal data retention）."""


@privacy.command("purge")
@click.option("--dry-run", is_flag=True, help="只列出将清除的内容，不做修改")
def privacy_purge(dry_run: bool) -> None:
    """清除办结超过保存期限（WUYUAN_PERSONAL_DATA_RETENTION_DAYS）的案件的身份证号和手机号.

    各服务每小时也自动清除一次；姓名、角色和案件记录本身保留。
    """
    from wuyuan.labels import service_label
    from wuyuan.privacy import purge_personal_data

    settings = PlatformSettings()
    verb = "将清除" if dry_run else "已清除"
    click.echo(
        f"保存期限：案件办结后 {settings.personal_data_retention_days} 天" + ("（试运行，不做修改）" if dry_run else "")
    )
    for purged in purge_personal_data(settings, dry_run=dry_run):
        click.echo(f"{service_label(settings, purged.service)}：{verb} {len(purged.ids)} {purged.what}")
        for purged_id in purged.ids:
            click.echo(f"    {purged_id}")
