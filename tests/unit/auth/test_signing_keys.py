"""Signing keys rotate without downtime: a new key signs at once, old ones stay published while their tokens live."""

import stat
from datetime import timedelta
from pathlib import Path

from shared.auth.signing import KEY_SIGNS_AFTER_SECONDS, SigningKeys

LIFETIME = timedelta(hours=8)


def test_the_first_key_is_made_once_and_readable_by_its_owner_only(tmp_path: Path) -> None:
    keys = SigningKeys(tmp_path / "keys")
    first = keys.ensure()
    assert keys.ensure().kid == first.kid
    (pem,) = (tmp_path / "keys").glob("*.pem")
    assert stat.S_IMODE(pem.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "keys").stat().st_mode) == 0o700


def test_a_new_key_is_published_at_once_signs_a_minute_later_and_the_old_one_stays_published(
    tmp_path: Path,
) -> None:
    keys = SigningKeys(tmp_path)
    old = keys.create()
    new = keys.create()
    # Published at once, so that every service can have fetched it before it signs anything.
    assert {k["kid"] for k in keys.jwks(LIFETIME)["keys"]} == {old.kid, new.kid}
    assert keys.active(now=new.created + 1).kid == old.kid
    assert keys.active(now=new.created + KEY_SIGNS_AFTER_SECONDS).kid == new.kid
    # The old key stays published for a token's lifetime after the new one began to sign.
    signs_from = new.created + KEY_SIGNS_AFTER_SECONDS
    assert {k.kid for k in keys.published(LIFETIME, now=signs_from + LIFETIME.total_seconds())} == {old.kid, new.kid}
    later = signs_from + LIFETIME.total_seconds() + 120
    assert [k.kid for k in keys.published(LIFETIME, now=later)] == [new.kid]
    assert keys.retire_expired(LIFETIME, now=later) == [old.kid]
    assert [k.kid for k in keys.all()] == [new.kid]


def test_the_published_keys_hold_no_private_part(tmp_path: Path) -> None:
    keys = SigningKeys(tmp_path)
    keys.create()
    (jwk,) = keys.jwks(LIFETIME)["keys"]
    assert "d" not in jwk
    assert jwk["alg"] == "ES256" and jwk["use"] == "sig"
