"""Sign-in throttling counts the browser's address when the console passes it on, and nobody else's claim."""

import pytest

from services.identity.dependencies import ProxySettings
from shared.forwarded import client_address

CONSOLE = ["127.0.0.1", "10.42.0.0/16"]


def test_the_console_names_the_browser_it_signs_in_for():
    assert client_address("127.0.0.1", "203.0.113.7", CONSOLE) == "203.0.113.7"


def test_a_console_inside_a_trusted_network_is_believed_too():
    assert client_address("10.42.3.9", "198.51.100.20", CONSOLE) == "198.51.100.20"


def test_a_client_cannot_pick_a_fresh_address_for_each_attempt():
    assert client_address("192.0.2.50", "203.0.113.7", CONSOLE) == "192.0.2.50"


def test_only_the_hop_the_console_added_counts():
    # A browser may send its own X-Forwarded-For; the console's entry is the last one.
    assert client_address("127.0.0.1", "1.2.3.4, 203.0.113.7", CONSOLE) == "203.0.113.7"


def test_without_the_header_the_peer_itself_is_counted():
    assert client_address("127.0.0.1", None, CONSOLE) == "127.0.0.1"
    assert client_address("127.0.0.1", " ", CONSOLE) == "127.0.0.1"


def test_a_trusted_proxy_setting_that_is_no_address_is_refused(monkeypatch):
    monkeypatch.setenv("WUYUAN_IDENTITY_TRUSTED_PROXIES", '["console.local"]')
    with pytest.raises(ValueError, match=r"trusted_proxies: 'console\.local'"):
        ProxySettings()
