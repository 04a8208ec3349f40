"""Refuse secrets that are missing, short or a known placeholder, unless in development mode."""

# Values copied from examples, manifests and broker defaults; a deployment that kept one has no secret.
PLACEHOLDERS = frozenset({"wuyuan-dev", "guest", "change-me", "changeme", "password"})


class PlaceholderSecret(ValueError):
    """A secret is empty, too short or a placeholder (a ValueError, so pydantic reports it by field)."""


def is_placeholder(value: str) -> bool:
    lowered = value.strip().lower()
    return lowered in PLACEHOLDERS or "placeholder" in lowered or lowered.startswith("change-me")


def refuse_placeholder(name: str, value: str | None, dev_mode: bool, min_length: int = 16) -> None:
    """Raise unless `value` could be a real secret; `name` is the setting an operator must change.

    In development mode (WUYUAN_DEV_MODE=true) anything goes: a laptop's broker may keep `guest`.
    """
    if dev_mode:
        return
    if not value:
        problem = "is empty"
    elif is_placeholder(value):
        problem = "is a placeholder"
    elif len(value) < min_length:
        problem = f"is shorter than {min_length} characters"
    else:
        return
    raise PlaceholderSecret(
        f"{name}: the secret {problem}; set a random one (openssl rand -hex 24),"
        " or WUYUAN_DEV_MODE=true on a development machine"
    )
