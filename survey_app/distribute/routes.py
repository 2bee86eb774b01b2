"""Pages for handing out an assessment: team links, QR codes, personal invitations, e-mail.

Every route loads the assessment with ``assessment_for(..., manage=True)``: a leader of
the organization gets 403, anyone who may not see it 404. ``login_required`` stands in
for ``staff_required`` on purpose: with it a leader of another organization gets
404 like any outsider, instead of a 403 that would confirm the assessment exists.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import login_required
from werkzeug.utils import secure_filename

from .. import db
from ..access import assessment_for, principal
from ..assessments import team_links
from ..errors import InvalidInput, NotFound
from ..models import Assessment, MailJobStatus, User
from . import mail, mail_jobs, rounds, services
from .forms import MAX_CSV_BYTES, InvitationsForm, SendForm, TeamLinksForm

bp = Blueprint("distribute", __name__)

#: Links and their QR codes are secrets: no shared cache may keep them.
NO_STORE = {"Cache-Control": "private, no-store"}


def _managed(slug: str) -> Assessment:
    return assessment_for(db.get_session(), slug, manage=True)


def _invitations_form(assessment: Assessment) -> InvitationsForm:
    form = InvitationsForm()
    form.team.choices = [(team.key, team.name) for team in assessment.teams]
    return form


def _team_cards(assessment: Assessment) -> tuple[list[dict[str, str]], str]:
    """Each team's name, link and QR download; or an error saying why the links cannot be shown."""
    try:
        links = team_links(assessment, current_app.config["SECRET_KEY"], current_app.config["PUBLIC_URL"])
    except InvalidInput as exc:
        return [], str(exc)
    names = {team.key: team.name for team in assessment.teams}
    return [
        {
            "key": link.team,
            "name": names[link.team],
            "url": link.url,
            "qr_svg": url_for(".qr", slug=assessment.slug, team_key=link.team, kind="svg"),
            "qr_png": url_for(".qr", slug=assessment.slug, team_key=link.team, kind="png"),
        }
        for link in links
    ], ""


#: The most problems the error summary lists; the rest are counted (all are shown by their field).
SUMMARY_LIMIT = 10


def _error_summary(form: InvitationsForm) -> dict[str, object] | None:
    """The problems of a refused form, each with its field's id, for the summary at the page's top."""
    problems = [
        {"field": field.id, "message": str(message)}
        for field in (form.team, form.people, form.csv_file)
        for message in field.errors
    ]
    if not problems:
        return None
    return {
        "count": len(problems),
        "shown": problems[:SUMMARY_LIMIT],
        "more": len(problems) - SUMMARY_LIMIT,
        "more_field": problems[SUMMARY_LIMIT]["field"] if len(problems) > SUMMARY_LIMIT else "",
    }


def _render(assessment: Assessment, form: InvitationsForm, send_form: SendForm | None = None) -> Response:
    session = db.get_session()
    cards, link_error = _team_cards(assessment)
    teams = services.invitations_by_team(session, assessment)
    active = mail_jobs.active_job(session, assessment.id)
    response = current_app.make_response(
        render_template(
            "distribute/page.html",
            assessment=assessment,
            assessment_url=f"{request.script_root}/a/{assessment.slug}",
            is_accepting=assessment.is_accepting(datetime.now(UTC)),
            cards=cards,
            link_error=link_error,
            teams=teams,
            invitation_count=sum(len(team.rows) for team in teams),
            pending=services.count_pending(session, assessment.id),
            mail_configured=mail.is_configured(current_app.config),
            mail_job_url=url_for(".mail_job", slug=assessment.slug, job_id=active.id) if active else "",
            form=form,
            error_summary=_error_summary(form),
            send_form=send_form or SendForm(),
            links_form=TeamLinksForm(data={"invitations_only": assessment.invitations_only}),
            small_teams=services.small_teams(assessment),
            small_team_limit=services.SMALL_TEAM_FACTOR * assessment.min_group_size,
        )
    )
    response.headers.update(NO_STORE)
    return response


def _attachment(filename: str) -> str:
    return f'attachment; filename="{secure_filename(filename)}"'


def _back(slug: str, anchor: str = "invitations") -> Response:
    return redirect(url_for(".page", slug=slug, _anchor=anchor))


@bp.get("/a/<slug>/distribute")
@login_required
def page(slug: str) -> Response:
    """The team links with QR codes, and the personal invitations."""
    assessment = _managed(slug)
    return _render(assessment, _invitations_form(assessment))


@bp.post("/a/<slug>/team-links")
@login_required
def set_team_links(slug: str) -> Response:
    """Switch the team links off (personal invitations only) or on again."""
    assessment = _managed(slug)
    form = TeamLinksForm()
    if not form.validate_on_submit():
        abort(400)
    with db.write_session() as session:
        managed = assessment_for(session, slug, manage=True)
        managed.invitations_only = bool(form.invitations_only.data)
    if form.invitations_only.data:
        flash("Team links are off: only personal invitations take answers now.", "success")
    else:
        flash(f"Team links of “{assessment.name}” take answers again.", "success")
    return _back(slug, "links")


