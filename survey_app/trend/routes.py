"""The trend page of an organization and its JSON."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, jsonify, render_template, request, url_for
from flask_login import login_required
from werkzeug.wrappers import Response

from .. import db
from ..access import organization_for, principal
from ..catalog import get_questionnaire
from ..results.formatting import fmt_day
from .services import TrendData, WaveInfo, keep_snapshots, load_trend, team_names, trend_json
from .view import WaveFacts, build_trend_view

bp = Blueprint("trend", __name__)


@bp.after_request
def _private(response: Response) -> Response:
    """Figures are never kept by a browser's or a proxy's cache."""
    response.headers.setdefault("Cache-Control", "private, no-store")
    return response


def _released_only() -> bool:
    """Leaders see released waves only; consultants see live figures unless they ask for the
    leaders' view (``?view=released``)."""
    return principal().is_leader or request.args.get("view") == "released"


def _load(slug: str) -> TrendData:
    session = db.get_session()
    organization = organization_for(session, slug)
    data = load_trend(
        session, organization, get_questionnaire, released=_released_only(), now=datetime.now(UTC)
    )
    if data.fresh:
        with db.write_session() as writing:
            keep_snapshots(writing, data)
    return data


def _source(info: WaveInfo, data: TrendData) -> str:
    if data.released:
        return f"Release {info.latest_release}"
    if info.latest_release is None:
        return "Live · not released"
    return f"Live · release {info.latest_release} out"


def _facts(info: WaveInfo, data: TrendData, interim: bool) -> WaveFacts:
    if principal().is_leader:
        url = url_for("releases.page", slug=info.slug, number=info.latest_release)
    else:
        url = url_for("workspace.assessment", slug=info.slug)
    source = _source(info, data) + (" (interim)" if interim else "")
    if not data.released and info.accepting:
        source += " · open"
    return WaveFacts(info.name, fmt_day(info.opened.date()), source, url)


@bp.get("/o/<slug>/trend")
@login_required
def page(slug: str) -> str:
    """The organization's waves: scores and stages over time, what moved, and the plan's effect."""
    data = _load(slug)
    view = None
    if data.questionnaire is not None and data.trend.waves:
        facts = [
            _facts(info, data, wave.interim) for info, wave in zip(data.info, data.trend.waves, strict=True)
        ]
        view = build_trend_view(data.trend, data.questionnaire, facts, team_names(data), data.actions)
    return render_template(
        "trend/page.html",
        data=data,
        view=view,
        is_leader=principal().is_leader,
        json_url=url_for("trend.data", slug=slug, **({"view": "released"} if data.released else {})),
    )


@bp.get("/o/<slug>/trend.json")
@login_required
def data(slug: str) -> Response:
    """The trend in the shape of ``flask trend ORG --json`` (released waves only for leaders)."""
    return jsonify(trend_json(_load(slug)))
