"""The per-process rate-limit storage: fixed windows counted without a cleanup thread."""

from __future__ import annotations

import threading

import pytest

from survey_app.rate_limits import ProcessStorage


def test_counts_within_a_window_and_starts_again_when_it_ends(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [1000.0]
    monkeypatch.setattr("survey_app.rate_limits.time.time", lambda: now[0])
    monkeypatch.setattr("limits.storage.memory.time.time", lambda: now[0])
    storage = ProcessStorage()
    assert [storage.incr("a", 60) for _ in range(3)] == [1, 2, 3]
    assert storage.incr("b", 60) == 1  # each key on its own
    now[0] += 61
    assert storage.incr("a", 60) == 1  # a new window


def test_ended_windows_are_swept_and_no_thread_is_started_per_count(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [1000.0]
    monkeypatch.setattr("survey_app.rate_limits.time.time", lambda: now[0])
    monkeypatch.setattr("limits.storage.memory.time.time", lambda: now[0])
    storage = ProcessStorage()
    storage.incr("old", 10)
    now[0] += 11
    threads = threading.active_count()
    for number in range(ProcessStorage.SWEEP_EVERY):
        storage.incr(f"key-{number % 7}", 60)
    assert "old" not in storage.expirations  # swept
    assert threading.active_count() <= threads  # MemoryStorage would start a timer thread
