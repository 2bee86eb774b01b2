"""Workspace pages: organizations, assessments, monitoring, settings, import and export.

Every page loads what it shows through ``access`` (404 for what the user may not
see, 403 when a leader tries to change something); the work is in ``services``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import login_required
from werkzeug.wrappers import Response

from .. import batches, db, responses
from ..access import assessment_for, organization_for, principal, staff_required, visible_organizations
from ..assessments import (
    DEFAULT_TEAMS,
    AssessmentInput,
    TeamInput,
    create_new_assessment,
    get_assessment,
    next_wave_name,
    rerun_assessment,
)
from ..auth import leaders as leader_accounts
from ..auth.forms import InviteLeaderForm
from ..base_form import show_error
from ..catalog import get_catalog
from ..domain.importing import ImportRejected
from ..domain.questionnaire import Questionnaire
from ..errors import InvalidInput, NotFound, SurveyError
from ..models import Assessment, Role
from ..releases import services as releases
from ..series import set_in_series, wave_number
from . import services
from .forms import (
    AssessmentForm,
    ImportForm,
    OrganizationForm,
    RerunForm,
    SeriesForm,
    SettingsForm,
    StatusForm,
    UndoBatchForm,
)

bp = Blueprint("workspace", __name__)

#: The questionnaire new assessments start with.
DEFAULT_QUESTIONNAIRE = "kotler-2006"


def _now() -> datetime:
    return datetime.now(UTC)


def _questionnaire(assessment: Assessment) -> Questionnaire | None:
    return get_catalog().get(assessment.questionnaire_id)


def _team_inputs(form: Any) -> list[TeamInput]:
    """The team rows as sent; a name the form did not send is None (left unchanged)."""
    return [
        TeamInput(
            name=entry.form["name"].data if entry.form["name"].raw_data else None,
            headcount=entry.form["headcount"].data,
        )
        for entry in form.teams.entries
    ]


# --- Organizations -----------------------------------------------------------------------------------


@bp.get("/workspace")
@login_required
def home() -> str | Response:
    """The organizations the user may see, each with its assessments; a leader goes straight to theirs."""
    user = principal()
    session = db.get_session()
    organizations = visible_organizations(session, user)
    if user.is_leader and len(organizations) == 1:
        # A leader lands on the newest release (or the newest assessment's "not released yet").
        found = releases.landing(session, organizations[0].id)
        if found is None:
            return redirect(url_for("workspace.organization", slug=organizations[0].slug))
        slug, number = found
        if number is None:
            return redirect(url_for("releases.history", slug=slug))
        return redirect(url_for("releases.page", slug=slug, number=number))
    summaries = services.organization_summaries(session, organizations, _now())
    return render_template(
        "workspace/home.html",
        organizations=summaries,
        assessment_count=sum(len(org.assessments) for org in summaries),
        is_staff=not user.is_leader,
    )


@bp.route("/workspace/organizations/new", methods=["GET", "POST"])
@staff_required
def new_organization() -> str | Response:
    """Create a client organization; the consultant who creates it is assigned to it."""
    form = OrganizationForm()
    if form.validate_on_submit():
        user = principal()
        try:
            with db.write_session() as session:
                org = services.create_organization(
                    session, form.name.data or "", user.id, assign_creator=user.role is Role.CONSULTANT
                )
                slug, name = org.slug, org.name
        except InvalidInput as exc:
            show_error(form, exc)
        else:
            flash(f"Organization {name} created.", "success")
            return redirect(url_for("workspace.organization", slug=slug))
    return render_template("workspace/organization_form.html", form=form)


@bp.get("/o/<slug>")
@login_required
def organization(slug: str) -> str:
    """An organization's assessments (staff open the assessment page, leaders its results) and,
    for its consultant or an admin, its leader accounts."""
    session = db.get_session()
    org = organization_for(session, slug)
    can_manage = principal().can_manage_organization(org.id)
    return render_template(
        "workspace/organization.html",
        organization=org,
        assessments=services.assessment_summaries(session, org, _now()),
        series=services.organization_series(
            session, org, {q.id: q.title for q in get_catalog().questionnaires.values()}
        ),
        can_manage=can_manage,
        leaders=leader_accounts.leaders_of(session, org.id, _now()) if can_manage else [],
        invite_form=InviteLeaderForm() if can_manage else None,
    )


# --- Assessments -------------------------------------------------------------------------------------


@bp.route("/o/<slug>/assessments/new", methods=["GET", "POST"])
@login_required
def new_assessment(slug: str) -> str | Response:
    """Create an assessment with its teams, headcounts, anonymity threshold and dates."""
    org = organization_for(db.get_session(), slug, manage=True)
    catalog = get_catalog().questionnaires
    if request.method == "POST":
        form = AssessmentForm()
    else:
        form = AssessmentForm(
            data={
                "teams": AssessmentForm.default_teams(),
                "min_group_size": current_app.config["DEFAULT_MIN_GROUP"],
                "questionnaire": DEFAULT_QUESTIONNAIRE,
            }
        )
    form.questionnaire.choices = [
        (q.id, f"{q.title} (version {q.version})") for q in sorted(catalog.values(), key=lambda q: q.id)
    ]
    if form.validate_on_submit():
        data = AssessmentInput(
            name=form.name.data or "",
            questionnaire=catalog[form.questionnaire.data],
            teams=_team_inputs(form),
            min_group=form.min_group_size.data or 0,
            opens_on=form.opens_on.data,
            closes_on=form.closes_on.data,
            purpose=form.purpose.data or "",
        )
        try:
            with db.write_session() as session:
                created = create_new_assessment(
                    session, org, data, current_app.config["SECRET_KEY"], principal().id
                )
                new_slug, name = created.slug, created.name
        except InvalidInput as exc:
            show_error(form, exc)
        else:
            flash(f"Assessment {name} created. Next, hand out its survey links.", "success")
            return redirect(url_for("workspace.assessment", slug=new_slug))
    return render_template(
        "workspace/assessment_form.html",
        form=form,
        organization=org,
        team_legends=[f"{label} team" for _key, label in DEFAULT_TEAMS],
    )


@bp.get("/a/<slug>")
@login_required
def assessment(slug: str) -> str | Response:
    """The monitor: responses per team, response rates, invitations, status (staff only)."""
    session = db.get_session()
    found = assessment_for(session, slug)
    if principal().is_leader:
        return redirect(f"/a/{found.slug}/results")
    return render_template(
        "workspace/assessment.html",
        assessment=found,
        monitor=services.monitor(session, found, _now()),
        status_form=StatusForm(),
        wave=wave_number(session, found),
        series_form=SeriesForm(),
    )


@bp.get("/a/<slug>/close")
@login_required
def confirm_close(slug: str) -> str | Response:
    """Ask before closing: closing stops every survey link at once."""
    session = db.get_session()
    found = assessment_for(session, slug, manage=True)
    info = services.status_info(found, _now())
    if info.state == "closed":
        return redirect(url_for("workspace.assessment", slug=slug))
    return render_template(
        "workspace/close.html",
        assessment=found,
        monitor=services.monitor(session, found, _now()),
        form=StatusForm(data={"action": "close", "confirm": "yes"}),
    )


@bp.post("/a/<slug>/status")
@login_required
def set_status(slug: str) -> Response:
    """Close the assessment (once confirmed) or take responses again."""
    assessment_for(db.get_session(), slug, manage=True)
    form = StatusForm()
    if not form.validate_on_submit():
        abort(400)
    if form.action.data == "close" and form.confirm.data != "yes":
        return redirect(url_for("workspace.confirm_close", slug=slug), code=303)
    with db.write_session() as session:
        found = get_assessment(session, slug)
        services.set_status(found, form.action.data or "")
        info = services.status_info(found, _now())
    if form.action.data == "close":
        flash("The assessment is closed: the survey links no longer take responses.", "success")
    elif info.is_accepting:
        flash("The assessment is open again: the survey links take responses.", "success")
    else:
        flash(
            f"The assessment is open again, but it takes no responses yet: {info.label}."
            " Change its dates under Settings.",
            "warning",
        )
    return redirect(url_for("workspace.assessment", slug=slug))


@bp.route("/a/<slug>/rerun", methods=["GET", "POST"])
@login_required
def rerun(slug: str) -> str | Response:
    """Run the assessment again: its next wave, with the same set-up, new survey links and the
    action plan carried over (``assessments.rerun_assessment``, as ``flask assessment rerun``)."""
    session = db.get_session()
    found = assessment_for(session, slug, manage=True)
    questionnaire = _questionnaire(found)
    if request.method == "POST":
        form = RerunForm()
    else:
        form = RerunForm(data={"name": next_wave_name(session, found), "opens_on": _now().date()})
    if form.validate_on_submit():
        if questionnaire is None:
            form.form_errors.append(
                f"The questionnaire {found.questionnaire_id!r} of this assessment is not installed,"
                " so it cannot be run again."
            )
        else:
            try:
                with db.write_session() as write:
                    wave = rerun_assessment(
                        write,
                        get_assessment(write, slug),
                        name=form.name.data or "",
                        opens_on=form.opens_on.data,
                        closes_on=form.closes_on.data,
                        created_by=principal().id,
                        questionnaire=questionnaire,
                        secret_key=current_app.config["SECRET_KEY"],
                    )
                    new_slug, name = wave.slug, wave.name
            except InvalidInput as exc:
                show_error(form, exc)
            else:
                flash(
                    f"{name} created: the next wave of {found.name}, with new survey links and its action"
                    " plan carried over. Next, hand out its survey links.",
                    "success",
                )
                return redirect(url_for("workspace.assessment", slug=new_slug))
    return render_template(
        "workspace/rerun.html",
        form=form,
        assessment=found,
        actions=len(found.actions),
        questionnaire=questionnaire,
    )


@bp.post("/a/<slug>/series")
@login_required
def set_series(slug: str) -> Response:
    """Take the assessment out of its organization's series (and trend), or put it back."""
    assessment_for(db.get_session(), slug, manage=True)
    form = SeriesForm()
    if not form.validate_on_submit():
        abort(400)
    with db.write_session() as session:
        found = get_assessment(session, slug)
        set_in_series(found, form.series.data == "in")
        wave = wave_number(session, found)
    if wave is None:
        flash(
            "The assessment is out of the series: it is left out of the organization's trend."
            " You can put it back at any time.",
            "success",
        )
    else:
        flash(
            f"The assessment is back in the series, as wave {wave[0]} of {wave[1]}:"
            " the organization's trend includes it again.",
            "success",
        )
    return redirect(url_for("workspace.assessment", slug=slug))


