"""Client addresses: who is really on the other end of a request, and the keys limits count them by.

Why one function: the sign-in lock counted failures per client address, and the address came from
uvicorn, which by default believes X-Forwarded-For from 127.0.0.1. A client on the shop's own machine
(or behind a proxy that passes the header on) sent a new made-up address with each guess and the lock
never closed (measured: a rotating X-Forwarded-For lifted it). Now the shop starts uvicorn without
proxy headers (app/cli.py) and this module decides alone: the header is read only when the TCP peer is
one of TRUSTED_PROXIES (empty by default), and then from the right, skipping trusted hops, because
only the hops our own proxies appended can be believed: anything left of them is what the client said.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from functools import lru_cache

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


@lru_cache(maxsize=4096)
def parse_address(text: str) -> Address | None:
    """An IP address (an IPv4-mapped IPv6 address as its IPv4 address), or None when it is not one."""
    try:
        address = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def parse_network(text: str) -> Network:
    """An address or a CIDR network ("203.0.113.7", "10.0.0.0/8", "2001:db8::/32"); ValueError when
    it is neither (host bits set, as in 10.0.0.1/8, are refused: it is probably a typo)."""
    value = text.strip()
    if not value or len(value) > 64:
        raise ValueError("Enter an IP address such as 203.0.113.7 or a network such as 203.0.113.0/24.")
    try:
        return ipaddress.ip_network(value, strict=True)
    except ValueError:
        raise ValueError(
            f"{value!r} is not an IP address or a network such as 203.0.113.0/24 (with no bits after the mask)."
        ) from None


def parse_networks(text: str) -> tuple[Network, ...]:
    """A comma- or space-separated list of addresses and networks (the TRUSTED_PROXIES setting)."""
    return tuple(parse_network(part) for part in text.replace(",", " ").split())


@lru_cache(maxsize=4096)
def limit_key(ip: str) -> str:
    """What a per-address limit counts: the address itself, but an IPv6 address's /64 network, which
    one subscriber usually holds whole (a client could otherwise take a fresh address per request)."""
    address = parse_address(ip)
    if address is None:
        return ip[:64]
    if isinstance(address, ipaddress.IPv6Address):
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


def in_networks(address: Address, networks: Iterable[Network]) -> bool:
    return any(address.version == network.version and address in network for network in networks)


class TrustedProxies:
    """The TRUSTED_PROXIES setting and the one function that computes a request's client address."""

    def __init__(self, networks: Iterable[Network] = ()) -> None:
        self.networks = tuple(networks)

    @classmethod
    def parse(cls, text: str) -> TrustedProxies:
        return cls(parse_networks(text))

    def trusted(self, address: Address | None) -> bool:
        return address is not None and in_networks(address, self.networks)

    def client_ip(self, peer: str | None, forwarded_for: str | None = None) -> str:
        """The client's address: the TCP peer, unless the peer is a trusted proxy; then the right-most
        address of X-Forwarded-For that is not a trusted proxy (the left-most when all are). An entry
        that is not an address stops the walk at the last hop that was believed."""
        if peer is None:
            return "unknown"
        peer_address = parse_address(peer)
        if not forwarded_for or not self.networks or not self.trusted(peer_address):
            return str(peer_address) if peer_address is not None else peer
        client = str(peer_address)
        for entry in reversed(forwarded_for.split(",")):
            address = parse_address(entry)
            if address is None:
                break
            client = str(address)
            if not self.trusted(address):
                break
        return client
