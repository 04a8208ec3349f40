"""Whose address a request is: the peer's, or the client a trusted proxy (the console, an ingress) names."""

import ipaddress


def check_networks(setting: str, entries: list[str]) -> list[str]:
    """A setting's list of addresses and networks, or a ValueError naming the entry that is neither."""
    for entry in entries:
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError:
            raise ValueError(f"{setting}: {entry!r} is neither an IP address nor a network") from None
    return entries


def client_address(remote_addr: str | None, forwarded_for: str | None, trusted_proxies: list[str]) -> str | None:
    """The client's address: the one a trusted proxy put last in X-Forwarded-For; anyone else's header
    is ignored, or a client could claim a fresh address for each attempt at a password."""
    if _is_trusted(remote_addr, trusted_proxies) and forwarded_for:
        nearest = forwarded_for.split(",")[-1].strip()  # the hop the trusted proxy itself added
        if nearest:
            return nearest[:64]
    return remote_addr


def _is_trusted(remote_addr: str | None, trusted_proxies: list[str]) -> bool:
    if not remote_addr:
        return False
    try:
        address = ipaddress.ip_address(remote_addr)
    except ValueError:
        return False
    for trusted in trusted_proxies:
        try:
            if address in ipaddress.ip_network(trusted, strict=False):
                return True
        except ValueError:
            continue  # settings validate the list; a bad entry never trusts anyone
    return False
