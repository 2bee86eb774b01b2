"""What a browser remembers of the team links it answered through, so that one device cannot
quietly send response after response through a team link.

A cookie lists a short prefix of each team link's hash (never the link's token) the
browser sent answers through. Its next visit to that link is asked whether someone else
is answering on this device; choosing so takes the link off the list. Nothing of this is
stored on the server: the cookie names no person, and clearing it only brings the
question back for the next answer (the per-address limits in ``routes`` still count).
"""

from __future__ import annotations

from flask import Request
from werkzeug.wrappers import Response

COOKIE = "survey_sent"
#: Hex digits of a link's hash kept in the cookie: enough to tell a browser's links apart.
PREFIX = 12
#: Links remembered per browser (the oldest are forgotten first).
MOST = 20
#: Seconds the browser keeps the cookie: longer than any survey stays open.
MAX_AGE = 180 * 24 * 3600


def _links(request: Request) -> list[str]:
    raw = request.cookies.get(COOKIE, "")
    return [part for part in raw.split(".") if len(part) == PREFIX and part.isalnum()][-MOST:]


def has_sent(request: Request, link_hash: str) -> bool:
    """Whether this browser sent answers through the team link of ``link_hash``."""
    return link_hash[:PREFIX] in _links(request)


def _store(response: Response, links: list[str], secure: bool) -> None:
    response.set_cookie(
        COOKIE,
        ".".join(links[-MOST:]),
        max_age=MAX_AGE,
        httponly=True,
        samesite="Lax",
        secure=secure,
    )


def remember_sent(request: Request, response: Response, link_hash: str, *, secure: bool) -> None:
    """Note on ``response`` that this browser sent answers through the link of ``link_hash``."""
    links = [link for link in _links(request) if link != link_hash[:PREFIX]]
    _store(response, [*links, link_hash[:PREFIX]], secure)


def forget_sent(request: Request, response: Response, link_hash: str, *, secure: bool) -> None:
    """Take the link of ``link_hash`` off the list: someone else answers on this device."""
    _store(response, [link for link in _links(request) if link != link_hash[:PREFIX]], secure)
