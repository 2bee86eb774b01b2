"""Results and comparison pages."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, url_for
from flask_login import login_required

from .. import db
from ..access import assessment_for, principal
from ..catalog import get_questionnaire
from ..results import compute_results
from .view_model import build_charts, build_results_view, load_comments

bp = Blueprint("compare", __name__)


@bp.get("/a/<slug>/results")
@login_required
def results(slug: str) -> str:
    """An assessment's results: stage, team scores, dimensions, statement gaps and comments."""
    session = db.get_session()
    assessment = assessment_for(session, slug)
    questionnaire = get_questionnaire(assessment.questionnaire_id)
    if questionnaire is None:
        abort(503, description=f"The questionnaire {assessment.questionnaire_id!r} is not installed.")
    result = compute_results(session, assessment, questionnaire)
    shown = [key for key, team in result.teams.items() if not team.withheld]
    view = build_results_view(assessment, questionnaire, result, load_comments(session, assessment, shown))
    is_staff = not principal().is_leader
    return render_template(
        "compare/results.html",
        view=view,
        charts=build_charts(view),
        # Staff also get the monitor page and the responses' export; leaders only read results.
        monitor_url=url_for("workspace.assessment", slug=assessment.slug) if is_staff else None,
        csv_url=url_for("workspace.export_responses", slug=assessment.slug) if is_staff else None,
    )
