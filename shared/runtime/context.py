"""The process-wide settings of the running service, read once from the environment."""

from functools import cache

from shared.config import ServiceSettings


@cache
def current_settings() -> ServiceSettings:
    return ServiceSettings()  # fields come from the environment
