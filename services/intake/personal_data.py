"""Parties' ID and mobile numbers sealed at rest: AES-256-GCM under the deployment's key, the case id bound in."""

import base64
import binascii
import hashlib
import os
from collections.abc import Iterable, Mapping
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

# A sealed value is "pd1:<key id>:<base64url(nonce ‖ ciphertext ‖ tag)>". The key id names the
# key it was sealed under, so a new key can be brought in while old rows still open.
SEALED_PREFIX = "pd1:"
SEALED_FIELDS = ("id_number", "phone")
KEY_BYTES = 32
_NONCE_BYTES = 12  # 96 bits, random per value: GCM's safe limit is about 2^32 values per key


class PersonalDataError(Exception):
    """A key that is not 32 bytes of base64, or a sealed value that does not open (wrong key, case or tampering)."""


def decode_key(value: str) -> bytes:
    """A key setting (base64 of 32 bytes) as bytes; the message never shows the value."""
    try:
        key = base64.b64decode(value.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise PersonalDataError("the personal data key is not base64") from None
    if len(key) != KEY_BYTES:
        raise PersonalDataError(f"the personal data key must be {KEY_BYTES} bytes, got {len(key)}")
    return key


def key_id(key: bytes) -> str:
    """Eight hex digits naming a key without revealing it."""
    return hashlib.sha256(b"wuyuan.personal-data.key-id:" + key).hexdigest()[:8]


def is_sealed(value: object) -> bool:
    return isinstance(value, str) and value.startswith(SEALED_PREFIX)


class PersonalDataCipher:
    """Seals with the current key, opens with the current or any retired key."""

    def __init__(self, current: bytes, retired: Iterable[bytes] = ()) -> None:
        self._current_id = key_id(current)
        self._keys = {key_id(key): AESGCM(key) for key in (*retired, current)}

    def __repr__(self) -> str:  # never the keys, whatever prints this
        return f"PersonalDataCipher(key_id={self._current_id!r})"

    def __deepcopy__(self, memo: dict[int, Any]) -> "PersonalDataCipher":
        return self  # immutable, and its keys are not to be copied around

    def seal(self, plain: str, case_id: str) -> str:
        nonce = os.urandom(_NONCE_BYTES)
        sealed = self._keys[self._current_id].encrypt(nonce, plain.encode(), case_id.encode())
        token = base64.urlsafe_b64encode(nonce + sealed).decode("ascii")
        return f"{SEALED_PREFIX}{self._current_id}:{token}"

    def open(self, value: str, case_id: str) -> str:
        if not is_sealed(value):
            raise PersonalDataError("not a sealed value")
        kid, _, token = value.removeprefix(SEALED_PREFIX).partition(":")
        aead = self._keys.get(kid)
        if aead is None:
            raise PersonalDataError(f"sealed under key {kid}, which this deployment does not hold")
        try:
            raw = base64.urlsafe_b64decode(token)
            return aead.decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], case_id.encode()).decode()
        except (InvalidTag, binascii.Error, ValueError):
            raise PersonalDataError(f"a sealed value of case {case_id} does not open") from None

    def seal_parties(self, report: Mapping[str, Any], case_id: str) -> dict[str, Any]:
        """The report with each party's ID and mobile number sealed (values already sealed stay as they are)."""
        return self._map_parties(report, lambda v: v if is_sealed(v) else self.seal(v, case_id))

    def open_parties(self, report: Mapping[str, Any], case_id: str) -> dict[str, Any]:
        """The report with each party's ID and mobile number in clear (plain ones from before sealing stay)."""
        return self._map_parties(report, lambda v: self.open(v, case_id) if is_sealed(v) else v)

    @staticmethod
    def _map_parties(report: Mapping[str, Any], change: Any) -> dict[str, Any]:
        parties = []
        for party in report.get("parties", []):
            party = dict(party)
            for field in SEALED_FIELDS:
                if party.get(field):
                    party[field] = change(party[field])
            parties.append(party)
        return {**report, "parties": parties}
