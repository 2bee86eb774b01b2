"""When the assessment page starts flagging low response rates (survey_app.workspace.services)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from survey_app.workspace.services import LOW_RATE_AFTER_DAYS, LOW_RATE_AFTER_SHARE, rates_judged_from

MAY_1 = datetime(2026, 5, 1, tzinfo=UTC)


def test_with_both_dates_rates_are_judged_a_quarter_of_the_way_through() -> None:
    assert LOW_RATE_AFTER_SHARE == 0.25
    judged = rates_judged_from(MAY_1, datetime(2026, 5, 29, tzinfo=UTC), created_at=MAY_1 - timedelta(days=9))
    assert judged == datetime(2026, 5, 8, tzinfo=UTC)


def test_without_an_opening_date_the_period_starts_when_the_assessment_was_made() -> None:
    judged = rates_judged_from(None, datetime(2026, 5, 21, tzinfo=UTC), created_at=MAY_1)
    assert judged == datetime(2026, 5, 6, tzinfo=UTC)


def test_without_a_closing_date_rates_are_judged_a_week_after_opening() -> None:
    assert LOW_RATE_AFTER_DAYS == 7
    assert rates_judged_from(MAY_1, None, created_at=MAY_1) == datetime(2026, 5, 8, tzinfo=UTC)
    assert rates_judged_from(None, None, created_at=MAY_1) == datetime(2026, 5, 8, tzinfo=UTC)


def test_a_closing_date_before_the_opening_never_judges_before_the_opening() -> None:
    assert rates_judged_from(MAY_1, MAY_1 - timedelta(days=3), created_at=MAY_1) == MAY_1
