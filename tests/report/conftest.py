"""Fixtures of the report's tests."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from werkzeug.test import TestResponse

from survey_app.report import render


@pytest.fixture
def during_a_render(monkeypatch: pytest.MonkeyPatch) -> Callable[..., tuple[TestResponse, TestResponse]]:
    """``run(first, second)``: ``first()`` downloads a report in a thread, and its render (a
    stand-in whose PDF is ``%PDF-1.7 slow``) waits until ``second()`` has answered; returns both
    answers."""
    started, finish = threading.Event(), threading.Event()

    def slow(session, assessment, questionnaire, *, paper="a4", progress=None):  # noqa: ANN001, ANN202
        started.set()
        finish.wait(30)
        return render.RenderedReport(b"%PDF-1.7 slow", "", render.Timings(), 1)

    monkeypatch.setattr(render, "build_report", slow)

    def run(
        first: Callable[[], TestResponse], second: Callable[[], TestResponse]
    ) -> tuple[TestResponse, TestResponse]:
        answered: dict[str, TestResponse] = {}
        thread = threading.Thread(target=lambda: answered.update(first=first()))
        thread.start()
        try:
            assert started.wait(30)
            meanwhile = second()
        finally:
            finish.set()
            thread.join(30)
        return answered["first"], meanwhile

    return run
