"""Release pages: releasing results, a release's page, PDF and JSON, the history, withdrawing.

Leaders see only releases that are not withdrawn; consultants and admins also release, see
withdrawn ones in the history and withdraw. Every page reads a stored release and computes
nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, url_for
from flask_login import login_required
from werkzeug.wrappers import Response

from .. import db
from ..access import assessment_for, principal
from ..assessments import get_assessment
from ..base_form import show_error
from ..catalog import get_questionnaire
from ..errors import NotFound, SurveyError
from ..models import Assessment, Release
from ..report import jobs as report_jobs
from ..report.services import report_filename
from ..results.formatting import fmt_day
from . import jobs, services
from .forms import ReleaseForm, WithdrawForm

bp = Blueprint("releases", __name__)


@bp.after_request
def _private(response: Response) -> Response:
    """Released results are never kept by a browser's or a proxy's cache."""
    response.headers.setdefault("Cache-Control", "private, no-store")
    return response


@bp.app_template_filter("day")
def _day(moment: datetime) -> str:
    """The day of a stored moment, in words: "6 December 2026"."""
    return fmt_day(moment.astimezone(UTC).date())


def _is_staff() -> bool:
    return not principal().is_leader


def _release(assessment: Assessment, number: int) -> Release:
    """Release ``number`` as the signed-in user may see it (leaders: not withdrawn), else 404."""
    try:
        return services.find_release(db.get_session(), assessment, number, withdrawn=_is_staff())
    except NotFound:
        abort(404)


@bp.get("/a/<slug>/releases")
@login_required
def history(slug: str) -> str:
    """The releases of an assessment, newest first (with withdrawn ones for staff)."""
    session = db.get_session()
    assessment = assessment_for(session, slug)
    staff = _is_staff()
    found = services.releases_of(session, assessment, withdrawn=staff)
    now = datetime.now(UTC)
    return render_template(
        "releases/history.html",
        assessment=assessment,
        releases=found,
        is_staff=staff,
        can_manage=principal().can_manage_organization(assessment.organization_id),
        open_now=assessment.is_accepting(now),
        closes_on=_day(assessment.closes_at) if assessment.closes_at else "",
        counts=services.response_counts(session, assessment) if not found else {},
    )


@bp.route("/a/<slug>/releases/new", methods=["GET", "POST"])
@login_required
def new(slug: str) -> str | Response:
    """Release the results as they are published now, after saying what that means."""
    session = db.get_session()
    assessment = assessment_for(session, slug, manage=True)
    questionnaire = get_questionnaire(assessment.questionnaire_id)
    if questionnaire is None:
        abort(503, description=f"The questionnaire {assessment.questionnaire_id!r} is not installed.")
    form = ReleaseForm()
    if form.validate_on_submit():
        note = form.note.data or ""
        try:
            if _in_background(assessment):
                job_id = _start_job(slug, note)
                return redirect(url_for("releases.job_status", slug=slug, job_id=job_id), code=303)
            services.check_note(note)
            # Prepared while reading (the PDF takes seconds), stored in a short write.
            prepared = services.prepare(session, assessment, questionnaire)
            with db.write_session() as writing:
                number = services.store(
                    writing, assessment.id, prepared, released_by_id=principal().id, note=note
                ).number
        except SurveyError as exc:
            show_error(form, exc)
        else:
            flash(f"Release {number} is published to the leaders of {assessment.organization.name}.")
            return redirect(url_for("releases.page", slug=slug, number=number))
    return render_template(
        "releases/new.html",
        assessment=assessment,
        form=form,
        open_now=assessment.is_accepting(datetime.now(UTC)),
        earlier=len(services.releases_of(session, assessment)),
    )


def _in_background(assessment: Assessment) -> bool:
    """Whether releasing this assessment is left to the background worker (as its report is)."""
    return report_jobs.assessment_in_background(db.get_session(), assessment.id, current_app.config)


def _start_job(slug: str, note: str) -> int:
    """The id of the job releasing the assessment: one already waiting or running, else a new one
    put on the worker's queue (marked failed if the queue cannot be reached)."""
    config = current_app.config
    with db.write_session() as write:
        job, is_new = jobs.request_job(
            write,
            get_assessment(write, slug),
            principal().id,
            note,
            is_lost=lambda job_id: jobs.queue_lost(config["REDIS_URL"], job_id),
        )
        job_id = job.id
    if is_new:
        try:
            jobs.enqueue(config["REDIS_URL"], config["WORKER_QUEUE"], job_id, config["REPORT_JOB_TIMEOUT"])
        except Exception:
            current_app.logger.exception("could not queue release job %s", job_id)
            with db.write_session() as write:
                report_jobs.mark_failed(
                    write, job_id, "The release could not be started: the worker's queue is unreachable."
                )
    return job_id


