"""The per-process cache of team survey links: what it keeps, and for how long."""

from __future__ import annotations

from survey_app.models import AssessmentStatus
from survey_app.survey.link_cache import MAX_LINKS, LinkCache
from survey_app.survey.services import TeamLinkTarget


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def link(number: int = 1, status: AssessmentStatus = AssessmentStatus.OPEN) -> TeamLinkTarget:
    return TeamLinkTarget(
        f"hash-{number}", number, "sales", "acme-spring", "kotler-2006", status, None, None, 5, False
    )


def test_an_open_surveys_link_is_kept_for_its_seconds() -> None:
    clock = Clock()
    links = LinkCache(5, clock=clock)
    links.put(link())

    clock.now = 4.9
    assert links.get("hash-1") == link()
    clock.now = 5.0
    assert links.get("hash-1") is None


def test_links_of_surveys_that_are_not_open_are_never_kept() -> None:
    links = LinkCache(5, clock=Clock())
    for status in AssessmentStatus:
        if status is not AssessmentStatus.OPEN:
            links.put(link(status=status))
            assert links.get("hash-1") is None


def test_no_seconds_keeps_nothing() -> None:
    links = LinkCache(0, clock=Clock())
    links.put(link())
    assert links.get("hash-1") is None
    links.clear()


def test_clear_forgets_every_link() -> None:
    links = LinkCache(5, clock=Clock())
    links.put(link(1))
    links.put(link(2))
    links.clear()
    assert links.get("hash-1") is None
    assert links.get("hash-2") is None


def test_the_cache_holds_at_most_max_links() -> None:
    links = LinkCache(5, clock=Clock())
    for number in range(MAX_LINKS + 10):
        links.put(link(number))
    kept = sum(links.get(f"hash-{number}") is not None for number in range(MAX_LINKS + 10))
    assert kept == MAX_LINKS
    assert links.get(f"hash-{MAX_LINKS + 9}") is not None
