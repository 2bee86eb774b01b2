"""Security settings shared by every page: cookies, headers (CSP, frames, HSTS) and rate limits."""

from __future__ import annotations

from ipaddress import ip_address
from urllib.parse import urlsplit

from flask import Flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_talisman import Talisman

#: No inline or third-party scripts. Inline styles are allowed because the charts are
#: inline SVG (so their text can be read aloud and searched), and matplotlib writes
#: its colours as style attributes.
CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": ["'self'", "'unsafe-inline'"],
    "img-src": ["'self'", "data:"],
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}

limiter = Limiter(key_func=get_remote_address, default_limits=[])
talisman = Talisman()


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


def init_app(app: Flask) -> None:
    """Cookie flags, security headers and the rate limiter (Redis when REDIS_URL is set)."""
    secure = not (app.debug or app.testing or is_local_http(app.config["PUBLIC_URL"]))
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=secure,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SECURE=secure,
    )
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config.get("REDIS_URL") or "memory://")
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    limiter.init_app(app)
    talisman.init_app(
        app,
        force_https=False,  # TLS ends at the proxy in production; HSTS below keeps browsers on it
        strict_transport_security=not app.debug,
        frame_options="DENY",
        content_security_policy=CONTENT_SECURITY_POLICY,
        # Same-origin requests keep their Referer (Flask-WTF checks it over HTTPS);
        # survey links never leak to other sites.
        referrer_policy="same-origin",
        session_cookie_secure=secure,
        session_cookie_http_only=True,
    )