def _show_hidden_errors(form: SettingsForm, team_count: int) -> None:
    """Errors of fields the locked settings page does not show go above the form."""
    hidden = [form.min_group_size] + [entry.form["name"] for entry in form.teams]
    hidden += [entry.form["headcount"] for entry in form.teams.entries[team_count:]]
    for field in hidden:
        for error in field.errors:
            if error not in form.form_errors:
                form.form_errors.append(error)


def _settings_data(found: Assessment) -> dict[str, Any]:
    teams = [{"name": team.name, "headcount": team.headcount} for team in found.teams]
    teams += [{"name": "", "headcount": None}] * (services.MAX_TEAMS - len(teams))
    return {
        "name": found.name,
        "purpose": found.purpose,
        "opens_on": services.opening_day(found),
        "closes_on": services.closing_day(found),
        "min_group_size": found.min_group_size,
        "teams": teams,
    }


@bp.route("/a/<slug>/settings", methods=["GET", "POST"])
@login_required
def settings(slug: str) -> str | Response:
    """Name, purpose, dates, headcounts; the teams and the minimum group size until responses arrive."""
    session = db.get_session()
    found = assessment_for(session, slug, manage=True)
    locked = services.count_responses(session, found) > 0
    form = SettingsForm() if request.method == "POST" else SettingsForm(data=_settings_data(found))
    form.is_locked = locked
    if form.validate_on_submit():
        data = services.SettingsInput(
            name=form.name.data or "",
            purpose=form.purpose.data or "",
            opens_on=form.opens_on.data,
            closes_on=form.closes_on.data,
            teams=_team_inputs(form),
            min_group=form.min_group_size.data,
        )
        try:
            with db.write_session() as write:
                services.update_settings(
                    write, get_assessment(write, slug), data, current_app.config["SECRET_KEY"]
                )
        except InvalidInput as exc:
            show_error(form, exc)
        else:
            flash("Settings saved.", "success")
            return redirect(url_for("workspace.assessment", slug=slug))
    if locked:
        _show_hidden_errors(form, len(found.teams))
    return render_template(
        "workspace/settings.html",
        form=form,
        assessment=found,
        is_locked=locked,
        # Locked, a team's name is its legend; otherwise the name is an input of "Team n".
        team_legends=[team.name if locked else f"Team {n}" for n, team in enumerate(found.teams, start=1)],
    )


