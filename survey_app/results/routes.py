"""Results and comparison pages."""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, render_template, request, url_for
from flask_login import login_required
from werkzeug.wrappers import Response

from .. import db
from ..access import assessment_for, principal
from ..catalog import get_questionnaire
from ..domain.questionnaire import Questionnaire
from ..models import Assessment
from .aggregates import compute_results, facts_of, load_comments, results_json
from .view_model import COMMENTS_ON_PAGE, build_charts, build_results_view

bp = Blueprint("results", __name__)


@bp.after_request
def _private(response: Response) -> Response:
    """Results, comments and commentary are never kept by a browser's or a proxy's cache (a
    shared computer, the back button after signing out)."""
    response.headers.setdefault("Cache-Control", "private, no-store")
    return response


def _assessment_and_questionnaire(slug: str) -> tuple[Assessment, Questionnaire]:
    """The signed-in user's assessment ``slug`` (else 404) and its questionnaire (else 503)."""
    assessment = assessment_for(db.get_session(), slug)
    questionnaire = get_questionnaire(assessment.questionnaire_id)
    if questionnaire is None:
        abort(503, description=f"The questionnaire {assessment.questionnaire_id!r} is not installed.")
    return assessment, questionnaire


@bp.get("/a/<slug>/results")
@login_required
def page(slug: str) -> str:
    """An assessment's results: stage, team scores, dimensions, statement gaps and comments."""
    session = db.get_session()
    assessment, questionnaire = _assessment_and_questionnaire(slug)
    result = compute_results(session, assessment, questionnaire)
    shown = [key for key, team in result.teams.items() if not team.withheld]
    # ?comments=all lists every comment; by default up to COMMENTS_ON_PAGE different ones per team.
    limit = None if request.args.get("comments") == "all" else COMMENTS_ON_PAGE
    comments = load_comments(session, assessment, shown, limit)
    view = build_results_view(facts_of(assessment), questionnaire, result, comments)
    is_staff = not principal().is_leader
    return render_template(
        "results/page.html",
        view=view,
        charts=build_charts(view),
        # Staff also get the monitor page and the responses' export; leaders only read results.
        monitor_url=url_for("workspace.assessment", slug=assessment.slug) if is_staff else None,
        csv_url=url_for("workspace.export_responses", slug=assessment.slug) if is_staff else None,
    )


@bp.get("/a/<slug>/results.json")
@login_required
def data(slug: str) -> Response:
    """The results as JSON, the shape of ``flask results --json`` (teams below the minimum withheld)."""
    assessment, questionnaire = _assessment_and_questionnaire(slug)
    result = compute_results(db.get_session(), assessment, questionnaire)
    return jsonify(results_json(assessment, result))
