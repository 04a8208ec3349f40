"""`wuyuan privacy ...`: personal data past its retention period, for operators."""

import click

from wuyuan.settings import PlatformSettings


@click.group("privacy")
def privacy() -> None:
    """Parties' personal data: ID and mobile numbers are kept only for the retention period."""


@privacy.command("purge")
@click.option("--dry-run", is_flag=True, help="list what would be purged, change nothing")
def privacy_purge(dry_run: bool) -> None:
    """Remove ID and mobile numbers of cases closed more than WUYUAN_PERSONAL_DATA_RETENTION_DAYS ago.

    The services do the same every hour; names, roles and the case record itself stay.
    """
    from wuyuan.privacy import purge_personal_data

    settings = PlatformSettings()
    verb = "would purge" if dry_run else "purged"
    click.echo(f"retention: {settings.personal_data_retention_days} days after a case is closed")
    for purged in purge_personal_data(settings, dry_run=dry_run):
        click.echo(f"{purged.service:14} {verb} {len(purged.ids)} {purged.what}")
        for purged_id in purged.ids:
            click.echo(f"{'':14} {purged_id}")
