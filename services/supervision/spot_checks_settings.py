"""Spot-check settings (回访抽查): the share drawn, the period and the minimum, read and checked at start."""

from decimal import Decimal

from nameko.containers import WorkerContext
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.supervision.spot_checks import Period, SpotCheckRules
from shared.dependency import Injects


class SpotCheckSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="WUYUAN_SPOT_CHECK_", extra="ignore")

    share_percent: Decimal = Field(
        Decimal(10), ge=0, le=100, decimal_places=2, description="WUYUAN_SPOT_CHECK_SHARE_PERCENT: 0-100"
    )
    period: Period = Field(Period.MONTHLY, description="WUYUAN_SPOT_CHECK_PERIOD: monthly or weekly")
    minimum: int = Field(1, ge=0, le=10_000, description="WUYUAN_SPOT_CHECK_MINIMUM: drawn at least, if closed")

    def rules(self) -> SpotCheckRules:
        return SpotCheckRules(self.share_percent, self.period, self.minimum)


class SpotCheckRulesProvider(Injects[SpotCheckRules]):
    """`self.spot_check_rules`; a bad setting stops supervision starting, naming the variable."""

    def setup(self) -> None:
        self.rules = SpotCheckSettings().rules()

    def get_dependency(self, worker_ctx: WorkerContext) -> SpotCheckRules:
        return self.rules