# --- Import and export -------------------------------------------------------------------------------


@bp.route("/a/<slug>/import", methods=["GET", "POST"])
@login_required
def import_responses(slug: str) -> str | Response:
    """Upload a CSV of responses: all rows are stored as one batch, or none when any is wrong;
    the batches imported so far are listed, each with its undo."""
    reading = db.get_session()
    found = assessment_for(reading, slug, manage=True)
    form = ImportForm()
    problems: list[str] = []
    problem_count = 0
    is_duplicate = False
    if form.validate_on_submit():
        questionnaire = _questionnaire(found)
        if questionnaire is None:
            form.form_errors.append(
                f"The questionnaire {found.questionnaire_id!r} of this assessment is not installed;"
                " nothing can be imported."
            )
        else:
            # One byte past the limit is enough to tell a file that is too large.
            data = form.csv_file.data.stream.read(responses.MAX_IMPORT_BYTES + 1)
            try:
                with db.write_session() as session:
                    counts = responses.import_responses(
                        session,
                        get_assessment(session, slug),
                        questionnaire,
                        data,
                        file_name=form.csv_file.data.filename or "",
                        imported_by_id=principal().id,
                        allow_duplicate=bool(form.allow_duplicate.data),
                    )
            except ImportRejected as rejected:
                problems, problem_count = [str(problem) for problem in rejected.problems], rejected.total
            except batches.DuplicateImport as exc:
                # The upload is not kept: the consultant confirms and chooses the file again.
                show_error(form, exc)
                is_duplicate = True
            except SurveyError as exc:
                show_error(form, exc)
            else:
                names = {team.key: team.name for team in found.teams}
                total = sum(counts.stored.values())
                parts = [
                    f"{names.get(key, key)}: {stored} imported, {counts.incomplete[key]} incomplete"
                    for key, stored in counts.stored.items()
                ]
                flash(
                    f"Imported {total} response{'s' * (total != 1)} as batch {counts.batch}. "
                    + "; ".join(parts)
                    + ".",
                    "success",
                )
                return redirect(url_for("workspace.assessment", slug=slug))
    questionnaire = _questionnaire(found)
    return render_template(
        "workspace/import.html",
        form=form,
        assessment=found,
        batches=batches.history(reading, found),
        is_duplicate=is_duplicate,
        problems=problems,
        problem_count=problem_count,
        item_ids=questionnaire.item_ids if questionnaire else (),
        scale=(questionnaire.scale.min, questionnaire.scale.max) if questionnaire else None,
        max_megabytes=responses.MAX_IMPORT_BYTES // (1024 * 1024),
    )