def _job_progress(slug: str, job_id: int) -> tuple[Assessment, report_jobs.JobProgress, int | None]:
    """The assessment (if the user may release it), its release job's progress and release number."""
    session = db.get_session()
    assessment = assessment_for(session, slug, manage=True)
    try:
        job = report_jobs.get_job(session, assessment, job_id, releases=True)
    except NotFound:
        abort(404)
    redis_url = current_app.config["REDIS_URL"]
    lost = job.status in report_jobs.UNFINISHED and bool(redis_url) and jobs.queue_lost(redis_url, job.id)
    return assessment, report_jobs.progress_of(job, is_lost=lost), job.release_number


@bp.get("/a/<slug>/releases/job/<int:job_id>")
@login_required
def job_status(slug: str, job_id: int) -> str:
    """How far the background release is; a link to it once it is stored."""
    assessment, progress, number = _job_progress(slug, job_id)
    return render_template(
        "releases/job.html",
        assessment=assessment,
        progress=progress,
        number=number,
        status_url=url_for("releases.job_status", slug=slug, job_id=job_id),
        progress_url=url_for("releases.job_progress", slug=slug, job_id=job_id),
    )


@bp.get("/a/<slug>/releases/job/<int:job_id>.json")
@login_required
def job_progress(slug: str, job_id: int) -> Response:
    """The release job's progress as JSON, for the status page's script."""
    _assessment, progress, _number = _job_progress(slug, job_id)
    return jsonify(progress.as_json())


@bp.get("/a/<slug>/releases/latest")
@login_required
def latest(slug: str) -> Response:
    """The newest release the user may see, or the history page when there is none."""
    session = db.get_session()
    assessment = assessment_for(session, slug)
    found = services.releases_of(session, assessment)
    if not found:
        return redirect(url_for("releases.history", slug=slug))
    return redirect(url_for("releases.page", slug=slug, number=found[0].number))


@bp.get("/a/<slug>/releases/<int:number>")
@login_required
def page(slug: str, number: int) -> str:
    """A release as it was released: the leader's page."""
    session = db.get_session()
    assessment = assessment_for(session, slug)
    found = _release(assessment, number)
    content = services.stored_content(found)
    return render_template(
        "releases/page.html",
        assessment=assessment,
        release=found,
        report=content.report,
        view=content.report.view,
        charts=content.charts,
        # The PDF's section numbers, which the report's sentences refer to ("see section 6").
        numbers={section.id: section.number for section in content.report.sections},
        is_staff=_is_staff(),
        others=[r for r in services.releases_of(session, assessment) if r.number != found.number],
    )


@bp.get("/a/<slug>/releases/<int:number>.pdf")
@login_required
def pdf(slug: str, number: int) -> Response:
    """The PDF stored with the release, byte for byte."""
    assessment = assessment_for(db.get_session(), slug)
    found = _release(assessment, number)
    name = report_filename(assessment).removesuffix(".pdf") + f"-release-{found.number}.pdf"
    response = Response(found.pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@bp.get("/a/<slug>/releases/<int:number>.json")
@login_required
def data(slug: str, number: int) -> Response:
    """The results JSON stored with the release, with its ``"release"`` entry."""
    assessment = assessment_for(db.get_session(), slug)
    return jsonify(services.stored_results(_release(assessment, number)))


@bp.route("/a/<slug>/releases/<int:number>/withdraw", methods=["GET", "POST"])
@login_required
def withdraw(slug: str, number: int) -> str | Response:
    """Withdraw a release from the leaders, after a confirmation that works without JavaScript."""
    session = db.get_session()
    assessment = assessment_for(session, slug, manage=True)
    found = _release(assessment, number)
    form = WithdrawForm()
    if form.validate_on_submit():
        try:
            with db.write_session() as writing:
                again = services.find_release(writing, get_assessment(writing, slug), number, withdrawn=True)
                services.withdraw(again, withdrawn_by_id=principal().id)
        except SurveyError as exc:
            show_error(form, exc)
        else:
            flash(f"Release {number} is withdrawn: the leaders no longer see it.")
            return redirect(url_for("releases.history", slug=slug))
    return render_template("releases/withdraw.html", assessment=assessment, release=found, form=form)
