"""The PDF report's download, the consultant's commentary and action plan, and their logo.

Reports of large assessments are made by the background worker (``jobs``): the results
page posts a request, and a status page shows the progress and then the download. A
download of unchanged results is served from the cache (``cache``); each user's downloads
are limited, and so are the renders each process runs at once (``throttle``).

Every page loads what it shows through ``access``: 404 for an assessment the user
may not see, 403 when a leader tries to change something; the work is in ``services``.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Response

from .. import db
from ..access import assessment_for, principal, staff_required
from ..assessments import get_assessment
from ..base_form import show_error
from ..catalog import get_questionnaire
from ..domain.questionnaire import Questionnaire
from ..errors import FieldInvalid, InvalidInput, NotFound
from ..models import Assessment
from . import jobs, services, throttle
from .context import PAPER_SIZES
from .forms import BLANK_ROWS, CommentaryForm, LogoForm, RemoveLogoForm, ReportJobForm

bp = Blueprint("report", __name__)


@bp.after_request
def _private(response: Response) -> Response:
    """Results, comments and commentary are never kept by a browser's or a proxy's cache (a
    shared computer, the back button after signing out)."""
    response.headers.setdefault("Cache-Control", "private, no-store")
    return response


@bp.before_request
def _not_for_leaders() -> None:
    """Leaders read released reports only (``releases``): an assessment's live report is not found."""
    if request.view_args and "slug" in request.view_args and _signed_in_leader():
        abort(404)


def _signed_in_leader() -> bool:
    return bool(current_user.is_authenticated and current_user.is_leader)


@bp.get("/a/<slug>/report.pdf")
@login_required
def download(slug: str) -> Response:
    """The assessment's PDF report (?paper=letter for US Letter; A4 by default).

    Served from the cache while nothing it shows has changed; otherwise rendered, when one
    of this process's render slots comes free in time (see ``throttle``).
    """
    session = db.get_session()
    assessment = assessment_for(session, slug)
    paper = request.args.get("paper", "a4").lower()
    if paper not in PAPER_SIZES:
        abort(400, description="The paper size must be a4 or letter.")
    throttle.count_download(current_app.config["REPORT_DOWNLOADS_PER_USER"], principal().id)
    if _in_background(assessment):
        flash(
            "This assessment has many responses, so its report is made in the background."
            " Use the button below to start it.",
            "warning",
        )
        return redirect(url_for("results.page", slug=slug))
    questionnaire = get_questionnaire(assessment.questionnaire_id)
    if questionnaire is None:
        abort(503, description=f"The questionnaire {assessment.questionnaire_id!r} is not installed.")
    key, pdf = services.cached_report(session, assessment.id, questionnaire, paper)
    if pdf is None:
        with throttle.render_slot(current_app._get_current_object()) as has_slot:
            if not has_slot:
                return _when_busy(slug, paper)
            pdf = services.report_pdf(session, assessment, questionnaire, paper).pdf
        _keep(assessment.id, questionnaire, paper, key, pdf)
    return _pdf_response(pdf, assessment)


def _keep(assessment_id: int, questionnaire: Questionnaire, paper: str, key: str, pdf: bytes) -> None:
    """Store the rendered PDF for the next download; a failure only costs the next one a render."""
    try:
        with db.write_session() as write:
            services.keep_report(write, assessment_id, questionnaire, paper, key, pdf)
    except SQLAlchemyError:
        current_app.logger.exception("could not store the report of assessment %s", assessment_id)


def _when_busy(slug: str, paper: str) -> Response:
    """Every render slot stayed taken: the background worker makes the report when there is one,
    else the browser is told to try again in a minute (503)."""
    if not current_app.config["REDIS_URL"]:
        raise throttle.ReportBusy()
    job_id = _start_job(slug, paper)
    flash("Other reports are being made right now, so yours is made in the background.", "info")
    return redirect(url_for("report.job_status", slug=slug, job_id=job_id), code=303)


def _pdf_response(pdf: bytes, assessment: Assessment) -> Response:
    """The PDF as a download named after the assessment."""
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{services.report_filename(assessment)}"',
            "Cache-Control": "no-store",
        },
    )