#: The QR code's image kinds: SVG scales to any print size, PNG goes into slides and documents.
QR_KINDS = {"svg": "image/svg+xml", "png": "image/png"}


@bp.get("/a/<slug>/teams/<team_key>/qr.svg", defaults={"kind": "svg"})
@bp.get("/a/<slug>/teams/<team_key>/qr.png", defaults={"kind": "png"})
@login_required
def qr(slug: str, team_key: str, kind: str) -> Response:
    """A team's survey link as a QR code (SVG or PNG download)."""
    assessment = _managed(slug)
    team = next((t for t in assessment.teams if t.key == team_key), None)
    if team is None:
        abort(404)
    try:
        links = team_links(assessment, current_app.config["SECRET_KEY"], current_app.config["PUBLIC_URL"])
    except InvalidInput as exc:
        flash(f"The QR code cannot be made: {exc}.", "error")
        return _back(slug, "links")
    url = next(link.url for link in links if link.team == team_key)
    image = services.qr_image(url, f"Survey link for {team.name} ({assessment.name})", kind)
    return Response(
        image,
        mimetype=QR_KINDS[kind],
        headers={"Content-Disposition": _attachment(f"{slug}-{team_key}-qr.{kind}"), **NO_STORE},
    )


@bp.post("/a/<slug>/invitations")
@login_required
def create_invitations(slug: str) -> Response:
    """Add personal invitations for one team from a pasted list or a CSV file: all or none."""
    assessment = _managed(slug)
    form = _invitations_form(assessment)
    if form.validate_on_submit():
        from_file = form.csv_file.data is not None
        source = form.csv_file if from_file else form.people
        try:
            people = (
                services.read_csv(form.csv_file.data.read(MAX_CSV_BYTES + 1))
                if from_file
                else services.read_pasted(form.people.data or "")
            )
            with db.write_session() as session:
                created = services.create_invitations(
                    session, assessment.id, form.team.data, people, current_app.config["SECRET_KEY"]
                )
        except services.InvitationsRejected as rejected:
            source.errors.extend(rejected.problems)
        except NotFound:
            form.team.errors.append("Choose one of the assessment's teams.")
        else:
            team = dict(form.team.choices)[form.team.data]
            flash(
                f"{created} personal invitation{'s' * (created != 1)} created for {team}.",
                "success",
            )
            return _back(slug)
    response = _render(assessment, form)
    response.status_code = 422
    return response


@bp.get("/a/<slug>/invitations.csv")
@login_required
def invitations_csv(slug: str) -> Response:
    """The personal links as a CSV file, for a mail merge."""
    assessment = _managed(slug)
    try:
        links = services.invitation_links(
            db.get_session(),
            assessment.id,
            current_app.config["SECRET_KEY"],
            current_app.config["PUBLIC_URL"],
        )
    except InvalidInput as exc:
        flash(f"The personal links cannot be listed: {exc}.", "error")
        return _back(slug)
    return Response(
        services.invitations_csv(links),
        mimetype="text/csv",
        headers={"Content-Disposition": _attachment(f"{slug}-invitations.csv"), **NO_STORE},
    )


def _mail_settings() -> mail.MailSettings | None:
    """The mail server's settings, or None after flashing why nothing can be sent."""
    try:
        settings = mail.settings_from(current_app.config)
    except mail.MailError as exc:
        flash(f"E-mail cannot be sent: {exc}.", "error")
        return None
    if settings is None:
        flash(
            "E-mail is not configured on this server (MAIL_SERVER is empty): nothing was sent."
            " Download the personal links as CSV for a mail merge instead.",
            "error",
        )
    return settings


def _links(assessment: Assessment, *, pending_only: bool) -> list[services.InvitationLink] | None:
    """The assessment's personal links, or None after flashing why they cannot be made."""
    config = current_app.config
    try:
        return services.invitation_links(
            db.get_session(),
            assessment.id,
            config["SECRET_KEY"],
            config["PUBLIC_URL"],
            pending_only=pending_only,
        )
    except InvalidInput as exc:
        flash(f"Nothing was sent: {exc}.", "error")
        return None


def _letter(assessment: Assessment) -> mail.SurveyFacts:
    """The assessment's invitation letter, signed by its consultant or else by the signed-in user."""
    return rounds.letter_for(assessment, db.get_session().get(User, principal().id))


def _round_settings(settings: mail.MailSettings) -> rounds.RoundSettings:
    config = current_app.config
    return rounds.RoundSettings(settings, config["SECRET_KEY"], config["PUBLIC_URL"])


