"""Reverse proxies in front of CLB (CLB_TRUSTED_PROXIES: addresses or networks), for every HTTP
interface: the login throttles (web) and the protocol rate limits (exchange) count by client_ip.

Behind a proxy every request comes from the proxy. Only a request from a named proxy has its
X-Forwarded-For read, from the right (the address the nearest proxy saw) past any further trusted
proxies: what a client writes into the header itself stands to the left of what the proxy
appends, so it cannot pass for another address. X-Forwarded-Proto (which Django reads for
request.is_secure() when settings.SECURE_PROXY_SSL_HEADER is set) is dropped from a request that
did not come through a named proxy."""

import ipaddress
from functools import lru_cache

from django.conf import settings

FORWARDED_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_PROTO")


@lru_cache(maxsize=8)
def _networks(proxies: tuple[str, ...]) -> tuple:
    return tuple(ipaddress.ip_network(p.strip(), strict=False) for p in proxies if p.strip())


def _trusted_networks() -> tuple:
    return _networks(tuple(getattr(settings, "CLB_TRUSTED_PROXIES", ()) or ()))


def _address(text: str):
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def _trusted(address, networks) -> bool:
    return address is not None and any(address in network for network in networks)


def from_trusted_proxy(request) -> bool:
    return _trusted(_address(request.META.get("REMOTE_ADDR") or ""), _trusted_networks())


def client_ip(request) -> str:
    remote = request.META.get("REMOTE_ADDR") or "0.0.0.0"
    networks = _trusted_networks()
    if not _trusted(_address(remote), networks):
        return remote
    for hop in reversed((request.META.get("HTTP_X_FORWARDED_FOR") or "").split(",")):
        address = _address(hop)
        if address is None:
            break  # unreadable: nothing to its left can be trusted either
        if not _trusted(address, networks):
            return str(address)
    return remote


class TrustedProxyMiddleware:
    """First in line: forwarded headers from anyone but a named proxy are not believed."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not from_trusted_proxy(request):
            for header in FORWARDED_HEADERS:
                request.META.pop(header, None)
        return self.get_response(request)
