"""The datetime column type (``survey_app.models.UTCDateTime``): moments go in and come out as aware UTC.

SQLite keeps no time zone, so without the column type it gives back naive datetimes; PostgreSQL
gives them back in the connection's time zone. Either way the app must read aware UTC moments.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.exc import StatementError

from survey_app import db
from survey_app.models import Organization

#: A moment in a zone east of UTC: 14:30 in Kolkata is 09:00 UTC.
KOLKATA = timezone(timedelta(hours=5, minutes=30))
IN_KOLKATA = datetime(2026, 3, 14, 14, 30, 15, 123456, tzinfo=KOLKATA)
IN_UTC = datetime(2026, 3, 14, 23, 59, 59, tzinfo=UTC)


def _store(app: Flask, **created: datetime) -> None:
    with app.app_context(), db.write_session() as session:
        session.add_all(Organization(name=slug, slug=slug, created_at=at) for slug, at in created.items())


def test_moments_come_back_aware_in_utc_and_equal_to_what_was_stored(app: Flask) -> None:
    _store(app, kolkata=IN_KOLKATA, utc=IN_UTC)
    with app.app_context():
        session = db.get_session()
        stored = {org.slug: org.created_at for org in session.scalars(select(Organization))}
        selected = {
            slug: at for slug, at in session.execute(select(Organization.slug, Organization.created_at))
        }
    for read in (stored, selected):
        assert read == {"kolkata": IN_KOLKATA, "utc": IN_UTC}
        for moment in read.values():
            assert moment.tzinfo is UTC
        assert read["kolkata"] == datetime(2026, 3, 14, 9, 0, 15, 123456, tzinfo=UTC)


def test_moments_in_any_zone_compare_in_utc_in_sql(app: Flask) -> None:
    _store(app, kolkata=IN_KOLKATA, utc=IN_UTC)
    # 10:00 UTC, said in UTC and in Kolkata time: after the Kolkata moment (09:00 UTC), before the other.
    for ten_utc in (datetime(2026, 3, 14, 10, 0, tzinfo=UTC), datetime(2026, 3, 14, 15, 30, tzinfo=KOLKATA)):
        with app.app_context():
            session = db.get_session()
            later = session.scalars(select(Organization.slug).where(Organization.created_at > ten_utc)).all()
        assert later == ["utc"], ten_utc


def test_naive_moments_are_refused(app: Flask) -> None:
    with pytest.raises(StatementError, match="naive datetime"):
        _store(app, naive=datetime(2026, 3, 14, 9, 0))