@bp.route("/a/<slug>/import/<int:number>/undo", methods=["GET", "POST"])
@login_required
def undo_batch(slug: str, number: int) -> str | Response:
    """Undo an import batch (delete its responses), after a confirmation that works without JavaScript."""
    reading = db.get_session()
    found = assessment_for(reading, slug, manage=True)
    try:
        batch = batches.find_batch(reading, found, number)
    except NotFound:
        abort(404)
    form = UndoBatchForm()
    if form.validate_on_submit():
        try:
            with db.write_session() as session:
                plan = batches.undo_batch(session, get_assessment(session, slug), number, principal().id)
        except SurveyError as exc:
            show_error(form, exc)
            reading.expire(batch)  # undone or released meanwhile: show it as it is now
        else:
            deleted = plan.deleted
            flash(
                f"Batch {number} is undone: {deleted} response{'s' * (deleted != 1)} deleted.",
                "success",
            )
            return redirect(url_for("workspace.import_responses", slug=slug))
    row = batches.row_of(batch, found.teams)
    return render_template(
        "workspace/undo_batch.html",
        assessment=found,
        batch=row,
        plan=batches.plan_undo(reading, found, batch) if row.can_undo else None,
        form=form,
    )


@bp.get("/a/<slug>/responses.csv")
@login_required
def export_responses(slug: str) -> Response:
    """The anonymous responses as CSV, without teams below the minimum group size."""
    session = db.get_session()
    found = assessment_for(session, slug, manage=True)
    questionnaire = _questionnaire(found)
    if questionnaire is None:
        abort(404)
    export = services.export_responses(session, found, questionnaire)
    return Response(
        export.data,
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{found.slug}-responses.csv"',
            "Cache-Control": "no-store",
        },
    )