def _in_background(assessment: Assessment) -> bool:
    """Whether this assessment's report is made by the background worker."""
    return jobs.assessment_in_background(db.get_session(), assessment.id, current_app.config)


@bp.app_context_processor
def _report_download() -> dict[str, Any]:
    """``report_download(slug)`` for the results page: how its download button works."""

    def report_download(slug: str) -> dict[str, Any]:
        assessment = db.get_session().scalar(select(Assessment).where(Assessment.slug == slug))
        background = assessment is not None and _in_background(assessment)
        return {
            "in_background": background,
            "url": url_for("report.request_job" if background else "report.download", slug=slug),
            "form": ReportJobForm() if background else None,
        }

    return {"report_download": report_download}


@bp.post("/a/<slug>/report/jobs")
@login_required
def request_job(slug: str) -> Response:
    """Start making the report in the background (small reports are simply downloaded)."""
    assessment = assessment_for(db.get_session(), slug)
    form = ReportJobForm()
    if not form.validate_on_submit():
        abort(400)
    paper = form.paper.data
    if not _in_background(assessment):
        return redirect(url_for("report.download", slug=slug, paper=paper), code=303)
    job_id = _start_job(slug, paper)
    return redirect(url_for("report.job_status", slug=slug, job_id=job_id), code=303)


def _start_job(slug: str, paper: str) -> int:
    """The id of the background job making this report: one already waiting or running, else a
    new one put on the worker's queue (marked failed if the queue cannot be reached)."""
    with db.write_session() as write:
        job, is_new = jobs.request_job(
            write,
            get_assessment(write, slug),
            paper,
            principal().id,
            is_lost=lambda job_id: jobs.queue_lost(current_app.config["REDIS_URL"], job_id),
        )
        job_id = job.id
    if is_new:
        try:
            jobs.enqueue(
                current_app.config["REDIS_URL"],
                current_app.config["WORKER_QUEUE"],
                job_id,
                current_app.config["REPORT_JOB_TIMEOUT"],
            )
        except Exception:
            current_app.logger.exception("could not queue report job %s", job_id)
            with db.write_session() as write:
                jobs.mark_failed(
                    write,
                    job_id,
                    "The report could not be started: the report worker's queue is unreachable.",
                )
    return job_id


def _job(slug: str, job_id: int) -> tuple[Assessment, Any]:
    """The assessment (if the user may see it) and its job ``job_id``; 404 otherwise."""
    session = db.get_session()
    assessment = assessment_for(session, slug)
    try:
        return assessment, jobs.get_job(session, assessment, job_id)
    except NotFound:
        abort(404)


def _progress(job: Any) -> jobs.JobProgress:
    """The job's progress; an unfinished job the queue has lost is shown as failed."""
    redis_url = current_app.config["REDIS_URL"]
    lost = job.status in jobs.UNFINISHED and bool(redis_url) and jobs.queue_lost(redis_url, job.id)
    return jobs.progress_of(job, is_lost=lost)


@bp.get("/a/<slug>/report/job/<int:job_id>")
@login_required
def job_status(slug: str, job_id: int) -> str:
    """How far the background report is; its download once it is ready."""
    assessment, job = _job(slug, job_id)
    return render_template(
        "report/job.html",
        assessment=assessment,
        progress=_progress(job),
        status_url=url_for("report.job_status", slug=slug, job_id=job_id),
        progress_url=url_for("report.job_progress", slug=slug, job_id=job_id),
        pdf_url=url_for("report.job_pdf", slug=slug, job_id=job_id),
        results_url=url_for("results.page", slug=slug),
        retry_url=url_for("report.request_job", slug=slug),
        form=ReportJobForm(paper=job.paper),
    )


@bp.get("/a/<slug>/report/job/<int:job_id>.json")
@login_required
def job_progress(slug: str, job_id: int) -> Response:
    """The job's progress as JSON, for the status page's script."""
    _assessment, job = _job(slug, job_id)
    response = jsonify(_progress(job).as_json())
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/a/<slug>/report/job/<int:job_id>.pdf")
@login_required
def job_pdf(slug: str, job_id: int) -> Response:
    """The PDF the background worker made."""
    assessment, job = _job(slug, job_id)
    try:
        pdf = jobs.job_pdf(db.get_session(), job)
    except NotFound:
        abort(404)
    return _pdf_response(pdf, assessment)


