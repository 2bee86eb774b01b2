"""The stack's limit for bench/throughput.py: bare Flask + SQLAlchemy storing one response.

    DATABASE_URL=... BARE_TEAM_ID=1 \\
        gunicorn -c deploy/gunicorn.conf.py --pythonpath bench 'bare_app:create_app()'

``GET /form`` returns a small HTML form with a signed hidden token (CSRF-like: a random
nonce and its HMAC, checked on POST without any session); ``POST /form`` checks the
token and inserts one ``response`` row and its 20 ``response_answer`` rows, in one write
transaction, exactly as the app's insert path does (``insert … RETURNING`` then one
executemany), and counts the arrival towards its team's next published step, publishing
the step when it is full, with the app's own statements (``publishing.record_arrivals``:
the anonymity rule is part of storing a response, like its answers). It runs on an engine
made by ``survey_app.db.make_database`` (so WAL, busy timeout, ``BEGIN IMMEDIATE`` and the
pool are the app's). No templates, no sessions, no validation beyond the token, no drafts,
no per-address counting: what is left is Flask, SQLAlchemy and the database.
The schema must exist (the app's migrations, run by the bench before the server starts).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets

from flask import Flask, Response, abort, redirect, request
from sqlalchemy import insert

from survey_app.db import make_database
from survey_app.models import Response as StoredResponse
from survey_app.models import ResponseAnswer, ResponseSource
from survey_app.publishing import record_arrivals

#: The 20 statements of the Kotler questionnaire, as the app names them.
ITEM_IDS = tuple(f"k{number:02d}" for number in range(1, 21))


def _sign(secret: bytes, nonce: str) -> str:
    return hmac.new(secret, nonce.encode(), hashlib.sha256).hexdigest()


def create_app() -> Flask:
    """The bare app, configured from DATABASE_URL, SECRET_KEY and BARE_TEAM_ID."""
    app = Flask(__name__)
    database = make_database(
        os.environ["DATABASE_URL"],
        pool_size=int(os.environ.get("DB_POOL_SIZE") or 5),
        max_overflow=int(os.environ.get("DB_MAX_OVERFLOW") or 5),
    )
    secret = os.environ.get("SECRET_KEY", "bare").encode()
    team_id = int(os.environ["BARE_TEAM_ID"])
    min_group = int(os.environ.get("BARE_MIN_GROUP") or 5)

    @app.get("/healthz")
    def healthz() -> str:
        return "ok"

    @app.get("/form")
    def form() -> str:
        nonce = secrets.token_urlsafe(16)
        fields = "".join(
            f'<input type="radio" name="q_{item}" value="{value}">'
            for item in ITEM_IDS
            for value in range(1, 6)
        )
        return (
            '<!doctype html><title>Survey</title><form method="post" action="/form">'
            f'<input type="hidden" name="csrf_token" value="{nonce}.{_sign(secret, nonce)}">'
            f"{fields}<button>Send</button></form>"
        )

    @app.post("/form")
    def submit() -> Response:
        nonce, _, signature = request.form.get("csrf_token", "").partition(".")
        if not nonce or not hmac.compare_digest(signature, _sign(secret, nonce)):
            abort(400)
        answers = []
        for item in ITEM_IDS:
            raw = request.form.get(f"q_{item}", "")
            answers.append((item, int(raw) if raw.isdigit() else None))
        values = [value for _, value in answers if value is not None]
        total = 20 * sum(values) / len(values) if len(values) >= 16 else None
        with database.write_sessions.begin() as session:
            response_id = session.scalars(
                insert(StoredResponse).returning(StoredResponse.id),
                [
                    {
                        "team_id": team_id,
                        "source": ResponseSource.WEB,
                        "comment": request.form.get("comment") or None,
                        "answered": len(values),
                        "answer_sum": sum(values),
                        "total": total,
                    }
                ],
            ).one()
            session.execute(
                insert(ResponseAnswer),
                [
                    {
                        "response_id": response_id,
                        "team_id": team_id,
                        "published": False,
                        "item_id": item,
                        "value": value,
                    }
                    for item, value in answers
                ],
            )
            record_arrivals(session, {team_id: int(total is not None)}, "web", min_group)
        return redirect("/thanks")

    return app
