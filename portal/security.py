"""The edge of the app, in WSGI (so static files are covered too): the proxies in front, whose
``X-Forwarded-*`` headers are believed only when they come from one of them, and the security
headers on every response."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable
from typing import Any

from werkzeug.http import parse_list_header
from werkzeug.middleware.proxy_fix import ProxyFix

from portal.config import Network

WSGIApp = Callable[..., Iterable[bytes]]


def content_security_policy(frame_ancestors: str = "'none'") -> str:
    """The portal's policy; only who may frame the page (``frame-ancestors``) ever differs."""
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            "font-src 'self'",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            f"frame-ancestors {frame_ancestors}",
            "form-action 'self'",
        ]
    )


#: Every page but the embeddable charts: nobody may frame it (clickjacking).
CONTENT_SECURITY_POLICY = content_security_policy()
#: The embeddable charts (``/<lang>/embed/…``): any site may frame them. A view sets it itself,
#: and the middleware then adds no ``X-Frame-Options`` (see :class:`SecurityHeaders`).
FRAMEABLE_CONTENT_SECURITY_POLICY = content_security_policy("*")

HEADERS = [
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
    ("X-Frame-Options", "DENY"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
]


class SecurityHeaders:
    """Adds :data:`HEADERS` to every response, and ``Strict-Transport-Security`` to those of
    HTTPS requests (the scheme as the trusted proxies gave it: this runs inside them).

    A header the app set itself is left as it is. A response whose own policy lets others frame
    it (:data:`FRAMEABLE_CONTENT_SECURITY_POLICY`) gets no ``X-Frame-Options: DENY``, which would
    forbid what its policy allows (browsers that know ``frame-ancestors`` ignore it, older ones
    would not)."""

    def __init__(self, app: WSGIApp, hsts_max_age: int = 0) -> None:
        self.app = app
        self.hsts = (
            ("Strict-Transport-Security", f"max-age={hsts_max_age}; includeSubDomains")
            if hsts_max_age > 0
            else None
        )

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        https = environ.get("wsgi.url_scheme") == "https"

        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            present = {name.lower() for name, _ in headers}
            if any(
                name.lower() == "content-security-policy" and "frame-ancestors 'none'" not in value
                for name, value in headers
            ):
                present.add("x-frame-options")
            headers.extend(h for h in HEADERS if h[0].lower() not in present)
            if https and self.hsts and self.hsts[0].lower() not in present:
                headers.append(self.hsts)
            return start_response(status, headers, exc_info)

        return self.app(environ, start)


def behind_proxies(app: WSGIApp, trusted: int | tuple[Network, ...]) -> WSGIApp:
    """Wrap *app* so that ``X-Forwarded-For/-Proto/-Host/-Port`` are honoured as far as *trusted*
    allows: a count of proxies, or the networks they live in; nothing when 0 or empty.

    The client's address is the first one, counting from the right of ``X-Forwarded-For``, that
    is not one of our proxies (with a count: the *n*-th). Scheme, host and port are as the
    nearest proxy states them (the last value): it is ours, and any earlier value could be the
    client's own invention."""
    if not trusted:
        return app
    if isinstance(trusted, int):
        return ProxyFix(app, x_for=trusted, x_proto=1, x_host=1, x_port=1)
    return TrustedProxies(app, trusted)


class TrustedProxies:
    """ProxyFix for a list of proxy addresses: applied only when the immediate peer is one of
    them, over as many hops as are ours."""

    #: More hops than any real chain of proxies; bounds the work per request.
    max_hops = 16

    def __init__(self, app: WSGIApp, networks: tuple[Network, ...]) -> None:
        self.app = app
        self.networks = networks
        self._fixes = {
            hops: ProxyFix(app, x_for=hops, x_proto=1, x_host=1, x_port=1)
            for hops in range(1, self.max_hops + 1)
        }

    def is_proxy(self, address: str | None) -> bool:
        try:
            ip = ipaddress.ip_address((address or "").strip())
        except ValueError:
            return False
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
            ip = ip.ipv4_mapped  # a dual-stack socket reports 10.0.0.2 as ::ffff:10.0.0.2
        return any(ip in network for network in self.networks)

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        if not self.is_proxy(environ.get("REMOTE_ADDR")):
            return self.app(environ, start_response)
        forwarded = parse_list_header(environ.get("HTTP_X_FORWARDED_FOR", ""))
        hops = 1
        while hops < min(len(forwarded), self.max_hops) and self.is_proxy(forwarded[-hops]):
            hops += 1
        return self._fixes[hops](environ, start_response)
