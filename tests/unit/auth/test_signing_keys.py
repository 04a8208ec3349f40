"""Signing keys rotate without downtime: a new key signs at once, old ones stay published while their tokens live."""

import os
import stat
from datetime import timedelta
from pathlib import Path

from shared.auth.signing import SigningKeys

LIFETIME = timedelta(hours=8)


def test_the_first_key_is_made_once_and_readable_by_its_owner_only(tmp_path: Path) -> None:
    keys = SigningKeys(tmp_path / "keys")
    first = keys.ensure()
    assert keys.ensure().kid == first.kid
    (pem,) = (tmp_path / "keys").glob("*.pem")
    assert stat.S_IMODE(pem.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "keys").stat().st_mode) == 0o700


def test_a_new_key_signs_while_the_old_one_stays_published_for_a_tokens_lifetime(tmp_path: Path) -> None:
    keys = SigningKeys(tmp_path)
    old = keys.create()
    new = keys.create()
    new_path = tmp_path / f"{new.kid}.pem"
    os.utime(new_path)
    assert keys.active().kid == new.kid
    published = {k["kid"] for k in keys.jwks(LIFETIME)["keys"]}
    assert published == {old.kid, new.kid}
    later = new.created + LIFETIME.total_seconds() + 120
    assert [k.kid for k in keys.published(LIFETIME, now=later)] == [new.kid]
    assert keys.retire_expired(LIFETIME, now=later) == [old.kid]
    assert [k.kid for k in keys.all()] == [new.kid]


def test_the_published_keys_hold_no_private_part(tmp_path: Path) -> None:
    keys = SigningKeys(tmp_path)
    keys.create()
    (jwk,) = keys.jwks(LIFETIME)["keys"]
    assert "d" not in jwk
    assert jwk["alg"] == "ES256" and jwk["use"] == "sig"
