"""Security settings shared by every page: cookies, headers (CSP, frames, HSTS) and rate limits."""

from __future__ import annotations

from ipaddress import ip_address
from urllib.parse import urlsplit

from flask import Flask, request
from werkzeug.wrappers import Response

from . import rate_limits

#: No inline or third-party scripts. Inline styles are allowed because the charts are
#: inline SVG (so their text can be read aloud and searched), and matplotlib writes
#: its colours as style attributes.
CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self' 'unsafe-inline'",
    "img-src": "'self' data:",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}

#: Sent with every response. None of them depends on the request, so they are built once.
SECURITY_HEADERS = {
    "Content-Security-Policy": "; ".join(
        f"{name} {value}" for name, value in CONTENT_SECURITY_POLICY.items()
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    # Same-origin requests keep their Referer (Flask-WTF checks it over HTTPS); survey
    # links, which are in the address, never leak to other sites.
    "Referrer-Policy": "same-origin",
    # No interest groups for advertising computed from the pages people read here.
    "Permissions-Policy": "browsing-topics=()",
}

#: Sent over HTTPS outside debug mode: browsers that saw it use only HTTPS for a year.
STRICT_TRANSPORT_SECURITY = "max-age=31536000; includeSubDomains"


def is_local_http(public_url: str) -> bool:
    """Whether the app is served over plain HTTP on a loopback address (the quick start)."""
    parts = urlsplit(public_url)
    if parts.scheme != "http":
        return False
    host = parts.hostname or ""
    if host == "localhost":
        return True
    try:
        return ip_address(host).is_loopback
    except ValueError:
        return False


def _is_https() -> bool:
    """Whether the browser reached us over HTTPS (directly, or through a proxy that ends TLS)."""
    return request.is_secure or request.headers.get("X-Forwarded-Proto") == "https"


def init_app(app: Flask) -> None:
    """Cookie flags, security headers and rate limits (counted in Redis when REDIS_URL is set)."""
    secure = not (app.debug or app.testing or is_local_http(app.config["PUBLIC_URL"]))
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=secure,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SECURE=secure,
    )
    rate_limits.init_app(app)
    strict_transport = not app.debug

    @app.after_request
    def _security_headers(response: Response) -> Response:
        response.headers.update(SECURITY_HEADERS)
        if strict_transport and _is_https():
            response.headers["Strict-Transport-Security"] = STRICT_TRANSPORT_SECURITY
        return response
