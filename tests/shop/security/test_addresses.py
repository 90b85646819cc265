"""The client's address: X-Forwarded-For only from trusted proxies, read from the right."""

from __future__ import annotations

import pytest

from shop.security.addresses import TrustedProxies, limit_key, parse_network

PROXIES = TrustedProxies.parse("127.0.0.1, 10.0.0.0/8")


def test_without_trusted_proxies_the_header_is_ignored() -> None:
    assert TrustedProxies().client_ip("127.0.0.1", "203.0.113.7") == "127.0.0.1"


def test_a_header_from_a_peer_that_is_not_a_proxy_is_ignored() -> None:
    assert PROXIES.client_ip("198.51.100.4", "203.0.113.7") == "198.51.100.4"


def test_behind_a_trusted_proxy_the_right_most_untrusted_hop_is_the_client() -> None:
    # The client put "1.2.3.4" in the header itself; our proxies appended the real hops.
    assert PROXIES.client_ip("127.0.0.1", "1.2.3.4, 203.0.113.7, 10.1.2.3") == "203.0.113.7"


def test_when_every_hop_is_trusted_the_left_most_is_the_client() -> None:
    assert PROXIES.client_ip("127.0.0.1", "10.0.0.5, 10.0.0.6") == "10.0.0.5"


def test_garbage_in_the_header_stops_at_the_last_believed_hop() -> None:
    assert PROXIES.client_ip("127.0.0.1", "203.0.113.7, not-an-ip") == "127.0.0.1"
    assert PROXIES.client_ip("127.0.0.1", "") == "127.0.0.1"


def test_an_ipv4_mapped_peer_is_its_ipv4_address() -> None:
    assert PROXIES.client_ip("::ffff:127.0.0.1", "203.0.113.7") == "203.0.113.7"
    assert TrustedProxies().client_ip("::ffff:198.51.100.1") == "198.51.100.1"


def test_limits_count_ipv6_clients_by_their_64() -> None:
    assert limit_key("2001:db8:1:2:3:4:5:6") == "2001:db8:1:2::/64"
    assert limit_key("203.0.113.7") == "203.0.113.7"


@pytest.mark.parametrize("text", ["", "10.0.0.1/8", "example.com", "300.1.1.1", "1.2.3.4/33"])
def test_an_unreadable_network_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_network(text)


def test_an_unreadable_trusted_proxies_setting_is_refused() -> None:
    with pytest.raises(ValueError):
        TrustedProxies.parse("127.0.0.1, proxy.internal")