@bp.route("/a/<slug>/commentary", methods=["GET", "POST"])
@login_required
def commentary(slug: str) -> str | Response:
    """The consultant's commentary and action plan for the report (staff who manage it)."""
    session = db.get_session()
    found = assessment_for(session, slug, manage=True)
    questionnaire = get_questionnaire(found.questionnaire_id)
    if request.method == "POST":
        form = CommentaryForm()
    else:
        rows = [
            {
                "action": row.action,
                "owner": row.owner,
                "due_on": row.due_on,
                "status": row.status,
                "statements": list(row.statements or ()),
                "action_id": row.id,
            }
            for row in services.action_rows(session, found)
        ]
        rows += [{"action": "", "owner": "", "due_on": None}] * BLANK_ROWS
        form = CommentaryForm(data={"commentary": found.commentary, "actions": rows})
    # Without its questionnaire no statements are offered, and the stored ones are kept.
    choices = services.statement_choices(questionnaire) if questionnaire else []
    for entry in form.actions.entries:
        entry.form.statements.choices = choices
    if form.validate_on_submit():
        actions = [
            services.ActionInput(
                entry.form.action.data or "",
                entry.form.owner.data or "",
                entry.form.due_on.data,
                entry.form.status.data,
                tuple(entry.form.statements.data or ()) if questionnaire else None,
                _stored_id(entry.form.action_id.data),
            )
            for entry in form.actions.entries
            if not entry.form.remove.data
        ]
        try:
            with db.write_session() as write:
                count = services.save_commentary(
                    write, get_assessment(write, slug), form.commentary.data or "", actions, questionnaire
                )
        except InvalidInput as exc:
            show_error(form, _renumbered(exc, form))
        else:
            flash(
                f"Commentary and action plan saved ({count} action{'s' * (count != 1)})."
                " They appear in the PDF report.",
                "success",
            )
            return redirect(url_for("report.commentary", slug=slug))
    return render_template(
        "report/commentary.html",
        form=form,
        assessment=found,
        results_url=url_for("results.page", slug=found.slug),
        pdf_url=url_for("report.download", slug=found.slug),
    )


def _stored_id(value: str | None) -> int | None:
    """The stored action a row of the plan shows (its hidden id), None for a new row."""
    return int(value) if value and value.isdecimal() and len(value) < 20 else None


def _renumbered(exc: InvalidInput, form: CommentaryForm) -> InvalidInput:
    """A row error from the service counts kept rows only: map it back to the form's row."""
    if not isinstance(exc, FieldInvalid) or not exc.field.startswith("actions-"):
        return exc
    _, index, sub = exc.field.split("-", 2)
    passed = [i for i, entry in enumerate(form.actions.entries) if not entry.form.remove.data]
    position = int(index)
    return FieldInvalid(f"actions-{passed[position]}-{sub}", exc.reason) if position < len(passed) else exc


@bp.route("/profile/logo", methods=["GET", "POST"])
@staff_required
def logo() -> str | Response:
    """A consultant uploads or removes the logo printed on their reports' covers."""
    user = principal()
    upload, removal = LogoForm(), RemoveLogoForm()
    if request.method == "POST" and "remove" in request.form:
        if not removal.validate_on_submit():
            abort(400)
        with db.write_session() as write:
            had_logo = services.remove_logo(write, user.id)
        flash("Logo removed." if had_logo else "There was no logo to remove.", "success")
        return redirect(url_for("report.logo"))
    if upload.validate_on_submit():
        data = upload.logo.data.stream.read(services.MAX_LOGO_BYTES + 1)
        try:
            with db.write_session() as write:
                services.set_logo(write, user.id, data)
        except InvalidInput as exc:
            show_error(upload, exc)
        else:
            flash("Logo saved. It appears on the cover of your reports.", "success")
            return redirect(url_for("report.logo"))
    return render_template(
        "report/logo.html",
        form=upload,
        remove_form=removal,
        logo=services.logo_info(db.get_session(), user.id),
        max_megabytes=services.MAX_LOGO_BYTES // (1024 * 1024),
    )
