"""Results and comparison pages."""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, redirect, render_template, request, url_for
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
def page(slug: str) -> str | Response:
    """An assessment's live results: stage, team scores, dimensions, statement gaps and comments.

    Leaders see released results only: they are sent to the latest release.
    """
    session = db.get_session()
    assessment, questionnaire = _assessment_and_questionnaire(slug)
    if principal().is_leader:
        return redirect(url_for("releases.latest", slug=assessment.slug))
    result = compute_results(session, assessment, questionnaire)
    shown = [key for key, team in result.teams.items() if not team.withheld]
    # ?comments=all lists every comment; by default up to COMMENTS_ON_PAGE different ones per team.
    limit = None if request.args.get("comments") == "all" else COMMENTS_ON_PAGE
    comments = load_comments(session, assessment, shown, limit)
    view = build_results_view(facts_of(assessment), questionnaire, result, comments)
    return render_template(
        "results/page.html",
        view=view,
        charts=build_charts(view),
        monitor_url=url_for("workspace.assessment", slug=assessment.slug),
        csv_url=url_for("workspace.export_responses", slug=assessment.slug),
        can_release=principal().can_manage_organization(assessment.organization_id),
    )


@bp.get("/a/<slug>/results.json")
@login_required
def data(slug: str) -> Response:
    """The live results as JSON, the shape of ``flask results --json`` (teams below the minimum
    withheld); leaders read a release's JSON instead."""
    assessment, questionnaire = _assessment_and_questionnaire(slug)
    if principal().is_leader:
        abort(404)
    result = compute_results(db.get_session(), assessment, questionnaire)
    return jsonify(results_json(assessment, result))