@bp.post("/a/<slug>/invitations/send")
@login_required
def send_invitations(slug: str) -> Response:
    """E-mail each invitation not yet sent: by the worker when Redis is set, else while the browser waits.

    Each e-mail goes out once, however many rounds run at the same moment (``rounds``).
    """
    assessment = _managed(slug)
    if not SendForm().validate_on_submit():
        abort(400)
    settings = _mail_settings()
    if settings is None:
        return _back(slug)
    if current_app.config["REDIS_URL"]:
        return _send_in_background(assessment)
    try:
        report = rounds.send_pending(assessment.id, _letter(assessment), _round_settings(settings))
    except mail.MailServerError as exc:  # from connecting: before any e-mail
        flash(f"Nothing was sent: {exc}.", "error")
        return _back(slug)
    except InvalidInput as exc:
        flash(f"Sending stopped: {exc}.", "error")
        return _back(slug)
    for category, message in rounds.outcome_messages(report):
        flash(message, category)
    return _back(slug)


def _send_in_background(assessment: Assessment) -> Response:
    """Queue the round for the worker (or find the one under way); show its progress."""
    config = current_app.config
    # Redis is asked before the write transaction begins, so no lock is held while it answers.
    pending = mail_jobs.active_job(db.get_session(), assessment.id)
    lost = pending is not None and mail_jobs.queue_lost(config["REDIS_URL"], pending.id)
    with db.write_session() as write:
        job, is_new = mail_jobs.request_job(write, assessment, principal().id, is_lost=lost)
        job_id = job.id
    if is_new:
        try:
            mail_jobs.enqueue(config["REDIS_URL"], config["WORKER_QUEUE"], job_id)
        except Exception:
            current_app.logger.exception("could not queue mail job %s", job_id)
            with db.write_session() as write:
                mail_jobs.finish(
                    write,
                    job_id,
                    MailJobStatus.FAILED,
                    [("error", "Sending could not start: the worker's queue cannot be reached. Try later.")],
                )
    return redirect(url_for(".mail_job", slug=assessment.slug, job_id=job_id), code=303)


def _job(slug: str, job_id: int) -> tuple[Assessment, mail_jobs.MailProgress]:
    """The assessment (if the user manages it) and the progress of its job ``job_id``; 404 otherwise."""
    assessment = _managed(slug)
    try:
        job = mail_jobs.get_job(db.get_session(), assessment, job_id)
    except NotFound:
        abort(404)
    redis_url = current_app.config["REDIS_URL"]
    lost = job.status in mail_jobs.UNFINISHED and bool(redis_url) and mail_jobs.queue_lost(redis_url, job.id)
    return assessment, mail_jobs.progress_of(job, is_lost=lost)


@bp.get("/a/<slug>/invitations/job/<int:job_id>")
@login_required
def mail_job(slug: str, job_id: int) -> Response:
    """How far the worker is with the invitation e-mails; what it achieved once done."""
    assessment, progress = _job(slug, job_id)
    response = current_app.make_response(
        render_template(
            "distribute/job.html",
            assessment=assessment,
            progress=progress,
            status_url=url_for(".mail_job", slug=slug, job_id=job_id),
            progress_url=url_for(".mail_job_progress", slug=slug, job_id=job_id),
            page_url=url_for(".page", slug=slug, _anchor="invitations"),
        )
    )
    response.headers.update(NO_STORE)
    return response


@bp.get("/a/<slug>/invitations/job/<int:job_id>.json")
@login_required
def mail_job_progress(slug: str, job_id: int) -> Response:
    """The job's progress as JSON, for the status page's script."""
    _assessment, progress = _job(slug, job_id)
    response = jsonify(progress.as_json())
    response.headers.update(NO_STORE)
    return response


@bp.post("/a/<slug>/invitations/remind")
@login_required
def remind(slug: str) -> Response:
    """E-mail a reminder to everyone invited by e-mail who has not answered yet.

    Who that is is never shown: the page says how many were reminded, and an address the
    mail server refuses is counted, not named (naming it would tell that its person has
    not answered).
    """
    assessment = _managed(slug)
    if not SendForm().validate_on_submit():
        abort(400)
    settings = _mail_settings()
    links = _links(assessment, pending_only=False) if settings else None
    if settings is None or links is None:
        return _back(slug)
    links = [link for link in links if services.is_to_remind(link)]
    if not links:
        flash("Nobody to remind: everyone e-mailed has answered, or no invitation was e-mailed yet.", "info")
        return _back(slug)
    try:
        report = rounds.send_reminders(links, _letter(assessment), settings)
    except mail.MailServerError as exc:
        flash(f"Nothing was sent: {exc}.", "error")
        report = None
    if report is not None:
        if report.sent:
            flash(
                f"Reminder sent to {report.sent} {'person' if report.sent == 1 else 'people'}"
                " who had not answered yet.",
                "success",
            )
        missed = len(report.failed) + report.not_tried
        if missed:
            flash(
                f"{missed} reminder{'s' if missed != 1 else ''} could not be sent"
                f"{': ' + report.stopped if report.stopped else ''}. Send the reminders again later.",
                "error",
            )
    return _back(slug)
